import type { Shard } from '../shards/shard.js';
import type { Client } from './client.js';
import { Flag, resolveSubcommand, type CommandRow, type CommandSpec } from './command-spec.js';
import { PendingReply } from '../replies/pending-reply.js';
import { shardsOfKeys } from '../shards/router.js';
import { commandKeyPositions } from '../shards/movable-keys.js';
import { ErrorReply, type Reply } from '../replies/reply.js';

const WHOLE_STORE = Flag.movablekeys | Flag.write | Flag.readonly;

/** Running one command's handler (in a span when tracing is on and samples it). */
export function execute(client: Client, spec: CommandSpec, args: string[]): Reply | PendingReply {
  const tracing = client.server.tracing;
  return tracing === undefined ? runCommand(client, spec, args) : tracing.command(client, spec, args, runCommand);
}

/** Running one command's handler: errors counted, handler bugs contained, blocked clients served. */
function runCommand(client: Client, spec: CommandSpec, args: string[]): Reply | PendingReply {
  let reply: Reply | PendingReply;
  // One time per command; inside EXEC and a script it is theirs, read once when they start.
  if (!client.inTransaction) client.now = Date.now();
  client.events = spec.events;
  const server = client.server;
  if (server.monitors.size !== 0) server.monitors.starting(client, spec, args);
  const started = performance.now();
  try {
    reply = spec.handler(client, args);
  } catch (error) {
    // A handler that throws is a bug in Eddy: the client gets an error, the server keeps running.
    server.hooks.internalError(error, args[0]);
    reply = new ErrorReply(`ERR internal error in '${spec.name}' command`);
  }
  const ms = performance.now() - started;
  const row = spec.subcommands === undefined ? spec : (resolveSubcommand(spec, args) ?? spec);
  // A command that blocked counts once it is served or times out (Redis's updateStatsOnUnblock).
  if (client.blocked && reply instanceof PendingReply) client.blockedRun = { row, args, ms };
  else recordRun(client, row, args, ms, reply instanceof ErrorReply);
  if (server.monitors.size !== 0) server.monitors.ran(client, spec, args);
  if (server.tracking.active) trackCommand(server.currentClient ?? client, client, spec, args);
  // A write may have given blocked clients what they wait for (after EXEC, not inside it).
  if (!client.inTransaction && client.server.blocking.hasReady) client.server.blocking.serveReady();
  return reply instanceof ErrorReply ? countError(client, reply) : reply;
}

/**
 * A command ran for `ms` (its handler's time: not the log's commit, not time blocked): its
 * statistics, and the slow log and latency monitor when it was slow.
 */
export function recordRun(client: Client, row: CommandRow, args: string[], ms: number, failed: boolean): void {
  const server = client.server;
  server.stats.commands.ran(row.name, ms, failed);
  const usec = ms * 1000;
  if (server.slowlog.wants(usec) && (row.flagBits & Flag.skip_slowlog) === 0) server.slowlog.push(client, args, usec, Date.now());
  server.latency.note((row.flagBits & Flag.fast) !== 0 ? 'fast-command' : 'command', ms);
}

/** Names a read-only command's keys to the tracking table (a script's, for its caller), and ends CLIENT CACHING's one-command choice. */
function trackCommand(caller: Client, client: Client, spec: CommandSpec, args: string[]): void {
  const state = caller.tracking;
  if (state === undefined) return;
  const command = spec.subcommands === undefined ? spec : (resolveSubcommand(spec, args) ?? spec);
  // A read-only script is no read of its own: the commands it runs are (Redis's call()).
  if ((command.flagBits & Flag.readonly) !== 0 && !NOT_TRACKED.has(spec.name)) {
    const keys: string[] = [];
    // Keys named by numkeys (ZUNION) or after STORE (SORT_RO) are where the command's finder says.
    for (const position of commandKeyPositions(command, args)) keys.push(args[position]);
    client.server.tracking.remember(caller, keys);
  }
  // CLIENT CACHING applies to the next command, or to a whole transaction (Redis's resetClient).
  if (state.caching && caller === client && client.transaction === null && !client.inTransaction && spec.name !== 'client') state.caching = false;
}

const NOT_TRACKED = new Set(['eval_ro', 'evalsha_ro', 'fcall_ro', 'pubsub']);

export function countError(client: Client, error: ErrorReply): ErrorReply {
  client.server.stats.noteError(error.message);
  return error;
}

/**
 * The shards a command may read or write: its keys' shards; every shard for a command whose keys
 * are not at fixed places (LMPOP, EVAL, FCALL: `movablekeys`), one that works on whole databases
 * (KEYS, SCAN, FLUSHALL) and a write subcommand (FUNCTION LOAD: libraries are keys on every shard).
 */
/** The shards a queue of commands touches, in shard order (what EXEC holds while it runs them). */
export function shardsOfQueue(client: Client, queue: readonly [CommandSpec, string[]][]): Shard[] {
  return [...new Set(queue.flatMap(([spec, args]) => shardsTouched(client, spec, args)))].sort((a, b) => a.id - b.id);
}

export function shardsTouched(client: Client, spec: CommandSpec, args: string[]): Shard[] {
  if (spec.firstKey !== 0) return shardsOfKeys(client.server.store, spec, args);
  const wholeStore = (spec.flagBits & WHOLE_STORE) !== 0 || ((resolveSubcommand(spec, args)?.flagBits ?? 0) & Flag.write) !== 0;
  return wholeStore ? client.server.store.shards : [];
}
