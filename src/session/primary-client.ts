import type { PrimaryCommands, RdbKey } from '../replication/primary-commands.js';
import { runHoldingShards } from '../shards/router.js';
import { PendingReply } from '../replies/pending-reply.js';
import { ErrorReply, OK, type Reply } from '../replies/reply.js';
import { Client } from './client.js';
import { dispatch } from './dispatcher.js';
import type { ServerContext } from './server-context.js';
import { endTransaction } from './transaction-queue.js';

/**
 * The client a redis-server primary's stream runs as (Redis's CLIENT_MASTER): its writes pass a
 * read-only follower's refusal, and whatever it runs becomes records in this node's log through
 * the same dispatch() as every client's. Its replies go nowhere; an error is handed back.
 */
export function primaryCommands(server: ServerContext): PrimaryCommands {
  let client = newPrimaryClient(server);
  return {
    run(args) {
      const reply = dispatch(client, args);
      if (!(reply instanceof PendingReply)) return errorText(reply);
      return new Promise((resolve) => reply.onSettled((settled) => resolve(errorText(settled))));
    },
    put(key) {
      const shard = server.store.shardOf(key.key);
      if (shard.queue.free) return void storeRdbKey(client, key);
      const pending = runHoldingShards([shard], () => {
        storeRdbKey(client, key);
        return OK;
      });
      return new Promise((resolve) => pending.onSettled(() => resolve()));
    },
    inTransaction: () => client.transaction !== null,
    dropTransaction: () => endTransaction(client),
    reset() {
      client.disconnected();
      client = newPrimaryClient(server);
    },
  };
}

function newPrimaryClient(server: ServerContext): Client {
  const client = new Client(server, { remoteAddress: '', localAddress: '', close: () => undefined, push: () => true });
  client.authenticated = true;
  client.isPrimary = true;
  return client;
}

/** What RESTORE ... ABSTTL REPLACE IDLETIME FREQ would store, with RESTORE's keyspace event. */
function storeRdbKey(client: Client, { db, key, snapshot, expireAtMs, idleSeconds, frequency }: RdbKey): void {
  const store = client.server.store;
  client.now = Date.now();
  client.events = undefined;
  store.restoreKey(db, key, snapshot, expireAtMs, client, { idleSeconds, frequency }, 'restore');
}

function errorText(reply: Reply): string | undefined {
  return reply instanceof ErrorReply ? reply.message : undefined;
}
