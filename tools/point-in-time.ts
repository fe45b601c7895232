import { CheckpointWriter, type CheckpointManifest } from '../src/log/checkpoints.js';
import { replayShard } from '../src/log/replay.js';
import { LogStorage } from '../src/log/storage.js';
import { terminalProgress } from '../src/observability/progress.js';
import { shardStateSink } from '../src/projections/replay-sink.js';
import { emptyShardState, type ShardState } from '../src/projections/shard-state.js';
import { snapshotOf } from '../src/projections/value-snapshot.js';

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
export async function revisionAtTime(storage: LogStorage, time: number): Promise<number> {
  let rev = 0;
  for await (const record of storage.read(storage.shardIds, 1)) {
    if (record.ts > time) break;
    rev = record.rev;
  }
  return rev;
}

/** The newest revision a data directory holds (in its frames or a checkpoint) and when it was written; 0 when it holds none. */
export async function newestHeld(storage: LogStorage): Promise<{ rev: number; ts: number }> {
  const checkpoints = storage.checkpoints;
  let newest = { rev: 0, ts: 0 };
  for (const shard of storage.shardIds) {
    const stored = await storage.lastStoredRev(shard);
    if (stored > newest.rev)
      for await (const record of storage.read([shard], stored)) {
        newest = { rev: record.rev, ts: record.ts };
        break;
      }
    const checkpoint = await checkpoints.newest(shard);
    if (checkpoint !== undefined && checkpoint.rev > newest.rev) newest = { rev: checkpoint.rev, ts: checkpoint.ts };
  }
  return newest;
}

/** Plans a restore to `target`, or says why the log cannot reach it. */
export async function planRestore(storage: LogStorage, target: number): Promise<RestorePlan> {
  // A multi-shard transaction is whole or absent: its revisions are consecutive, so look one past.
  let rev = target;
  for await (const record of storage.read(storage.shardIds, target + 1)) {
    if (record.txn !== 0 && record.txn <= target) rev = record.txn - 1;
    break;
  }
  const checkpoints: (CheckpointManifest | undefined)[] = [];
  for (const shard of storage.shardIds) {
    const checkpoint = (await storage.checkpoints.list(shard)).filter((candidate) => candidate.rev <= rev).pop();
    const held = await storage.heldFrom(shard);
    if ((checkpoint?.rev ?? 0) + 1 < held) throw new Error(`revision ${rev} is older than what the log holds (oldest available: ${held})`);
    checkpoints.push(checkpoint);
  }
  const oldestStart = Math.min(...checkpoints.map((checkpoint) => checkpoint?.rev ?? 0));
  return { rev, checkpoints, records: Math.max(0, rev - oldestStart) };
}

/**
 * Builds each shard's state at the plan's revision, the shards side by side (one's reads overlap
 * another's replay, as in recovery), with progress on stderr (a bar on a terminal, lines otherwise).
 */
export async function replayToRevision(storage: LogStorage, plan: RestorePlan): Promise<{ states: ShardState[]; records: number }> {
  const progress = terminalProgress('replaying', plan.records, { unit: 'records' });
  let done = 0;
  const replaying = Promise.all(
    plan.checkpoints.map(async (checkpoint, shard) => {
      const state = emptyShardState();
      const into = shardStateSink(state);
      const sink = {
        rows: into.rows,
        records: (rows: Parameters<typeof into.records>[0]) => {
          into.records(rows);
          progress.update((done += rows.length));
        },
      };
      const { records } = await replayShard(storage, shard, sink, { checkpoint: checkpoint ?? null, upTo: plan.rev });
      return { state, records };
    }),
  );
  const replayed = await replaying.finally(() => progress.stop());
  return { states: replayed.map((shard) => shard.state), records: replayed.reduce((sum, shard) => sum + shard.records, 0) };
}

/**
 * Writes a new data directory holding exactly `states` at `rev`: one checkpoint per shard and no
 * frames, so that a server started on it begins there (readers asking for earlier revisions are
 * told they are compacted).
 */
export async function writeDataDir(dir: string, states: ShardState[], rev: number, ts: number): Promise<void> {
  const storage = await LogStorage.open(dir, { fresh: { shards: states.length } });
  try {
    for (let shard = 0; shard < states.length; shard++) {
      const writer = new CheckpointWriter(storage.checkpoints, shard, rev);
      for (let dbIndex = 0; dbIndex < states[shard].dbs.length; dbIndex++) {
        const ks = states[shard].dbs[dbIndex];
        for (const [key, value] of ks.data) {
          const written = writer.add([dbIndex, key, snapshotOf(value), ks.expireAt(key)]);
          if (written !== undefined) await written;
        }
      }
      await writer.complete(ts);
    }
    await storage.markHeldFrom(rev + 1);
  } finally {
    await storage.close();
  }
}
