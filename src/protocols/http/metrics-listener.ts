import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsSource } from '../protocol.js';
import type { ServerContext } from '../../session/server-context.js';
import { metricsRefusal } from '../metrics-access.js';

/** --metrics-port: a bare HTTP server answering GET /metrics only, for a scraper when the HTTP API is off. */
export async function listenMetrics(server: ServerContext, metrics: MetricsSource, port: number, host: string): Promise<{ port: number; close(): Promise<void> }> {
  const http = createServer((request, response) => {
    void (async () => {
      if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
        return;
      }
      const refused = await metricsRefusal(server, (name) => request.headers[name], request.socket);
      if (refused !== undefined) {
        response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: refused }));
        return;
      }
      const { contentType, text } = await metrics.scrape();
      response.writeHead(200, { 'content-type': contentType }).end(text);
    })().catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => resolve());
  });
  return {
    port: (http.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
