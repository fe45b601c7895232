/**
 * LevelDB's key layout, the one place it is spelled. Keys sort by their bytes, so each kind has a
 * prefix byte and big-endian numbers, and LevelDB's key order is the log's order:
 *
 *   'F' shard(u16) firstRev(u64)            -> frame (one shard's share of a group commit)
 *   'C' shard(u16) rev(u64) chunk(u32)      -> checkpoint rows
 *   'K' shard(u16) rev(u64)                 -> checkpoint manifest (written last)
 *   'M' name                                -> meta: 'shards' (u16), 'sync' (the last sync), 'repl'
 *                                              (replication ids), 'held' shard(u16) (first revision kept)
 */

const FRAME = 0x46; // 'F'
const CHUNK = 0x43; // 'C'
const MANIFEST = 0x4b; // 'K'
const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** Bounds for an iterator over every key of one kind and shard. */
export interface KeyRange {
  gte: Buffer;
  lte: Buffer;
}

function shardKey(prefix: number, shard: number, length: number): Buffer {
  const key = Buffer.alloc(length);
  key[0] = prefix;
  key.writeUInt16BE(shard, 1);
  return key;
}

export function frameKey(shard: number, firstRev: number): Buffer {
  const key = shardKey(FRAME, shard, 11);
  key.writeBigUInt64BE(BigInt(firstRev), 3);
  return key;
}

/** The shard and first revision a frame key names. */
export function parseFrameKey(key: Buffer): { shard: number; firstRev: number } {
  return { shard: key.readUInt16BE(1), firstRev: Number(key.readBigUInt64BE(3)) };
}

/** Every frame key of a shard. */
export function shardFrameRange(shard: number): KeyRange {
  const lte = shardKey(FRAME, shard, 11);
  lte.writeBigUInt64BE(U64_MAX, 3);
  return { gte: frameKey(shard, 0), lte };
}

export function chunkKey(shard: number, rev: number, chunk: number): Buffer {
  const key = shardKey(CHUNK, shard, 15);
  key.writeBigUInt64BE(BigInt(rev), 3);
  key.writeUInt32BE(chunk, 11);
  return key;
}

/** The checkpoint revision a chunk key names. */
export function chunkRev(key: Buffer): number {
  return Number(key.readBigUInt64BE(3));
}

/** Every chunk key of one checkpoint (a revision), or of every checkpoint of the shard. */
export function chunkRange(shard: number, rev?: number): KeyRange {
  return rev === undefined
    ? { gte: chunkKey(shard, 0, 0), lte: chunkKey(shard, Number.MAX_SAFE_INTEGER, 0xffffffff) }
    : { gte: chunkKey(shard, rev, 0), lte: chunkKey(shard, rev, 0xffffffff) };
}

export function manifestKey(shard: number, rev: number): Buffer {
  const key = shardKey(MANIFEST, shard, 11);
  key.writeBigUInt64BE(BigInt(rev), 3);
  return key;
}

/** Every manifest key of a shard. */
export function manifestRange(shard: number): KeyRange {
  return { gte: manifestKey(shard, 0), lte: manifestKey(shard, Number.MAX_SAFE_INTEGER) };
}

/** The meta entries the log keeps, by name. */
export type MetaName = 'shards' | 'sync' | 'repl';

export function metaKey(name: MetaName): Buffer {
  return Buffer.from(`M${name}`);
}

/** The meta key of a shard's first held revision. */
export function heldFromKey(shard: number): Buffer {
  const key = Buffer.from('Mheld\0\0');
  key.writeUInt16BE(shard, 5);
  return key;
}
