import { parseInteger } from './arguments.js';
import { entryReply, noGroup, parseBound, parseStrictId, readStream } from './stream-commands.js';
import type { Client } from '../session/client.js';
import { NOT_AN_INTEGER, SYNTAX_ERROR, subcommandSyntaxError } from '../replies/errors.js';
import { ErrorReply, OK, helpReply, type Reply } from '../replies/reply.js';
import { idText, MAX_ID, MIN_ID, type StreamId } from '../projections/stream-id.js';
import type { PendingEntry, StreamGroup, StreamValue } from '../projections/stream-value.js';
import type { Effect, EffectDraft } from '../log/record.js';

/** Consumer groups (Redis's t_stream.c): XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM. */

function noSuchGroup(key: string, group: string): ErrorReply {
  return new ErrorReply(`NOGROUP No such consumer group '${group}' for key name '${key}'`);
}

/** The stream and group named by `args[1]`, `args[2]`, or NOGROUP (XCLAIM, XAUTOCLAIM, XPENDING). */
function streamAndGroup(client: Client, key: string, name: string): [StreamValue, StreamGroup] | ErrorReply {
  const stream = readStream(client, key);
  if (stream instanceof ErrorReply) return stream;
  const group = stream?.groups.get(name);
  if (stream === undefined || group === undefined) return noGroup(key, name);
  return [stream, group];
}

function write(client: Client, key: string, effect: Effect): void {
  client.server.store.writeKey(client.db, key, effect, client);
}

/** ENTRIESREAD's value: a count, or -1 for unknown. */
function parseEntriesRead(text: string): number | ErrorReply {
  const n = parseInteger(text);
  if (n === null) return NOT_AN_INTEGER;
  if (n < -1) return new ErrorReply('ERR value for ENTRIESREAD must be positive or -1');
  return n;
}

export function xgroup(client: Client, args: string[]): Reply {
  const sub = args[1].toUpperCase();
  if (sub === 'HELP') return groupHelp();
  const [, , key, name] = args;
  let makeStream = false;
  let entriesRead = -1;
  if (sub === 'CREATE' || sub === 'SETID')
    for (let i = 5; i < args.length; i++) {
      const option = args[i].toUpperCase();
      if (option === 'MKSTREAM' && sub === 'CREATE') makeStream = true;
      else if (option === 'ENTRIESREAD' && i + 1 < args.length) {
        const n = parseEntriesRead(args[++i]);
        if (n instanceof ErrorReply) return n;
        entriesRead = n;
      } else return subcommandSyntaxError('XGROUP', args[1]);
    }
  const stream = readStream(client, key);
  if (stream instanceof ErrorReply) return stream;
  if (stream === undefined && !makeStream)
    return new ErrorReply(
      'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
    );
  const group = stream?.groups.get(name);
  if (group === undefined && (sub === 'SETID' || sub === 'CREATECONSUMER' || sub === 'DELCONSUMER')) return noSuchGroup(key, name);
  switch (sub) {
    case 'CREATE': {
      const id = args[4] === '$' ? (stream?.lastId ?? MIN_ID) : parseStrictId(args[4]);
      if (id instanceof ErrorReply) return id;
      if (group !== undefined) return new ErrorReply('BUSYGROUP Consumer Group name already exists');
      write(client, key, ['xgroup-create', key, name, idText(id), entriesRead]);
      return OK;
    }
    case 'SETID': {
      if (args.length !== 5 && args.length !== 7) return subcommandSyntaxError('XGROUP', args[1]);
      const id = args[4] === '$' ? (stream as StreamValue).lastId : parseBound(args[4], false);
      if (id instanceof ErrorReply) return id;
      write(client, key, ['xgroup-setid', key, name, idText(id), entriesRead]);
      return OK;
    }
    case 'DESTROY':
      if (group === undefined) return 0;
      write(client, key, ['xgroup-destroy', key, name]);
      return 1;
    case 'CREATECONSUMER':
      if ((group as StreamGroup).consumers.has(args[4])) return 0;
      write(client, key, ['xgroup-createconsumer', key, name, args[4], client.now]);
      return 1;
    default: {
      // DELCONSUMER: its pending entries go with it.
      const consumer = (group as StreamGroup).consumers.get(args[4]);
      if (consumer === undefined) return 0;
      const pending = consumer.pending.size;
      write(client, key, ['xgroup-delconsumer', key, name, args[4]]);
      return pending;
    }
  }
}

function groupHelp(): Reply {
  return helpReply('XGROUP', [
    'CREATE <key> <groupname> <id|$> [option]',
    '    Create a new consumer group. Options are:',
    '    * MKSTREAM',
    '      Create the empty stream if it does not exist.',
    '    * ENTRIESREAD entries_read',
    "      Set the group's entries_read counter (internal use).",
    'CREATECONSUMER <key> <groupname> <consumer>',
    '    Create a new consumer in the specified group.',
    'DELCONSUMER <key> <groupname> <consumer>',
    '    Remove the specified consumer.',
    'DESTROY <key> <groupname>',
    '    Remove the specified group.',
    'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
    '    Set the current group ID and entries_read counter.',
  ]);
}

export function xack(client: Client, args: string[]): Reply {
  const stream = readStream(client, args[1]);
  if (stream instanceof ErrorReply) return stream;
  const group = stream?.groups.get(args[2]);
  if (group === undefined) return 0;
  // All IDs are checked first: an error must not follow a partial acknowledgement.
  const ids: StreamId[] = [];
  for (let i = 3; i < args.length; i++) {
    const id = parseStrictId(args[i]);
    if (id instanceof ErrorReply) return id;
    ids.push(id);
  }
  const effect: EffectDraft<'xack'> = ['xack', args[1], args[2]];
  for (const id of new Set(ids)) if (group.pending.has(id)) effect.push(idText(id));
  if (effect.length > 3) write(client, args[1], effect);
  return effect.length - 3;
}

export function xpending(client: Client, args: string[]): Reply {
  if (args.length !== 3 && (args.length < 6 || args.length > 9)) return SYNTAX_ERROR;
  let minIdle = 0;
  let start = MIN_ID;
  let end = MAX_ID;
  let count = 0;
  let consumerName: string | undefined;
  if (args.length >= 6) {
    let at = 3;
    if (args[3].toUpperCase() === 'IDLE') {
      const idle = parseInteger(args[4]);
      if (idle === null) return NOT_AN_INTEGER;
      if (args.length < 8) return SYNTAX_ERROR;
      minIdle = idle;
      at += 2;
    }
    const n = parseInteger(args[at + 2]);
    if (n === null) return NOT_AN_INTEGER;
    count = Math.max(n, 0);
    const from = parseBound(args[at], false);
    if (from instanceof ErrorReply) return from;
    const to = parseBound(args[at + 1], true);
    if (to instanceof ErrorReply) return to;
    [start, end] = [from, to];
    consumerName = args[at + 3];
  }
  const found = streamAndGroup(client, args[1], args[2]);
  if (found instanceof ErrorReply) return found;
  const [, group] = found;
  if (args.length === 3) return pendingSummary(group);
  let pending: Iterable<PendingEntry> = group.pending.values();
  if (consumerName !== undefined) {
    const consumer = group.consumers.get(consumerName);
    if (consumer === undefined) return [];
    pending = consumer.pending.values();
  }
  const now = client.now;
  const replies: Reply[] = [];
  for (const entry of pending) {
    if (replies.length >= count || entry.id > end) break;
    if (entry.id < start) continue;
    const idle = now - entry.deliveryTime;
    if (minIdle > 0 && idle < minIdle) continue;
    replies.push([idText(entry.id), entry.consumer, Math.max(idle, 0), entry.deliveryCount]);
  }
  return replies;
}

/** XPENDING key group: the count, the smallest and largest IDs, and each consumer with its count (as bulk text, as Redis replies). */
function pendingSummary(group: StreamGroup): Reply {
  if (group.pending.size === 0) return [0, null, null, null];
  const entries = [...group.pending.values()];
  const consumers = [...group.consumers]
    .filter(([, consumer]) => consumer.pending.size > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, consumer]) => [name, String(consumer.pending.size)]);
  return [entries.length, idText(entries[0].id), idText(entries[entries.length - 1].id), consumers];
}

/**
 * Claims happen here for XCLAIM and XAUTOCLAIM: the consumer is created on the first claim, each
 * claim is logged with its delivery time and count, and entries deleted from the stream leave the
 * PEL (an `xack`).
 */
class Claims {
  private readonly effect: EffectDraft<'xclaim'>;
  readonly dropped: StreamId[] = [];

  constructor(
    private readonly client: Client,
    private readonly key: string,
    private readonly name: string,
    private readonly group: StreamGroup,
    private readonly consumer: string,
  ) {
    this.effect = ['xclaim', key, name, consumer, client.now];
  }

  claim(id: StreamId, deliveryTime: number, deliveryCount: number): void {
    this.effect.push(idText(id), deliveryTime, deliveryCount);
  }

  /** Writes what was decided, in one transaction. */
  commit(lastId?: StreamId): void {
    const { client, key, name, group } = this;
    client.server.store.transaction(() => {
      if (this.dropped.length > 0) write(client, key, ['xack', key, name, ...this.dropped.map(idText)]);
      if (this.effect.length > 5) {
        if (!group.consumers.has(this.consumer)) write(client, key, ['xgroup-createconsumer', key, name, this.consumer, client.now]);
        write(client, key, this.effect);
      }
      if (lastId !== undefined) write(client, key, ['xgroup-setid', key, name, idText(lastId), group.entriesRead ?? -1]);
    });
  }
}

function integerOption(text: string, message: string): number | ErrorReply {
  return parseInteger(text) ?? new ErrorReply(`ERR ${message}`);
}

export function xclaim(client: Client, args: string[]): Reply {
  const found = streamAndGroup(client, args[1], args[2]);
  if (found instanceof ErrorReply) return found;
  const [stream, group] = found;
  const minIdleArg = integerOption(args[4], 'Invalid min-idle-time argument for XCLAIM');
  if (minIdleArg instanceof ErrorReply) return minIdleArg;
  const minIdle = Math.max(minIdleArg, 0);
  const ids: StreamId[] = [];
  let i = 5;
  for (; i < args.length; i++) {
    const id = parseStrictId(args[i]);
    if (id instanceof ErrorReply) break;
    ids.push(id);
  }
  const now = client.now;
  let force = false;
  let justId = false;
  let deliveryTime = -1;
  let retryCount = -1;
  let lastId = MIN_ID;
  // What does not parse as an ID is an option.
  for (; i < args.length; i++) {
    const more = args.length - 1 - i;
    const option = args[i].toUpperCase();
    if (option === 'FORCE') force = true;
    else if (option === 'JUSTID') justId = true;
    else if (option === 'IDLE' && more > 0) {
      const idle = integerOption(args[++i], 'Invalid IDLE option argument for XCLAIM');
      if (idle instanceof ErrorReply) return idle;
      deliveryTime = now - idle;
    } else if (option === 'TIME' && more > 0) {
      const time = integerOption(args[++i], 'Invalid TIME option argument for XCLAIM');
      if (time instanceof ErrorReply) return time;
      deliveryTime = time;
    } else if (option === 'RETRYCOUNT' && more > 0) {
      const count = integerOption(args[++i], 'Invalid RETRYCOUNT option argument for XCLAIM');
      if (count instanceof ErrorReply) return count;
      retryCount = count;
    } else if (option === 'LASTID' && more > 0) {
      const id = parseStrictId(args[++i]);
      if (id instanceof ErrorReply) return id;
      lastId = id;
    } else return new ErrorReply(`ERR Unrecognized XCLAIM option '${args[i]}'`);
  }
  // A time in the future or before the epoch is taken as now (clocks differ), as Redis does.
  if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
  const claims = new Claims(client, args[1], args[2], group, args[3]);
  const replies: Reply[] = [];
  for (const id of new Set(ids)) {
    const entry = group.pending.get(id);
    const fields = stream.fieldsOf(id);
    if (fields === undefined) {
      if (entry !== undefined) claims.dropped.push(id);
      continue;
    }
    if (entry === undefined && !force) continue;
    if (entry !== undefined && minIdle > 0 && now - entry.deliveryTime < minIdle) continue;
    // FORCE makes a fresh PEL entry, delivered once, as Redis's streamCreateNACK.
    const count = entry?.deliveryCount ?? 1;
    claims.claim(id, deliveryTime, retryCount >= 0 ? retryCount : justId ? count : count + 1);
    replies.push(justId ? idText(id) : entryReply([id, fields]));
  }
  claims.commit(lastId > group.lastId ? lastId : undefined);
  return replies;
}

/** XAUTOCLAIM examines at most ten PEL entries per one it may claim, as Redis does. */
const ATTEMPTS_FACTOR = 10;

export function xautoclaim(client: Client, args: string[]): Reply {
  const minIdleArg = integerOption(args[4], 'Invalid min-idle-time argument for XAUTOCLAIM');
  if (minIdleArg instanceof ErrorReply) return minIdleArg;
  const minIdle = Math.max(minIdleArg, 0);
  const start = parseBound(args[5], false);
  if (start instanceof ErrorReply) return start;
  let count = 100;
  let justId = false;
  for (let i = 6; i < args.length; i++) {
    const option = args[i].toUpperCase();
    if (option === 'COUNT' && i + 1 < args.length) {
      const n = parseInteger(args[++i]);
      // Redis bounds COUNT so that its reply buffers cannot overflow: LONG_MAX / 16.
      if (n === null || n < 1 || BigInt(args[i]) > 2n ** 63n / 16n) return new ErrorReply('ERR COUNT must be > 0');
      count = n;
    } else if (option === 'JUSTID') justId = true;
    else return SYNTAX_ERROR;
  }
  const found = streamAndGroup(client, args[1], args[2]);
  if (found instanceof ErrorReply) return found;
  const [stream, group] = found;
  const now = client.now;
  const claims = new Claims(client, args[1], args[2], group, args[3]);
  const replies: Reply[] = [];
  let attempts = count * ATTEMPTS_FACTOR;
  // The cursor is the first PEL entry not examined, 0-0 when the walk reached the end.
  let next = MIN_ID;
  for (const entry of group.pending.values()) {
    if (entry.id < start) continue;
    if (attempts === 0 || count === 0) {
      next = entry.id;
      break;
    }
    attempts--;
    const fields = stream.fieldsOf(entry.id);
    if (fields === undefined) {
      claims.dropped.push(entry.id);
      count--;
      continue;
    }
    if (minIdle > 0 && now - entry.deliveryTime < minIdle) continue;
    claims.claim(entry.id, now, justId ? entry.deliveryCount : entry.deliveryCount + 1);
    replies.push(justId ? idText(entry.id) : entryReply([entry.id, fields]));
    count--;
  }
  claims.commit();
  return [idText(next), replies, claims.dropped.map(idText)];
}
