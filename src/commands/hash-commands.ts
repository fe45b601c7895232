import type { HashValue } from '../projections/hash-value.js';
import { parseInteger } from './arguments.js';
import { isInt64, parseInt64 } from '../formats/number-parsing.js';
import type { Client } from '../session/client.js';
import { parseScanOptions, scanStep } from './collection-scan.js';
import { NAN_OR_INFINITY, NOT_AN_INTEGER, NOT_A_FLOAT, OVERFLOW, wrongArity } from '../replies/errors.js';
import { checkPickCount, randomSlots } from './random-picks.js';
import { ErrorReply, MapReply, OK, type Reply } from '../replies/reply.js';
import { addLongDoubles, formatLongDouble, parseLongDouble } from '../formats/long-double.js';
import { lookupTyped } from './typed-lookup.js';
import type { EffectDraft } from '../log/record.js';

/** Hash commands (Redis's t_hash.c). */

function readHash(client: Client, key: string): HashValue | undefined | ErrorReply {
  return lookupTyped<HashValue>(client, key, 'hash');
}

/** HSET and HMSET: counts the new fields first (a field named twice counts once), then logs the pairs. */
function setFields(client: Client, args: string[]): number | ErrorReply {
  if (args.length % 2 !== 0) return wrongArity(args[0]);
  const hash = readHash(client, args[1]);
  if (hash instanceof ErrorReply) return hash;
  let added = 0;
  const named = args.length > 4 ? new Set<string>() : undefined;
  for (let i = 2; i < args.length; i += 2) {
    if (hash?.fields.has(args[i]) !== true && named?.has(args[i]) !== true) added++;
    named?.add(args[i]);
  }
  const effect: EffectDraft<'hset'> = ['hset', args[1]];
  for (let i = 2; i < args.length; i++) effect.push(args[i]);
  client.server.store.writeKey(client.db, args[1], effect, client);
  return added;
}

export function hset(client: Client, args: string[]): Reply {
  return setFields(client, args);
}

export function hmset(client: Client, args: string[]): Reply {
  const result = setFields(client, args);
  return result instanceof ErrorReply ? result : OK;
}

export function hsetnx(client: Client, args: string[]): Reply {
  const hash = readHash(client, args[1]);
  if (hash instanceof ErrorReply) return hash;
  if (hash?.fields.has(args[2])) return 0;
  client.server.store.writeKey(client.db, args[1], ['hset', args[1], args[2], args[3]], client);
  return 1;
}

export function hget(client: Client, args: string[]): Reply {
  const hash = readHash(client, args[1]);
  if (hash instanceof ErrorReply) return hash;
  return hash?.fields.get(args[2]) ?? null;
}

export function hmget(client: Client, args: string[]): Reply {
  const hash = readHash(client, args[1]);
  if (hash instanceof ErrorReply) return hash;
  return args.slice(2).map((field) => hash?.fields.get(field) ?? null);
}

export function hdel(client: Client, args: string[]): Reply {
  const hash = readHash(client, args[1]);
  if (hash instanceof ErrorReply || hash === undefined) return hash ?? 0;
  const fields = [...new Set(args.slice(2))].filter((field) => hash.fields.has(field));
  if (fields.length > 0) client.server.store.writeKey(client.db, args[1], ['hdel', args[1], ...fields], client);
  return fields.length;
}

export function hlen(client: Client, args: string[]): Reply {
  const hash = readHash(client, args[1]);
  return hash instanceof ErrorReply ? hash : (hash?.size ?? 0);
}

export function hstrlen(client: Client, args: string[]): Reply {
  const hash = readHash(client, args[1]);
  return hash instanceof ErrorReply ? hash : (hash?.fields.get(args[2])?.length ?? 0);
}

export function hexists(client: Client, args: string[]): Reply {
  const hash = readHash(client, args[1]);
  return hash instanceof ErrorReply ? hash : hash?.fields.has(args[2]) ? 1 : 0;
}

export function hkeys(client: Client, args: string[]): Reply {
  const hash = readHash(client, args[1]);
  return hash instanceof ErrorReply ? hash : [...(hash?.fields.keys() ?? [])];
}

export function hvals(client: Client, args: string[]): Reply {
  const hash = readHash(client, args[1]);
  return hash instanceof ErrorReply ? hash : [...(hash?.fields.values() ?? [])];
}

export function hgetall(client: Client, args: string[]): Reply {
  const hash = readHash(client, args[1]);
  return hash instanceof ErrorReply ? hash : new MapReply([...(hash?.fields ?? [])]);
}

export function hincrby(client: Client, args: string[]): Reply {
  const delta = parseInt64(args[3]);
  if (delta === null) return NOT_AN_INTEGER;
  const hash = readHash(client, args[1]);
  if (hash instanceof ErrorReply) return hash;
  const old = hash?.fields.get(args[2]);
  const current = old === undefined ? 0n : parseInt64(old);
  if (current === null) return new ErrorReply('ERR hash value is not an integer');
  const result = current + delta;
  if (!isInt64(result)) return OVERFLOW;
  client.server.store.writeKey(client.db, args[1], ['hset', args[1], args[2], result.toString()], client);
  return result;
}

export function hincrbyfloat(client: Client, args: string[]): Reply {
  const delta = parseLongDouble(args[3]);
  if (delta === null) return NOT_A_FLOAT;
  if (delta.infinite) return new ErrorReply('ERR value is NaN or Infinity');
  const hash = readHash(client, args[1]);
  if (hash instanceof ErrorReply) return hash;
  const old = hash?.fields.get(args[2]);
  const current = parseLongDouble(old ?? '0');
  if (current === null) return new ErrorReply('ERR hash value is not a float');
  const result = addLongDoubles(current, delta);
  if (result.infinite) return NAN_OR_INFINITY;
  const text = formatLongDouble(result);
  client.server.store.writeKey(client.db, args[1], ['hset', args[1], args[2], text], client);
  return text;
}

export function hrandfield(client: Client, args: string[]): Reply {
  if (args.length > 4 || (args.length === 4 && args[3].toUpperCase() !== 'WITHVALUES')) return new ErrorReply('ERR syntax error');
  const count = args.length >= 3 ? parseInteger(args[2]) : null;
  if (args.length >= 3 && count === null) return NOT_AN_INTEGER;
  const tooMany = count === null ? undefined : checkPickCount(count);
  if (tooMany) return tooMany;
  const hash = readHash(client, args[1]);
  if (hash instanceof ErrorReply) return hash;
  if (count === null) {
    if (hash === undefined) return null;
    return [...hash.fields.keys()][Math.floor(Math.random() * hash.size)];
  }
  if (hash === undefined) return [];
  const entries = [...hash.fields];
  const picks = randomSlots(entries.length, count).map((slot) => entries[slot]);
  if (args.length === 3) return picks.map(([field]) => field);
  // RESP3 gets field-value pairs; RESP2 a flat list.
  return client.resp === 3 ? picks.map(([field, value]) => [field, value]) : picks.flat();
}

export function hscan(client: Client, args: string[]): Reply {
  const options = parseScanOptions(args, 2, 'NOVALUES');
  if (options instanceof ErrorReply) return options;
  const hash = readHash(client, args[1]);
  if (hash instanceof ErrorReply) return hash;
  if (hash === undefined) return ['0', []];
  const [next, entries] = scanStep(hash, () => hash.fields.entries(), hash.encoding() === 'listpack', options);
  return [String(next), options.noValues ? entries.map(([field]) => field) : entries.flat()];
}
