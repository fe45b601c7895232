import { describe, expect, it } from 'vitest';
import { replyOfScriptValue, scriptValueOf } from '../../src/commands/script-replies.js';
import { BooleanReply, DoubleReply, ErrorReply, MapReply, NullArrayReply, SetReply, StatusReply, VerbatimReply, type Reply } from '../../src/replies/reply.js';

/** Redis's conversion tables between replies and Lua values, on the server's side (scripting.c's). */
describe('a reply as a script sees it', () => {
  const map = new MapReply([['f', 'v']]);
  it.each<[string, Reply, unknown, unknown]>([
    ['a bulk string', 'text', 'text', 'text'],
    ['an integer', 7, 7, 7],
    ['a nil', null, null, null],
    ['a nil array', new NullArrayReply(), null, null],
    ['a status', new StatusReply('OK'), { ok: 'OK' }, { ok: 'OK' }],
    ['an error', new ErrorReply('ERR no'), { err: 'ERR no' }, { err: 'ERR no' }],
    ['a map', map, ['f', 'v'], { map: ['f', 'v'] }],
    ['a set', new SetReply(['a']), ['a'], { set: ['a'] }],
    ['a double', new DoubleReply(0.1), '0.10000000000000001', { double: 0.1 }],
    ['a boolean', new BooleanReply(true), 1, true],
    ['a verbatim string', new VerbatimReply('hi', 'txt'), 'hi', { verbatim: ['txt', 'hi'] }],
    ['an array of them', [new StatusReply('OK'), 1], [{ ok: 'OK' }, 1], [{ ok: 'OK' }, 1]],
  ])('%s: in RESP2 and in RESP3', (_, reply, resp2, resp3) => {
    expect(scriptValueOf(reply, 2)).toEqual(resp2);
    expect(scriptValueOf(reply, 3)).toEqual(resp3);
  });
});

describe("a script's result as its client gets it", () => {
  it('turns each Lua value back into the reply it stands for', () => {
    expect(replyOfScriptValue({ ok: 'PONG' })).toEqual(new StatusReply('PONG'));
    expect(replyOfScriptValue({ err: 'ERR x' })).toEqual(new ErrorReply('ERR x'));
    expect(replyOfScriptValue(true)).toEqual(new BooleanReply(true));
    expect(replyOfScriptValue({ double: 1.5 })).toEqual(new DoubleReply(1.5));
    expect(replyOfScriptValue({ big: '12345678901234567890' })).toBe('12345678901234567890');
    expect(replyOfScriptValue({ map: ['a', 1, 'b'] })).toEqual(new MapReply([['a', 1]]));
    expect(replyOfScriptValue({ set: ['x', 2] })).toEqual(new SetReply(['x', 2]));
    expect(replyOfScriptValue(['a', [null, 3n]])).toEqual(['a', [null, 3n]]);
  });

  it('gives back what a script was given, for every RESP3 value', () => {
    const replies: Reply[] = [
      new StatusReply('OK'),
      new MapReply([['k', 1]]),
      new SetReply(['m']),
      new DoubleReply(2.5),
      new BooleanReply(false),
      new VerbatimReply('v', 'txt'),
      ['nested', 1],
    ];
    for (const reply of replies) expect(replyOfScriptValue(scriptValueOf(reply, 3))).toEqual(reply);
  });
});
