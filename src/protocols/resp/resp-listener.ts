import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import type { ServerContext } from '../../session/server-context.js';
import { DRAIN_GRACE_MS, refuseConnection, type ProtocolListener } from '../protocol.js';
import { RespConnection } from './resp-connection.js';

/** Redis 7.0's words (its typo included: clients and scanners match on them). */
const PROTECTED_MODE_DENIED =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** protected-mode, as Redis 7.0: with no password, only 127.0.0.1 and ::1 may connect (whatever the bind). */
function refusedByProtectedMode(server: ServerContext, socket: Socket): boolean {
  return server.config.get('protected-mode') === 'yes' && server.config.get('requirepass') === '' && !LOOPBACK.has(socket.remoteAddress ?? '');
}

/**
 * The RESP TCP listener: one RespConnection per socket, registered with the server's clients; with
 * `tls`, the tls-port listener (a connection counts once its handshake is done).
 */
export async function listenResp(server: ServerContext, port: number, host: string, tls?: TlsOptions): Promise<ProtocolListener & { server: Server }> {
  const connections = new Map<Socket, RespConnection>();
  const accept = (socket: Socket) => {
    if (refusedByProtectedMode(server, socket)) {
      server.clients.rejectedConnections++;
      refuseConnection(socket, PROTECTED_MODE_DENIED);
      return;
    }
    if (server.clients.size >= server.config.int('maxclients')) {
      server.clients.rejectedConnections++;
      refuseConnection(socket, '-ERR max number of clients reached\r\n');
      return;
    }
    // tcp-keepalive (seconds; 0: off) applies to connections accepted from now on, as in Redis.
    const keepAlive = server.config.int('tcp-keepalive');
    if (keepAlive > 0) socket.setKeepAlive(true, keepAlive * 1000);
    const connection = new RespConnection(socket, server);
    server.clients.add(connection.client);
    connections.set(socket, connection);
    socket.on('close', () => {
      server.clients.remove(connection.client);
      connection.client.disconnected();
      connections.delete(socket);
    });
  };
  const listener = tls === undefined ? createServer({ allowHalfOpen: true }, accept) : createTlsServer({ ...tls, allowHalfOpen: true }, accept);
  // A plain-text client, a bad certificate, a handshake never finished: that connection closes, nothing else.
  if (tls !== undefined) listener.on('tlsClientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  return {
    protocol: tls === undefined ? 'resp' : 'resp-tls',
    server: listener,
    port: (listener.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        listener.close(() => resolve());
        for (const connection of connections.values()) connection.finish();
        // A client that does not read its last replies is not waited for.
        setTimeout(() => {
          for (const socket of connections.keys()) socket.destroy();
        }, DRAIN_GRACE_MS).unref();
      }),
  };
}
