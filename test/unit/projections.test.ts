import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeFrameRows } from '../../src/log/frame.js';
import type { Effect, LogRecord } from '../../src/log/record.js';
import { apply, setRange } from '../../src/projections/apply.js';
import { emptyShardState, type ShardState } from '../../src/projections/shard-state.js';
import { encodingOf } from '../../src/projections/value.js';

function replay(effects: [db: number, effect: Effect][]): ShardState {
  const state = emptyShardState();
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
