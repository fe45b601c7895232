import type { Shard } from '../shards/shard.js';
import './command-table.js';
import { findCommand } from './command-registry.js';
import { keyPositions, type CommandSpec } from './command-spec.js';
import type { Client } from './client.js';
import { NOAUTH, unknownCommand, wrongArity } from './errors.js';
import { PendingReply } from './pending-reply.js';
import { ErrorReply, type Reply } from './reply.js';

/**
 * The one entry point from every protocol to the commands: look the command up, check arity and
 * auth, and run its handler on the shard(s) owning its keys — now when they are free, or queued
 * behind the jobs holding them (the reply is then pending).
 */
export function dispatch(client: Client, args: string[]): Reply | PendingReply {
  const spec = findCommand(args[0]);
  if (spec === undefined) return countError(client, unknownCommand(args));
  if (spec.arity > 0 ? args.length !== spec.arity : args.length < -spec.arity) return countError(client, wrongArity(spec.name));
  if (!client.authenticated && !spec.flags.includes('noauth')) return countError(client, NOAUTH);
  client.lastCommand = spec.name;
  client.server.stats.commandsProcessed++;
  if (spec.firstKey !== 0 && !shardsFree(client, spec, args)) return runWhenFree(client, spec, args);
  return runHandler(client, spec, args);
}

/** Whether no job holds a shard the command touches (one look-up for single-key commands). */
function shardsFree(client: Client, spec: CommandSpec, args: string[]): boolean {
  const store = client.server.store;
  if (spec.lastKey === spec.firstKey) return store.shardOf(args[spec.firstKey]).queue.free;
  for (const position of keyPositions(spec, args.length)) if (!store.shardOf(args[position]).queue.free) return false;
  return true;
}

function runHandler(client: Client, spec: CommandSpec, args: string[]): Reply | PendingReply {
  let reply: Reply | PendingReply;
  try {
    reply = spec.handler(client, args);
  } catch (error) {
    // A handler that throws is a bug in Eddy: the client gets an error, the server keeps running.
    client.server.hooks.internalError(error, args[0]);
    reply = new ErrorReply(`ERR internal error in '${spec.name}' command`);
  }
  // A write may have given blocked clients what they wait for.
  if (client.server.blocking.hasReady) client.server.blocking.serveReady();
  return reply instanceof ErrorReply ? countError(client, reply) : reply;
}

function countError(client: Client, error: ErrorReply): ErrorReply {
  client.server.stats.errorReplies++;
  return error;
}

/** Slow path: waits for every shard the command touches, taken in shard order to avoid deadlock. */
function runWhenFree(client: Client, spec: CommandSpec, args: string[]): PendingReply {
  const store = client.server.store;
  const shards = [...new Set(keyPositions(spec, args.length).map((i) => store.shardOf(args[i])))].sort((a, b) => a.id - b.id);
  const pending = new PendingReply();
  void holdAll(shards).then(() => {
    try {
      const reply = runHandler(client, spec, args);
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
