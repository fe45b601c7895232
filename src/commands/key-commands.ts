import { parseInteger } from './arguments.js';
import { parseInt64 } from '../formats/number-parsing.js';
import { expireTimeMs } from './expiry-options.js';
import type { Client } from '../session/client.js';
import {
  DB_INDEX_OUT_OF_RANGE,
  EXPIRE_FLAGS_GT_LT,
  EXPIRE_FLAGS_NX,
  NOT_AN_INTEGER,
  NO_SUCH_KEY,
  SAME_OBJECT,
  SYNTAX_ERROR,
  invalidExpireTime,
  printedArgument,
} from '../replies/errors.js';
import { parseScanOptions, scanStep, SMALL_KEYSPACE } from './collection-scan.js';
import { globMatcher } from '../formats/glob.js';
import { ErrorReply, OK, StatusReply, helpReply, type Reply } from '../replies/reply.js';
import { encodingOf, typeOf, type Value } from '../projections/value.js';
import { DATABASES } from '../projections/shard-state.js';

/** Generic key commands (Redis's db.c and expire.c). */

function lookup(client: Client, key: string): Value | undefined {
  return client.server.store.lookup(client.db, key, client);
}

/** A lookup that is no access (Redis's LOOKUP_NOTOUCH): EXISTS and TYPE leave OBJECT IDLETIME and FREQ as they were. */
function lookupWithoutTouch(client: Client, key: string): Value | undefined {
  return client.server.store.lookup(client.db, key, client, false);
}

/** DEL and UNLINK: keys on several shards are deleted in one transaction. */
export function del(client: Client, args: string[]): Reply {
  const store = client.server.store;
  return store.transaction(() => {
    let deleted = 0;
    for (let i = 1; i < args.length; i++) {
      if (lookup(client, args[i]) === undefined) continue;
      store.delete(client.db, args[i], client);
      deleted++;
    }
    return deleted;
  });
}

/** EXISTS and TOUCH: a key named twice counts twice, as in Redis. */
export function exists(client: Client, args: string[]): Reply {
  let count = 0;
  for (let i = 1; i < args.length; i++) if (lookupWithoutTouch(client, args[i]) !== undefined) count++;
  return count;
}

export function type(client: Client, args: string[]): Reply {
  const value = lookupWithoutTouch(client, args[1]);
  return new StatusReply(value === undefined ? 'none' : typeOf(value));
}

type ExpireUnit = { ms: 1 | 1000; absolute: boolean };

function expireGeneric(client: Client, args: string[], unit: ExpireUnit): Reply {
  const now = client.now;
  // Redis reads the flags before the amount: an unknown or conflicting flag beats a bad number.
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  for (let i = 3; i < args.length; i++) {
    const flag = args[i].toUpperCase();
    if (flag === 'NX') nx = true;
    else if (flag === 'XX') xx = true;
    else if (flag === 'GT') gt = true;
    else if (flag === 'LT') lt = true;
    else return new ErrorReply(`ERR Unsupported option ${printedArgument(args[i])}`);
  }
  if (nx && (xx || gt || lt)) return EXPIRE_FLAGS_NX;
  if (gt && lt) return EXPIRE_FLAGS_GT_LT;
  const amount = parseInt64(args[2]);
  if (amount === null) return NOT_AN_INTEGER;
  const at = expireTimeMs(amount, unit.ms, unit.absolute ? 0 : now);
  if (at === undefined) return invalidExpireTime(args[0]);
  const key = args[1];
  if (lookup(client, key) === undefined) return 0;
  const store = client.server.store;
  const current = store.keyspace(client.db, key).expireAt(key);
  // A key without expiry has an infinite TTL for GT and LT.
  if (nx && current !== 0) return 0;
  if (xx && current === 0) return 0;
  if (gt && (current === 0 || at <= current)) return 0;
  if (lt && current !== 0 && at >= current) return 0;
  if (at <= now) store.delete(client.db, key, client);
  else store.write(store.shardOf(key), client.db, ['expire', key, at], client);
  return 1;
}

export const expire = (client: Client, args: string[]): Reply => expireGeneric(client, args, { ms: 1000, absolute: false });
export const pexpire = (client: Client, args: string[]): Reply => expireGeneric(client, args, { ms: 1, absolute: false });
export const expireat = (client: Client, args: string[]): Reply => expireGeneric(client, args, { ms: 1000, absolute: true });
export const pexpireat = (client: Client, args: string[]): Reply => expireGeneric(client, args, { ms: 1, absolute: true });

/** TTL family: -2 when the key is missing, -1 when it has no expiry. */
function timeToLive(client: Client, key: string, transform: (expireAt: number, now: number) => number): Reply {
  const now = client.now;
  if (lookup(client, key) === undefined) return -2;
  const expireAt = client.server.store.keyspace(client.db, key).expireAt(key);
  return expireAt === 0 ? -1 : transform(expireAt, now);
}

export const ttl = (client: Client, args: string[]): Reply => timeToLive(client, args[1], (at, now) => Math.round((at - now) / 1000));
export const pttl = (client: Client, args: string[]): Reply => timeToLive(client, args[1], (at, now) => at - now);
export const expiretime = (client: Client, args: string[]): Reply => timeToLive(client, args[1], (at) => Math.floor(at / 1000));
export const pexpiretime = (client: Client, args: string[]): Reply => timeToLive(client, args[1], (at) => at);

export function persist(client: Client, args: string[]): Reply {
  const key = args[1];
  const store = client.server.store;
  if (lookup(client, key) === undefined || store.keyspace(client.db, key).expireAt(key) === 0) return 0;
  store.write(store.shardOf(key), client.db, ['persist', key], client);
  return 1;
}

export function keys(client: Client, args: string[]): Reply {
  const now = client.now;
  const matches = globMatcher(args[1]);
  const found: string[] = [];
  for (const ks of client.server.store.keyspaces(client.db))
    for (const key of ks.data.keys()) {
      const expireAt = ks.expires.size > 0 ? ks.expires.get(key) : undefined;
      if ((expireAt === undefined || expireAt > now) && matches(key)) found.push(key);
    }
  return found;
}

/** SCAN cursors name a shard and how far its keyspace was walked: `walked * 1024 + shard`. */
const SHARD_SPAN = 1024;

export function scan(client: Client, args: string[]): Reply {
  const options = parseScanOptions(args, 1, 'TYPE');
  if (options instanceof ErrorReply) return options;
  const keyspaces = client.server.store.keyspaces(client.db);
  const shard = options.cursor % SHARD_SPAN;
  if (shard >= keyspaces.length) return ['0', []];
  const ks = keyspaces[shard];
  const [walked, entries] = scanStep(ks.data, () => ks.data.entries(), ks.size <= SMALL_KEYSPACE, { ...options, cursor: Math.floor(options.cursor / SHARD_SPAN) });
  // A shard walked to its end hands over to the next one (cursor = its index), the last one to 0.
  const next = walked !== 0 ? walked * SHARD_SPAN + shard : shard + 1 < keyspaces.length ? shard + 1 : 0;
  const now = client.now;
  const found: string[] = [];
  for (const [key, value] of entries) {
    const expireAt = ks.expires.size > 0 ? ks.expires.get(key) : undefined;
    if (expireAt !== undefined && expireAt <= now) continue;
    if (options.type !== undefined && typeOf(value) !== options.type) continue;
    found.push(key);
  }
  return [String(next), found];
}

/** RENAME and RENAMENX; across shards the move is a delete and a put in one transaction. */
function renameGeneric(client: Client, args: string[], onlyIfAbsent: boolean): Reply {
  const [, from, to] = args;
  const store = client.server.store;
  const value = lookup(client, from);
  if (value === undefined) return NO_SUCH_KEY;
  if (from === to) return onlyIfAbsent ? 0 : OK;
  if (onlyIfAbsent && lookup(client, to) !== undefined) return 0;
  const fromShard = store.shardOf(from);
  const toShard = store.shardOf(to);
  if (fromShard === toShard) store.write(fromShard, client.db, ['rename', from, to], client);
  else {
    const expireAt = store.keyspace(client.db, from).expireAt(from);
    store.transaction(() => {
      store.delete(client.db, from, client);
      store.put(client.db, to, value, expireAt, client);
    });
  }
  return onlyIfAbsent ? 1 : OK;
}

export const rename = (client: Client, args: string[]): Reply => renameGeneric(client, args, false);
export const renamenx = (client: Client, args: string[]): Reply => renameGeneric(client, args, true);

export function randomkey(client: Client): Reply {
  const keyspaces = client.server.store.keyspaces(client.db);
  // Expired keys may be drawn: try a few times, as Redis does, before giving up.
  for (let attempt = 0; attempt < 100; attempt++) {
    let total = 0;
    for (const ks of keyspaces) total += ks.size;
    if (total === 0) return null;
    let pick = Math.floor(Math.random() * total);
    for (const ks of keyspaces) {
      if (pick >= ks.size) {
        pick -= ks.size;
        continue;
      }
      for (const key of ks.data.keys()) {
        if (pick-- > 0) continue;
        if (lookup(client, key) !== undefined) return key;
        break;
      }
      break;
    }
  }
  return null;
}

function parseDb(text: string): number | ErrorReply {
  const db = parseInteger(text);
  if (db === null) return NOT_AN_INTEGER;
  if (db < 0 || db >= DATABASES) return DB_INDEX_OUT_OF_RANGE;
  return db;
}

export function copy(client: Client, args: string[]): Reply {
  const [, from, to] = args;
  let toDb = client.db;
  let replace = false;
  for (let i = 3; i < args.length; i++) {
    const option = args[i].toUpperCase();
    if (option === 'REPLACE') replace = true;
    else if (option === 'DB' && i + 1 < args.length) {
      const db = parseDb(args[++i]);
      if (db instanceof ErrorReply) return db;
      toDb = db;
    } else return SYNTAX_ERROR;
  }
  if (from === to && toDb === client.db) return SAME_OBJECT;
  const store = client.server.store;
  const value = lookup(client, from);
  if (value === undefined) return 0;
  if (store.lookup(toDb, to, client) !== undefined && !replace) return 0;
  const fromShard = store.shardOf(from);
  if (fromShard === store.shardOf(to)) store.write(fromShard, client.db, ['copy', from, to, toDb], client);
  else store.put(toDb, to, value, store.keyspace(client.db, from).expireAt(from), client);
  return 1;
}

export function move(client: Client, args: string[]): Reply {
  const key = args[1];
  const toDb = parseDb(args[2]);
  if (toDb instanceof ErrorReply) return toDb;
  if (toDb === client.db) return SAME_OBJECT;
  const store = client.server.store;
  if (lookup(client, key) === undefined || store.lookup(toDb, key, client) !== undefined) return 0;
  store.write(store.shardOf(key), client.db, ['move', key, toDb], client);
  return 1;
}

const LFU_POLICY = new ErrorReply(
  'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
);
const NO_LFU_POLICY = new ErrorReply(
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
);

export function object(client: Client, args: string[]): Reply {
  const sub = args[1].toUpperCase();
  if (sub === 'HELP')
    return helpReply('OBJECT', [
      'ENCODING <key>',
      '    Return the kind of internal representation used in order to store the value',
      '    associated with a <key>.',
      'FREQ <key>',
      '    Return the access frequency index of the <key>. The returned integer is',
      '    proportional to the logarithm of the recent access frequency of the key.',
      'IDLETIME <key>',
      '    Return the idle time of the <key>, that is the approximated number of',
      '    seconds elapsed since the last access to the key.',
      'REFCOUNT <key>',
      '    Return the number of references of the value associated with the specified',
      '    <key>.',
    ]);
  // As Redis's objectCommandLookup: the key as stored, neither expired on the way nor touched.
  const key = args[2];
  const store = client.server.store;
  const ks = store.keyspace(client.db, key);
  const value = ks.data.get(key);
  if (value === undefined) return null;
  if (sub === 'ENCODING') return encodingOf(value);
  if (sub === 'FREQ') return store.access.lfu ? store.access.frequency(ks, key, Date.now()) : NO_LFU_POLICY;
  if (sub === 'IDLETIME') return store.access.lfu ? LFU_POLICY : Math.floor(store.access.idleMs(ks, key, Date.now()) / 1000);
  // Eddy shares no objects between keys.
  return 1;
}
