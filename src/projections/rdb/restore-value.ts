import { CorruptPayload, expectValid } from '../../formats/rdb/corrupt-payload.js';
import { decodeIntset } from '../../formats/rdb/intset.js';
import { readListpack } from '../../formats/rdb/listpack.js';
import { QUICKLIST_PACKED, QUICKLIST_PLAIN, RDB_TYPE } from '../../formats/rdb/rdb-types.js';
import { RdbReader } from '../../formats/rdb/rdb-reader.js';
import { readZiplist } from '../../formats/rdb/ziplist.js';
import { readZipmap } from '../../formats/rdb/zipmap.js';
import { scanNumber, scannedDouble } from '../../formats/strtod.js';
import type { ValueSnapshot } from '../../log/record.js';
import { readStream } from './stream-payload.js';

/**
 * The value a DUMP payload holds (Redis's rdbLoadObject), as the snapshot RESTORE logs in its
 * `put`: the projection then gives it the encoding Redis would give it on load. Every type Redis
 * 7.0 reads is read, older ones (ziplists, zipmaps, quicklist 1, stream listpacks 1) included.
 * The checks are those of sanitize-dump-payload yes, whatever the setting: Eddy rebuilds every
 * value from its elements, so it reads them all anyway, and a value it could not serve later
 * (a duplicate field, a NaN score, a stream out of order) is refused now. Throws CorruptPayload.
 */
export function restoredSnapshot(payload: Buffer): ValueSnapshot {
  const reader = new RdbReader(payload);
  return readValue(reader, reader.byte());
}

/** The value of RDB object type `type` at the reader's position (an RDB file's key/value pairs). */
export function readValue(reader: RdbReader, type: number): ValueSnapshot {
  switch (type) {
    case RDB_TYPE.STRING:
      return reader.string();
    case RDB_TYPE.LIST:
      return ['list', ...notEmpty(strings(reader, reader.length()))];
    case RDB_TYPE.LIST_ZIPLIST:
      return ['list', ...notEmpty(readZiplist(reader.stringBytes()))];
    case RDB_TYPE.LIST_QUICKLIST:
    case RDB_TYPE.LIST_QUICKLIST_2:
      return ['list', ...notEmpty(quicklistItems(reader, type === RDB_TYPE.LIST_QUICKLIST_2))];
    case RDB_TYPE.SET:
      return ['set', ...distinct(notEmpty(strings(reader, reader.length())), 'duplicate set members')];
    case RDB_TYPE.SET_INTSET:
      return ['set', ...decodeIntset(reader.stringBytes()).map(String)];
    case RDB_TYPE.HASH:
      return ['hash', ...pairs(notEmpty(strings(reader, reader.length() * 2)))];
    case RDB_TYPE.HASH_ZIPMAP:
      return ['hash', ...pairs(notEmpty(readZipmap(reader.stringBytes())))];
    case RDB_TYPE.HASH_ZIPLIST:
      return ['hash', ...pairs(notEmpty(readZiplist(reader.stringBytes())))];
    case RDB_TYPE.HASH_LISTPACK:
      return ['hash', ...pairs(notEmpty(readListpack(reader.stringBytes())))];
    case RDB_TYPE.ZSET:
    case RDB_TYPE.ZSET_2:
      return ['zset', ...scoredMembers(reader, type === RDB_TYPE.ZSET_2)];
    case RDB_TYPE.ZSET_ZIPLIST:
      return ['zset', ...packedScores(readZiplist(reader.stringBytes()))];
    case RDB_TYPE.ZSET_LISTPACK:
      return ['zset', ...packedScores(readListpack(reader.stringBytes()))];
    case RDB_TYPE.STREAM_LISTPACKS:
    case RDB_TYPE.STREAM_LISTPACKS_2:
      return ['stream', readStream(reader, type === RDB_TYPE.STREAM_LISTPACKS)];
    default:
      // Module types too: Eddy loads no modules.
      throw new CorruptPayload(`RDB type ${type} unknown`);
  }
}

/** Redis refuses empty collections (RDB_LOAD_ERR_EMPTY_KEY). */
function notEmpty(items: string[]): string[] {
  expectValid(items.length > 0, 'empty key');
  return items;
}

function strings(reader: RdbReader, count: number): string[] {
  const items: string[] = [];
  for (let i = 0; i < count; i++) items.push(reader.string());
  return items;
}

function distinct(items: string[], why: string): string[] {
  expectValid(new Set(items).size === items.length, why);
  return items;
}

/** Field/value pairs with no field twice. */
function pairs(items: string[]): string[] {
  expectValid(items.length % 2 === 0, 'odd number of hash elements');
  distinct(
    items.filter((_, i) => i % 2 === 0),
    'duplicate hash fields',
  );
  return items;
}

function quicklistItems(reader: RdbReader, version2: boolean): string[] {
  const items: string[] = [];
  const nodes = reader.length();
  for (let n = 0; n < nodes; n++) {
    const container = version2 ? reader.length() : QUICKLIST_PACKED;
    expectValid(container === QUICKLIST_PACKED || container === QUICKLIST_PLAIN, 'quicklist container unknown');
    const data = reader.stringBytes();
    expectValid(data.length > 0, 'quicklist node empty');
    if (container === QUICKLIST_PLAIN) items.push(data.toString('latin1'));
    else for (const item of version2 ? readListpack(data) : readZiplist(data)) items.push(item);
  }
  return items;
}

/** ZSET (scores as text) and ZSET_2 (binary): [score, member, ...] with no NaN and no member twice. */
function scoredMembers(reader: RdbReader, binary: boolean): (string | number)[] {
  const count = reader.length();
  expectValid(count > 0, 'empty key');
  const flat: (string | number)[] = [];
  const members = new Set<string>();
  for (let i = 0; i < count; i++) {
    const member = reader.string();
    const score = binary ? reader.binaryDouble() : reader.textDouble();
    expectValid(!Number.isNaN(score), 'zset with NaN score');
    expectValid(!members.has(member), 'duplicate zset members');
    members.add(member);
    flat.push(score, member);
  }
  return flat;
}

/** A ziplist's or listpack's member, score, ... as [score, member, ...]. */
function packedScores(items: string[]): (string | number)[] {
  notEmpty(items);
  pairs(items);
  const flat: (string | number)[] = [];
  for (let i = 0; i < items.length; i += 2) {
    // zzlStrtod: the whole text as strtod reads it, inf included.
    const scanned = scanNumber(items[i + 1], 0);
    expectValid(scanned !== undefined && scanned.end === items[i + 1].length, 'zset score invalid');
    const score = scannedDouble(scanned).value;
    expectValid(!Number.isNaN(score), 'zset with NaN score');
    flat.push(score, items[i]);
  }
  return flat;
}
