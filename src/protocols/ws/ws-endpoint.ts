import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TlsOptions } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import type { ServerContext } from '../../session/server-context.js';
import { DRAIN_GRACE_MS, refuseConnection, requestSizeLimit, type ProtocolListener } from '../protocol.js';
import { WebSocketConnection } from './ws-connection.js';

/**
 * The WebSocket adapter: accepts upgrades on a path of any HTTP server (its own on --ws-port at
 * `/`, and fastify's at `/ws`) and keeps every connection as a registered client.
 */
export class WebSocketEndpoint {
  private readonly sockets: WebSocketServer;
  private readonly connections = new Set<WebSocketConnection>();

  constructor(private readonly server: ServerContext) {
    this.sockets = new WebSocketServer({ noServer: true, maxPayload: requestSizeLimit(server.maxBulkLength) });
  }

  /** Serves WebSocket upgrades on `path` of `http`; other paths are refused. */
  attach(http: Server, path: string): void {
    http.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
      if (new URL(request.url ?? '/', 'http://localhost').pathname !== path) {
        refuseConnection(socket, 'HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      if (this.server.clients.size >= this.server.config.int('maxclients')) {
        this.server.clients.rejectedConnections++;
        refuseConnection(socket, 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\nERR max number of clients reached');
        return;
      }
      this.sockets.handleUpgrade(request, socket, head, (webSocket) => {
        const connection = new WebSocketConnection(webSocket, request, this.server);
        this.connections.add(connection);
        this.server.clients.add(connection.session.client);
        webSocket.on('close', () => {
          this.connections.delete(connection);
          this.server.clients.remove(connection.session.client);
          connection.session.closed();
        });
      });
    });
  }

  /** Its own listener on --ws-port, WebSocket at `/` (WSS with `tls`). */
  async listen(port: number, host: string, tls?: TlsOptions): Promise<ProtocolListener & { server: Server }> {
    const upgradeOnly = (_request: IncomingMessage, response: ServerResponse) => response.writeHead(426, { 'content-type': 'text/plain' }).end('a WebSocket endpoint\n');
    const http = tls === undefined ? createServer(upgradeOnly) : createHttpsServer(tls, upgradeOnly);
    this.attach(http, '/');
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => resolve());
    });
    return {
      protocol: 'ws',
      server: http,
      port: (http.address() as AddressInfo).port,
      close: async () => {
        http.close();
        await this.closeConnections();
        http.closeAllConnections();
      },
    };
  }

  /** Lets in-flight commands answer, then closes every connection. */
  async closeConnections(): Promise<void> {
    await Promise.all([...this.connections].map((connection) => connection.close(DRAIN_GRACE_MS)));
  }
}
