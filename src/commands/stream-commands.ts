import { parseInteger } from './arguments.js';
import { lookupTyped } from './typed-lookup.js';
import type { Client } from '../session/client.js';
import { NOT_AN_INTEGER, NO_SUCH_KEY, SYNTAX_ERROR, wrongArity } from '../replies/errors.js';
import { ErrorReply, MapReply, NULL_ARRAY, OK, helpReply, type Reply } from '../replies/reply.js';
import { idText, MAX_ID, MIN_ID, nextId, parseStreamId, previousId, UINT64_MAX, msOf, seqOf, streamId, type StreamId } from '../projections/stream-id.js';
import type { StreamEntry, StreamGroup, StreamValue } from '../projections/stream-value.js';
import type { EffectDraft } from '../log/record.js';

/** Stream commands (Redis's t_stream.c): entries, trimming, ranges and XINFO. Groups: stream-group-commands.ts; XREAD: stream-read-commands.ts. */

export const INVALID_ID = new ErrorReply('ERR Invalid stream ID specified as stream command argument');
const INVALID_START = new ErrorReply('ERR invalid start ID for the interval');
const INVALID_END = new ErrorReply('ERR invalid end ID for the interval');
const ID_NOT_GREATER = new ErrorReply('ERR The ID specified in XADD is equal or smaller than the target stream top item');
const ID_ZERO = new ErrorReply('ERR The ID specified in XADD must be greater than 0-0');
const IDS_EXHAUSTED = new ErrorReply('ERR The stream has exhausted the last possible ID, unable to add more items');
const MAXLEN_AND_MINID = new ErrorReply('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');

export function readStream(client: Client, key: string): StreamValue | undefined | ErrorReply {
  return lookupTyped<StreamValue>(client, key, 'stream');
}

/** An ID that must be complete and concrete (no `-`, `+`): XDEL, XACK, XCLAIM, MINID. */
export function parseStrictId(text: string): StreamId | ErrorReply {
  return parseStreamId(text, 0n, true)?.id ?? INVALID_ID;
}

/** An ID that may be `-`/`+` or a bare ms (its seq is `missingSeq`). */
export function parseLooseId(text: string, missingSeq: bigint): StreamId | ErrorReply {
  return parseStreamId(text, missingSeq)?.id ?? INVALID_ID;
}

/** A range bound: `(` makes it exclusive, moving it one ID inward (XRANGE, XPENDING, XAUTOCLAIM). */
export function parseBound(text: string, end: boolean): StreamId | ErrorReply {
  const exclusive = text.length > 1 && text[0] === '(';
  // An exclusive bound must be a real ID: `(-` and `(+` are refused, as in Redis.
  const id = exclusive ? (parseStreamId(text.slice(1), end ? UINT64_MAX : 0n, true)?.id ?? INVALID_ID) : parseLooseId(text, end ? UINT64_MAX : 0n);
  if (id instanceof ErrorReply || !exclusive) return id;
  return (end ? previousId(id) : nextId(id)) ?? (end ? INVALID_END : INVALID_START);
}

/** An entry as every read replies it: [ID, [field, value, ...]]. */
export function entryReply([id, fields]: StreamEntry): Reply {
  return [idText(id), fields];
}

export function noGroup(key: string, group: string): ErrorReply {
  return new ErrorReply(`NOGROUP No such key '${key}' or consumer group '${group}'`);
}

/** MAXLEN or MINID, with `~` or `=`, and LIMIT: XADD's and XTRIM's trimming (Redis's streamParseAddOrTrimArgsOrReply). */
interface Trim {
  strategy: 'none' | 'maxlen' | 'minid';
  approximate: boolean;
  maxlen: number;
  minId: StreamId;
  /** Most entries an approximate trim removes (0: no bound). */
  limit: number;
}

interface AddOptions {
  trim: Trim;
  noMakeStream: boolean;
  /** Undefined for `*`. */
  id: { id: StreamId; autoSeq: boolean } | undefined;
  /** Where the field/value pairs start (XADD) or where the arguments ended (XTRIM). */
  next: number;
}

function parseAddOrTrim(client: Client, args: string[], xadd: boolean): AddOptions | ErrorReply {
  const trim: Trim = { strategy: 'none', approximate: false, maxlen: 0, minId: MIN_ID, limit: 0 };
  let noMakeStream = false;
  let limitGiven = false;
  let id: AddOptions['id'];
  let i = 2;
  for (; i < args.length; i++) {
    const more = args.length - 1 - i;
    const option = args[i].toUpperCase();
    if (xadd && args[i] === '*') break;
    if ((option === 'MAXLEN' || option === 'MINID') && more > 0) {
      if (trim.strategy !== 'none') return MAXLEN_AND_MINID;
      trim.approximate = false;
      if (more >= 2 && (args[i + 1] === '~' || args[i + 1] === '=')) trim.approximate = args[++i] === '~';
      if (option === 'MAXLEN') {
        const maxlen = parseInteger(args[i + 1]);
        if (maxlen === null) return NOT_AN_INTEGER;
        if (maxlen < 0) return new ErrorReply('ERR The MAXLEN argument must be >= 0.');
        trim.maxlen = maxlen;
        trim.strategy = 'maxlen';
      } else {
        const minId = parseStrictId(args[i + 1]);
        if (minId instanceof ErrorReply) return minId;
        trim.minId = minId;
        trim.strategy = 'minid';
      }
      i++;
    } else if (option === 'LIMIT' && more > 0) {
      const limit = parseInteger(args[i + 1]);
      if (limit === null) return NOT_AN_INTEGER;
      if (limit < 0) return new ErrorReply('ERR The LIMIT argument must be >= 0.');
      trim.limit = limit;
      limitGiven = true;
      i++;
    } else if (xadd && option === 'NOMKSTREAM') noMakeStream = true;
    else if (xadd) {
      const parsed = parseStreamId(args[i], 0n, true, true);
      if (parsed === null) return INVALID_ID;
      id = parsed;
      break;
    } else return SYNTAX_ERROR;
  }
  if (trim.limit > 0 && trim.strategy === 'none') return new ErrorReply('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
  if (!xadd && trim.strategy === 'none') return new ErrorReply('ERR syntax error, XTRIM must be called with a trimming strategy');
  if (limitGiven && !trim.approximate) return new ErrorReply('ERR syntax error, LIMIT cannot be used without the special ~ option');
  if (!limitGiven && trim.approximate) {
    // Redis bounds an approximate trim's work by default: 100 nodes' worth.
    const limit = 100 * client.server.store.encodingLimits.streamNodeMaxEntries;
    trim.limit = limit <= 0 || limit > 1_000_000 ? 10_000 : limit;
  }
  return { trim, noMakeStream, id, next: i + 1 };
}

/** How many entries from the front a trim removes, as Redis's streamTrim walks the nodes (whole nodes only when approximate). */
function entriesToTrim(stream: StreamValue, trim: Trim): number {
  let length = stream.size;
  let removed = 0;
  for (const node of stream.nodes) {
    if (trim.strategy === 'maxlen' && length <= trim.maxlen) break;
    if (trim.limit > 0 && removed + node.live > trim.limit) break;
    const wholeNode = trim.strategy === 'maxlen' ? length - node.live >= trim.maxlen : node.lastId < trim.minId;
    if (wholeNode) {
      length -= node.live;
      removed += node.live;
      continue;
    }
    if (trim.approximate) break;
    // Exact: entry by entry inside this node, which holds enough.
    if (trim.strategy === 'maxlen') removed += length - trim.maxlen;
    else for (const [id] of stream.range(node.firstId, node.lastId, 0)) if (id < trim.minId) removed++;
    break;
  }
  return removed;
}

/** Logs a trim, if it removes anything, and says how many entries it removed. */
function applyTrim(client: Client, key: string, stream: StreamValue, trim: Trim): number {
  const count = entriesToTrim(stream, trim);
  if (count > 0) client.server.store.writeKey(client.db, key, ['xtrim', key, count], client);
  return count;
}

/** The ID an XADD gets (Redis's streamAppendItem): `*` from the clock, `ms-*` the next sequence, or the one given; an error when not past the top. */
function newEntryId(stream: StreamValue | undefined, given: AddOptions['id'], now: number): StreamId | ErrorReply {
  const last = stream?.lastId ?? MIN_ID;
  if (given === undefined) {
    const ms = BigInt(now);
    if (ms > msOf(last)) return streamId(ms, 0n);
    return nextId(last) as StreamId;
  }
  let id = given.id;
  if (given.autoSeq && msOf(id) === msOf(last)) {
    if (seqOf(last) === UINT64_MAX) return ID_NOT_GREATER;
    id = last + 1n;
  }
  return id <= last ? ID_NOT_GREATER : id;
}

export function xadd(client: Client, args: string[]): Reply {
  const options = parseAddOrTrim(client, args, true);
  if (options instanceof ErrorReply) return options;
  const pairs = args.length - options.next;
  if (pairs < 2 || pairs % 2 === 1) return wrongArity('xadd');
  if (options.id !== undefined && !options.id.autoSeq && options.id.id === MIN_ID) return ID_ZERO;
  const key = args[1];
  const stream = readStream(client, key);
  if (stream instanceof ErrorReply) return stream;
  if (stream === undefined && options.noMakeStream) return null;
  if (stream !== undefined && stream.lastId === MAX_ID) return IDS_EXHAUSTED;
  const id = newEntryId(stream, options.id, client.now);
  if (id instanceof ErrorReply) return id;
  const store = client.server.store;
  store.transaction(() => {
    const effect: EffectDraft<'xadd'> = ['xadd', key, idText(id)];
    for (let i = options.next; i < args.length; i++) effect.push(args[i]);
    store.writeKey(client.db, key, effect, client);
    if (options.trim.strategy !== 'none') applyTrim(client, key, store.lookup(client.db, key, client) as StreamValue, options.trim);
  });
  return idText(id);
}

export function xtrim(client: Client, args: string[]): Reply {
  const options = parseAddOrTrim(client, args, false);
  if (options instanceof ErrorReply) return options;
  const stream = readStream(client, args[1]);
  if (stream instanceof ErrorReply || stream === undefined) return stream ?? 0;
  return applyTrim(client, args[1], stream, options.trim);
}

export function xlen(client: Client, args: string[]): Reply {
  const stream = readStream(client, args[1]);
  return stream instanceof ErrorReply ? stream : (stream?.size ?? 0);
}

function range(client: Client, args: string[], reverse: boolean): Reply {
  const start = parseBound(reverse ? args[3] : args[2], false);
  if (start instanceof ErrorReply) return start;
  const end = parseBound(reverse ? args[2] : args[3], true);
  if (end instanceof ErrorReply) return end;
  let count = -1;
  for (let i = 4; i < args.length; i++) {
    if (args[i].toUpperCase() !== 'COUNT' || i + 1 >= args.length) return SYNTAX_ERROR;
    const n = parseInteger(args[++i]);
    if (n === null) return NOT_AN_INTEGER;
    count = Math.max(n, 0);
  }
  const stream = readStream(client, args[1]);
  if (stream instanceof ErrorReply || stream === undefined) return stream ?? [];
  // COUNT 0 is a null array in Redis, not an empty one.
  if (count === 0) return NULL_ARRAY;
  return stream.range(start, end, Math.max(count, 0), reverse).map(entryReply);
}

export const xrange = (client: Client, args: string[]): Reply => range(client, args, false);
export const xrevrange = (client: Client, args: string[]): Reply => range(client, args, true);

export function xdel(client: Client, args: string[]): Reply {
  const stream = readStream(client, args[1]);
  if (stream instanceof ErrorReply || stream === undefined) return stream ?? 0;
  // Every ID is checked first, so that an invalid one deletes nothing.
  const ids: StreamId[] = [];
  for (let i = 2; i < args.length; i++) {
    const id = parseStrictId(args[i]);
    if (id instanceof ErrorReply) return id;
    ids.push(id);
  }
  const effect: EffectDraft<'xdel'> = ['xdel', args[1]];
  for (const id of new Set(ids)) if (stream.has(id)) effect.push(idText(id));
  if (effect.length > 2) client.server.store.writeKey(client.db, args[1], effect, client);
  return effect.length - 2;
}

export function xsetid(client: Client, args: string[]): Reply {
  const id = parseStrictId(args[2]);
  if (id instanceof ErrorReply) return id;
  let entriesAdded = -1;
  let maxDeletedId = MIN_ID;
  for (let i = 3; i < args.length; i += 2) {
    const option = args[i].toUpperCase();
    if (option === 'ENTRIESADDED' && i + 1 < args.length) {
      const n = parseInteger(args[i + 1]);
      if (n === null) return NOT_AN_INTEGER;
      if (n < 0) return new ErrorReply('ERR entries_added must be positive');
      entriesAdded = n;
    } else if (option === 'MAXDELETEDID' && i + 1 < args.length) {
      const maxDeleted = parseStrictId(args[i + 1]);
      if (maxDeleted instanceof ErrorReply) return maxDeleted;
      if (id < maxDeleted) return new ErrorReply('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
      maxDeletedId = maxDeleted;
    } else return SYNTAX_ERROR;
  }
  const stream = readStream(client, args[1]);
  if (stream instanceof ErrorReply || stream === undefined) return stream ?? NO_SUCH_KEY;
  if (stream.size > 0) {
    if (id < (stream.edge(true) as StreamEntry)[0]) return new ErrorReply('ERR The ID specified in XSETID is smaller than the target stream top item');
    if (entriesAdded !== -1 && stream.size > entriesAdded) return new ErrorReply('ERR The entries_added specified in XSETID is smaller than the target stream length');
  }
  if (id < stream.maxDeletedId) return new ErrorReply('ERR The ID specified in XSETID is smaller than current max_deleted_entry_id');
  const effect: EffectDraft<'xsetid'> = [
    'xsetid',
    args[1],
    idText(id),
    entriesAdded === -1 ? stream.entriesAdded : entriesAdded,
    idText(maxDeletedId === MIN_ID ? stream.maxDeletedId : maxDeletedId),
  ];
  client.server.store.writeKey(client.db, args[1], effect, client);
  return OK;
}

/** A map in RESP3, a flat list of pairs in RESP2: how every XINFO reply is shaped. */
function fields(entries: [string, Reply][]): Reply {
  return new MapReply(entries);
}

function lagReply(stream: StreamValue, group: StreamGroup): Reply {
  return stream.lagOf(group) ?? null;
}

function groupsReply(stream: StreamValue): Reply {
  return sortedByName(stream.groups).map(([name, group]) =>
    fields([
      ['name', name],
      ['consumers', group.consumers.size],
      ['pending', group.pending.size],
      ['last-delivered-id', idText(group.lastId)],
      ['entries-read', group.entriesRead ?? null],
      ['lag', lagReply(stream, group)],
    ]),
  );
}

/** Groups and consumers are listed in name order, as Redis's radix trees hold them. */
function sortedByName<T>(map: ReadonlyMap<string, T>): [string, T][] {
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Redis's radix tree of nodes: one key per node; its inner nodes are not modelled, so this counts keys plus the root. */
function radixFields(stream: StreamValue): [string, Reply][] {
  return [
    ['length', stream.size],
    ['radix-tree-keys', stream.nodes.length],
    ['radix-tree-nodes', stream.nodes.length + 1],
    ['last-generated-id', idText(stream.lastId)],
    ['max-deleted-entry-id', idText(stream.maxDeletedId)],
    ['entries-added', stream.entriesAdded],
    ['recorded-first-entry-id', idText(stream.firstId)],
  ];
}

function streamInfo(stream: StreamValue, args: string[]): Reply {
  if (args.length === 3) {
    const first = stream.edge(false);
    const last = stream.edge(true);
    return fields([
      ...radixFields(stream),
      ['groups', stream.groups.size],
      ['first-entry', first === undefined ? null : entryReply(first)],
      ['last-entry', last === undefined ? null : entryReply(last)],
    ]);
  }
  if (args[3].toUpperCase() !== 'FULL') return SYNTAX_ERROR;
  let count = 10;
  if (args.length > 4) {
    if (args.length !== 6 || args[4].toUpperCase() !== 'COUNT') return SYNTAX_ERROR;
    const n = parseInteger(args[5]);
    if (n === null) return NOT_AN_INTEGER;
    count = Math.max(n, 0);
  }
  const limit = (n: number): number => (count === 0 ? n : Math.min(count, n));
  const groups = sortedByName(stream.groups).map(([name, group]) => {
    const pending = [...group.pending.values()].slice(0, limit(group.pending.size)).map((entry) => [idText(entry.id), entry.consumer, entry.deliveryTime, entry.deliveryCount]);
    const consumers = sortedByName(group.consumers).map(([consumerName, consumer]) =>
      fields([
        ['name', consumerName],
        ['seen-time', consumer.seenTime],
        ['pel-count', consumer.pending.size],
        ['pending', [...consumer.pending.values()].slice(0, limit(consumer.pending.size)).map((entry) => [idText(entry.id), entry.deliveryTime, entry.deliveryCount])],
      ]),
    );
    return fields([
      ['name', name],
      ['last-delivered-id', idText(group.lastId)],
      ['entries-read', group.entriesRead ?? null],
      ['lag', lagReply(stream, group)],
      ['pel-count', group.pending.size],
      ['pending', pending],
      ['consumers', consumers],
    ]);
  });
  return fields([...radixFields(stream), ['entries', stream.range(MIN_ID, MAX_ID, count).map(entryReply)], ['groups', groups]]);
}

export function xinfo(client: Client, args: string[]): Reply {
  const sub = args[1].toUpperCase();
  if (sub === 'HELP')
    return helpReply('XINFO', [
      'CONSUMERS <key> <groupname>',
      '    Show consumers of <groupname>.',
      'GROUPS <key>',
      '    Show the stream consumer groups.',
      'STREAM <key> [FULL [COUNT <count>]',
      '    Show information about the stream.',
    ]);
  const stream = readStream(client, args[2]);
  if (stream instanceof ErrorReply || stream === undefined) return stream ?? NO_SUCH_KEY;
  if (sub === 'STREAM') return streamInfo(stream, args);
  if (sub === 'GROUPS') return groupsReply(stream);
  const group = stream.groups.get(args[3]);
  if (group === undefined) return new ErrorReply(`NOGROUP No such consumer group '${args[3]}' for key name '${args[2]}'`);
  return sortedByName(group.consumers).map(([name, consumer]) =>
    fields([
      ['name', name],
      ['pending', consumer.pending.size],
      ['idle', Math.max(client.now - consumer.seenTime, 0)],
    ]),
  );
}
