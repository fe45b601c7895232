import type { Shard } from '../shards/shard.js';
import type { Client } from './client.js';
import { keyPositions, type CommandSpec } from './command-spec.js';
import { PendingReply } from './pending-reply.js';
import { ErrorReply, type Reply } from './reply.js';

/** Running one command's handler: errors counted, handler bugs contained, blocked clients served. */
export function execute(client: Client, spec: CommandSpec, args: string[]): Reply | PendingReply {
  let reply: Reply | PendingReply;
  // Every command sets its own: writes outside commands (expiry) are named by their reason anyway.
  client.server.store.commandEvents = spec.events;
  try {
    reply = spec.handler(client, args);
  } catch (error) {
    // A handler that throws is a bug in Eddy: the client gets an error, the server keeps running.
    client.server.hooks.internalError(error, args[0]);
    reply = new ErrorReply(`ERR internal error in '${spec.name}' command`);
  }
  // A write may have given blocked clients what they wait for (after EXEC, not inside it).
  if (!client.inTransaction && client.server.blocking.hasReady) client.server.blocking.serveReady();
  return reply instanceof ErrorReply ? countError(client, reply) : reply;
}

export function countError(client: Client, error: ErrorReply): ErrorReply {
  client.server.stats.errorReplies++;
  return error;
}

/** The shards a command touches, in shard order (the order jobs take them, so none deadlock). */
export function shardsOf(client: Client, spec: CommandSpec, args: string[]): Shard[] {
  const store = client.server.store;
  return [...new Set(keyPositions(spec, args.length).map((i) => store.shardOf(args[i])))].sort((a, b) => a.id - b.id);
}

/** FUNCTION LOAD, DELETE, FLUSH and RESTORE: they write the libraries (keys of every shard). */
export function changesLibraries(spec: CommandSpec, args: string[]): boolean {
  return spec.name === 'function' && ['LOAD', 'DELETE', 'FLUSH', 'RESTORE'].includes(args[1]?.toUpperCase());
}

/**
 * The shards a command may read or write: its keys' shards; every shard for a command whose keys
 * are not at fixed places (LMPOP, EVAL, FCALL: `movablekeys`), one that works on whole databases
 * (KEYS, SCAN, FLUSHALL) and a FUNCTION that changes libraries (they are keys on every shard).
 */
export function shardsTouched(client: Client, spec: CommandSpec, args: string[]): Shard[] {
  if (spec.firstKey !== 0) return shardsOf(client, spec, args);
  const wholeStore = changesLibraries(spec, args) || ['movablekeys', 'write', 'readonly'].some((flag) => spec.flags.includes(flag));
  return wholeStore ? client.server.store.shards : [];
}

/** Runs `job` once every shard in `shards` is free, holding them all meanwhile; the reply is pending. */
export function runHoldingShards(shards: readonly Shard[], job: () => Reply | PendingReply): PendingReply {
  const pending = new PendingReply();
  void holdAll(shards).then(() => {
    try {
      const reply = job();
      if (reply instanceof PendingReply) reply.onSettled((settled) => pending.resolve(settled));
      else pending.resolve(reply);
    } finally {
      for (const shard of shards) shard.queue.release();
    }
  });
  return pending;
}

async function holdAll(shards: readonly Shard[]): Promise<void> {
  for (const shard of shards) await shard.queue.acquire();
}
