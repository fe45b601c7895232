import type { FastifyInstance } from 'fastify';
import { OutputLimit } from '../../session/output-limit.js';
import { ErrorReply, type PushReply } from '../../replies/reply.js';
import type { ServerContext } from '../../session/server-context.js';
import { CommandSession } from '../command-session.js';
import { presentedCredentials } from '../credentials.js';
import { whenDrained } from '../protocol.js';
import { argumentFromPlain, bulkAsText, plainReply } from '../plain-values.js';
import { changeFields, tailCommand } from '../tail-request.js';
import { httpStatusOf } from './http-status.js';

interface TailQuery {
  from?: string;
  keys?: string | string[];
  match?: string | string[];
  db?: number;
  withvalues?: boolean;
}

const tailSchema = {
  summary: "Follow committed changes as Server-Sent Events; each event's id is its revision, so EventSource resumes by itself",
  querystring: {
    type: 'object',
    properties: {
      from: { type: 'string', pattern: '^(\\d+|\\$)$', description: 'first revision (default: from now)' },
      keys: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
      match: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
      db: { type: 'integer', minimum: 0, maximum: 15 },
      withvalues: { type: 'boolean' },
    },
    additionalProperties: false,
  },
} as const;

/** Query strings are UTF-8 text; commands take bytes as latin1 strings (as over RESP). */
const asList = (value: string | string[] | undefined): string[] | undefined => (value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map(argumentFromPlain));

/**
 * GET /tail: the TAIL command as an event stream. `id:` is the revision, so a browser's EventSource
 * reconnects with Last-Event-ID and the stream resumes just after it, losing nothing.
 */
export function registerSseTail(app: FastifyInstance, server: ServerContext): void {
  app.get<{ Querystring: TailQuery }>('/tail', { schema: tailSchema }, async (request, reply) => {
    const lastEventId = request.headers['last-event-id'];
    const resumeAfter = typeof lastEventId === 'string' && /^\d+$/.test(lastEventId) ? Number(lastEventId) + 1 : undefined;
    const query = request.query;
    const args = tailCommand({ from: resumeAfter ?? query.from, keys: asList(query.keys), match: asList(query.match), db: query.db, withValues: query.withvalues });
    const raw = reply.raw;
    const limit = new OutputLimit(() => server.pubsubOutputLimits);
    // Events wait here until the TAIL command has been accepted and the stream's headers are out.
    let held: string[] | undefined = [];
    const write = (text: string): void => {
      if (raw.writableEnded || raw.destroyed) return;
      if (held === undefined) raw.write(text);
      else held.push(text);
    };
    raw.on('error', () => undefined); // a client gone mid-write: 'close' does the cleaning up
    const socket = request.socket;
    const session = new CommandSession(server, {
      protocol: 'http',
      remoteAddress: `${socket.remoteAddress}:${socket.remotePort}`,
      localAddress: `${socket.localAddress}:${socket.localPort}`,
      close: (finalMessage) => {
        if (finalMessage !== undefined) write(sseEvent(finalMessage));
        if (!raw.writableEnded) raw.end();
      },
      push: (message, ignoreLimit) => {
        if (ignoreLimit !== true && limit.exceeded(raw.writableLength)) return false;
        write(sseEvent(message));
        return true;
      },
      // A reader that stops reading pauses the tail, which catches up from the log once it drains.
      get congested() {
        return raw.writableNeedDrain;
      },
      drained: () => whenDrained(raw),
    });
    raw.once('close', () => {
      server.clients.remove(session.client);
      session.closed();
    });
    const refused = await session.authenticate(presentedCredentials((name) => request.headers[name]));
    const result = refused ?? (await session.run(args));
    if (result instanceof ErrorReply) return reply.code(httpStatusOf(result)).send({ error: result.message });
    // A stream is a connected client, as a WebSocket is: CLIENT LIST, INFO clients and the tail gauge count it.
    if (!raw.destroyed) server.clients.add(session.client);
    reply.hijack();
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    // TAIL's reply (['tail', first revision]) opens the stream, before any event.
    raw.write(`event: tail\ndata: ${JSON.stringify(plainReply(result, bulkAsText))}\n\n`);
    for (const text of held) raw.write(text);
    held = undefined;
  });
}

/** A change is a plain message (EventSource's onmessage) with its revision as id; `tail` and `overflow` events tell where the stream starts and stopped. */
function sseEvent(message: PushReply): string {
  const change = changeFields(message);
  if (change === undefined) return `event: ${String(message.items[0])}\ndata: ${JSON.stringify(plainReply(message, bulkAsText))}\n\n`;
  const data = { ...change, key: change.key === null ? null : bulkAsText(change.key), effect: plainReply(change.effect, bulkAsText) } as Record<string, unknown>;
  if (change.value !== undefined) data.value = plainReply(change.value, bulkAsText);
  return `id: ${change.rev}\ndata: ${JSON.stringify(data)}\n\n`;
}
