import type { CheckpointRow } from '../log/checkpoints.js';
import type { ReplaySink } from '../log/replay.js';
import { applyEffect } from './apply.js';
import type { ShardState } from './shard-state.js';
import { valueFromSnapshot } from './value-snapshot.js';

/** Loads checkpoint rows into a shard's projection (every row belongs to that shard). */
export function loadCheckpointRows(state: ShardState, rows: readonly CheckpointRow[]): void {
  const dbs = state.dbs;
  for (const [db, key, snapshot, expireAt] of rows) dbs[db].set(key, valueFromSnapshot(snapshot, state.limits), expireAt);
}

/** A replay of the log into a shard's projection (recovery, point-in-time restores). */
export function shardStateSink(state: ShardState): ReplaySink {
  return {
    rows: (rows) => loadCheckpointRows(state, rows),
    records: (rows) => {
      for (const [rev, , db, , effect] of rows) applyEffect(state, db, effect, rev);
    },
  };
}
