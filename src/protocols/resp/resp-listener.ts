import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { ServerContext } from '../../commands/server-context.js';
import { RespConnection } from './resp-connection.js';

export interface RespListener {
  readonly port: number;
  /** Stops accepting connections and closes the open ones. */
  close(): Promise<void>;
}

/** The RESP TCP listener: one RespConnection per socket, registered with the server's clients. */
export async function listenResp(server: ServerContext, port: number, host: string): Promise<RespListener> {
  const sockets = new Set<Socket>();
  const listener = createServer({ allowHalfOpen: true }, (socket) => {
    if (server.clients.size >= server.config.int('maxclients')) {
      server.clients.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    const connection = new RespConnection(socket, server);
    server.clients.add(connection.client);
    sockets.add(socket);
    socket.on('close', () => {
      server.clients.remove(connection.client);
      connection.client.disconnected();
      sockets.delete(socket);
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
    port: (listener.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        listener.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
