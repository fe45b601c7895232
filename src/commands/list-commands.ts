import type { ListValue } from '../projections/list-value.js';
import type { TypeName } from '../projections/value.js';
import { clampRange, parseInteger } from './arguments.js';
import { parseTimeout } from '../session/blocking.js';
import type { Client } from '../session/client.js';
import { NEGATIVE_COUNT, NOT_AN_INTEGER, NO_SUCH_KEY, SYNTAX_ERROR, wrongArity } from '../replies/errors.js';
import type { PendingReply } from '../replies/pending-reply.js';
import { ErrorReply, NULL_ARRAY, OK, type Reply } from '../replies/reply.js';
import { COUNT_NOT_POSITIVE, parseNumKeys, parseOptionalNumber } from './numkeys.js';
import { lookupTyped } from './typed-lookup.js';
import type { EffectDraft } from '../log/record.js';

/** List commands (Redis's t_list.c), blocking variants included. */

type Side = 'left' | 'right';

function readList(client: Client, key: string): ListValue | undefined | ErrorReply {
  return lookupTyped<ListValue>(client, key, 'list');
}

function parseSide(text: string): Side | undefined {
  const side = text.toUpperCase();
  return side === 'LEFT' ? 'left' : side === 'RIGHT' ? 'right' : undefined;
}

function push(client: Client, args: string[], side: Side, onlyIfExists: boolean): Reply {
  const list = readList(client, args[1]);
  if (list instanceof ErrorReply) return list;
  if (list === undefined && onlyIfExists) return 0;
  const before = list?.size ?? 0;
  const effect: EffectDraft<'lpush' | 'rpush'> = side === 'left' ? ['lpush', args[1]] : ['rpush', args[1]];
  for (let i = 2; i < args.length; i++) effect.push(args[i]);
  client.server.store.writeKey(client.db, args[1], effect, client);
  return before + args.length - 2;
}

export const lpush = (client: Client, args: string[]): Reply => push(client, args, 'left', false);
export const rpush = (client: Client, args: string[]): Reply => push(client, args, 'right', false);
export const lpushx = (client: Client, args: string[]): Reply => push(client, args, 'left', true);
export const rpushx = (client: Client, args: string[]): Reply => push(client, args, 'right', true);

/** Pops up to `count` items from one end, logging the pop; the list is known to exist. */
function popItems(client: Client, key: string, list: ListValue, side: Side, count: number): string[] {
  const n = Math.min(count, list.size);
  const items = side === 'left' ? list.range(0, n - 1) : list.range(list.size - n, list.size - 1).reverse();
  client.server.store.writeKey(client.db, key, [side === 'left' ? 'lpop' : 'rpop', key, n], client);
  return items;
}

function pop(client: Client, args: string[], side: Side): Reply {
  if (args.length > 3) return wrongArity(args[0]);
  let count: number | undefined;
  if (args.length === 3) {
    const n = parseInteger(args[2]);
    if (n === null || n < 0) return NEGATIVE_COUNT;
    count = n;
  }
  const list = readList(client, args[1]);
  if (list instanceof ErrorReply) return list;
  if (list === undefined) return count === undefined ? null : NULL_ARRAY;
  if (count === undefined) return popItems(client, args[1], list, side, 1)[0];
  return count === 0 ? [] : popItems(client, args[1], list, side, count);
}

export const lpop = (client: Client, args: string[]): Reply => pop(client, args, 'left');
export const rpop = (client: Client, args: string[]): Reply => pop(client, args, 'right');

export function llen(client: Client, args: string[]): Reply {
  const list = readList(client, args[1]);
  return list instanceof ErrorReply ? list : (list?.size ?? 0);
}

export function lrange(client: Client, args: string[]): Reply {
  const start = parseInteger(args[2]);
  const stop = parseInteger(args[3]);
  if (start === null || stop === null) return NOT_AN_INTEGER;
  const list = readList(client, args[1]);
  if (list instanceof ErrorReply || list === undefined) return list ?? [];
  const range = clampRange(start, stop, list.size);
  return range === null ? [] : list.range(range[0], range[1]);
}

/** A Redis list index (negative from the end) resolved against a length, or -1 when outside. */
function resolveIndex(index: number, length: number): number {
  const resolved = index < 0 ? length + index : index;
  return resolved >= 0 && resolved < length ? resolved : -1;
}

/** LINDEX and LSET look the key up before they read the index, as Redis does. */
export function lindex(client: Client, args: string[]): Reply {
  const list = readList(client, args[1]);
  if (list instanceof ErrorReply || list === undefined) return list ?? null;
  const index = parseInteger(args[2]);
  if (index === null) return NOT_AN_INTEGER;
  const at = resolveIndex(index, list.size);
  return at === -1 ? null : (list.at(at) as string);
}

export function lset(client: Client, args: string[]): Reply {
  const list = readList(client, args[1]);
  if (list instanceof ErrorReply) return list;
  if (list === undefined) return NO_SUCH_KEY;
  const index = parseInteger(args[2]);
  if (index === null) return NOT_AN_INTEGER;
  const at = resolveIndex(index, list.size);
  if (at === -1) return new ErrorReply('ERR index out of range');
  client.server.store.writeKey(client.db, args[1], ['lset', args[1], at, args[3]], client);
  return OK;
}

export function linsert(client: Client, args: string[]): Reply {
  const where = args[2].toUpperCase();
  if (where !== 'BEFORE' && where !== 'AFTER') return SYNTAX_ERROR;
  const list = readList(client, args[1]);
  if (list instanceof ErrorReply || list === undefined) return list ?? 0;
  let pivot = -1;
  for (let i = 0; i < list.size; i++)
    if (list.at(i) === args[3]) {
      pivot = i;
      break;
    }
  if (pivot === -1) return -1;
  client.server.store.writeKey(client.db, args[1], ['linsert', args[1], where === 'BEFORE' ? pivot : pivot + 1, args[4]], client);
  return list.size;
}

export function lrem(client: Client, args: string[]): Reply {
  const count = parseInteger(args[2]);
  if (count === null) return NOT_AN_INTEGER;
  const list = readList(client, args[1]);
  if (list instanceof ErrorReply || list === undefined) return list ?? 0;
  const before = list.size;
  client.server.store.writeKey(client.db, args[1], ['lrem', args[1], count, args[3]], client);
  return before - list.size;
}

export function ltrim(client: Client, args: string[]): Reply {
  const start = parseInteger(args[2]);
  const stop = parseInteger(args[3]);
  if (start === null || stop === null) return NOT_AN_INTEGER;
  const list = readList(client, args[1]);
  if (list instanceof ErrorReply || list === undefined) return list ?? OK;
  const range = clampRange(start, stop, list.size);
  if (range === null) client.server.store.delete(client.db, args[1], client);
  else if (range[0] > 0 || range[1] < list.size - 1) client.server.store.writeKey(client.db, args[1], ['ltrim', args[1], range[0], range[1]], client);
  return OK;
}

export function lpos(client: Client, args: string[]): Reply {
  let rank = 1;
  let count: number | undefined;
  let maxLength = 0;
  for (let i = 3; i < args.length; i += 2) {
    const option = args[i].toUpperCase();
    const n = i + 1 < args.length ? parseInteger(args[i + 1]) : null;
    if (i + 1 >= args.length) return SYNTAX_ERROR;
    if (n === null) return NOT_AN_INTEGER;
    if (option === 'RANK') {
      if (n === 0) return new ErrorReply("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
      rank = n;
    } else if (option === 'COUNT') {
      if (n < 0) return new ErrorReply("ERR COUNT can't be negative");
      count = n;
    } else if (option === 'MAXLEN') {
      if (n < 0) return new ErrorReply("ERR MAXLEN can't be negative");
      maxLength = n;
    } else return SYNTAX_ERROR;
  }
  const list = readList(client, args[1]);
  if (list instanceof ErrorReply) return list;
  const found: number[] = [];
  if (list !== undefined) {
    const wanted = count === undefined ? 1 : count === 0 ? Infinity : count;
    const step = rank > 0 ? 1 : -1;
    let skip = Math.abs(rank) - 1;
    for (let i = rank > 0 ? 0 : list.size - 1, seen = 0; i >= 0 && i < list.size && found.length < wanted; i += step, seen++) {
      if (maxLength > 0 && seen >= maxLength) break;
      if (list.at(i) !== args[2]) continue;
      if (skip > 0) skip--;
      else found.push(i);
    }
  }
  if (count === undefined) return found[0] ?? null;
  return found;
}

/**
 * Moves one item from the `from` end of `source` to the `to` end of `destination` (LMOVE and its
 * kin); undefined when the source is empty. Both keys' types are checked before anything moves.
 */
function moveItem(client: Client, source: string, destination: string, from: Side, to: Side): string | undefined | ErrorReply {
  const list = readList(client, source);
  if (list instanceof ErrorReply || list === undefined) return list;
  const target = readList(client, destination);
  if (target instanceof ErrorReply) return target;
  const store = client.server.store;
  if (source === destination) {
    // A rotation: one effect, so the key (and its expiry) never disappears in between.
    const item = (from === 'left' ? list.at(0) : list.at(list.size - 1)) as string;
    store.writeKey(client.db, source, ['lrotate', source, from, to], client);
    return item;
  }
  return store.transaction(() => {
    const [item] = popItems(client, source, list, from, 1);
    store.writeKey(client.db, destination, to === 'left' ? ['lpush', destination, item] : ['rpush', destination, item], client);
    return item;
  });
}

export function lmove(client: Client, args: string[]): Reply {
  const from = parseSide(args[3]);
  const to = parseSide(args[4]);
  if (from === undefined || to === undefined) return SYNTAX_ERROR;
  return moveItem(client, args[1], args[2], from, to) ?? null;
}

export function rpoplpush(client: Client, args: string[]): Reply {
  return moveItem(client, args[1], args[2], 'right', 'left') ?? null;
}

interface MultiPop {
  keys: string[];
  side: Side;
  count: number;
}

/** LMPOP/BLMPOP arguments from `at` (numkeys key... LEFT|RIGHT [COUNT n]). */
function parseMultiPop(args: string[], at: number): MultiPop | ErrorReply {
  const parsed = parseNumKeys(args, at, 1);
  if (parsed instanceof ErrorReply) return parsed;
  const side = parseSide(parsed.rest[0]);
  if (side === undefined) return SYNTAX_ERROR;
  const count = parseOptionalNumber(parsed.rest.slice(1), 'COUNT', 1, (n) => n > 0, COUNT_NOT_POSITIVE);
  return count instanceof ErrorReply ? count : { keys: parsed.keys, side, count };
}

/** Pops from the first non-empty list among `keys`: [key, items], or undefined when all are empty. */
function popFirst(client: Client, request: MultiPop): Reply | undefined {
  for (const key of request.keys) {
    const list = readList(client, key);
    if (list instanceof ErrorReply) return list;
    if (list !== undefined) return [key, popItems(client, key, list, request.side, request.count)];
  }
  return undefined;
}

export function lmpop(client: Client, args: string[]): Reply {
  const request = parseMultiPop(args, 1);
  if (request instanceof ErrorReply) return request;
  return popFirst(client, request) ?? NULL_ARRAY;
}

/**
 * Runs `attempt` now; if it finds nothing, blocks the client on `keys`. Inside EXEC, where Redis
 * never blocks, `empty` is the answer at once.
 */
export function blockOn(
  client: Client,
  keys: string[],
  type: TypeName,
  timeoutText: string,
  attempt: (keys: string[]) => Reply | undefined,
  empty: Reply = NULL_ARRAY,
): Reply | PendingReply {
  const timeout = parseTimeout(timeoutText);
  if (timeout instanceof ErrorReply) return timeout;
  const reply = attempt(keys);
  if (reply !== undefined) return reply;
  if (client.inTransaction) return empty;
  return client.server.blocking.block(client, keys, type, timeout, attempt);
}

function blockingPop(client: Client, args: string[], side: Side): Reply | PendingReply {
  const keys = args.slice(1, -1);
  return blockOn(client, keys, 'list', args[args.length - 1], (from) => {
    const reply = popFirst(client, { keys: from, side, count: 1 });
    if (reply === undefined || reply instanceof ErrorReply) return reply;
    const [key, items] = reply as [string, string[]];
    return [key, items[0]];
  });
}

export const blpop = (client: Client, args: string[]): Reply | PendingReply => blockingPop(client, args, 'left');
export const brpop = (client: Client, args: string[]): Reply | PendingReply => blockingPop(client, args, 'right');

export function blmpop(client: Client, args: string[]): Reply | PendingReply {
  const request = parseMultiPop(args, 2);
  if (request instanceof ErrorReply) return request;
  return blockOn(client, request.keys, 'list', args[1], (keys) => popFirst(client, { ...request, keys }));
}

function blockingMove(client: Client, args: string[], from: Side, to: Side, timeout: string): Reply | PendingReply {
  return blockOn(client, [args[1]], 'list', timeout, () => moveItem(client, args[1], args[2], from, to), null);
}

export function blmove(client: Client, args: string[]): Reply | PendingReply {
  const from = parseSide(args[3]);
  const to = parseSide(args[4]);
  if (from === undefined || to === undefined) return SYNTAX_ERROR;
  return blockingMove(client, args, from, to, args[5]);
}

export function brpoplpush(client: Client, args: string[]): Reply | PendingReply {
  return blockingMove(client, args, 'right', 'left', args[3]);
}
