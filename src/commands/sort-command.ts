import type { HashValue } from '../projections/hash-value.js';
import type { ListValue } from '../projections/list-value.js';
import type { SetValue } from '../projections/set-value.js';
import type { ZSetValue } from '../projections/zset-value.js';
import { typeOf } from '../projections/value.js';
import { textIfString } from '../projections/string-value.js';
import { parseInteger, readDouble } from './arguments.js';
import type { Client } from '../session/client.js';
import { NOT_AN_INTEGER, SYNTAX_ERROR, WRONGTYPE } from '../replies/errors.js';
import { ErrorReply, type Reply } from '../replies/reply.js';

/** SORT and SORT_RO (Redis's sort.c) over lists, sets and sorted sets. */

interface SortRequest {
  by: string | undefined;
  gets: string[];
  offset: number;
  count: number;
  descending: boolean;
  alpha: boolean;
  store: string | undefined;
}

function parseSort(args: string[], readOnly: boolean): SortRequest | ErrorReply {
  const request: SortRequest = { by: undefined, gets: [], offset: 0, count: -1, descending: false, alpha: false, store: undefined };
  for (let i = 2; i < args.length; i++) {
    const option = args[i].toUpperCase();
    const more = args.length - 1 - i;
    if (option === 'ASC') request.descending = false;
    else if (option === 'DESC') request.descending = true;
    else if (option === 'ALPHA') request.alpha = true;
    else if (option === 'LIMIT' && more >= 2) {
      const offset = parseInteger(args[i + 1]);
      const count = parseInteger(args[i + 2]);
      if (offset === null || count === null) return NOT_AN_INTEGER;
      request.offset = Math.max(offset, 0);
      request.count = count;
      i += 2;
    } else if (option === 'STORE' && more >= 1 && !readOnly) request.store = args[++i];
    else if (option === 'BY' && more >= 1) request.by = args[++i];
    else if (option === 'GET' && more >= 1) request.gets.push(args[++i]);
    else return SYNTAX_ERROR;
  }
  return request;
}

/**
 * Looks up a BY/GET pattern for an element: the first `*` becomes the element, and `key->field`
 * reads a hash field. `#` is the element itself. Missing keys and wrong types give undefined.
 */
function lookupPattern(client: Client, pattern: string, element: string): string | undefined {
  if (pattern === '#') return element;
  const star = pattern.indexOf('*');
  if (star === -1) return undefined;
  const arrow = pattern.indexOf('->', star);
  const keyPattern = arrow === -1 || arrow === pattern.length - 2 ? pattern : pattern.slice(0, arrow);
  const key = keyPattern.slice(0, star) + element + keyPattern.slice(star + 1);
  const value = client.server.store.lookup(client.db, key, client);
  if (value === undefined) return undefined;
  if (keyPattern === pattern) return textIfString(value);
  if (typeOf(value) !== 'hash') return undefined;
  return (value as HashValue).fields.get(pattern.slice(arrow + 2));
}

/** The elements to sort, in the value's own order, and the value's type (none when the key is missing). */
function elementsOf(client: Client, key: string): { type?: 'list' | 'set' | 'zset'; elements: string[] } | ErrorReply {
  const value = client.server.store.lookup(client.db, key, client);
  if (value === undefined) return { elements: [] };
  switch (typeOf(value)) {
    case 'list':
      return { type: 'list', elements: (value as ListValue).items.toArray() };
    case 'set':
      return { type: 'set', elements: [...(value as SetValue).keys()] };
    case 'zset': {
      const members: string[] = [];
      for (let node = (value as ZSetValue).order.first; node !== null; node = node.next) members.push(node.member);
      return { type: 'zset', elements: members };
    }
    default:
      return WRONGTYPE;
  }
}

function sortGeneric(client: Client, args: string[], readOnly: boolean): Reply {
  const request = parseSort(args, readOnly);
  if (request instanceof ErrorReply) return request;
  const source = elementsOf(client, args[1]);
  if (source instanceof ErrorReply) return source;
  let elements = source.elements;
  // BY with a pattern that has no `*` means "do not sort" (Redis's "nosort" idiom). A set has no
  // order of its own, so one stored or read by a script is sorted anyway (by element), for the
  // result to be the same on every replica; a list or sorted set keeps its order, DESC reversing it.
  const type = source.type;
  let by = request.by;
  if (by !== undefined && !by.includes('*') && type === 'set' && (request.store !== undefined || client.isScript)) {
    by = undefined;
    request.alpha = true;
  }
  const sorting = by === undefined || by.includes('*');
  if (!sorting && (type === 'zset' || type === 'list') && request.descending) elements.reverse();
  if (sorting) {
    const keyed: { element: string; weight: string | number }[] = [];
    for (const element of elements) {
      const weightText = by === undefined ? element : (lookupPattern(client, by, element) ?? (request.alpha ? '' : '0'));
      if (request.alpha) keyed.push({ element, weight: weightText });
      else {
        // A bare strtod, as in Redis: "" sorts as 0, leading spaces and hex are read.
        const weight = readDouble(weightText);
        if (weight === null || weight.outOfRange || Number.isNaN(weight.value)) return new ErrorReply("ERR One or more scores can't be converted into double");
        keyed.push({ element, weight: weight.value });
      }
    }
    const direction = request.descending ? -1 : 1;
    keyed.sort((a, b) => {
      const order = a.weight < b.weight ? -1 : a.weight > b.weight ? 1 : a.element < b.element ? -1 : a.element > b.element ? 1 : 0;
      return order * direction;
    });
    elements = keyed.map(({ element }) => element);
  }
  const end = request.count < 0 ? elements.length : request.offset + request.count;
  elements = elements.slice(request.offset, end);
  const output: (string | null)[] =
    request.gets.length === 0 ? elements : elements.flatMap((element) => request.gets.map((pattern) => lookupPattern(client, pattern, element) ?? null));
  const destination = request.store;
  if (destination === undefined) return output;
  const store = client.server.store;
  store.transaction(() => {
    if (store.lookup(client.db, destination, client) !== undefined) store.delete(client.db, destination, client);
    if (output.length > 0) store.writeKey(client.db, destination, ['rpush', destination, ...output.map((item) => item ?? '')], client);
  });
  return output.length;
}

export const sort = (client: Client, args: string[]): Reply => sortGeneric(client, args, false);
export const sortRo = (client: Client, args: string[]): Reply => sortGeneric(client, args, true);
