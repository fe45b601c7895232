import type { CheckpointManifest, CheckpointRow } from './checkpoints.js';
import type { RecordRow } from './frame.js';
import type { LogStorage } from './storage.js';

/** Where a replay puts what it reads: the projection code (src/projections/replay-sink.ts) applies it. */
export interface ReplaySink {
  /** A chunk of the checkpoint the replay starts from. */
  rows(rows: readonly CheckpointRow[]): void;
  /** Records after it, a frame at a time, in revision order. */
  records(rows: readonly RecordRow[]): void;
}

export interface ReplayOptions {
  /** The checkpoint to start from: the shard's newest when not given, none (the log's start) when null. */
  checkpoint?: CheckpointManifest | null;
  /** The last revision to replay (default: all). */
  upTo?: number;
}

/**
 * Rebuilds one shard's state: a checkpoint, then the frames after it. The one replay of the log:
 * recovery at start, point-in-time restores (to a revision) and the tools that read a data
 * directory all call it.
 */
export async function replayShard(storage: LogStorage, shard: number, sink: ReplaySink, options: ReplayOptions = {}): Promise<{ records: number; checkpointRev: number }> {
  const checkpoint = options.checkpoint === undefined ? await storage.checkpoints.newest(shard) : (options.checkpoint ?? undefined);
  if (checkpoint !== undefined) for await (const rows of storage.checkpoints.rows(shard, checkpoint.rev)) sink.rows(rows);
  const upTo = options.upTo ?? Infinity;
  let records = 0;
  for await (const rows of storage.shardFrames(shard, (checkpoint?.rev ?? 0) + 1)) {
    const last = rows.at(-1);
    if (last !== undefined && last[0] > upTo) {
      const within = rows.filter((row) => row[0] <= upTo);
      sink.records(within);
      records += within.length;
      break;
    }
    sink.records(rows);
    records += rows.length;
  }
  return { records, checkpointRev: checkpoint?.rev ?? 0 };
}
