import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorReply, type Reply } from '../../replies/reply.js';
import type { ServerContext } from '../../session/server-context.js';
import { CommandSession } from '../command-session.js';
import { argumentFromPlain, bulkAsText, commandFromPlain, plainReply } from '../plain-values.js';
import { presentedCredentials } from '../credentials.js';
import { continueTrace } from '../trace-context.js';
import { commandSchema, deleteKeySchema, delSchema, getKeySchema, getSchema, loadScriptSchema, putKeySchema, setSchema, type SetOptions } from './http-schemas.js';
import { httpStatusOf } from './http-status.js';
import { registerConsole } from './console-route.js';
import { registerSseTail } from './sse-tail.js';

/**
 * The HTTP routes: each builds a command and runs it through a one-request session of the same
 * dispatcher RESP uses, so semantics, limits, auth and errors are the same.
 */
export function registerRoutes(app: FastifyInstance, server: ServerContext): void {
  app.get<{ Querystring: { key: string } }>('/get', { schema: getSchema }, async (request, reply) =>
    sendValue(reply, await run(server, request, reply, ['GET', argumentFromPlain(request.query.key)]), false),
  );
  app.post<{ Body: SetOptions & { key: string; value: unknown } }>('/set', { schema: setSchema }, async (request, reply) => {
    const { key, value, ...options } = request.body;
    return send(reply, await run(server, request, reply, setCommand(argumentFromPlain(key), argumentFromPlain(value), options)));
  });
  app.post<{ Body: { key?: string; keys?: string[] } }>('/del', { schema: delSchema }, async (request, reply) => {
    const keys = [...(request.body.key === undefined ? [] : [request.body.key]), ...(request.body.keys ?? [])];
    return send(reply, await run(server, request, reply, ['DEL', ...keys.map(argumentFromPlain)]));
  });
  app.post<{ Body: unknown[] }>('/command', { schema: commandSchema }, async (request, reply) => send(reply, await run(server, request, reply, commandFromPlain(request.body))));
  registerSseTail(app, server);
  registerConsole(app);
  // The /keys routes take the body as the value, and POST /scripts as the script, whatever its
  // type: their own content parsers.
  void app.register(async (scoped) => registerKeyRoutes(scoped, server));
}

function registerKeyRoutes(app: FastifyInstance, server: ServerContext): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.get<{ Params: { key: string } }>('/keys/:key', { schema: getKeySchema }, async (request, reply) => {
    const raw = request.headers.accept === 'application/octet-stream';
    return sendValue(reply, await run(server, request, reply, ['GET', argumentFromPlain(request.params.key)]), raw);
  });
  app.put<{ Params: { key: string }; Querystring: SetOptions; Body: Buffer | undefined }>('/keys/:key', { schema: putKeySchema }, async (request, reply) => {
    const value = request.body?.toString('latin1') ?? '';
    return send(reply, await run(server, request, reply, setCommand(argumentFromPlain(request.params.key), value, request.query)));
  });
  app.post<{ Body: Buffer | undefined }>('/scripts', { schema: loadScriptSchema }, async (request, reply) =>
    send(reply, await run(server, request, reply, ['SCRIPT', 'LOAD', request.body?.toString('latin1') ?? ''])),
  );
  app.delete<{ Params: { key: string } }>('/keys/:key', { schema: deleteKeySchema }, async (request, reply) =>
    send(reply, await run(server, request, reply, ['DEL', argumentFromPlain(request.params.key)])),
  );
}

/** SET with the options of /set and PUT /keys/:key (NX with XX is Redis's syntax error). */
function setCommand(key: string, value: string, options: SetOptions): string[] {
  const args = ['SET', key, value];
  if (options.ex !== undefined) args.push('EX', String(options.ex));
  if (options.px !== undefined) args.push('PX', String(options.px));
  if (options.nx === true) args.push('NX');
  if (options.xx === true) args.push('XX');
  return args;
}

/** One request is one session: credentials from the headers, then the command. */
async function run(server: ServerContext, request: FastifyRequest, reply: FastifyReply, args: string[]): Promise<Reply> {
  const socket = request.socket;
  const session = new CommandSession(server, {
    remoteAddress: `${socket.remoteAddress}:${socket.remotePort}`,
    localAddress: `${socket.localAddress}:${socket.localPort}`,
    close: () => socket.destroy(),
    // A request has no channel for pushed messages: GET /tail (Server-Sent Events) follows changes.
    push: () => true,
  });
  // The response's close also fires when the client goes away: a blocked command is dropped then.
  reply.raw.once('close', () => session.closed());
  continueTrace(session, (name) => request.headers[name]);
  const refused = await session.authenticate(presentedCredentials((name) => request.headers[name]));
  return refused ?? session.run(args);
}

function send(reply: FastifyReply, result: Reply): FastifyReply {
  if (result instanceof ErrorReply) return reply.code(httpStatusOf(result)).send({ error: result.message });
  return reply.send({ result: plainReply(result, bulkAsText) });
}

/** A GET's value: 404 when the key is missing; the bytes as they are when asked for. */
function sendValue(reply: FastifyReply, result: Reply, raw: boolean): FastifyReply {
  if (result === null) return reply.code(404).send({ result: null });
  if (raw && typeof result === 'string') return reply.type('application/octet-stream').send(Buffer.from(result, 'latin1'));
  return send(reply, result);
}
