import type { Client } from '../session/client.js';
import { execute, shardsOfQueue } from '../session/execution.js';
import { endTransaction } from '../session/transaction-queue.js';
import { runHoldingShards } from '../shards/router.js';
import type { CommandSpec } from '../session/command-spec.js';
import { PendingReply } from '../replies/pending-reply.js';
import { ErrorReply, NULL_ARRAY, OK, type Reply } from '../replies/reply.js';

/** MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis's multi.c). */

const EXECABORT = new ErrorReply('EXECABORT Transaction discarded because of previous errors.');

export function multi(client: Client): Reply {
  if (client.transaction !== null) return new ErrorReply('ERR MULTI calls can not be nested');
  client.transaction = { queue: [], failed: false };
  return OK;
}

export function discard(client: Client): Reply {
  if (client.transaction === null) return new ErrorReply('ERR DISCARD without MULTI');
  endTransaction(client);
  return OK;
}

export function watch(client: Client, args: string[]): Reply {
  if (client.transaction !== null) return new ErrorReply('ERR WATCH inside MULTI is not allowed');
  for (const key of args.slice(1)) client.server.watches.watch(client, client.db, key);
  return OK;
}

export function unwatch(client: Client): Reply {
  client.server.watches.unwatchAll(client);
  return OK;
}

/**
 * Whether a watched key changed in a way the registry could not tell when it happened: one has
 * expired since WATCH (Redis aborts EXEC then, even before it is deleted), or the one change let
 * through to a key already expired when watched did not delete it.
 */
function watchedKeyChangedUnseen(client: Client, now: number): boolean {
  for (const id of client.watched) {
    const split = id.indexOf(':');
    const db = Number(id.slice(0, split));
    const key = id.slice(split + 1);
    const keyspace = client.server.store.keyspace(db, key);
    const expiredWhenWatched = client.watchedExpired.get(id);
    if (expiredWhenWatched === undefined ? isPast(keyspace.expireAt(key), now) : expiredWhenWatched && keyspace.data.has(key)) return true;
  }
  return false;
}

function isPast(expireAt: number, now: number): boolean {
  return expireAt !== 0 && expireAt <= now;
}

/**
 * EXEC runs the queued commands back to back, as one log transaction: their records share a
 * transaction id and reach LevelDB in one batch, so other clients and crashes see all or none.
 * Errors inside do not roll back (Redis semantics).
 */
export function exec(client: Client): Reply | PendingReply {
  const transaction = client.transaction;
  if (transaction === null) return new ErrorReply('ERR EXEC without MULTI');
  if (transaction.failed) {
    endTransaction(client);
    return EXECABORT;
  }
  if (client.watchBroken || watchedKeyChangedUnseen(client, client.now)) {
    endTransaction(client);
    return NULL_ARRAY;
  }
  endTransaction(client);
  // Holding what every queued command touches keeps a paused script's shards out of the transaction.
  const shards = shardsOfQueue(client, transaction.queue);
  const runAll = (): Reply => {
    const replies = client.server.store.transaction(() => runQueued(client, transaction.queue));
    // Blocked clients are served once the whole transaction has run, outside its transaction id.
    if (client.server.blocking.hasReady) client.server.blocking.serveReady();
    return replies;
  };
  if (shards.every((shard) => shard.queue.free)) return runAll();
  return runHoldingShards(shards, () => {
    // Run once a paused script lets go of its shards: the queued commands take the time they run at.
    client.now = Date.now();
    return runAll();
  });
}

/** The queued commands keep EXEC's time, as Redis runs them all at the time EXEC started. */
function runQueued(client: Client, queue: [CommandSpec, string[]][]): Reply {
  client.inTransaction = true;
  try {
    return queue.map(([spec, args]) => {
      client.server.stats.commandsProcessed++;
      const reply = execute(client, spec, args);
      // Blocking commands never block inside EXEC, so a pending reply cannot appear here.
      return reply instanceof PendingReply ? null : reply;
    });
  } finally {
    client.inTransaction = false;
  }
}
