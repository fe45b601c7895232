import { isStringValue, textOf } from '../string-value.js';
import { encodeIntset } from '../../formats/rdb/intset.js';
import { lzfCompress } from '../../formats/rdb/lzf.js';
import { ListpackWriter } from '../../formats/rdb/listpack.js';
import { QUICKLIST_PACKED, RDB_TYPE } from '../../formats/rdb/rdb-types.js';
import { RdbWriter } from '../../formats/rdb/rdb-writer.js';
import { formatDouble } from '../../formats/double-text.js';
import type { StreamSnapshot } from '../../log/record.js';
import type { HashValue } from '../hash-value.js';
import type { ListValue } from '../list-value.js';
import type { SetValue } from '../set-value.js';
import type { StreamValue } from '../stream-value.js';
import type { Value } from '../value.js';
import type { ZSetValue } from '../zset-value.js';
import { clampFill, listNodes } from './list-nodes.js';
import { writeStream } from './stream-payload.js';

/** The settings Redis's DUMP reads: rdbcompression, list-max-listpack-size, list-compress-depth. */
export interface DumpSettings {
  compression: boolean;
  listFill: number;
  listCompressDepth: number;
}

/** quicklist.c: nodes under 48 bytes are not compressed, nor those LZF does not shrink by 8 bytes. */
const MIN_COMPRESS_BYTES = 48;
const MIN_COMPRESS_IMPROVE = 8;

/**
 * DUMP's payload (Redis's createDumpPayload): the RDB type Redis 7.0 gives the value's encoding,
 * the value as rdbSaveObject writes it, then the RDB version and CRC-64.
 */
export function dumpPayload(value: Value, settings: DumpSettings): Buffer {
  return rdbObject(value, settings).dumpPayload();
}

/** The value as an RDB file holds it after its key (rdbSaveObjectType, rdbSaveObject), in a writer. */
export function rdbObject(value: Value, settings: DumpSettings): RdbWriter {
  const writer = new RdbWriter(settings.compression);
  if (isStringValue(value)) {
    writer.byte(RDB_TYPE.STRING);
    writer.string(textOf(value));
  } else
    switch (value.type) {
      case 'list':
        writeList(writer, value as ListValue, settings);
        break;
      case 'set':
        writeSet(writer, value as SetValue);
        break;
      case 'hash':
        writeHash(writer, value as HashValue);
        break;
      case 'zset':
        writeZSet(writer, value as ZSetValue);
        break;
      case 'stream':
        writer.byte(RDB_TYPE.STREAM_LISTPACKS_2);
        writeStream(writer, (value as StreamValue).snapshot()[1] as StreamSnapshot);
        break;
    }
  return writer;
}

function writeList(writer: RdbWriter, list: ListValue, settings: DumpSettings): void {
  writer.byte(RDB_TYPE.LIST_QUICKLIST_2);
  const nodes = listNodes(list.items.toArray(), clampFill(settings.listFill));
  const depth = Math.max(0, Math.min(settings.listCompressDepth, 0xffff));
  writer.length(nodes.length);
  nodes.forEach((node, i) => {
    writer.length(QUICKLIST_PACKED);
    // With list-compress-depth, every node but `depth` at each end is kept compressed.
    const interior = depth > 0 && i >= depth && i < nodes.length - depth;
    const packed = interior && node.length >= MIN_COMPRESS_BYTES ? lzfCompress(node, node.length) : undefined;
    if (packed !== undefined && packed.length + MIN_COMPRESS_IMPROVE < node.length) writer.lzfBlob(packed, node.length);
    else writer.blob(node);
  });
}

function writeSet(writer: RdbWriter, set: SetValue): void {
  if (set.encoding() === 'intset') {
    writer.byte(RDB_TYPE.SET_INTSET);
    writer.blob(encodeIntset([...set.keys()].map(BigInt)));
    return;
  }
  writer.byte(RDB_TYPE.SET);
  writer.length(set.size);
  for (const member of set.keys()) writer.string(member);
}

function writeHash(writer: RdbWriter, hash: HashValue): void {
  if (hash.encoding() === 'listpack') {
    writer.byte(RDB_TYPE.HASH_LISTPACK);
    const lp = new ListpackWriter();
    for (const [field, value] of hash.fields) {
      lp.appendString(field);
      lp.appendString(value);
    }
    writer.blob(lp.finish());
    return;
  }
  writer.byte(RDB_TYPE.HASH);
  writer.length(hash.size);
  for (const [field, value] of hash.fields) {
    writer.string(field);
    writer.string(value);
  }
}

/** zzlInsertAt: a whole score within ±2^62 is an integer (double2ll, so -0 is 0), any other one d2string's text. */
function appendScore(lp: ListpackWriter, score: number): void {
  if (Number.isInteger(score) && Math.abs(score) <= 2 ** 62) lp.appendInteger(BigInt(score));
  else lp.appendString(formatDouble(score));
}

function writeZSet(writer: RdbWriter, zset: ZSetValue): void {
  if (zset.encoding() === 'listpack') {
    writer.byte(RDB_TYPE.ZSET_LISTPACK);
    const lp = new ListpackWriter();
    for (let node = zset.order.first; node !== null; node = node.next) {
      lp.appendString(node.member);
      appendScore(lp, node.score);
    }
    writer.blob(lp.finish());
    return;
  }
  // From the greatest to the smallest, as Redis walks its skiplist from the tail.
  writer.byte(RDB_TYPE.ZSET_2);
  writer.length(zset.size);
  for (let node = zset.order.tail; node !== null; node = node.backward) {
    writer.string(node.member);
    writer.binaryDouble(node.score);
  }
}
