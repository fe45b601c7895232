import { CheckpointWriter, type CheckpointManifest, type CheckpointRow } from '../log/checkpoints.js';
import { estimateKeyBytes } from '../projections/memory-estimate.js';
import { snapshotOf } from '../projections/value-snapshot.js';
import type { MemoryGauge } from './memory-gauge.js';
import type { Shard } from './shard.js';
import type { ChangeListener, Store } from './store.js';

/** A checkpoint's course, for the server's log. */
export interface CheckpointEvents {
  started(rev: number): void;
  done(checkpoint: { rev: number; bytes: number; keys: number; ms: number }): void;
  failed(rev: number, error: unknown): void;
}

/** A slice of the walk gives the event loop back after this long (and at every full chunk). */
const SLICE_MS = 8;

/**
 * Writes checkpoints without stopping the world: each shard's keyspaces are walked a slice at a time,
 * and a key about to change before the walk reached it is saved first as it was (copy-on-write), so
 * the checkpoint holds the state exactly at its revision while writes go on.
 */
export class Checkpointer {
  /** Told how long a slice of the walk held the event loop, when past its budget (LATENCY's checkpoint). */
  noteLatency: ((event: string, ms: number) => void) | undefined = undefined;
  /** Told when a checkpoint begins and how it ended (the server's log lines). */
  events: CheckpointEvents | undefined = undefined;
  private running: Promise<CheckpointManifest[]> | undefined;
  /** Revision of the last complete checkpoint of every shard. */
  lastRev = 0;
  lastSaveSeconds = Math.floor(Date.now() / 1000);
  lastStatusOk = true;
  lastDurationMs = 0;
  /** Bytes and keys of the last complete checkpoint, every shard's together (metrics). */
  lastBytes = 0;
  lastKeys = 0;

  /** `gauge`, when given, is told what the copy-on-write rows hold, which maxmemory leaves out. */
  constructor(
    private readonly store: Store,
    private readonly gauge?: MemoryGauge,
  ) {}

  get inProgress(): boolean {
    return this.running !== undefined;
  }

  /** Resolves once the checkpoint running now (if any) has ended, however it ended. */
  async settled(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  /** Checkpoints every shard (one at a time); a call while one runs shares it. */
  checkpoint(): Promise<CheckpointManifest[]> {
    this.running ??= this.checkpointAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async checkpointAll(): Promise<CheckpointManifest[]> {
    const started = performance.now();
    const rev = this.store.log.lastRev;
    this.events?.started(rev);
    try {
      const manifests: CheckpointManifest[] = [];
      for (const shard of this.store.shards) {
        const manifest = await this.checkpointShard(shard);
        if (manifest === undefined) throw new Error('a database was flushed or swapped during the checkpoint; it will be retried');
        manifests.push(manifest);
      }
      this.lastRev = rev;
      this.lastBytes = manifests.reduce((sum, manifest) => sum + manifest.bytes, 0);
      this.lastKeys = manifests.reduce((sum, manifest) => sum + manifest.keys, 0);
      this.lastSaveSeconds = Math.floor(Date.now() / 1000);
      this.lastStatusOk = true;
      this.lastDurationMs = performance.now() - started;
      this.events?.done({ rev, bytes: this.lastBytes, keys: this.lastKeys, ms: this.lastDurationMs });
      return manifests;
    } catch (error) {
      this.lastStatusOk = false;
      this.lastDurationMs = performance.now() - started;
      this.events?.failed(rev, error);
      throw error;
    }
  }

  /** One shard at the revision it has now; undefined when a FLUSHDB/SWAPDB made the walk moot. */
  private async checkpointShard(shard: Shard): Promise<CheckpointManifest | undefined> {
    const log = this.store.log;
    // A running script's writes are in the projection before their records get revisions.
    while (this.store.capturing) await this.store.notCapturing();
    const rev = log.lastRev;
    const ts = Date.now();
    // Keys changed since `rev` before the walk reached them, as they were at `rev` (null: absent).
    const saved = new Map<string, CheckpointRow | null>();
    let heldAside = 0;
    let flushed = false;
    const listener: ChangeListener = {
      keyChanged: (db, key) => {
        if (this.store.shardOf(key) !== shard) return;
        const id = `${db}:${key}`;
        if (saved.has(id)) return;
        const ks = shard.state.dbs[db];
        const value = ks.data.get(key);
        if (value === undefined) return void saved.set(id, null);
        const expireAt = ks.expireAt(key);
        const bytes = estimateKeyBytes(key, value, expireAt > 0, 5);
        heldAside += bytes;
        this.gauge?.holdAside(bytes);
        saved.set(id, [db, key, snapshotOf(value), expireAt]);
      },
      dbChanged: (changed) => {
        if (changed === shard) flushed = true;
      },
    };
    this.store.listen(listener);
    const writer = new CheckpointWriter(log.checkpoints, shard.id, rev);
    try {
      for (let db = 0; db < shard.state.dbs.length; db++) {
        const ks = shard.state.dbs[db];
        let sliceStarted = performance.now();
        for (const [key, value] of ks.data) {
          if (flushed) break;
          if (saved.has(`${db}:${key}`)) continue;
          const written = writer.add([db, key, snapshotOf(value), ks.expireAt(key)]);
          if (written !== undefined) await written;
          const sliceMs = performance.now() - sliceStarted;
          if (sliceMs > SLICE_MS) {
            this.noteLatency?.('checkpoint', sliceMs);
            await writer.flush();
            sliceStarted = performance.now();
          }
        }
      }
      // Records up to `rev` must be in the log before a checkpoint that contains them may count.
      await log.committed(rev);
      for (const row of saved.values()) if (row !== null) await writer.add(row);
      if (flushed) {
        await writer.abandon();
        return undefined;
      }
      return await writer.complete(ts);
    } finally {
      this.store.unlisten(listener);
      this.gauge?.releaseHeld(heldAside);
    }
  }
}
