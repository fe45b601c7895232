import { SetValue } from '../projections/set-value.js';
import { parseInteger } from './arguments.js';
import type { Client } from '../session/client.js';
import { parseScanOptions, scanStep } from './collection-scan.js';
import { NEGATIVE_COUNT, NOT_AN_INTEGER, SYNTAX_ERROR } from '../replies/errors.js';
import { checkPickCount, randomSlots } from './random-picks.js';
import { ErrorReply, SetReply, type Reply } from '../replies/reply.js';
import { LIMIT_NEGATIVE, parseNumKeys, parseOptionalNumber, TOO_MANY_KEYS } from './numkeys.js';
import { lookupTyped } from './typed-lookup.js';

/** Set commands (Redis's t_set.c). SPOP and SRANDMEMBER log the members chosen, never the randomness. */

function readSet(client: Client, key: string): SetValue | undefined | ErrorReply {
  return lookupTyped<SetValue>(client, key, 'set');
}

export function sadd(client: Client, args: string[]): Reply {
  const set = readSet(client, args[1]);
  if (set instanceof ErrorReply) return set;
  if (args.length === 3) {
    // One member, the common case: no de-duplication needed.
    if (set?.has(args[2])) return 0;
    client.server.store.writeKey(client.db, args[1], ['sadd', args[1], args[2]], client);
    return 1;
  }
  const fresh = [...new Set(args.slice(2))].filter((member) => !set?.has(member));
  if (fresh.length > 0) client.server.store.writeKey(client.db, args[1], ['sadd', args[1], ...fresh], client);
  return fresh.length;
}

export function srem(client: Client, args: string[]): Reply {
  const set = readSet(client, args[1]);
  if (set instanceof ErrorReply || set === undefined) return set ?? 0;
  const present = [...new Set(args.slice(2))].filter((member) => set.has(member));
  if (present.length > 0) client.server.store.writeKey(client.db, args[1], ['srem', args[1], ...present], client);
  return present.length;
}

export function scard(client: Client, args: string[]): Reply {
  const set = readSet(client, args[1]);
  return set instanceof ErrorReply ? set : (set?.size ?? 0);
}

export function sismember(client: Client, args: string[]): Reply {
  const set = readSet(client, args[1]);
  return set instanceof ErrorReply ? set : set?.has(args[2]) ? 1 : 0;
}

export function smismember(client: Client, args: string[]): Reply {
  const set = readSet(client, args[1]);
  if (set instanceof ErrorReply) return set;
  return args.slice(2).map((member) => (set?.has(member) ? 1 : 0));
}

export function smembers(client: Client, args: string[]): Reply {
  const set = readSet(client, args[1]);
  return set instanceof ErrorReply ? set : new SetReply([...(set?.keys() ?? [])]);
}

function parseCount(text: string | undefined): number | undefined | ErrorReply {
  if (text === undefined) return undefined;
  const n = parseInteger(text);
  return n === null ? NOT_AN_INTEGER : n;
}

export function spop(client: Client, args: string[]): Reply {
  if (args.length > 3) return SYNTAX_ERROR;
  // Redis's getPositiveLongFromObjectOrReply: one error for a non-integer and a negative count.
  const count = args.length === 3 ? parseInteger(args[2]) : undefined;
  if (count === null || (count !== undefined && count < 0)) return NEGATIVE_COUNT;
  const set = readSet(client, args[1]);
  if (set instanceof ErrorReply) return set;
  if (set === undefined) return count === undefined ? null : new SetReply([]);
  const chosen = randomSlots(set.size, count ?? 1).map((slot) => set.memberAt(slot));
  if (chosen.length > 0) client.server.store.writeKey(client.db, args[1], ['srem', args[1], ...chosen], client);
  return count === undefined ? chosen[0] : new SetReply(chosen);
}

export function srandmember(client: Client, args: string[]): Reply {
  if (args.length > 3) return SYNTAX_ERROR;
  const count = parseCount(args[2]);
  if (count instanceof ErrorReply) return count;
  const tooMany = count === undefined ? undefined : checkPickCount(count);
  if (tooMany) return tooMany;
  const set = readSet(client, args[1]);
  if (set instanceof ErrorReply) return set;
  if (set === undefined) return count === undefined ? null : [];
  if (count === undefined) return set.memberAt(Math.floor(Math.random() * set.size));
  return randomSlots(set.size, count).map((slot) => set.memberAt(slot));
}

export function smove(client: Client, args: string[]): Reply {
  const [, source, destination, member] = args;
  const from = readSet(client, source);
  const to = readSet(client, destination);
  // Redis answers 0 for a missing source before it checks either key's type.
  if (from === undefined) return 0;
  if (from instanceof ErrorReply) return from;
  if (to instanceof ErrorReply) return to;
  if (!from.has(member)) return 0;
  if (source === destination) return 1;
  const store = client.server.store;
  store.transaction(() => {
    store.writeKey(client.db, source, ['srem', source, member], client);
    if (!to?.has(member)) store.writeKey(client.db, destination, ['sadd', destination, member], client);
  });
  return 1;
}

type Algebra = 'inter' | 'union' | 'diff';

/** The members of SINTER/SUNION/SDIFF over `keys` (missing keys are empty sets), or WRONGTYPE. */
function combine(client: Client, keys: string[], algebra: Algebra): string[] | ErrorReply {
  const sets: (SetValue | undefined)[] = [];
  for (const key of keys) {
    const set = readSet(client, key);
    if (set instanceof ErrorReply) return set;
    sets.push(set);
  }
  const [first, ...rest] = sets;
  if (algebra === 'union') {
    const union = new Set<string>();
    for (const set of sets) for (const member of set?.keys() ?? []) union.add(member);
    return [...union];
  }
  if (first === undefined) return [];
  if (algebra === 'inter') {
    if (rest.some((set) => set === undefined)) return [];
    // Walk the smallest set, as Redis does.
    const ordered = (sets as SetValue[]).slice().sort((a, b) => a.size - b.size);
    return [...ordered[0].keys()].filter((member) => ordered.every((set) => set.has(member)));
  }
  return [...first.keys()].filter((member) => rest.every((set) => set === undefined || !set.has(member)));
}

function algebraCommand(algebra: Algebra) {
  return (client: Client, args: string[]): Reply => {
    const members = combine(client, args.slice(1), algebra);
    return members instanceof ErrorReply ? members : new SetReply(members);
  };
}

function storeCommand(algebra: Algebra) {
  return (client: Client, args: string[]): Reply => {
    const members = combine(client, args.slice(2), algebra);
    if (members instanceof ErrorReply) return members;
    storeSet(client, args[1], members);
    return members.length;
  };
}

/** Replaces `key` with a set of `members` (deleting it when empty), as the *STORE commands do. */
export function storeSet(client: Client, key: string, members: string[]): void {
  const store = client.server.store;
  if (members.length === 0) {
    if (store.lookup(client.db, key, client) !== undefined) store.delete(client.db, key, client);
    return;
  }
  const set = new SetValue();
  for (const member of members) set.add(member, store.encodingLimits);
  store.put(client.db, key, set, 0, client);
}

export const sinter = algebraCommand('inter');
export const sunion = algebraCommand('union');
export const sdiff = algebraCommand('diff');
export const sinterstore = storeCommand('inter');
export const sunionstore = storeCommand('union');
export const sdiffstore = storeCommand('diff');

export function sintercard(client: Client, args: string[]): Reply {
  const parsed = parseNumKeys(args, 1, 0, TOO_MANY_KEYS);
  if (parsed instanceof ErrorReply) return parsed;
  const limit = parseOptionalNumber(parsed.rest, 'LIMIT', 0, (n) => n >= 0, LIMIT_NEGATIVE);
  if (limit instanceof ErrorReply) return limit;
  const members = combine(client, parsed.keys, 'inter');
  if (members instanceof ErrorReply) return members;
  return limit > 0 ? Math.min(limit, members.length) : members.length;
}

export function sscan(client: Client, args: string[]): Reply {
  const options = parseScanOptions(args, 2);
  if (options instanceof ErrorReply) return options;
  const set = readSet(client, args[1]);
  if (set instanceof ErrorReply) return set;
  if (set === undefined) return ['0', []];
  const [next, entries] = scanStep(set, () => membersAsEntries(set), set.encoding() === 'intset', options);
  return [String(next), entries.map(([member]) => member)];
}

function* membersAsEntries(set: SetValue): Generator<[string, true]> {
  for (const member of set.keys()) yield [member, true];
}
