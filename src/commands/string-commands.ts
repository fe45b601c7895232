import { SET_WITH_EXPIRY_EVENT } from './keyspace-events.js';
import { clampStringRange, parseInteger } from './arguments.js';
import { isInt64, parseInt64 } from '../formats/number-parsing.js';
import type { Client } from '../session/client.js';
import {
  NAN_OR_INFINITY,
  NOT_AN_INTEGER,
  NOT_A_FLOAT,
  NOT_STRINGS,
  OFFSET_OUT_OF_RANGE,
  OVERFLOW,
  STRING_TOO_LONG,
  SYNTAX_ERROR,
  WRONGTYPE,
  wrongArity,
} from '../replies/errors.js';
import { expiryAt, isAbsolute, parseStringOptions } from './expiry-options.js';
import { ErrorReply, MapReply, OK, type Reply } from '../replies/reply.js';
import { addLongDoubles, formatLongDouble, parseLongDouble } from '../formats/long-double.js';
import { lookupTyped } from './typed-lookup.js';
import type { EffectDraft } from '../log/record.js';
import type { Shard } from '../shards/shard.js';
import { isStringValue, textIfString, textOf, type StringValue } from '../projections/string-value.js';

/** String commands (Redis's t_string.c). Values are latin1 strings: one char per byte. */

/** The string value at `key` as it is held (string-value.ts), undefined when missing, or WRONGTYPE: for readers of its length or of some of its bytes. */
export function readStringValue(client: Client, key: string): StringValue | undefined | ErrorReply {
  return lookupTyped<StringValue>(client, key, 'string');
}

/** The string at `key` as a latin1 JS string, undefined when missing, or WRONGTYPE. */
export function readString(client: Client, key: string): string | undefined | ErrorReply {
  const value = readStringValue(client, key);
  return value === undefined || value instanceof ErrorReply ? value : textOf(value);
}

function maxLength(client: Client): number {
  return client.server.maxBulkLength;
}

export function get(client: Client, args: string[]): Reply {
  const value = readString(client, args[1]);
  return value === undefined ? null : value;
}

export function set(client: Client, args: string[]): Reply {
  const [, key, value] = args;
  const store = client.server.store;
  if (args.length === 3) {
    store.put(client.db, key, value, 0, client);
    return OK;
  }
  const options = parseStringOptions(args, 3, 'set');
  if (options instanceof ErrorReply) return options;
  const at = options.expiry === undefined ? 0 : expiryAt('set', options.expiry, client.now);
  if (at instanceof ErrorReply) return at;
  const old = store.lookup(client.db, key, client);
  if (options.get && old !== undefined && !isStringValue(old)) return WRONGTYPE;
  const oldReply = options.get ? (textIfString(old) ?? null) : null;
  if ((options.condition === 'NX' && old !== undefined) || (options.condition === 'XX' && old === undefined)) return oldReply;
  const expireAt = options.keepTtl ? store.keyspace(client.db, key).expireAt(key) : at;
  store.put(client.db, key, value, expireAt, client, options.expiry !== undefined ? SET_WITH_EXPIRY_EVENT : undefined);
  return options.get ? oldReply : OK;
}

export function setnx(client: Client, args: string[]): Reply {
  const store = client.server.store;
  if (store.lookup(client.db, args[1], client) !== undefined) return 0;
  store.put(client.db, args[1], args[2], 0, client);
  return 1;
}

function setWithExpiry(client: Client, args: string[], unit: 'EX' | 'PX'): Reply {
  const now = client.now;
  const at = expiryAt(args[0], { unit, amount: args[2] }, now);
  if (at instanceof ErrorReply) return at;
  client.server.store.put(client.db, args[1], args[3], at, client);
  return OK;
}

export function setex(client: Client, args: string[]): Reply {
  return setWithExpiry(client, args, 'EX');
}

export function psetex(client: Client, args: string[]): Reply {
  return setWithExpiry(client, args, 'PX');
}

export function mget(client: Client, args: string[]): Reply {
  const store = client.server.store;
  const values: Reply[] = [];
  for (let i = 1; i < args.length; i++) {
    values.push(textIfString(store.lookup(client.db, args[i], client)) ?? null);
  }
  return values;
}

/**
 * MSET/MSETNX write one `mset` record per shard holding that shard's pairs, all in one
 * transaction, so that no client or crash sees half of them.
 */
function writePairs(client: Client, args: string[]): void {
  const store = client.server.store;
  const perShard = new Map<Shard, EffectDraft<'mset'>>();
  for (let i = 1; i < args.length; i += 2) {
    const shard = store.shardOf(args[i]);
    const effect = perShard.get(shard);
    if (effect === undefined) perShard.set(shard, ['mset', args[i], args[i + 1]]);
    else effect.push(args[i], args[i + 1]);
  }
  store.transaction(() => {
    for (const [shard, effect] of perShard) store.write(shard, client.db, effect, client);
  });
}

export function mset(client: Client, args: string[]): Reply {
  if (args.length % 2 === 0) return wrongArity(args[0]);
  writePairs(client, args);
  return OK;
}

export function msetnx(client: Client, args: string[]): Reply {
  if (args.length % 2 === 0) return wrongArity(args[0]);
  for (let i = 1; i < args.length; i += 2) if (client.server.store.lookup(client.db, args[i], client) !== undefined) return 0;
  writePairs(client, args);
  return 1;
}

export function getset(client: Client, args: string[]): Reply {
  const old = readString(client, args[1]);
  if (old instanceof ErrorReply) return old;
  client.server.store.put(client.db, args[1], args[2], 0, client);
  return old ?? null;
}

export function getdel(client: Client, args: string[]): Reply {
  const old = readString(client, args[1]);
  if (old instanceof ErrorReply || old === undefined) return old ?? null;
  client.server.store.delete(client.db, args[1], client);
  return old;
}

/** GETEX: like Redis, the key is looked up before the expiry is checked, and a past EXAT/PXAT deletes it at once. */
export function getex(client: Client, args: string[]): Reply {
  const now = client.now;
  const options = parseStringOptions(args, 2, 'getex');
  if (options instanceof ErrorReply) return options;
  const value = readString(client, args[1]);
  if (value instanceof ErrorReply || value === undefined) return value ?? null;
  const at = options.expiry === undefined ? 0 : expiryAt('getex', options.expiry, now);
  if (at instanceof ErrorReply) return at;
  const store = client.server.store;
  const shard = store.shardOf(args[1]);
  if (options.expiry !== undefined && isAbsolute(options.expiry) && at <= now) store.delete(client.db, args[1], client);
  else if (options.expiry !== undefined) store.write(shard, client.db, ['expire', args[1], at], client);
  else if (options.persist && store.keyspace(client.db, args[1]).expireAt(args[1]) > 0) store.write(shard, client.db, ['persist', args[1]], client);
  return value;
}

export function append(client: Client, args: string[]): Reply {
  const old = readStringValue(client, args[1]);
  if (old instanceof ErrorReply) return old;
  const length = (old?.length ?? 0) + args[2].length;
  if (length > maxLength(client)) return STRING_TOO_LONG;
  const store = client.server.store;
  store.write(store.shardOf(args[1]), client.db, ['append', args[1], args[2]], client);
  return length;
}

export function strlen(client: Client, args: string[]): Reply {
  const value = readStringValue(client, args[1]);
  return value instanceof ErrorReply ? value : (value?.length ?? 0);
}

/** INCR and friends: the result is logged as the new value, keeping the key's expiry. */
function incrementBy(client: Client, key: string, delta: bigint): Reply {
  const old = readString(client, key);
  if (old instanceof ErrorReply) return old;
  const current = old === undefined ? 0n : parseInt64(old);
  if (current === null) return NOT_AN_INTEGER;
  const result = current + delta;
  if (!isInt64(result)) return OVERFLOW;
  const store = client.server.store;
  store.put(client.db, key, result.toString(), store.keyspace(client.db, key).expireAt(key), client);
  return result;
}

function deltaOf(text: string): bigint | ErrorReply {
  return parseInt64(text) ?? NOT_AN_INTEGER;
}

export function incr(client: Client, args: string[]): Reply {
  return incrementBy(client, args[1], 1n);
}

export function decr(client: Client, args: string[]): Reply {
  return incrementBy(client, args[1], -1n);
}

export function incrby(client: Client, args: string[]): Reply {
  const delta = deltaOf(args[2]);
  return delta instanceof ErrorReply ? delta : incrementBy(client, args[1], delta);
}

export function decrby(client: Client, args: string[]): Reply {
  const delta = deltaOf(args[2]);
  if (delta instanceof ErrorReply) return delta;
  // Redis refuses to negate LLONG_MIN.
  if (delta === -(2n ** 63n)) return new ErrorReply('ERR decrement would overflow');
  return incrementBy(client, args[1], -delta);
}

export function incrbyfloat(client: Client, args: string[]): Reply {
  const old = readString(client, args[1]);
  if (old instanceof ErrorReply) return old;
  const current = parseLongDouble(old ?? '0');
  const delta = parseLongDouble(args[2]);
  if (current === null || delta === null) return NOT_A_FLOAT;
  const result = addLongDoubles(current, delta);
  if (result.infinite) return NAN_OR_INFINITY;
  const text = formatLongDouble(result);
  const store = client.server.store;
  store.put(client.db, args[1], text, store.keyspace(client.db, args[1]).expireAt(args[1]), client);
  return text;
}

export function getrange(client: Client, args: string[]): Reply {
  const start = parseInteger(args[2]);
  const end = parseInteger(args[3]);
  if (start === null || end === null) return NOT_AN_INTEGER;
  const value = readStringValue(client, args[1]);
  if (value instanceof ErrorReply) return value;
  if (value === undefined || (start < 0 && end < 0 && start > end)) return '';
  const range = clampStringRange(start, end, value.length);
  return range === null ? '' : value.slice(range[0], range[1] + 1);
}

export function setrange(client: Client, args: string[]): Reply {
  const offset = parseInteger(args[2]);
  if (offset === null) return NOT_AN_INTEGER;
  if (offset < 0) return OFFSET_OUT_OF_RANGE;
  const old = readStringValue(client, args[1]);
  if (old instanceof ErrorReply) return old;
  const patch = args[3];
  if (patch.length === 0) return old?.length ?? 0;
  if (offset + patch.length > maxLength(client)) return STRING_TOO_LONG;
  const store = client.server.store;
  store.write(store.shardOf(args[1]), client.db, ['setrange', args[1], offset, patch], client);
  return Math.max(old?.length ?? 0, offset + patch.length);
}

/** LCS checks both keys' types before it reads its options, as Redis does. */
export function lcs(client: Client, args: string[]): Reply {
  const store = client.server.store;
  const aValue = store.lookup(client.db, args[1], client);
  const bValue = store.lookup(client.db, args[2], client);
  const a = aValue === undefined ? '' : textIfString(aValue);
  const b = bValue === undefined ? '' : textIfString(bValue);
  if (a === undefined || b === undefined) return NOT_STRINGS;
  let wantLength = false;
  let wantIndexes = false;
  let withMatchLength = false;
  let minMatchLength = 0;
  for (let i = 3; i < args.length; i++) {
    const option = args[i].toUpperCase();
    if (option === 'LEN') wantLength = true;
    else if (option === 'IDX') wantIndexes = true;
    else if (option === 'WITHMATCHLEN') withMatchLength = true;
    else if (option === 'MINMATCHLEN' && i + 1 < args.length) {
      const n = parseInteger(args[++i]);
      if (n === null) return NOT_AN_INTEGER;
      minMatchLength = Math.max(n, 0);
    } else return SYNTAX_ERROR;
  }
  if (wantLength && wantIndexes) return new ErrorReply('ERR If you want both the length and indexes, please just use IDX.');
  // The DP table is (|a|+1) x (|b|+1) 32-bit cells: Redis bounds it by proto-max-bulk-len.
  if ((a.length + 1) * (b.length + 1) * 4 > client.server.maxBulkLength) return new ErrorReply('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  return longestCommonSubsequence(a, b, wantLength, wantIndexes, withMatchLength, minMatchLength);
}

/** The classic dynamic-programming LCS, walked back from the end as Redis does to report ranges. */
function longestCommonSubsequence(a: string, b: string, wantLength: boolean, wantIndexes: boolean, withMatchLength: boolean, minMatchLength: number): Reply {
  const width = b.length + 1;
  const table = new Uint32Array((a.length + 1) * width);
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      table[i * width + j] = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? table[(i - 1) * width + j - 1] + 1 : Math.max(table[(i - 1) * width + j], table[i * width + j - 1]);
  const length = table[a.length * width + b.length];
  if (wantLength) return length;
  const result: string[] = new Array(length);
  const matches: Reply[] = [];
  let idx = length;
  let aStart = a.length;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = a.length;
  let j = b.length;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a[i - 1] === b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (aStart === a.length) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else emit = true;
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (table[(i - 1) * width + j] > table[i * width + j - 1]) i--;
      else j--;
      if (aStart !== a.length) emit = true;
    }
    if (emit) {
      const matchLength = aEnd - aStart + 1;
      if (minMatchLength === 0 || matchLength >= minMatchLength) {
        const match: Reply[] = [
          [aStart, aEnd],
          [bStart, bEnd],
        ];
        if (withMatchLength) match.push(matchLength);
        matches.push(match);
      }
      aStart = a.length;
    }
  }
  if (!wantIndexes) return result.join('');
  return new MapReply([
    ['matches', matches],
    ['len', length],
  ]);
}
