import { pack, unpack } from 'msgpackr';
import type { Effect, LogRecord } from './record.js';

/**
 * A frame is one shard's share of one group-commit batch: a single LevelDB value holding a list of
 * records, keyed by shard and first revision in big-endian so that LevelDB's key order is log order.
 */

const FRAME_PREFIX = 0x46; // 'F'
const FRAME_KEY_LENGTH = 1 + 2 + 8;

export function frameKey(shard: number, firstRev: number): Buffer {
  const key = Buffer.alloc(FRAME_KEY_LENGTH);
  key[0] = FRAME_PREFIX;
  key.writeUInt16BE(shard, 1);
  key.writeBigUInt64BE(BigInt(firstRev), 3);
  return key;
}

/** The smallest and largest possible frame keys of a shard, as iterator bounds. */
export function shardFrameRange(shard: number): { gte: Buffer; lte: Buffer } {
  const lte = frameKey(shard, 0);
  lte.fill(0xff, 3);
  return { gte: frameKey(shard, 0), lte };
}

/** A record as a frame stores it; recovery applies these rows without building record objects. */
export type RecordRow = [rev: number, ts: number, db: number, txn: number, effect: Effect, event?: string];

export function encodeFrame(records: readonly LogRecord[]): Buffer {
  const rows = new Array<RecordRow>(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    rows[i] = r.event === undefined ? [r.rev, r.ts, r.db, r.txn, r.effect] : [r.rev, r.ts, r.db, r.txn, r.effect, r.event];
  }
  return pack(rows);
}

export function decodeFrameRows(value: Buffer): RecordRow[] {
  const rows = unpack(value) as RecordRow[];
  if (!Array.isArray(rows)) throw new Error('frame does not hold a list of records');
  return rows;
}

export function decodeFrame(shard: number, value: Buffer): LogRecord[] {
  const rows = decodeFrameRows(value);
  const records = new Array<LogRecord>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const [rev, ts, db, txn, effect, event] = rows[i];
    records[i] = { rev, ts, shard, db, txn, effect, event };
  }
  return records;
}
