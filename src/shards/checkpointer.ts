import type { CheckpointManifest, CheckpointRow } from '../log/checkpoints.js';
import { snapshotOf } from '../projections/value-snapshot.js';
import type { Shard } from './shard.js';
import type { ChangeListener, Store } from './store.js';

/** A slice of the walk writes at most this many rows, and gives the event loop back after this long. */
const ROWS_PER_CHUNK = 2000;
const SLICE_MS = 8;

/**
 * Writes checkpoints without stopping the world: each shard's keyspaces are walked a slice at a time,
 * and a key about to change before the walk reached it is saved first as it was (copy-on-write), so
 * the checkpoint holds the state exactly at its revision while writes go on.
 */
export class Checkpointer {
  private running: Promise<CheckpointManifest[]> | undefined;
  /** Revision of the last complete checkpoint of every shard. */
  lastRev = 0;
  lastSaveSeconds = Math.floor(Date.now() / 1000);
  lastStatusOk = true;
  lastDurationMs = 0;

  constructor(private readonly store: Store) {}

  get inProgress(): boolean {
    return this.running !== undefined;
  }

  /** Checkpoints every shard (one at a time); a call while one runs shares it. */
  checkpoint(): Promise<CheckpointManifest[]> {
    this.running ??= this.checkpointAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async checkpointAll(): Promise<CheckpointManifest[]> {
    const started = performance.now();
    const rev = this.store.log.lastRev;
    try {
      const manifests: CheckpointManifest[] = [];
      for (const shard of this.store.shards) {
        const manifest = await this.checkpointShard(shard);
        if (manifest === undefined) throw new Error('a database was flushed or swapped during the checkpoint; it will be retried');
        manifests.push(manifest);
      }
      this.lastRev = rev;
      this.lastSaveSeconds = Math.floor(Date.now() / 1000);
      this.lastStatusOk = true;
      return manifests;
    } catch (error) {
      this.lastStatusOk = false;
      throw error;
    } finally {
      this.lastDurationMs = performance.now() - started;
    }
  }

  /** One shard at the revision it has now; undefined when a FLUSHDB/SWAPDB made the walk moot. */
  private async checkpointShard(shard: Shard): Promise<CheckpointManifest | undefined> {
    const log = this.store.log;
    const rev = log.lastRev;
    const ts = Date.now();
    // Keys changed since `rev` before the walk reached them, as they were at `rev` (null: absent).
    const saved = new Map<string, CheckpointRow | null>();
    let flushed = false;
    const listener: ChangeListener = {
      keyChanged: (db, key) => {
        if (this.store.shardOf(key) !== shard) return;
        const id = `${db}:${key}`;
        if (saved.has(id)) return;
        const ks = shard.state.dbs[db];
        const value = ks.data.get(key);
        saved.set(id, value === undefined ? null : [db, key, snapshotOf(value), ks.expireAt(key)]);
      },
      dbChanged: (changed) => {
        if (changed === shard) flushed = true;
      },
    };
    this.store.listen(listener);
    let chunk = 0;
    let keys = 0;
    let bytes = 0;
    let rows: CheckpointRow[] = [];
    const writeRows = async (): Promise<void> => {
      if (rows.length === 0) return;
      bytes += await log.checkpoints.writeChunk(shard.id, rev, chunk++, rows);
      keys += rows.length;
      rows = [];
    };
    try {
      for (let db = 0; db < shard.state.dbs.length; db++) {
        const ks = shard.state.dbs[db];
        let sliceStarted = performance.now();
        for (const [key, value] of ks.data) {
          if (flushed) break;
          if (saved.has(`${db}:${key}`)) continue;
          rows.push([db, key, snapshotOf(value), ks.expireAt(key)]);
          if (rows.length >= ROWS_PER_CHUNK || performance.now() - sliceStarted > SLICE_MS) {
            await writeRows();
            sliceStarted = performance.now();
          }
        }
      }
      // Records up to `rev` must be in the log before a checkpoint that contains them may count.
      await log.flush();
      for (const row of saved.values()) if (row !== null) rows.push(row);
      await writeRows();
      if (flushed) {
        await log.checkpoints.remove(shard.id, rev);
        return undefined;
      }
      const manifest: CheckpointManifest = { shard: shard.id, rev, ts, chunks: chunk, keys, bytes };
      await log.checkpoints.complete(manifest);
      return manifest;
    } finally {
      this.store.unlisten(listener);
    }
  }
}
