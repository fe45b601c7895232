import type { EffectDraft, LogRecord } from '../log/record.js';
import type { Keyspace } from '../projections/keyspace.js';
import { snapshotOf } from '../projections/value-snapshot.js';
import { shardOfSlot } from './slot.js';

/** What placing a record needs to know of the node it lands on. */
export interface PlacementTarget {
  readonly shardCount: number;
  shardOf(key: string): number;
  /** The keyspace of `db` on the shard that holds `key`. */
  keyspaceOf(db: number, key: string): Keyspace;
}

/**
 * Places a record another node decided (a follower's copy of its primary's log) by this node's own
 * slot map. Shard numbers are local to a process: a follower on a machine with another core count
 * has another shard count, and the keys, not the shards, are what both sides share.
 *
 * Most records name one key and go whole to its shard. A record whose keys this node keeps on
 * different shards (MSET, RENAME, COPY decided on one shard of the primary) becomes one record per
 * shard, at the same revision: a revision is still one change, committed in one batch. A
 * whole-database record (FLUSHDB, FLUSHALL, SWAPDB) is written by the primary to each of its
 * `sourceShards` in shard order within one command: each goes to the shard of the same number, the
 * primary's last one also to every shard past it, so that every shard here applies it exactly once.
 * Must be called before the record is applied: a split RENAME reads the value it moves.
 */
export function placeReplicated(record: LogRecord, sourceShards: number, target: PlacementTarget): LogRecord[] {
  if (sourceShards === target.shardCount) return [record];
  const effect = record.effect;
  switch (effect[0]) {
    case 'flushdb':
    case 'flushall':
    case 'swapdb': {
      const placed: LogRecord[] = [];
      const last = record.shard === sourceShards - 1 ? target.shardCount - 1 : record.shard;
      for (let shard = record.shard; shard <= last && shard < target.shardCount; shard++) placed.push({ ...record, shard });
      return placed;
    }
    case 'mset': {
      const byShard = new Map<number, EffectDraft<'mset'>>();
      for (let i = 1; i < effect.length; i += 2) {
        const shard = target.shardOf(effect[i]);
        let pairs = byShard.get(shard);
        if (pairs === undefined) byShard.set(shard, (pairs = ['mset']));
        pairs.push(effect[i], effect[i + 1]);
      }
      return [...byShard].map(([shard, pairs]) => ({ ...record, shard, effect: pairs }));
    }
    case 'slots-moved':
      // On the shard of its first slot: a tail of that slot's keys reads that shard.
      return [{ ...record, shard: shardOfSlot(effect[1], target.shardCount) }];
    case 'rename':
      return splitTwoKeys(record, target, effect[1], effect[2], record.db, 'rename');
    case 'copy':
      return splitTwoKeys(record, target, effect[1], effect[2], effect[3], 'copy');
    default:
      return [{ ...record, shard: target.shardOf(effect[1]) }];
  }
}

/**
 * RENAME or COPY between keys this node keeps on different shards: what the primary writes for
 * keys on different shards of its own, a put of the value's snapshot (and, for RENAME, a delete),
 * named by the events Redis gives them.
 */
function splitTwoKeys(record: LogRecord, target: PlacementTarget, from: string, to: string, toDb: number, op: 'rename' | 'copy'): LogRecord[] {
  const fromShard = target.shardOf(from);
  const toShard = target.shardOf(to);
  if (fromShard === toShard) return [{ ...record, shard: fromShard }];
  const ks = target.keyspaceOf(record.db, from);
  const value = ks.data.get(from);
  // The primary had the key; a follower holding the same history has it too.
  if (value === undefined) return [];
  const put: LogRecord = { ...record, shard: toShard, db: toDb, effect: ['put', to, snapshotOf(value), ks.expireAt(from)], event: `${op}_to` };
  if (op === 'copy') return [put];
  return [{ ...record, shard: fromShard, effect: ['del', from, 'del'], event: 'rename_from' }, put];
}
