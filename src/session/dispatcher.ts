import { findCommand } from './command-registry.js';
import { countError, execute, shardsOfQueue, shardsTouched } from './execution.js';
import { arityAccepts, Flag, resolveSubcommand, type CommandRow, type CommandSpec } from './command-spec.js';
import { keysFree, runHoldingShards, shardsOfKeys } from '../shards/router.js';
import type { Client } from './client.js';
import { NOAUTH, OOM, unknownCommand, unknownSubcommand, wrongArity } from '../replies/errors.js';
import { PendingReply } from '../replies/pending-reply.js';
import type { SlotPause } from '../cluster/slot-pause.js';
import { ErrorReply, QUEUED, type Reply } from '../replies/reply.js';
import { waitForScript } from './script-wait.js';
import { aclRefusal } from './acl-check.js';
import { clusterRedirect, HOLD } from './cluster-redirect.js';
import { runAgain } from './client-pause.js';
import { abortExec, endTransaction, queueInTransaction, runsDuringMulti } from './transaction-queue.js';

/**
 * The one entry point from every protocol to the commands: look the command up, check arity and
 * auth, queue it inside MULTI, and otherwise run its handler on the shard(s) owning its keys — now
 * when they are free, or queued behind the jobs holding them (the reply is then pending).
 */
export function dispatch(client: Client, args: string[]): Reply | PendingReply {
  const spec = findCommand(args[0]);
  const command = spec === undefined || spec.subcommands === undefined ? spec : resolveSubcommand(spec, args);
  if (spec === undefined) return rejected(client, undefined, undefined, unknownCommand(args));
  const refusal = refuse(client, spec, command, args);
  if (refusal !== undefined) return rejected(client, spec, command, refusal);
  // CLIENT LIST's cmd names a subcommand as Redis does (client|info).
  client.lastCommand = (command as CommandRow).name;
  const server = client.server;
  // In a cluster, a command for another node's slot is redirected (the primary's stream never is).
  if (server.cluster !== undefined && !client.isPrimary) {
    // ASKING lasts for the one command after it, as Redis's CLIENT_ASKING.
    const asking = client.asking;
    if (spec.name !== 'asking') client.asking = false;
    const redirect = clusterRedirect(server.cluster, client, spec, args, asking);
    if (redirect === HOLD) return whenSlotsResume(client, server.cluster.slotPause, () => dispatch(client, args));
    if (redirect !== undefined) {
      // As Redis's processCommand: a redirected EXEC discards the transaction, any other command flags it.
      if (client.transaction !== null) {
        if (spec.name === 'exec') endTransaction(client);
        else client.transaction.failed = true;
      }
      return countError(client, redirect);
    }
  }
  // After the redirect, as in Redis's processCommand: a replica sends a write for its primary's slot on with -MOVED, not -READONLY.
  const lateRefusal = refuseToRun(client, spec, command as CommandRow);
  if (lateRefusal !== undefined) return rejected(client, spec, command, lateRefusal);
  // A script holding the command's shards comes first, even for a command MULTI would queue: as in
  // Redis, one refused with -BUSY aborts the transaction, and one that waits is queued after.
  if (server.scripts.running !== undefined) {
    const waiting = waitForScript(
      client,
      (spec.name === 'exec' && client.transaction !== null ? shardsOfQueue(client, client.transaction.queue) : shardsTouched(client, spec, args)).map((shard) => shard.id),
      () => dispatch(client, args),
    );
    if (waiting instanceof ErrorReply && client.transaction !== null) {
      if (spec.name === 'exec') return abortExec(client, waiting);
      client.transaction.failed = true;
    }
    if (waiting !== undefined) return waiting;
  }
  // CLIENT PAUSE holds commands before they run or are queued, as Redis's processCommand does.
  if (server.pause.mode !== undefined && server.pause.holds(client, command as CommandRow)) return server.pause.hold(client, () => dispatch(client, args));
  if (client.transaction !== null && !runsDuringMulti(spec)) {
    queueInTransaction(client, spec, args);
    return QUEUED;
  }
  server.stats.commandsProcessed++;
  const store = server.store;
  if (spec.firstKey !== 0 && !keysFree(store, spec, args)) return runHoldingShards(shardsOfKeys(store, spec, args), () => execute(client, spec, args));
  return execute(client, spec, args);
}

/** A command held while its slot switches to another node, dispatched again (to be redirected) once the switch is over. */
function whenSlotsResume(client: Client, pause: SlotPause, retry: () => Reply | PendingReply): PendingReply {
  const pending = new PendingReply();
  void pause.whenEnded().then(() => runAgain(client, pending, retry));
  return pending;
}

const NOT_IN_TRANSACTION = new ErrorReply('ERR Command not allowed inside a transaction');

/** What a RESP2 connection may send while subscribed (Redis's subscribed mode, plus Eddy's tails). */
const ALLOWED_WHILE_SUBSCRIBED = new Set(['subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe', 'ping', 'quit', 'reset', 'tail', 'untail']);

const KEYSPACE_ACCESS = Flag.write | Flag.readonly | Flag.may_replicate;
const REPLICA_KEYSPACE = new ErrorReply("ERR Replica can't interact with the keyspace");

/** A command refused before it ran: counted, and the transaction it was to be queued in flagged. */
function rejected(client: Client, spec: CommandSpec | undefined, command: CommandRow | undefined, refusal: ErrorReply): ErrorReply {
  // Redis aborts the whole transaction at EXEC when a command could not be queued.
  if (client.transaction !== null) client.transaction.failed = true;
  if (command !== undefined) client.server.stats.commands.rejected(command.name);
  // A refused EXEC discards the transaction and says why, as Redis's rejectCommand does.
  if (spec?.name === 'exec') return countError(client, abortExec(client, refusal));
  return countError(client, refusal);
}

/** What refuses a command wherever it is to run, in Redis's order: its subcommand, arity, auth and ACL; undefined when it may go on. */
function refuse(client: Client, spec: CommandSpec, command: CommandRow | undefined, args: string[]): ErrorReply | undefined {
  if (command === undefined) return unknownSubcommand(spec.name, args[1]);
  if (!arityAccepts(command.arity, args.length)) return wrongArity(command.name);
  if (!client.authenticated && (spec.flagBits & Flag.noauth) === 0) return NOAUTH;
  // As Redis, the primary's stream is never refused: dropping its writes would be a divergence.
  if (client.isPrimary) return undefined;
  // AUTH and HELLO run for any user, as in Redis (they are how a connection changes user).
  return (spec.flagBits & Flag.noauth) === 0 ? aclRefusal(client, command, args, client.transaction !== null ? 'multi' : 'toplevel') : undefined;
}

/** What may refuse a command that this node is to run (after a cluster's redirect): memory, the log, a replica's read-only state, the connection's mode. */
function refuseToRun(client: Client, spec: CommandSpec, command: CommandRow): ErrorReply | undefined {
  if (client.isPrimary) return undefined;
  // Redis's processCommand: a command that may add memory, or anything queued in MULTI, first
  // evicts per maxmemory-policy; past maxmemory (or near the heap's limit) it is refused.
  if (((command.flagBits & Flag.denyoom) !== 0 || (client.transaction !== null && !runsDuringMulti(spec))) && client.server.eviction.refusesWrite(Date.now())) return OOM;
  // A write subcommand (FUNCTION LOAD) is a write as much as a write command is.
  if ((command.flagBits & Flag.write) !== 0) {
    // Redis's stop-writes-on-error: while the log cannot be written, writes are refused; reads go on.
    const log = client.server.store.log;
    if (!log.lastWriteOk) return new ErrorReply(`MISCONF Errors writing to the AOF file: ${log.lastWriteError}`);
    const refusal = client.server.replication.refuseWrite();
    if (refusal !== undefined) return refusal;
  }
  // A MONITOR connection is a replica to Redis: it may not read or write keys.
  if (client.monitoring && (command.flagBits & KEYSPACE_ACCESS) !== 0) return REPLICA_KEYSPACE;
  // Their pushes (or, for LOGREAD, a late reply) cannot go inside EXEC's array: Eddy refuses them
  // in a transaction, where Redis would send a reply stream clients cannot parse.
  if (client.transaction !== null && (spec.flagBits & Flag.no_multi) !== 0) return NOT_IN_TRANSACTION;
  if (client.resp === 2 && client.subscribed && !ALLOWED_WHILE_SUBSCRIBED.has(spec.name))
    return new ErrorReply(`ERR Can't execute '${spec.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);
  return undefined;
}
