import { datasetDigest } from '../replication/dataset-digest.js';
import { streamRdbSnapshot } from '../replication/rdb-snapshot-stream.js';
import { roleReply } from '../replication/replication-info.js';
import { parseInteger } from './arguments.js';
import type { Client } from '../session/client.js';
import { NOT_AN_INTEGER, SYNTAX_ERROR } from '../replies/errors.js';
import { PendingReply } from '../replies/pending-reply.js';
import { ErrorReply, NO_REPLY, OK, PushReply, StatusReply, type Reply } from '../replies/reply.js';
import type { ReplicaPeer } from '../replication/replica-registry.js';

/**
 * Replication: REPLICAOF/SLAVEOF, ROLE, WAIT, DIGEST, and what a follower says to its primary
 * (REPLCONF, REPLSYNC). See src/replication for the stream itself.
 */

const peers = new WeakMap<Client, ReplicaPeer>();

/** A client as replication sees the follower behind it: the same peer for the whole connection. */
export function peerOf(client: Client): ReplicaPeer {
  let peer = peers.get(client);
  if (peer === undefined) {
    const transport = client.transport;
    peer = {
      remoteAddress: transport.remoteAddress,
      // The stream is the follower's whole copy of the log: never cut at the pub/sub output limit.
      send: (items) => {
        if (client.gone) return false;
        transport.push(new PushReply(items), true);
        return true;
      },
      get congested() {
        return transport.congested === true;
      },
      drained: () => transport.drained?.() ?? Promise.resolve(),
      close: () => transport.close(),
      onClose: (cleanup) => void client.onDisconnect(cleanup),
    };
    peers.set(client, peer);
  }
  return peer;
}

/** REPLICAOF host port | NO ONE (and SLAVEOF). */
export function replicaof(client: Client, args: string[]): Reply | PendingReply {
  const replication = client.server.replication;
  // In a cluster the layout says who follows whom (CLUSTER REPLICATE), as in Redis.
  if (client.server.cluster !== undefined) return new ErrorReply('ERR REPLICAOF not allowed in cluster mode.');
  if (args[1].toUpperCase() === 'NO' && args[2].toUpperCase() === 'ONE') {
    if (!replication.isReplica) return OK;
    return PendingReply.from(replication.promote().then(() => OK));
  }
  const port = parseInteger(args[2]);
  if (port === null || port < 0 || port > 65535) return new ErrorReply('ERR Invalid master port');
  const link = replication.link;
  if (link !== undefined && link.host === args[1] && link.port === port && !link.halted) return new StatusReply('OK Already connected to specified master');
  replication.follow(args[1], port);
  return OK;
}

/** ROLE */
export function role(client: Client): Reply {
  return roleReply(client.server.replication, client.server.store.log) as Reply;
}

/** WAIT numreplicas timeout: how many followers have written this client's writes (the log so far). */
export function wait(client: Client, args: string[]): Reply | PendingReply {
  const count = parseInteger(args[1]);
  const timeout = parseInteger(args[2]);
  if (count === null || timeout === null) return NOT_AN_INTEGER;
  if (timeout < 0) return new ErrorReply('ERR timeout is negative');
  const server = client.server;
  if (server.replication.isReplica)
    return new ErrorReply(
      'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
    );
  const rev = server.store.log.lastRev;
  const replicas = server.replication.replicas;
  // Inside EXEC nothing may wait: the count as it is now.
  if (client.inTransaction || replicas.countAcked(rev) >= count) return replicas.countAcked(rev);
  const pending = new PendingReply();
  void replicas.waitFor(rev, count, timeout).then((acked) => pending.resolve(acked));
  return pending;
}

/** REPLCONF listening-port <port> | ACK <rev> | capa ... | ip-address ...: a follower's words to its primary. */
export function replconf(client: Client, args: string[]): Reply {
  if (args.length % 2 === 0) return SYNTAX_ERROR;
  const replicas = client.server.replication.replicas;
  for (let i = 1; i < args.length; i += 2) {
    const option = args[i].toLowerCase();
    const value = args[i + 1];
    if (option === 'ack') {
      const rev = parseInteger(value);
      if (rev !== null) replicas.ack(peerOf(client), rev);
      // As in Redis, an ACK gets no reply: it would land in the middle of the stream.
      return NO_REPLY;
    }
    if (option === 'listening-port') {
      const port = parseInteger(value);
      if (port === null || port < 0 || port > 65535) return new ErrorReply('ERR Invalid listening port');
      replicas.announcePort(peerOf(client), port);
    } else if (!['capa', 'ip-address', 'getack', 'rdb-only', 'rdb-filter-only'].includes(option)) return new ErrorReply(`ERR Unrecognized REPLCONF option: ${args[i]}`);
  }
  return OK;
}

/** REPLSYNC replid rev ts: a follower asks to resume (Eddy's PSYNC; see src/replication/primary-stream.ts). */
export function replsync(client: Client, args: string[]): Reply | PendingReply {
  const rev = parseInteger(args[2]);
  const ts = parseInteger(args[3]);
  if (rev === null || ts === null || rev < 0) return NOT_AN_INTEGER;
  return client.server.replication.serve(peerOf(client), args[1], rev, ts);
}

/**
 * SYNC: the whole dataset as an RDB file, then the connection closes (what `redis-cli --rdb`
 * asks for after REPLCONF rdb-only 1). Eddy's followers use REPLSYNC instead.
 */
export function sync(client: Client): Reply | PendingReply {
  const transport = client.transport;
  const pushRaw = transport.pushRaw?.bind(transport);
  if (pushRaw === undefined) return new ErrorReply('ERR SYNC needs a RESP connection');
  if (client.inTransaction) return new ErrorReply("ERR Replica can't sync in MULTI");
  const server = client.server;
  const sink = {
    send: pushRaw,
    get congested() {
      return transport.congested === true;
    },
    drained: () => transport.drained?.() ?? Promise.resolve(),
  };
  client.closeAfterReply = true;
  return PendingReply.from(
    streamRdbSnapshot(server.checkpointer, server.store.log, server.store.encodingLimits, sink).then(
      () => NO_REPLY,
      (error: unknown) => new ErrorReply(`ERR SYNC failed: ${error instanceof Error ? error.message : String(error)}`),
    ),
  );
}

/** DIGEST: a hash of the whole dataset, equal on a primary and its followers at the same revision. */
export function digest(client: Client): Reply {
  return datasetDigest(client.server.store);
}
