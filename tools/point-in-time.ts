import { Level } from 'level';
import { CheckpointStore, CheckpointWriter, type CheckpointManifest } from '../src/log/checkpoints.js';
import { heldFrom, heldFromKey } from '../src/log/segments.js';
import { lastStoredRev, readShardFrames, readStored } from '../src/log/stored-reader.js';
import { applyEffect } from '../src/projections/apply.js';
import { emptyShardState, type ShardState } from '../src/projections/shard-state.js';
import { snapshotOf, valueFromSnapshot, type ValueSnapshot } from '../src/projections/value-snapshot.js';

type Db = Level<Buffer, Buffer>;

/** Where a restore starts and ends. */
export interface RestorePlan {
  /** The revision the restored state is at (a transaction that straddles the target is left out whole). */
  rev: number;
  /** Per shard: the checkpoint it starts from (undefined: the start of the log). */
  checkpoints: (CheckpointManifest | undefined)[];
  /** At most this many records to replay after the checkpoints (revisions are shared by the shards). */
  records: number;
}

/** The last revision written at or before `time` (ms), 0 when none was. */
export async function revisionAtTime(db: Db, shards: number, time: number): Promise<number> {
  let rev = 0;
  for await (const record of readStored(db, range(shards), 1)) {
    if (record.ts > time) break;
    rev = record.rev;
  }
  return rev;
}

/** The newest revision a data directory holds (in its frames or a checkpoint) and when it was written; 0 when it holds none. */
export async function newestHeld(db: Db, shards: number): Promise<{ rev: number; ts: number }> {
  const checkpoints = new CheckpointStore(db);
  let newest = { rev: 0, ts: 0 };
  for (let shard = 0; shard < shards; shard++) {
    const stored = await lastStoredRev(db, shard);
    if (stored > newest.rev)
      for await (const record of readStored(db, [shard], stored)) {
        newest = { rev: record.rev, ts: record.ts };
        break;
      }
    const checkpoint = await checkpoints.newest(shard);
    if (checkpoint !== undefined && checkpoint.rev > newest.rev) newest = { rev: checkpoint.rev, ts: checkpoint.ts };
  }
  return newest;
}

/** Plans a restore to `target`, or says why the log cannot reach it. */
export async function planRestore(db: Db, shards: number, target: number): Promise<RestorePlan> {
  // A multi-shard transaction is whole or absent: its revisions are consecutive, so look one past.
  let rev = target;
  for await (const record of readStored(db, range(shards), target + 1)) {
    if (record.txn !== 0 && record.txn <= target) rev = record.txn - 1;
    break;
  }
  const store = new CheckpointStore(db);
  const checkpoints: (CheckpointManifest | undefined)[] = [];
  for (let shard = 0; shard < shards; shard++) {
    const checkpoint = (await store.list(shard)).filter((candidate) => candidate.rev <= rev).pop();
    const held = await heldFrom(db, shard);
    if ((checkpoint?.rev ?? 0) + 1 < held) throw new Error(`revision ${rev} is older than what the log holds (oldest available: ${held})`);
    checkpoints.push(checkpoint);
  }
  const oldestStart = Math.min(...checkpoints.map((checkpoint) => checkpoint?.rev ?? 0));
  return { rev, checkpoints, records: Math.max(0, rev - oldestStart) };
}

/**
 * Builds each shard's state at the plan's revision, the shards side by side (one's reads overlap
 * another's replay, as in recovery); `progress` hears of every run of records replayed.
 */
export async function replayToRevision(db: Db, plan: RestorePlan, progress: (records: number) => void): Promise<{ states: ShardState[]; records: number }> {
  const store = new CheckpointStore(db);
  const replayShard = async (shard: number): Promise<{ state: ShardState; records: number }> => {
    const state = emptyShardState();
    let records = 0;
    const checkpoint = plan.checkpoints[shard];
    if (checkpoint !== undefined)
      for await (const rows of store.rows(shard, checkpoint.rev))
        for (const [db, key, snapshot, expireAt] of rows) state.dbs[db].set(key, valueFromSnapshot(snapshot as ValueSnapshot), expireAt);
    reading: for await (const rows of readShardFrames(db, shard, (checkpoint?.rev ?? 0) + 1)) {
      for (const [rev, , dbIndex, , effect] of rows) {
        if (rev > plan.rev) break reading;
        applyEffect(state, dbIndex, effect, rev);
        records++;
      }
      progress(rows.length);
    }
    return { state, records };
  };
  const shards = await Promise.all(plan.checkpoints.map((_, shard) => replayShard(shard)));
  return { states: shards.map((shard) => shard.state), records: shards.reduce((sum, shard) => sum + shard.records, 0) };
}

/**
 * Writes a new data directory holding exactly `states` at `rev`: one checkpoint per shard and no
 * frames, so that a server started on it begins there (readers asking for earlier revisions are
 * told they are compacted).
 */
export async function writeDataDir(dir: string, states: ShardState[], rev: number, ts: number): Promise<void> {
  const db = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer', errorIfExists: true });
  await db.open();
  try {
    const shards = Buffer.alloc(2);
    shards.writeUInt16BE(states.length);
    await db.put(Buffer.from('Mshards'), shards);
    const store = new CheckpointStore(db);
    for (let shard = 0; shard < states.length; shard++) {
      const writer = new CheckpointWriter(store, shard, rev);
      for (let dbIndex = 0; dbIndex < states[shard].dbs.length; dbIndex++) {
        const ks = states[shard].dbs[dbIndex];
        for (const [key, value] of ks.data) await writer.add([dbIndex, key, snapshotOf(value), ks.expireAt(key)]);
      }
      await writer.complete(ts);
      const held = Buffer.alloc(8);
      held.writeBigUInt64BE(BigInt(rev + 1));
      await db.put(heldFromKey(shard), held, { sync: true });
    }
  } finally {
    await db.close();
  }
}

function range(shards: number): number[] {
  return Array.from({ length: shards }, (_, i) => i);
}
