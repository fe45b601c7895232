import { pack, unpack } from 'msgpackr';
import { crc32 } from 'node:zlib';
import { parseFrameKey } from './keys.js';
import type { Effect, LogRecord } from './record.js';

/**
 * A frame is one shard's share of one group-commit batch: a single LevelDB value holding a list of
 * records, keyed by shard and first revision (keys.ts) so that LevelDB's key order is log order.
 */

/** A record as a frame stores it; recovery applies these rows without building record objects. */
export type RecordRow = [rev: number, ts: number, db: number, txn: number, effect: Effect, event?: string];

/**
 * A frame's value: a marker byte msgpack never starts a value with, a CRC-32 of the payload, and
 * the payload (the msgpack list of rows). Frames written before checksums (no marker) still load.
 */
const CHECKED = 0xc1;
const HEADER = 5;

/** A frame whose bytes are not what was written (a flipped bit, a torn write). */
export class CorruptFrameError extends Error {
  /** Where, once a reader knows: the shard and the frame's first revision. */
  shard = -1;
  firstRev = 0;

  constructor(readonly reason: string) {
    super(`corrupt frame: ${reason}`);
  }

  at(key: Buffer): this {
    ({ shard: this.shard, firstRev: this.firstRev } = parseFrameKey(key));
    this.message = `corrupt frame in shard ${this.shard} at revision ${this.firstRev}: ${this.reason}`;
    return this;
  }
}

export function encodeFrame(records: readonly LogRecord[]): Buffer {
  const rows = new Array<RecordRow>(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    rows[i] = r.event === undefined ? [r.rev, r.ts, r.db, r.txn, r.effect] : [r.rev, r.ts, r.db, r.txn, r.effect, r.event];
  }
  const payload = pack(rows);
  const value = Buffer.allocUnsafe(HEADER + payload.length);
  value[0] = CHECKED;
  value.writeUInt32BE(crc32(payload), 1);
  payload.copy(value, HEADER);
  return value;
}

export function decodeFrameRows(value: Buffer): RecordRow[] {
  let payload = value;
  if (value[0] === CHECKED) {
    if (value.length < HEADER) throw new CorruptFrameError('shorter than its header');
    payload = value.subarray(HEADER);
    if (crc32(payload) !== value.readUInt32BE(1)) throw new CorruptFrameError('checksum mismatch');
  }
  let rows: unknown;
  try {
    rows = unpack(payload);
  } catch {
    throw new CorruptFrameError('not a list of records');
  }
  // The checksum vouches for the rest; a frame written before checksums gets a look at its shape.
  if (!Array.isArray(rows) || (rows.length > 0 && !(Array.isArray(rows[0]) && typeof rows[0][0] === 'number'))) throw new CorruptFrameError('not a list of records');
  // The one cast from disk to typed effects: applyEffect refuses a kind it does not know.
  return rows as RecordRow[];
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
