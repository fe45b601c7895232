import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import type { ServerContext } from '../../session/server-context.js';
import { DRAIN_GRACE_MS, refuseConnection, type ProtocolListener } from '../protocol.js';
import { RespConnection } from './resp-connection.js';

/**
 * The RESP TCP listener: one RespConnection per socket, registered with the server's clients; with
 * `tls`, the tls-port listener (a connection counts once its handshake is done).
 */
export async function listenResp(server: ServerContext, port: number, host: string, tls?: TlsOptions): Promise<ProtocolListener & { server: Server }> {
  const connections = new Map<Socket, RespConnection>();
  const accept = (socket: Socket) => {
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
