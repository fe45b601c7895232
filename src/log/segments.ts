import type { Level } from 'level';
import { decodeFrameRows } from './frame.js';
import { heldFromKey, parseFrameKey, shardFrameRange } from './keys.js';

/**
 * Segments: a shard's frames grouped by revision span (frames whose first revision falls in
 * [k*span+1, (k+1)*span] form segment k). Retention drops whole segments, never part of one.
 */
export interface Segment {
  shard: number;
  index: number;
  firstRev: number;
  lastRev: number;
  /** Wall-clock ms of the segment's last record. */
  lastTs: number;
  frames: number;
  /**
   * The bytes of its frames: exact when listed with `exactBytes`, else LevelDB's estimate of their
   * space on disk (which counts nothing not yet compacted into a table file: recent frames read 0).
   */
  bytes: number;
  keys: Buffer[];
}

type Db = Level<Buffer, Buffer>;

/**
 * A shard's segments, oldest first. `exactBytes` reads every frame to count its bytes (the log
 * tool); the server's retention pass takes LevelDB's estimate instead of reading the whole log.
 */
export async function listSegments(db: Db, shard: number, span: number, exactBytes = false): Promise<Segment[]> {
  const segments: Segment[] = [];
  let current: Segment | undefined;
  const entries = exactBytes ? db.iterator(shardFrameRange(shard)) : db.keys(shardFrameRange(shard));
  for await (const entry of entries) {
    const [key, value] = Array.isArray(entry) ? entry : [entry, undefined];
    const { firstRev } = parseFrameKey(key);
    const index = Math.floor((firstRev - 1) / span);
    if (current === undefined || current.index !== index) {
      current = { shard, index, firstRev, lastRev: firstRev, lastTs: 0, frames: 0, bytes: 0, keys: [] };
      segments.push(current);
    }
    current.frames++;
    current.keys.push(key);
    if (value !== undefined) current.bytes += value.length;
  }
  for (const segment of segments) {
    const lastKey = segment.keys[segment.keys.length - 1];
    const rows = decodeFrameRows((await db.get(lastKey)) as Buffer);
    const last = rows[rows.length - 1];
    segment.lastRev = last[0];
    segment.lastTs = last[1];
    if (exactBytes) continue;
    const end = Buffer.from(lastKey);
    end[end.length - 1]++;
    segment.bytes = await (db as unknown as { approximateSize(start: Buffer, end: Buffer): Promise<number> }).approximateSize(segment.keys[0], end);
  }
  return segments;
}

/** The first revision a shard still holds, after retention dropped what came before (1: all). */
export async function heldFrom(db: Db, shard: number): Promise<number> {
  const value = await db.get(heldFromKey(shard));
  return value === undefined ? 1 : Number(value.readBigUInt64BE(0));
}

/** Drops the oldest segments of a shard and records, in the same batch, where the shard's log now starts. */
export async function dropSegments(db: Db, shard: number, segments: readonly Segment[]): Promise<number> {
  const from = segments[segments.length - 1].lastRev + 1;
  const value = Buffer.alloc(8);
  value.writeBigUInt64BE(BigInt(from));
  const ops: ({ type: 'del'; key: Buffer } | { type: 'put'; key: Buffer; value: Buffer })[] = [];
  for (const segment of segments) for (const key of segment.keys) ops.push({ type: 'del', key });
  ops.push({ type: 'put', key: heldFromKey(shard), value });
  await db.batch(ops, { sync: true });
  return from;
}
