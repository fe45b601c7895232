import type { FastifyInstance } from 'fastify';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';

/** Where `npm run build` puts the console (console/ built by vite), from dist/src/protocols/http. */
const CONSOLE_DIR = resolve(import.meta.dirname, '../../../console');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Nothing but the console's own files: no inline script, no other origin (it works offline). */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};

/**
 * The web console: index.html at / and its assets under /console/assets/. The files are a few
 * small ones, read once; the page itself holds no data, every view asks the API with the login.
 */
export function registerConsole(app: FastifyInstance): void {
  const index = join(CONSOLE_DIR, 'index.html');
  if (!existsSync(index)) {
    app.get('/', { schema: { hide: true } }, (_request, reply) => reply.code(404).send({ error: 'ERR the web console is not built: run `npm run build`' }));
    return;
  }
  const page = readFileSync(index);
  app.get('/', { schema: { hide: true } }, (_request, reply) =>
    reply
      .headers({ ...SECURITY_HEADERS, 'cache-control': 'no-cache' })
      .type(CONTENT_TYPES['.html'])
      .send(page),
  );
  const assetsDir = join(CONSOLE_DIR, 'assets');
  const assets = new Map<string, Buffer>();
  for (const name of existsSync(assetsDir) ? readdirSync(assetsDir) : []) assets.set(name, readFileSync(join(assetsDir, name)));
  app.get<{ Params: { file: string } }>('/console/assets/:file', { schema: { hide: true } }, (request, reply) => {
    const body = assets.get(request.params.file);
    if (body === undefined) return reply.code(404).send({ error: `ERR no console asset ${request.params.file}` });
    // Names carry a hash of the contents: a new build is a new name.
    return reply
      .headers({ ...SECURITY_HEADERS, 'cache-control': 'public, max-age=31536000, immutable' })
      .type(CONTENT_TYPES[extname(request.params.file)] ?? 'application/octet-stream')
      .send(body);
  });
}
