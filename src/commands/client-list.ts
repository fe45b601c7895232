import type { Client } from '../session/client.js';
import { peerOf } from './replication-commands.js';

/** Redis's client types (CLIENT LIST TYPE, CLIENT KILL TYPE); a follower's link to its primary is no client here. */
export type ClientType = 'normal' | 'replica' | 'pubsub';

/** Bytes of a command's arguments (CLIENT LIST's argv-mem and multi-mem). */
function argumentBytes(args: readonly string[]): number {
  let bytes = 0;
  for (const arg of args) bytes += arg.length;
  return bytes;
}

/** CLIENT LIST's flags, in Redis's order (`N` when none). */
function flagsOf(client: Client): string {
  const server = client.server;
  let flags = '';
  if (client.monitoring) flags += 'O';
  else if (server.replication.replicas.isReplica(peerOf(client))) flags += 'S';
  if (client.subscribed) flags += 'P';
  if (client.transaction !== null) flags += 'x';
  if (server.blocking.isBlocked(client) || server.pause.isHolding(client)) flags += 'b';
  const tracking = client.tracking;
  if (tracking !== undefined) flags += 't';
  if (tracking?.brokenRedirect === true) flags += 'R';
  if (tracking?.bcast === true) flags += 'B';
  if (client.watchBroken) flags += 'd';
  if (client.closeAfterReply) flags += 'c';
  if (client.noEvict) flags += 'e';
  if (client.noTouch) flags += 'T';
  return flags === '' ? 'N' : flags;
}

/**
 * One line of CLIENT LIST / CLIENT INFO: Redis 7.0's fields in its order, then Redis 7.2's lib-name
 * and lib-ver (CLIENT SETINFO). Eddy has no fixed query or reply buffers: qbuf is what was received
 * and not parsed yet, omem the replies not yet written, and tot-mem the sum of what is counted.
 * `running` is the command now running when the line is the caller's own (its argv-mem).
 */
export function describeClient(client: Client, now: number, running?: readonly string[]): string {
  const transport = client.transport;
  const queryBuffer = transport.queryBufferLength ?? 0;
  const output = transport.outputLength ?? 0;
  const argvMem = running === undefined ? 0 : argumentBytes(running);
  let multiMem = 0;
  for (const [, args] of client.transaction?.queue ?? []) multiMem += argumentBytes(args);
  const fields: [string, string | number][] = [
    ['id', client.id],
    ['addr', transport.remoteAddress],
    ['laddr', transport.localAddress],
    ['fd', transport.fd ?? -1],
    ['name', client.name],
    ['age', Math.floor((now - client.createdAt) / 1000)],
    ['idle', Math.floor((now - client.lastActiveAt) / 1000)],
    ['flags', flagsOf(client)],
    ['db', client.db],
    ['sub', client.channels.size],
    ['psub', client.patterns.size],
    ['ssub', client.shardChannels.size],
    ['multi', client.transaction === null ? -1 : client.transaction.queue.length],
    ['qbuf', queryBuffer],
    ['qbuf-free', 0],
    ['argv-mem', argvMem],
    ['multi-mem', multiMem],
    ['rbs', 0],
    ['rbp', 0],
    ['obl', 0],
    ['oll', output > 0 ? 1 : 0],
    ['omem', output],
    ['tot-mem', queryBuffer + argvMem + multiMem + output],
    ['events', output > 0 ? 'rw' : 'r'],
    ['cmd', client.lastCommand],
    ['user', client.user.name],
    ['redir', client.tracking === undefined ? -1 : client.tracking.redirect],
    ['resp', client.resp],
    ['lib-name', client.libName],
    ['lib-ver', client.libVersion],
  ];
  return fields.map(([field, value]) => `${field}=${value}`).join(' ');
}
