import { compactedError, LogTail } from '../subscriptions/log-tail.js';
import { ChangeFilter, type ChangeFilterSpec, type KeyReader } from '../subscriptions/change-filter.js';
import { changeReply } from '../subscriptions/change-reply.js';
import { changesOfRecord } from '../log/change-events.js';
import type { Log } from '../log/log.js';
import { parseInteger } from './arguments.js';
import type { Client } from '../session/client.js';
import { DB_INDEX_OUT_OF_RANGE, NOT_AN_INTEGER, SYNTAX_ERROR } from '../replies/errors.js';
import { PendingReply } from '../replies/pending-reply.js';
import { ErrorReply, PushReply, type Reply } from '../replies/reply.js';

/**
 * Log-tail subscriptions, the durable kind of SUBSCRIBE: TAIL follows committed changes from a
 * revision (resumable after a disconnect), UNTAIL stops, LOGREAD pulls the same events page by page.
 */

const ALREADY_TAILING = new ErrorReply('ERR this connection already follows the log; UNTAIL first');
const DEFAULT_PAGE = 100;
const OPTION_WORDS = new Set(['FROM', 'KEYS', 'MATCH', 'DB', 'WITHVALUES', 'COUNT', 'BLOCK']);

interface TailArguments {
  from: number | '$' | undefined;
  filter: ChangeFilterSpec;
  withValues: boolean;
  count: number;
  /** LOGREAD BLOCK: milliseconds to wait for a first event (0: forever), as XREAD BLOCK. */
  blockMs: number | undefined;
}

/**
 * `[FROM rev|$] [KEYS key ...] [MATCH pattern ...] [DB n] [WITHVALUES] [COUNT n]`; KEYS and MATCH
 * run to the next option word, and take their first argument whatever it is, so that a key named
 * like an option is written `KEYS db` (the request protocols repeat KEYS before every key).
 */
function parseTailArguments(args: string[], allowed: readonly string[]): TailArguments | ErrorReply {
  const parsed: TailArguments = { from: undefined, filter: { keys: [], patterns: [], db: undefined }, withValues: false, count: DEFAULT_PAGE, blockMs: undefined };
  let i = 1;
  const listUntilOption = (into: string[]): void => {
    if (i < args.length) into.push(args[i++]);
    while (i < args.length && !OPTION_WORDS.has(args[i].toUpperCase())) into.push(args[i++]);
  };
  while (i < args.length) {
    const option = args[i++].toUpperCase();
    if (!allowed.includes(option)) return SYNTAX_ERROR;
    if (option === 'WITHVALUES') parsed.withValues = true;
    else if (option === 'KEYS' || option === 'MATCH') {
      const list = option === 'KEYS' ? parsed.filter.keys : parsed.filter.patterns;
      const before = list.length;
      listUntilOption(list);
      if (list.length === before) return SYNTAX_ERROR;
    } else {
      if (i >= args.length) return SYNTAX_ERROR;
      const value = args[i++];
      if (option === 'FROM' && value === '$') parsed.from = '$';
      else {
        const n = parseInteger(value);
        if (n === null || n < 0) return NOT_AN_INTEGER;
        if (option === 'FROM') parsed.from = n;
        else if (option === 'COUNT') parsed.count = Math.max(1, n);
        else if (option === 'BLOCK') parsed.blockMs = n;
        else if (n >= 16) return DB_INDEX_OUT_OF_RANGE;
        else parsed.filter.db = n;
      }
    }
  }
  return parsed;
}

/** A user limited to some keys sees the changes of those it may read (and no other); any other user, all. */
function readerOf(client: Client): KeyReader | undefined {
  return client.user.unrestricted ? undefined : client.user;
}

/** Only the shards of the named keys can hold their changes, unless patterns widen the filter. */
function shardsOfFilter(client: Client, filter: ChangeFilterSpec): number[] | undefined {
  if (filter.keys.length === 0 || filter.patterns.length > 0) return undefined;
  return [...new Set(filter.keys.map((key) => client.server.store.shardOf(key).id))].sort((a, b) => a - b);
}

function resolveFrom(log: Log, from: number | '$' | undefined): number {
  // "Now" is after the last commit: a write still on its way to the disk is a change yet to come.
  return from === undefined || from === '$' ? log.committedRev + 1 : Math.max(from, 1);
}

export function tail(client: Client, args: string[]): Reply {
  if (client.tail !== undefined) return ALREADY_TAILING;
  const parsed = parseTailArguments(args, ['FROM', 'KEYS', 'MATCH', 'DB', 'WITHVALUES']);
  if (parsed instanceof ErrorReply) return parsed;
  parsed.filter.reader = readerOf(client);
  const log = client.server.store.log;
  const from = resolveFrom(log, parsed.from);
  const compacted = compactedError(log, from);
  if (compacted !== undefined) return new ErrorReply(compacted);
  const request = { from, filter: parsed.filter, shards: shardsOfFilter(client, parsed.filter), withValues: parsed.withValues };
  const transport = client.transport;
  const receiver = {
    send: (event: PushReply, continuesRecord: boolean) => transport.push(event, continuesRecord),
    get congested() {
      return transport.congested ?? false;
    },
    drained: () => transport.drained?.() ?? Promise.resolve(),
  };
  const follower = new LogTail(log, client.server.tailHub, request, receiver, (resumeRev) => {
    client.server.hooks.slowSubscriber?.(client);
    client.tail = undefined;
    client.transport.close(new PushReply(['overflow', resumeRev]));
  });
  const forget = client.onDisconnect(() => follower.stop());
  client.tail = {
    get nextRev() {
      return follower.nextRev;
    },
    stop: () => {
      forget();
      follower.stop();
    },
  };
  // Unlike SUBSCRIBE's, the confirmation is an ordinary reply, so that any client library can send
  // TAIL; events come as pushes (RESP3) or, in RESP2's subscribed mode, as arrays after it.
  follower.start();
  return ['tail', from];
}

/** UNTAIL: stops following; answers with the revision to resume from (null when not tailing). */
export function untail(client: Client): Reply {
  const resumeRev = client.tail?.nextRev ?? null;
  untailAll(client);
  return ['untail', resumeRev];
}

export function untailAll(client: Client): void {
  client.tail?.stop();
  client.tail = undefined;
}

/**
 * LOGREAD FROM rev [COUNT n] [BLOCK ms] [KEYS ...] [MATCH ...] [DB n]: [next revision, [event, ...]].
 * With BLOCK, an empty page waits for the first matching commit (XREAD BLOCK's way): a resumable
 * follow loop for client libraries that cannot take pushes.
 */
export function logread(client: Client, args: string[]): Reply | PendingReply {
  const parsed = parseTailArguments(args, ['FROM', 'KEYS', 'MATCH', 'DB', 'COUNT', 'BLOCK']);
  if (parsed instanceof ErrorReply) return parsed;
  parsed.filter.reader = readerOf(client);
  if (parsed.from === undefined) return SYNTAX_ERROR;
  const log = client.server.store.log;
  const from = resolveFrom(log, parsed.from);
  const compacted = compactedError(log, from);
  if (compacted !== undefined) return new ErrorReply(compacted);
  const pending = new PendingReply();
  // A blocked read ends at its timeout or when its client goes away.
  const stop = new AbortController();
  const timer = parsed.blockMs ? setTimeout(() => stop.abort(), parsed.blockMs) : undefined;
  const forget = client.onDisconnect(() => stop.abort());
  const page = { from, count: parsed.count, filter: new ChangeFilter(parsed.filter), shards: shardsOfFilter(client, parsed.filter), block: parsed.blockMs !== undefined };
  readPage(log, page, stop.signal)
    .then(
      (reply) => pending.resolve(reply),
      (error: unknown) => pending.resolve(new ErrorReply(`ERR log read failed: ${String(error)}`)),
    )
    .finally(() => {
      clearTimeout(timer);
      forget();
    });
  return pending;
}

interface PageRequest {
  from: number;
  count: number;
  filter: ChangeFilter;
  shards: number[] | undefined;
  /** Follow new commits until a first event arrives. */
  block: boolean;
}

/** Up to `count` matching events (a record's changes are never split), and where the next page starts. */
async function readPage(log: Log, page: PageRequest, signal: AbortSignal): Promise<Reply> {
  const events: Reply[] = [];
  let next = page.from;
  reading: for await (const batch of log.readBatches(page.from, { shards: page.shards, follow: page.block, signal })) {
    for (const record of batch) {
      for (const change of changesOfRecord(record)) if (page.filter.accepts(change)) events.push(changeReply(record, change).items);
      next = record.rev + 1;
      if (events.length >= page.count) break reading;
    }
    if (page.block && events.length > 0) break;
  }
  return [next, events];
}
