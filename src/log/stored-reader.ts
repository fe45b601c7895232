import type { Level } from 'level';
import { CorruptFrameError, decodeFrame, decodeFrameRows, type RecordRow } from './frame.js';
import { frameKey, parseFrameKey, shardFrameRange } from './keys.js';
import type { LogRecord } from './record.js';

type FrameDb = Level<Buffer, Buffer>;

const FRAMES_PER_READ = 16;

/** Reads one shard's committed frames from a revision on, a frame at a time. */
class ShardCursor {
  private records: LogRecord[] = [];
  private index = 0;
  private done = false;

  constructor(
    private readonly iterator: AsyncIterator<[Buffer, Buffer]>,
    readonly shard: number,
    private readonly fromRev: number,
  ) {}

  /** The next record, or undefined at the end of the shard's log. */
  async head(): Promise<LogRecord | undefined> {
    while (this.index >= this.records.length) {
      if (this.done) return undefined;
      const next = await this.iterator.next();
      if (next.done) {
        this.done = true;
        return undefined;
      }
      this.records = decodeFrame(this.shard, next.value[1]);
      this.index = 0;
      while (this.index < this.records.length && this.records[this.index].rev < this.fromRev) this.index++;
    }
    return this.records[this.index];
  }

  advance(): void {
    this.index++;
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

/** The key of the frame that holds `fromRev` (the last frame starting at or before it), if any. */
async function startKey(db: FrameDb, shard: number, fromRev: number): Promise<Buffer> {
  const range = shardFrameRange(shard);
  const before = await db.keys({ gte: range.gte, lte: frameKey(shard, fromRev), reverse: true, limit: 1 }).all();
  return before[0] ?? range.gte;
}

/**
 * Committed records of the given shards from `fromRev` on, merged in revision order. Every shard's
 * iterator is created in the same tick, so all of them read one consistent LevelDB snapshot.
 */
export async function* readStored(db: FrameDb, shards: readonly number[], fromRev: number): AsyncGenerator<LogRecord> {
  const starts = await Promise.all(shards.map((shard) => startKey(db, shard, fromRev)));
  const cursors = shards.map((shard, i) => new ShardCursor(db.iterator({ gte: starts[i], lte: shardFrameRange(shard).lte })[Symbol.asyncIterator](), shard, fromRev));
  try {
    for (;;) {
      let best: ShardCursor | undefined;
      let bestRecord: LogRecord | undefined;
      for (const cursor of cursors) {
        const record = await cursor.head();
        if (record !== undefined && (bestRecord === undefined || record.rev < bestRecord.rev)) {
          best = cursor;
          bestRecord = record;
        }
      }
      if (best === undefined || bestRecord === undefined) return;
      best.advance();
      yield bestRecord;
    }
  } finally {
    await Promise.all(cursors.map((cursor) => cursor.close()));
  }
}

/** A frame's rows; a corrupt frame's error says where it is. */
function decodeAt(key: Buffer, value: Buffer): RecordRow[] {
  try {
    return decodeFrameRows(value);
  } catch (error) {
    throw error instanceof CorruptFrameError ? error.at(key) : error;
  }
}

/** One shard's committed records from `fromRev` on, as stored rows, a frame at a time (recovery's fast path). */
export async function* readShardFrames(db: FrameDb, shard: number, fromRev: number): AsyncGenerator<RecordRow[]> {
  const start = await startKey(db, shard, fromRev);
  const entries = db.iterator({ gte: start, lte: shardFrameRange(shard).lte });
  try {
    // Read the next frames while the caller works on these: disk and CPU overlap.
    let reading = entries.nextv(FRAMES_PER_READ);
    for (;;) {
      const batch = await reading;
      if (batch.length === 0) return;
      reading = entries.nextv(FRAMES_PER_READ);
      for (const [key, value] of batch) {
        const rows = decodeAt(key, value);
        yield rows[0] !== undefined && rows[0][0] < fromRev ? rows.filter((row) => row[0] >= fromRev) : rows;
      }
    }
  } finally {
    await entries.close();
  }
}

/**
 * The highest revision stored for a shard (0 when its log is empty). A corrupt last frame counts
 * from its first revision: recovery finds it and cuts it.
 */
export async function lastStoredRev(db: FrameDb, shard: number): Promise<number> {
  const range = shardFrameRange(shard);
  const last = await db.iterator({ ...range, reverse: true, limit: 1 }).all();
  if (last.length === 0) return 0;
  const [key, value] = last[0];
  try {
    const rows = decodeFrameRows(value);
    return rows.length === 0 ? 0 : rows[rows.length - 1][0];
  } catch (error) {
    if (error instanceof CorruptFrameError) return parseFrameKey(key).firstRev;
    throw error;
  }
}

/**
 * Whether the frame at `key` can be part of the newest group commit (corruption there is a torn
 * tail, not damage within): it is the newest frame of its shard, and no other shard holds more than
 * one frame reaching its revision (a group commit writes one frame per shard). An old frame of a
 * quiet shard fails the test, so that cutting it never takes later commits of other shards along.
 */
export async function isInLastBatch(db: FrameDb, shards: number, key: Buffer): Promise<boolean> {
  const { shard, firstRev } = parseFrameKey(key);
  const after = await db.keys({ gt: key, lte: shardFrameRange(shard).lte, limit: 1 }).all();
  if (after.length > 0) return false;
  for (let other = 0; other < shards; other++) {
    if (other === shard) continue;
    let reaching = 0;
    for await (const [, value] of db.iterator({ gte: await startKey(db, other, firstRev), lte: shardFrameRange(other).lte })) {
      let lastRev: number;
      try {
        const rows = decodeFrameRows(value);
        lastRev = rows.length === 0 ? 0 : rows[rows.length - 1][0];
      } catch {
        return false;
      }
      if (lastRev >= firstRev && ++reaching > 1) return false;
    }
  }
  return true;
}

/**
 * Cuts every shard's log back to before revision `fromRev`: each frame holding any revision from
 * `fromRev` on goes whole (a group commit's frames go together, so no transaction is left half).
 * Returns the frames removed.
 */
export async function cutFrom(db: FrameDb, shards: number, fromRev: number): Promise<number> {
  const doomed: Buffer[] = [];
  for (let shard = 0; shard < shards; shard++)
    for await (const [key, value] of db.iterator({ gte: await startKey(db, shard, fromRev), lte: shardFrameRange(shard).lte })) {
      let lastRev: number;
      try {
        const rows = decodeFrameRows(value);
        lastRev = rows.length === 0 ? 0 : rows[rows.length - 1][0];
      } catch {
        lastRev = Infinity;
      }
      if (lastRev >= fromRev) doomed.push(key);
    }
  await db.batch(
    doomed.map((key) => ({ type: 'del' as const, key })),
    { sync: true },
  );
  return doomed.length;
}
