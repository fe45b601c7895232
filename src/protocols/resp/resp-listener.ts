import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { ServerContext } from '../../session/server-context.js';
import { DRAIN_GRACE_MS, refuseConnection, type ProtocolListener } from '../protocol.js';
import { RespConnection } from './resp-connection.js';

/** The RESP TCP listener: one RespConnection per socket, registered with the server's clients. */
export async function listenResp(server: ServerContext, port: number, host: string): Promise<ProtocolListener> {
  const connections = new Map<Socket, RespConnection>();
  const listener = createServer({ allowHalfOpen: true }, (socket) => {
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
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  return {
    protocol: 'resp',
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
