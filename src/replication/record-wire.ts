import { pack, unpack } from 'msgpackr';
import type { Effect, LogRecord } from '../log/record.js';

/**
 * Log records as a primary sends them to its followers: a batch is one msgpack list of rows, with
 * everything a follower's log keeps (revision, time, shard, db, transaction id, effect, event).
 */
type WireRow = [rev: number, ts: number, shard: number, db: number, txn: number, effect: Effect, event: string | null];

export function encodeRecords(records: readonly LogRecord[]): Buffer {
  const rows = new Array<WireRow>(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    rows[i] = [r.rev, r.ts, r.shard, r.db, r.txn, r.effect, r.event ?? null];
  }
  return pack(rows);
}

export function decodeRecords(bytes: Buffer): LogRecord[] {
  // The one cast from the wire to typed effects: the primary encoded them, applyEffect refuses a kind it does not know.
  const rows = unpack(bytes) as WireRow[];
  if (!Array.isArray(rows)) throw new Error('replication stream: a batch that is not a list of records');
  return rows.map(([rev, ts, shard, db, txn, effect, event]) => (event === null ? { rev, ts, shard, db, txn, effect } : { rev, ts, shard, db, txn, effect, event }));
}
