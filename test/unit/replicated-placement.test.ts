import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Effect, LogRecord } from '../../src/log/record.js';
import { applyEffect } from '../../src/projections/apply.js';
import { emptyShardState, type ShardState } from '../../src/projections/shard-state.js';
import { snapshotOf } from '../../src/projections/value-snapshot.js';
import { placeReplicated } from '../../src/shards/replicated-placement.js';
import { shardOfSlot, slotOf } from '../../src/shards/slot.js';

/** A node's projections: `count` shards, keys routed by slot as the store routes them. */
class Node {
  readonly states: ShardState[];
  constructor(readonly count: number) {
    this.states = Array.from({ length: count }, () => emptyShardState());
  }
  shardOf(key: string): number {
    return shardOfSlot(slotOf(key), this.count);
  }
  /** What reads see: each db's keys with their values, read from the shard the key routes to. */
  contents(): unknown[] {
    return [0, 1].map((db) => {
      const seen: Record<string, unknown> = {};
      for (const state of this.states)
        for (const [key, value] of state.dbs[db].data) if (this.states[this.shardOf(key)] === state) seen[key] = [snapshotOf(value), state.dbs[db].expireAt(key)];
      return Object.fromEntries(Object.entries(seen).sort());
    });
  }
}

const KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

/** One command as the primary decides it: the records it writes, on its own shards. */
type Command =
  | { op: 'set' | 'sadd' | 'del' | 'expire'; key: string; value: string }
  | { op: 'mset'; keys: string[] }
  | { op: 'rename' | 'copy'; from: string; to: string; db: number }
  | { op: 'move'; key: string }
  | { op: 'flushdb' | 'flushall' }
  | { op: 'swapdb' };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ op: fc.constantFrom('set' as const, 'sadd' as const, 'del' as const, 'expire' as const), key: fc.constantFrom(...KEYS), value: fc.string({ maxLength: 3 }) }),
  fc.record({ op: fc.constant('mset' as const), keys: fc.uniqueArray(fc.constantFrom(...KEYS), { minLength: 1 }) }),
  fc.record({ op: fc.constantFrom('rename' as const, 'copy' as const), from: fc.constantFrom(...KEYS), to: fc.constantFrom(...KEYS), db: fc.constantFrom(0, 1) }),
  fc.record({ op: fc.constant('move' as const), key: fc.constantFrom(...KEYS) }),
  fc.record({ op: fc.constantFrom('flushdb' as const, 'flushall' as const) }),
  fc.record({ op: fc.constant('swapdb' as const) }),
);

/** Runs commands on a primary of `count` shards, as the command handlers write them; the records in order. */
function decide(primary: Node, commands: Command[]): LogRecord[] {
  const records: LogRecord[] = [];
  const write = (shard: number, db: number, effect: Effect) => {
    const record: LogRecord = { rev: records.length + 1, ts: 1, shard, db, txn: 0, effect };
    applyEffect(primary.states[shard], db, effect, record.rev);
    records.push(record);
  };
  const has = (db: number, key: string) => primary.states[primary.shardOf(key)].dbs[db].data.has(key);
  for (const c of commands) {
    switch (c.op) {
      case 'set':
        write(primary.shardOf(c.key), 0, ['put', c.key, c.value, 0]);
        break;
      case 'sadd':
        if (!has(0, c.key) || typeof primary.states[primary.shardOf(c.key)].dbs[0].data.get(c.key) !== 'string') write(primary.shardOf(c.key), 0, ['sadd', c.key, c.value]);
        break;
      case 'del':
        if (has(0, c.key)) write(primary.shardOf(c.key), 0, ['del', c.key, 'del']);
        break;
      case 'expire':
        if (has(0, c.key)) write(primary.shardOf(c.key), 0, ['expire', c.key, 1000 + c.value.length]);
        break;
      case 'mset': {
        const perShard = new Map<number, string[]>();
        for (const key of c.keys) perShard.set(primary.shardOf(key), [...(perShard.get(primary.shardOf(key)) ?? []), key, `m${key}`]);
        for (const [shard, pairs] of perShard) write(shard, 0, ['mset', ...pairs]);
        break;
      }
      case 'rename':
      case 'copy':
        // RENAME and COPY name both keys only when the primary keeps them on one shard (else: a put and a delete).
        if (c.from !== c.to && has(0, c.from) && primary.shardOf(c.from) === primary.shardOf(c.to))
          write(primary.shardOf(c.from), 0, c.op === 'rename' ? ['rename', c.from, c.to] : ['copy', c.from, c.to, c.db]);
        break;
      case 'move':
        if (has(0, c.key) && !has(1, c.key)) write(primary.shardOf(c.key), 0, ['move', c.key, 1]);
        break;
      default:
        for (let shard = 0; shard < primary.count; shard++) write(shard, c.op === 'flushdb' ? 1 : 0, c.op === 'swapdb' ? ['swapdb', 0, 1] : [c.op]);
    }
  }
  return records;
}

describe('placeReplicated', () => {
  it('a follower with any shard count reads what its primary reads, after any commands', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.array(command, { maxLength: 40 }), (primaryShards, followerShards, commands) => {
        const primary = new Node(primaryShards);
        const records = decide(primary, commands);
        const follower = new Node(followerShards);
        const target = {
          shardCount: followerShards,
          shardOf: (key: string) => follower.shardOf(key),
          keyspaceOf: (db: number, key: string) => follower.states[follower.shardOf(key)].dbs[db],
        };
        for (const record of records)
          for (const part of placeReplicated(record, primaryShards, target)) {
            expect(part.rev).toBe(record.rev);
            applyEffect(follower.states[part.shard], part.db, part.effect, part.rev);
          }
        expect(follower.contents()).toEqual(primary.contents());
      }),
      { numRuns: 300 },
    );
  });

  it('a RENAME between two shards of the follower is a delete and a put, named as Redis names them', () => {
    const follower = new Node(4);
    const [from, to] = ['a', 'b', 'c', 'd', 'e', 'f'].filter((key, _, all) => follower.shardOf(key) !== follower.shardOf(all[0]) || key === all[0]);
    follower.states[follower.shardOf(from)].dbs[0].set(from, 'v', 5000);
    const target = { shardCount: 4, shardOf: (key: string) => follower.shardOf(key), keyspaceOf: (db: number, key: string) => follower.states[follower.shardOf(key)].dbs[db] };
    const parts = placeReplicated({ rev: 7, ts: 1, shard: 0, db: 0, txn: 0, effect: ['rename', from, to] }, 1, target);
    expect(parts).toEqual([
      { rev: 7, ts: 1, shard: follower.shardOf(from), db: 0, txn: 0, effect: ['del', from, 'del'], event: 'rename_from' },
      { rev: 7, ts: 1, shard: follower.shardOf(to), db: 0, txn: 0, effect: ['put', to, 'v', 5000], event: 'rename_to' },
    ]);
  });
});
