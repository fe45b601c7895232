import swagger from '@fastify/swagger';
import Fastify, { type FastifyError } from 'fastify';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TlsOptions } from 'node:tls';
import { EDDY_VERSION } from '../../config/version.js';
import type { ServerContext } from '../../session/server-context.js';
import { BULK_TOO_LONG } from '../command-session.js';
import { DRAIN_GRACE_MS, requestSizeLimit, type MetricsSource, type ProtocolListener } from '../protocol.js';
import { registerRoutes } from './http-routes.js';
import { metricsRefusal } from '../metrics-access.js';

export interface HttpOptions {
  port: number;
  host: string;
  /** Called with the HTTP server before it listens (WebSocket upgrades on /ws). */
  attachUpgrades?: (server: Server) => void;
  onInternalError: (error: unknown) => void;
  /** HTTPS (and WSS at /ws) with these certificates. */
  tls?: TlsOptions;
  /** Served at GET /metrics (Prometheus's text format). */
  metrics?: MetricsSource;
}

/** The HTTP adapter (fastify): routes, schema validation, OpenAPI at /openapi.json. */
export async function listenHttp(server: ServerContext, options: HttpOptions): Promise<ProtocolListener & { server: Server }> {
  const app = Fastify({
    ...(options.tls === undefined ? {} : { https: options.tls }),
    logger: false,
    bodyLimit: requestSizeLimit(server.maxBulkLength),
    // Unknown fields are an error, not silently dropped (fastify's default strips them).
    ajv: { customOptions: { removeAdditional: false } },
    return503OnClosing: true,
  });
  await app.register(swagger, { openapi: { info: { title: 'Eddy', description: 'Redis commands over HTTP', version: EDDY_VERSION } } });
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (error.validation !== undefined) return reply.code(400).send({ error: `ERR invalid request: ${error.message}` });
    if (status === 413) return reply.code(413).send({ error: BULK_TOO_LONG.message });
    if (status < 500) return reply.code(status).send({ error: `ERR ${error.message}` });
    options.onInternalError(error);
    return reply.code(500).send({ error: 'ERR internal error' });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `ERR no route ${request.method} ${request.url.split('?')[0]}` }));
  registerRoutes(app, server);
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  const metrics = options.metrics;
  if (metrics !== undefined)
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      const refused = await metricsRefusal(server, (name) => request.headers[name], request.socket);
      if (refused !== undefined) return reply.code(401).send({ error: refused });
      const { contentType, text } = await metrics.scrape();
      return reply.type(contentType).send(text);
    });
  options.attachUpgrades?.(app.server);
  await app.listen({ port: options.port, host: options.host });
  return {
    protocol: 'http',
    server: app.server,
    port: (app.server.address() as AddressInfo).port,
    close: async () => {
      // fastify waits for in-flight requests; a blocked command would keep it waiting forever.
      const grace = setTimeout(() => app.server.closeAllConnections(), DRAIN_GRACE_MS);
      await app.close();
      clearTimeout(grace);
    },
  };
}
