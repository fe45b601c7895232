import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import { CheckpointStore } from './checkpoints.js';
import { CorruptFrameError, decodeFrameRows, type RecordRow } from './frame.js';
import { frameKey, heldFromKey, metaKey, parseFrameKey, shardFrameRange, type MetaName } from './keys.js';
import type { LogRecord } from './record.js';
import { dropSegments, heldFrom, listSegments, type Segment } from './segments.js';
import { cutFrom, isInLastBatch, lastStoredRev, readShardFrames, readStored } from './stored-reader.js';

type Db = Level<Buffer, Buffer>;

/** How a data directory is opened: by the server (created when new), by a tool (it must exist), or as a new one (a restore's output). */
export type OpenMode = { create: { shards: number } } | { existing: true } | { fresh: { shards: number } };

/** One frame as stored, for the tools that look at the log byte by byte. */
export interface StoredFrame {
  firstRev: number;
  bytes: number;
  rows?: RecordRow[];
  /** Why it cannot be read, when it cannot. */
  corrupt?: string;
}

/**
 * A data directory's LevelDB and what is kept in it: frames, checkpoints and meta entries, laid out
 * as keys.ts says. Only src/log holds the LevelDB handle; the server reaches this through Log, the
 * tools (log inspection, point-in-time recovery) directly.
 */
export class LogStorage {
  readonly checkpoints: CheckpointStore;

  private constructor(
    private readonly db: Db,
    /** A data directory keeps the shard count it was created with: each shard's frames hold only that shard's keys. */
    readonly shardCount: number,
  ) {
    this.checkpoints = new CheckpointStore(db);
  }

  static async open(dir: string, mode: OpenMode): Promise<LogStorage> {
    if ('existing' in mode && !existsSync(join(dir, 'CURRENT'))) throw new Error(`${dir} is not an Eddy data directory (no LevelDB there)`);
    const db = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer', createIfMissing: !('existing' in mode), errorIfExists: 'fresh' in mode });
    try {
      await db.open();
    } catch (error) {
      // A tool on the directory of a running server: LevelDB lets one process in at a time.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      if ('existing' in mode && cause?.code === 'LEVEL_LOCKED') throw new Error(`${dir} is in use by a running server; stop it first, or copy the directory`);
      throw error;
    }
    const stored = await db.get(metaKey('shards'));
    if (stored !== undefined) return new LogStorage(db, stored.readUInt16BE(0));
    // Another program's LevelDB (keys, but not Eddy's): writing the log into it would mix the two.
    if ('existing' in mode || (await db.keys({ limit: 1 }).all()).length > 0) {
      await db.close();
      throw new Error(`${dir} is not an Eddy data directory: its LevelDB database holds no Eddy log`);
    }
    const shards = 'create' in mode ? mode.create.shards : mode.fresh.shards;
    const value = Buffer.alloc(2);
    value.writeUInt16BE(shards);
    await db.put(metaKey('shards'), value, { sync: true });
    return new LogStorage(db, shards);
  }

  get shardIds(): number[] {
    return Array.from({ length: this.shardCount }, (_, i) => i);
  }

  /** Writes one group commit: a frame per shard, all or nothing. With no frame it only syncs (a marker put). */
  async writeFrames(frames: readonly { shard: number; firstRev: number; value: Buffer }[], sync: boolean): Promise<void> {
    const ops = frames.map((frame) => ({ type: 'put' as const, key: frameKey(frame.shard, frame.firstRev), value: frame.value }));
    if (ops.length === 0) ops.push({ type: 'put', key: metaKey('sync'), value: Buffer.from(String(Date.now())) });
    await this.db.batch(ops, { sync });
  }

  /** Committed records of `shards` from `fromRev` on, merged in revision order. */
  read(shards: readonly number[], fromRev: number): AsyncGenerator<LogRecord> {
    return readStored(this.db, shards, fromRev);
  }

  /** One shard's committed records from `fromRev` on, as stored rows, a frame at a time (replay's fast path). */
  shardFrames(shard: number, fromRev: number): AsyncGenerator<RecordRow[]> {
    return readShardFrames(this.db, shard, fromRev);
  }

  /** Every frame of a shard as stored, damaged ones included (the log tool's verify, stats, read). */
  async *storedFrames(shard: number): AsyncGenerator<StoredFrame> {
    for await (const [key, value] of this.db.iterator(shardFrameRange(shard))) {
      const { firstRev } = parseFrameKey(key);
      try {
        yield { firstRev, rows: decodeFrameRows(value), bytes: value.length };
      } catch (error) {
        if (!(error instanceof CorruptFrameError)) throw error;
        yield { firstRev, corrupt: error.reason, bytes: value.length };
      }
    }
  }

  /** The highest revision stored in frames or checkpoints, over every shard (0: none). */
  async lastRev(): Promise<number> {
    let last = 0;
    // Retention may have dropped every frame a checkpoint covers: the revision goes on from there.
    for (const shard of this.shardIds) last = Math.max(last, await lastStoredRev(this.db, shard), (await this.checkpoints.newest(shard))?.rev ?? 0);
    return last;
  }

  lastStoredRev(shard: number): Promise<number> {
    return lastStoredRev(this.db, shard);
  }

  /** Whether a damaged frame can be part of the newest group commit: a torn tail, not damage within. */
  isInLastBatch(shard: number, firstRev: number): Promise<boolean> {
    return isInLastBatch(this.db, this.shardCount, frameKey(shard, firstRev));
  }

  /** Cuts every shard's log back to before `fromRev` (whole frames); the number of frames removed. */
  cutFrom(fromRev: number): Promise<number> {
    return cutFrom(this.db, this.shardCount, fromRev);
  }

  segments(shard: number, span: number, exactBytes = false): Promise<Segment[]> {
    return listSegments(this.db, shard, span, exactBytes);
  }

  /** Drops a shard's oldest segments; the first revision it then holds. */
  dropSegments(shard: number, segments: readonly Segment[]): Promise<number> {
    return dropSegments(this.db, shard, segments);
  }

  /** The first revision a shard still holds, after retention dropped what came before (1: all). */
  heldFrom(shard: number): Promise<number> {
    return heldFrom(this.db, shard);
  }

  /** Records that every shard's log starts at `rev` (a restore's output, a follower's reset). */
  async markHeldFrom(rev: number): Promise<void> {
    await this.db.batch(this.heldFromPuts(rev), { sync: true });
  }

  private heldFromPuts(rev: number): { type: 'put'; key: Buffer; value: Buffer }[] {
    const value = Buffer.alloc(8);
    value.writeBigUInt64BE(BigInt(rev));
    return this.shardIds.map((shard) => ({ type: 'put', key: heldFromKey(shard), value }));
  }

  readMeta(name: MetaName): Promise<Buffer | undefined> {
    return this.db.get(metaKey(name));
  }

  async writeMeta(name: MetaName, value: Buffer): Promise<void> {
    await this.db.put(metaKey(name), value, { sync: true });
  }

  /** Deletes everything but the shard count and the `keep` meta entries, then marks the log as starting at `from`. */
  async clear(keep: readonly MetaName[], from: number): Promise<void> {
    const kept = await Promise.all((['shards', ...keep] as const).map(async (name) => ({ type: 'put' as const, key: metaKey(name), value: await this.readMeta(name) })));
    await this.db.clear();
    const puts = [...kept.filter((put): put is { type: 'put'; key: Buffer; value: Buffer } => put.value !== undefined), ...this.heldFromPuts(from)];
    await this.db.batch(puts, { sync: true });
  }

  /**
   * LevelDB refuses every write after one failed (its background error sticks): reopening clears
   * it, so that once space is back, writing resumes.
   */
  async reopen(): Promise<void> {
    await this.db.close();
    await this.db.open();
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
