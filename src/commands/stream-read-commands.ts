import { parseInteger } from './arguments.js';
import { entryReply, parseStrictId, readStream } from './stream-commands.js';
import type { Client } from '../session/client.js';
import { NOT_AN_INTEGER, SYNTAX_ERROR } from '../replies/errors.js';
import type { PendingReply } from '../replies/pending-reply.js';
import { ErrorReply, MapReply, NULL_ARRAY, type Reply } from '../replies/reply.js';
import { idText, MAX_ID, MIN_ID, nextId, type StreamId } from '../projections/stream-id.js';
import type { StreamGroup, StreamValue } from '../projections/stream-value.js';
import type { EffectDraft } from '../log/record.js';

/** XREAD and XREADGROUP (Redis's xreadCommand): one parser, served at once or blocked until an XADD. */

/** A blocked read that names no COUNT is served at most this many entries per stream, as Redis does. */
const BLOCKED_DEFAULT_COUNT = 1000;

interface ReadRequest {
  count: number;
  /** Undefined without BLOCK. */
  blockMs: number | undefined;
  noAck: boolean;
  group: { name: string; consumer: string } | undefined;
  keys: string[];
  ids: string[];
}

function parseBlockTimeout(text: string): number | ErrorReply {
  const ms = parseInteger(text);
  if (ms === null) return new ErrorReply('ERR timeout is not an integer or out of range');
  if (ms < 0) return new ErrorReply('ERR timeout is negative');
  return ms;
}

function parseRead(args: string[], xreadgroup: boolean): ReadRequest | ErrorReply {
  const request: ReadRequest = { count: 0, blockMs: undefined, noAck: false, group: undefined, keys: [], ids: [] };
  for (let i = 1; i < args.length; i++) {
    const more = args.length - 1 - i;
    const option = args[i].toUpperCase();
    if (option === 'BLOCK' && more > 0) {
      const ms = parseBlockTimeout(args[++i]);
      if (ms instanceof ErrorReply) return ms;
      request.blockMs = ms;
    } else if (option === 'COUNT' && more > 0) {
      const count = parseInteger(args[++i]);
      if (count === null) return NOT_AN_INTEGER;
      request.count = Math.max(count, 0);
    } else if (option === 'STREAMS' && more > 0) {
      const rest = args.slice(i + 1);
      if (rest.length % 2 !== 0) {
        const name = xreadgroup ? 'xreadgroup' : 'xread';
        return new ErrorReply(`ERR Unbalanced '${name}' list of streams: for each stream key an ID or '${xreadgroup ? '>' : '$'}' must be specified.`);
      }
      request.keys = rest.slice(0, rest.length / 2);
      request.ids = rest.slice(rest.length / 2);
      break;
    } else if (option === 'GROUP' && more >= 2) {
      if (!xreadgroup) return new ErrorReply('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      request.group = { name: args[i + 1], consumer: args[i + 2] };
      i += 2;
    } else if (option === 'NOACK') {
      if (!xreadgroup) return new ErrorReply('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      request.noAck = true;
    } else return SYNTAX_ERROR;
  }
  if (request.keys.length === 0) return SYNTAX_ERROR;
  if (xreadgroup && request.group === undefined) return new ErrorReply('ERR Missing GROUP option for XREADGROUP');
  return request;
}

/** The streams served, as a map in RESP3 and a list of [key, entries] pairs in RESP2. */
function streamsReply(client: Client, served: [string, Reply][]): Reply {
  return client.resp === 3 ? new MapReply(served) : served;
}

/** The ID of the last entry, or 0-0 when there is none (Redis's streamLastValidID). */
function lastEntryId(stream: StreamValue): StreamId {
  return stream.edge(true)?.[0] ?? MIN_ID;
}

/**
 * Waits for the streams when BLOCK says so (inside MULTI or a script, Redis never blocks: a null
 * reply as at a timeout), else answers a null array.
 */
function waitOrNull(client: Client, request: ReadRequest, attempt: (keys: string[]) => Reply | undefined, gone?: () => Reply): Reply | PendingReply {
  if (request.blockMs === undefined || client.inTransaction) return NULL_ARRAY;
  if (request.count === 0) request.count = BLOCKED_DEFAULT_COUNT;
  return client.server.blocking.block(client, request.keys, 'stream', request.blockMs, attempt, gone);
}

export function xread(client: Client, args: string[]): Reply | PendingReply {
  const request = parseRead(args, false);
  if (request instanceof ErrorReply) return request;
  // Entries must come after these IDs; `$` is the stream's last ID now.
  const after = new Map<string, StreamId>();
  for (let i = 0; i < request.keys.length; i++) {
    const stream = readStream(client, request.keys[i]);
    if (stream instanceof ErrorReply) return stream;
    if (request.ids[i] === '>') return new ErrorReply('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
    const id = request.ids[i] === '$' ? (stream?.lastId ?? MIN_ID) : parseStrictId(request.ids[i]);
    if (id instanceof ErrorReply) return id;
    // The same stream named twice is read from its first ID.
    if (!after.has(request.keys[i])) after.set(request.keys[i], id);
  }
  const attempt = (keys: string[]): Reply | undefined => {
    const served: [string, Reply][] = [];
    for (const key of keys) {
      const stream = client.server.store.lookup(client.db, key, client) as StreamValue | undefined;
      const from = after.get(key) as StreamId;
      if (stream === undefined || lastEntryId(stream) <= from) continue;
      served.push([key, stream.range(nextId(from) ?? MAX_ID, MAX_ID, request.count).map(entryReply)]);
    }
    return served.length === 0 ? undefined : streamsReply(client, served);
  };
  return attempt(request.keys) ?? waitOrNull(client, request, attempt);
}

const DOLLAR_IN_GROUP = new ErrorReply(
  'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
);

/** Delivers the entries after the group's last ID to a consumer, logging the delivery; the consumer is created when new. */
function deliverNew(client: Client, key: string, stream: StreamValue, group: StreamGroup, request: ReadRequest): Reply[] {
  const { name, consumer } = request.group as { name: string; consumer: string };
  const entries = stream.range(nextId(group.lastId) ?? MAX_ID, MAX_ID, request.count);
  let lastId = group.lastId;
  let entriesRead = group.entriesRead;
  for (const [id] of entries) {
    // Redis's read counter: kept while no tombstone lies ahead, else estimated again.
    if (entriesRead !== undefined && !stream.hasTombstonesFrom(id)) entriesRead++;
    else if (stream.entriesAdded > 0) entriesRead = stream.distanceFromFirstEver(id);
    lastId = id;
  }
  const store = client.server.store;
  store.transaction(() => {
    if (!group.consumers.has(consumer)) store.writeKey(client.db, key, ['xgroup-createconsumer', key, name, consumer, client.now], client);
    const effect: EffectDraft<'xdeliver'> = ['xdeliver', key, name, consumer, client.now, idText(lastId), entriesRead ?? -1];
    if (!request.noAck) for (const [id] of entries) effect.push(idText(id));
    store.writeKey(client.db, key, effect, client);
  });
  return entries.map(entryReply);
}

/** Re-reads a consumer's own pending entries after `after`: a deleted entry shows as [ID, nil]. */
function readHistory(client: Client, key: string, stream: StreamValue, group: StreamGroup, request: ReadRequest, after: StreamId): Reply[] {
  const { name, consumer: consumerName } = request.group as { name: string; consumer: string };
  const consumer = group.consumers.get(consumerName);
  const replies: Reply[] = [];
  const effect: EffectDraft<'xredeliver'> = ['xredeliver', key, name, consumerName, client.now];
  if (consumer !== undefined)
    for (const entry of consumer.pending.values()) {
      if (entry.id <= after) continue;
      if (request.count > 0 && replies.length >= request.count) break;
      const fields = stream.fieldsOf(entry.id);
      replies.push([idText(entry.id), fields ?? null]);
      if (fields !== undefined) effect.push(idText(entry.id));
    }
  const store = client.server.store;
  store.transaction(() => {
    if (consumer === undefined) store.writeKey(client.db, key, ['xgroup-createconsumer', key, name, consumerName, client.now], client);
    store.writeKey(client.db, key, effect, client);
  });
  return replies;
}

export function xreadgroup(client: Client, args: string[]): Reply | PendingReply {
  const request = parseRead(args, true);
  if (request instanceof ErrorReply) return request;
  const { name } = request.group as { name: string; consumer: string };
  // Per stream: undefined for `>` (new entries), else the ID after which the consumer's history is read.
  const history: (StreamId | undefined)[] = [];
  for (let i = 0; i < request.keys.length; i++) {
    const key = request.keys[i];
    const stream = readStream(client, key);
    if (stream instanceof ErrorReply) return stream;
    if (stream?.groups.get(name) === undefined) return new ErrorReply(`NOGROUP No such key '${key}' or consumer group '${name}' in XREADGROUP with GROUP option`);
    if (request.ids[i] === '$') return DOLLAR_IN_GROUP;
    if (request.ids[i] === '>') history.push(undefined);
    else {
      const id = parseStrictId(request.ids[i]);
      if (id instanceof ErrorReply) return id;
      history.push(id);
    }
  }
  const served: [string, Reply][] = [];
  for (let i = 0; i < request.keys.length; i++) {
    const key = request.keys[i];
    const stream = client.server.store.lookup(client.db, key, client) as StreamValue;
    const group = stream.groups.get(name) as StreamGroup;
    const after = history[i];
    if (after !== undefined) served.push([key, readHistory(client, key, stream, group, request, after)]);
    else if (lastEntryId(stream) > group.lastId) served.push([key, deliverNew(client, key, stream, group, request)]);
    else noteSeen(client, key, group, request);
  }
  if (served.length > 0) return streamsReply(client, served);
  const attempt = (keys: string[]): Reply | undefined => {
    const ready: [string, Reply][] = [];
    for (const key of keys) {
      const stream = client.server.store.lookup(client.db, key, client) as StreamValue;
      const group = stream.groups.get(name);
      if (group === undefined) return new ErrorReply('NOGROUP the consumer group this client was blocked on no longer exists');
      if (lastEntryId(stream) > group.lastId) ready.push([key, deliverNew(client, key, stream, group, request)]);
    }
    return ready.length === 0 ? undefined : streamsReply(client, ready);
  };
  return waitOrNull(client, request, attempt, () => new ErrorReply('UNBLOCKED the stream key no longer exists'));
}

/** A read that found nothing still creates the consumer and refreshes its seen time, as Redis's lookup does. */
function noteSeen(client: Client, key: string, group: StreamGroup, request: ReadRequest): void {
  const { name, consumer } = request.group as { name: string; consumer: string };
  const store = client.server.store;
  store.transaction(() => {
    if (!group.consumers.has(consumer)) store.writeKey(client.db, key, ['xgroup-createconsumer', key, name, consumer, client.now], client);
    store.writeKey(client.db, key, ['xredeliver', key, name, consumer, client.now], client);
  });
}
