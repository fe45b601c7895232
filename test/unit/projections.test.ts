import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeFrameRows } from '../../src/log/frame.js';
import type { Effect, LogRecord } from '../../src/log/record.js';
import { apply } from '../../src/projections/apply.js';
import { setRange } from '../../src/projections/string-value.js';
import { defaultEncodingLimits } from '../../src/projections/encoding-limits.js';
import { emptyShardState, type ShardState } from '../../src/projections/shard-state.js';
import { encodingOf } from '../../src/projections/value.js';
import { snapshotOf, valueFromSnapshot } from '../../src/projections/value-snapshot.js';

function replay(effects: [db: number, effect: Effect][], state = emptyShardState()): ShardState {
  effects.forEach(([db, effect], i) => apply(state, { rev: i + 1, ts: 0, shard: 0, db, txn: 0, effect } satisfies LogRecord));
  return state;
}

function snapshot(state: ShardState): unknown {
  return state.dbs.map((ks) => [[...ks.data], [...ks.expires]]);
}

describe('apply', () => {
  const effects: [number, Effect][] = [
    [0, ['put', 'a', '1', 0]],
    [0, ['put', 'b', '2', 5000]],
    [0, ['append', 'a', '23']],
    [0, ['setrange', 'c', 2, 'xy']],
    [0, ['rename', 'b', 'b2']],
    [0, ['copy', 'a', 'a', 3]],
    [0, ['move', 'c', 1]],
    [0, ['expire', 'a', 9000]],
    [0, ['persist', 'a']],
    [2, ['put', 'two', 'x', 0]],
    [0, ['swapdb', 2, 4]],
    [0, ['del', 'missing', 'del']],
  ];

  it('is deterministic: the same records give the same state', () => {
    expect(snapshot(replay(effects))).toEqual(snapshot(replay(effects)));
  });

  it('applies each effect as specified', () => {
    const state = replay(effects);
    expect([...state.dbs[0].data]).toEqual([
      ['a', '123'],
      ['b2', '2'],
    ]);
    expect([...state.dbs[0].expires]).toEqual([['b2', 5000]]);
    expect(state.dbs[1].data.get('c')).toBe('\0\0xy');
    expect(state.dbs[3].data.get('a')).toBe('123');
    expect(state.dbs[2].size).toBe(0);
    expect(state.dbs[4].data.get('two')).toBe('x');
  });

  it('flushdb and flushall clear', () => {
    const state = replay([...effects, [0, ['flushdb']]]);
    expect(state.dbs[0].size).toBe(0);
    expect(state.dbs[1].size).toBe(1);
    expect(replay([...effects, [0, ['flushall']]]).dbs.every((ks) => ks.size === 0)).toBe(true);
  });

  it('refuses an unknown effect loudly', () => {
    // No code writes one: it comes from a corrupt or newer log, through the frame decoder.
    const [[, , db, , effect]] = decodeFrameRows(pack([[1, 0, 0, 0, ['frobnicate', 'k']]]));
    expect(() => replay([[db, effect]])).toThrow("unknown effect 'frobnicate' at revision 1");
  });

  it('setRange pads with zero bytes', () => {
    expect(setRange('Hello World', 6, 'Redis')).toBe('Hello Redis');
    expect(setRange('ab', 4, 'c')).toBe('ab\0\0c');
  });

  it('names Redis string encodings', () => {
    expect(encodingOf('123')).toBe('int');
    expect(encodingOf('-9223372036854775808')).toBe('int');
    expect(encodingOf('9223372036854775808')).toBe('embstr');
    expect(encodingOf('0123')).toBe('embstr');
    expect(encodingOf('x'.repeat(45))).toBe('raw');
  });
});

describe('encodings', () => {
  /** Applies the effects (db 0) to a state with these limits; OBJECT ENCODING of each key after. */
  function encodings(effects: Effect[], limits = defaultEncodingLimits()): Record<string, string> {
    const state = replay(
      effects.map((effect) => [0, effect]),
      emptyShardState(limits),
    );
    return Object.fromEntries([...state.dbs[0].data].map(([key, value]) => [key, encodingOf(value)]));
  }
  const long = 'x'.repeat(65);

  it('a collection converts once past a threshold and stays converted when it shrinks (Redis never converts back)', () => {
    expect(
      encodings([
        ['hset', 'h', 'f', long, 'g', 'v'],
        ['hdel', 'h', 'f'],
        ['sadd', 's', '1', 'a'],
        ['srem', 's', 'a'],
        ['zadd', 'z', 1, long, 2, 'b'],
        ['zrem', 'z', long],
        ['hset', 'small', 'f', 'v'],
        ['sadd', 'ints', '1', '-9223372036854775808'],
        ['zadd', 'zsmall', 1, 'm'],
      ]),
    ).toEqual({ h: 'hashtable', s: 'hashtable', z: 'skiplist', small: 'listpack', ints: 'intset', zsmall: 'listpack' });
  });

  it('thresholds are read as each write applies: lowering them converts at the next write, raising them converts nothing back', () => {
    const limits = defaultEncodingLimits();
    const state = emptyShardState(limits);
    replay(
      [
        [0, ['hset', 'h', 'a', '1', 'b', '2', 'c', '3']],
        [0, ['sadd', 's', '1', '2', '3']],
        [0, ['zadd', 'z', 1, 'a', 2, 'b', 3, 'c']],
      ],
      state,
    );
    Object.assign(limits, { hashEntries: 2, intsetEntries: 2, zsetEntries: 2 });
    const encodingsNow = () => ['h', 's', 'z'].map((key) => encodingOf(state.dbs[0].data.get(key) as string));
    expect(encodingsNow()).toEqual(['listpack', 'intset', 'listpack']);
    // A hash checks its length after any HSET; a set or sorted set only when a member is added.
    replay(
      [
        [0, ['hset', 'h', 'a', '9']],
        [0, ['sadd', 's', '3']],
        [0, ['zadd', 'z', 5, 'a']],
      ],
      state,
    );
    expect(encodingsNow()).toEqual(['hashtable', 'intset', 'listpack']);
    replay(
      [
        [0, ['sadd', 's', '4']],
        [0, ['zadd', 'z', 4, 'd']],
      ],
      state,
    );
    expect(encodingsNow()).toEqual(['hashtable', 'hashtable', 'skiplist']);
    Object.assign(limits, defaultEncodingLimits());
    replay([[0, ['hdel', 'h', 'a', 'b']]], state);
    expect(encodingsNow()).toEqual(['hashtable', 'hashtable', 'skiplist']);
  });

  it('zero thresholds and value lengths: a field, value or member longer than the value limit converts', () => {
    expect(
      encodings(
        [
          ['hset', 'h', 'f', 'x'.repeat(64)],
          ['sadd', 's', '1'],
          ['zadd', 'z', 1, 'a'],
        ],
        { ...defaultEncodingLimits(), intsetEntries: 0, zsetEntries: 0 },
      ),
    ).toEqual({
      h: 'listpack',
      s: 'hashtable',
      z: 'skiplist',
    });
    expect(
      encodings(
        [
          ['hset', 'h', 'abcdef', '1'],
          ['hset', 'v', 'a', '123456'],
          ['zadd', 'z', 1, 'abcdef'],
          ['hset', 'ok', 'abcde', '12345'],
        ],
        { ...defaultEncodingLimits(), hashValue: 5, zsetValue: 5 },
      ),
    ).toEqual({
      h: 'hashtable',
      v: 'hashtable',
      z: 'skiplist',
      ok: 'listpack',
    });
  });

  it('a value loaded (a checkpoint, a put) is compact when it fits; COPY keeps the encoding, as Redis duplicates a value', () => {
    const state = replay([
      [0, ['hset', 'h', 'f', long, 'g', 'v']],
      [0, ['hdel', 'h', 'f']],
      [0, ['copy', 'h', 'copied', 0]],
    ]);
    const loaded = valueFromSnapshot(snapshotOf(state.dbs[0].data.get('h') as string), state.limits);
    expect([encodingOf(state.dbs[0].data.get('copied') as string), encodingOf(loaded)]).toEqual(['hashtable', 'listpack']);
    expect(
      encodings([
        ['put', 'p', ['set', '1', '2'], 0],
        ['put', 'q', ['zset', 1, long], 0],
      ]),
    ).toEqual({ p: 'intset', q: 'skiplist' });
  });
});
