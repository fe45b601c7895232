import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

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

/** A file of the console, as it is and gzipped once at start (the script is 90 KB, 36 KB gzipped). */
interface ConsoleFile {
  type: string;
  body: Buffer;
  gzipped: Buffer;
}

function consoleFile(path: string): ConsoleFile {
  const body = readFileSync(path);
  return { type: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', body, gzipped: gzipSync(body, { level: 9 }) };
}

function sendFile(request: FastifyRequest, reply: FastifyReply, file: ConsoleFile, cacheControl: string): FastifyReply {
  const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  reply.headers({ ...SECURITY_HEADERS, 'cache-control': cacheControl, vary: 'accept-encoding' }).type(file.type);
  if (gzip) reply.header('content-encoding', 'gzip');
  return reply.send(gzip ? file.gzipped : file.body);
}

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
  const page = consoleFile(index);
  app.get('/', { schema: { hide: true } }, (request, reply) => sendFile(request, reply, page, 'no-cache'));
  const assetsDir = join(CONSOLE_DIR, 'assets');
  const assets = new Map<string, ConsoleFile>();
  for (const name of existsSync(assetsDir) ? readdirSync(assetsDir) : []) assets.set(name, consoleFile(join(assetsDir, name)));
  app.get<{ Params: { file: string } }>('/console/assets/:file', { schema: { hide: true } }, (request, reply) => {
    const file = assets.get(request.params.file);
    if (file === undefined) return reply.code(404).send({ error: `ERR no console asset ${request.params.file}` });
    // Names carry a hash of the contents: a new build is a new name.
    return sendFile(request, reply, file, 'public, max-age=31536000, immutable');
  });
}
