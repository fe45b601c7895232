import type { Level } from 'level';
import { pack, unpack } from 'msgpackr';
import type { ValueSnapshot } from './record.js';
import { chunkKey, chunkRange, chunkRev, manifestKey, manifestRange } from './keys.js';

/**
 * Checkpoints in LevelDB: a consistent copy of one shard's projection at a revision, stored as
 * chunks of rows and completed by a manifest written last, so that a checkpoint without its manifest
 * (the writer crashed) is ignored. Recovery loads the newest complete one and replays the frames
 * after it; retention may then drop frames the checkpoint covers.
 */

/** One key as a checkpoint stores it: db, key, value snapshot, absolute expiry (0: none). */
export type CheckpointRow = [db: number, key: string, snapshot: ValueSnapshot, expireAt: number];

export interface CheckpointManifest {
  shard: number;
  rev: number;
  /** Wall-clock ms when the checkpoint's state was current. */
  ts: number;
  chunks: number;
  keys: number;
  bytes: number;
}

const CHUNKS_PER_READ = 8;

export class CheckpointStore {
  constructor(private readonly db: Level<Buffer, Buffer>) {}

  /** Writes one chunk of a checkpoint in progress; returns its size in bytes. */
  async writeChunk(shard: number, rev: number, chunk: number, rows: readonly CheckpointRow[]): Promise<number> {
    const value = pack(rows);
    await this.db.put(chunkKey(shard, rev, chunk), value);
    return value.length;
  }

  /** Completes a checkpoint: from now on recovery may start from it. */
  async complete(manifest: CheckpointManifest): Promise<void> {
    await this.db.put(manifestKey(manifest.shard, manifest.rev), pack(manifest), { sync: true });
  }

  /** A shard's complete checkpoints, oldest first. */
  async list(shard: number): Promise<CheckpointManifest[]> {
    const values = await this.db.values(manifestRange(shard)).all();
    return values.map((value) => unpack(value) as CheckpointManifest);
  }

  async newest(shard: number): Promise<CheckpointManifest | undefined> {
    const values = await this.db.values({ ...manifestRange(shard), reverse: true, limit: 1 }).all();
    return values.length === 0 ? undefined : (unpack(values[0]) as CheckpointManifest);
  }

  /** A checkpoint's rows, a chunk at a time; the next chunks are read while these are loaded. */
  async *rows(shard: number, rev: number): AsyncGenerator<CheckpointRow[]> {
    const values = this.db.values(chunkRange(shard, rev));
    try {
      let reading = values.nextv(CHUNKS_PER_READ);
      for (;;) {
        const chunks = await reading;
        if (chunks.length === 0) return;
        reading = values.nextv(CHUNKS_PER_READ);
        for (const chunk of chunks) yield unpack(chunk) as CheckpointRow[];
      }
    } finally {
      await values.close();
    }
  }

  /** Deletes a checkpoint (its manifest first, so that a half-deleted one is never loaded), or the chunks of an abandoned one. */
  async remove(shard: number, rev: number): Promise<void> {
    await this.db.del(manifestKey(shard, rev));
    await this.db.clear(chunkRange(shard, rev));
  }

  /** Chunks left by a checkpoint that never completed (a crash while writing), by revision. */
  async abandoned(shard: number): Promise<number[]> {
    const complete = new Set((await this.list(shard)).map((manifest) => manifest.rev));
    const revs = new Set<number>();
    for await (const key of this.db.keys(chunkRange(shard))) {
      const rev = chunkRev(key);
      if (!complete.has(rev)) revs.add(rev);
    }
    return [...revs];
  }
}

/** Rows per chunk at most: a chunk is one LevelDB value. */
const ROWS_PER_CHUNK = 2000;
/**
 * Bytes per chunk, roughly, at most (one large value may make a chunk larger): msgpackr packs into
 * one buffer it keeps and grows to the largest thing it has packed, and what it keeps counts as
 * used memory. Chunks of 2000 one-kilobyte values grew it by megabytes at the first checkpoint,
 * which maxmemory took for new data and evicted keys to make up for.
 */
const BYTES_PER_CHUNK = 256 * 1024;

/** Chunks written at once: LevelDB writes one (on its own thread) while the next is filled and packed. */
const CHUNKS_IN_FLIGHT = 2;

/** About how many bytes `value` packs into (strings by their length: the limit is a rough one). */
function roughBytes(value: unknown): number {
  if (typeof value === 'string') return value.length + 5;
  if (!Array.isArray(value)) return 9;
  let bytes = 5;
  for (const item of value) bytes += roughBytes(item);
  return bytes;
}

/** Writes one checkpoint a chunk at a time: rows go in with `add`, `complete` writes the manifest last. */
export class CheckpointWriter {
  private rows: CheckpointRow[] = [];
  private rowBytes = 0;
  private chunks = 0;
  private keys = 0;
  private bytes = 0;
  /** Chunk writes not yet awaited, oldest first (each already has a handler, so a failure waits to be awaited). */
  private writing: Promise<void>[] = [];

  constructor(
    private readonly store: CheckpointStore,
    readonly shard: number,
    readonly rev: number,
  ) {}

  /**
   * Adds a row. Only when a full chunk goes to LevelDB is there something to await (the caller's
   * moment to yield): a promise then, undefined otherwise, so that a loop over a million keys does
   * not take a turn of the microtask queue for each.
   */
  add(row: CheckpointRow): Promise<void> | undefined {
    this.rows.push(row);
    this.rowBytes += roughBytes(row);
    return this.rows.length >= ROWS_PER_CHUNK || this.rowBytes >= BYTES_PER_CHUNK ? this.flush() : undefined;
  }

  /** Writes the rows added so far as a chunk; resolves once no more than CHUNKS_IN_FLIGHT are being written. */
  async flush(): Promise<void> {
    if (this.rows.length > 0) {
      const rows = this.rows;
      this.rows = [];
      this.rowBytes = 0;
      this.keys += rows.length;
      const write = this.store.writeChunk(this.shard, this.rev, this.chunks++, rows).then((bytes) => void (this.bytes += bytes));
      write.catch(() => undefined);
      this.writing.push(write);
    }
    while (this.writing.length >= CHUNKS_IN_FLIGHT) await this.writing.shift();
  }

  async complete(ts: number): Promise<CheckpointManifest> {
    await this.flush();
    while (this.writing.length > 0) await this.writing.shift();
    const manifest: CheckpointManifest = { shard: this.shard, rev: this.rev, ts, chunks: this.chunks, keys: this.keys, bytes: this.bytes };
    await this.store.complete(manifest);
    return manifest;
  }

  /** Deletes what was written of an abandoned checkpoint. */
  async abandon(): Promise<void> {
    await Promise.allSettled(this.writing);
    this.writing = [];
    await this.store.remove(this.shard, this.rev);
  }
}
