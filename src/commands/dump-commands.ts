import { parseInt64 } from '../formats/number-parsing.js';
import { hasValidFooter } from '../formats/rdb/rdb-reader.js';
import type { ValueSnapshot } from '../log/record.js';
import { dumpPayload, type DumpSettings } from '../projections/rdb/dump-value.js';
import { restoredSnapshot } from '../projections/rdb/restore-value.js';
import { BAD_DATA_FORMAT, BUSYKEY, DUMP_PAYLOAD_INVALID, INVALID_FREQ, INVALID_IDLETIME, INVALID_TTL, NOT_AN_INTEGER, SYNTAX_ERROR } from '../replies/errors.js';
import { ErrorReply, OK, type Reply } from '../replies/reply.js';
import type { Client } from '../session/client.js';
import type { Config } from '../config/config.js';
import type { Store } from '../shards/store.js';
import type { Value } from '../projections/value.js';
import { lookupCounted } from './typed-lookup.js';

/** DUMP and RESTORE (Redis's cluster.c) in Redis 7.0's serialization: src/projections/rdb/. */

/** The options DUMP's payloads follow (MIGRATE sends the same). */
export function dumpSettingsOf(config: Config): DumpSettings {
  return { compression: config.get('rdbcompression') === 'yes', listFill: config.int('list-max-listpack-size'), listCompressDepth: config.int('list-compress-depth') };
}

/** RESTORE's key, time to live (ms from `now`, 0: none) and payload for a key as it is now: what MIGRATE and a slot migration send. */
export function restoreArguments(store: Store, db: number, key: string, value: Value, now: number, settings: DumpSettings): [string, string, Buffer] {
  const expireAt = store.keyspace(db, key).expireAt(key);
  const ttl = expireAt === 0 ? 0 : Math.max(1, expireAt - now);
  return [key, String(ttl), dumpPayload(value, settings)];
}

export function dump(client: Client, args: string[]): Reply {
  const value = lookupCounted(client, args[1]);
  return value === undefined ? null : dumpPayload(value, dumpSettingsOf(client.server.config)).toString('latin1');
}

interface RestoreOptions {
  replace: boolean;
  absoluteTtl: boolean;
  idleSeconds: number | undefined;
  frequency: number | undefined;
}

/** Redis reads the options first; IDLETIME and FREQ exclude each other (the second is a syntax error). */
function parseRestoreOptions(args: string[]): RestoreOptions | ErrorReply {
  const options: RestoreOptions = { replace: false, absoluteTtl: false, idleSeconds: undefined, frequency: undefined };
  for (let i = 4; i < args.length; i++) {
    const option = args[i].toUpperCase();
    const hasValue = i + 1 < args.length;
    if (option === 'REPLACE') options.replace = true;
    else if (option === 'ABSTTL') options.absoluteTtl = true;
    else if (option === 'IDLETIME' && hasValue && options.frequency === undefined) {
      const idle = parseInt64(args[++i]);
      if (idle === null) return NOT_AN_INTEGER;
      if (idle < 0n) return INVALID_IDLETIME;
      options.idleSeconds = Number(idle);
    } else if (option === 'FREQ' && hasValue && options.idleSeconds === undefined) {
      const frequency = parseInt64(args[++i]);
      if (frequency === null) return NOT_AN_INTEGER;
      if (frequency < 0n || frequency > 255n) return INVALID_FREQ;
      options.frequency = Number(frequency);
    } else return SYNTAX_ERROR;
  }
  return options;
}

/**
 * RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]: checked in Redis's order
 * (options, BUSYKEY, TTL, footer, then the value), so a bad payload writes nothing. The value is
 * logged as a `put` of its snapshot with its absolute expiry; a TTL already past stores nothing
 * and answers OK, deleting the old key under REPLACE, as Redis does.
 */
export function restore(client: Client, args: string[]): Reply {
  const [, key, ttlText, payloadText] = args;
  const options = parseRestoreOptions(args);
  if (options instanceof ErrorReply) return options;
  const store = client.server.store;
  const existed = store.lookup(client.db, key, client) !== undefined;
  if (existed && !options.replace) return BUSYKEY;
  const ttl = parseInt64(ttlText);
  if (ttl === null) return NOT_AN_INTEGER;
  if (ttl < 0n) return INVALID_TTL;
  const payload = Buffer.from(payloadText, 'latin1');
  if (!hasValidFooter(payload)) return DUMP_PAYLOAD_INVALID;
  let snapshot: ValueSnapshot;
  try {
    snapshot = restoredSnapshot(payload);
  } catch {
    // Any failure to read untrusted bytes is a bad payload, never a crash.
    return BAD_DATA_FORMAT;
  }
  const now = client.now;
  // Redis adds the TTL to its clock in a long long.
  const expireAt = ttl === 0n ? 0 : Number(options.absoluteTtl ? ttl : BigInt.asIntN(64, ttl + BigInt(now)));
  if (expireAt !== 0 && expireAt <= now) {
    if (existed) store.delete(client.db, key, client);
    return OK;
  }
  store.restoreKey(client.db, key, snapshot, expireAt, client, options);
  return OK;
}
