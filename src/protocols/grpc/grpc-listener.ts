import {
  Server,
  ServerCredentials,
  status,
  type handleUnaryCall,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { OutputLimit } from '../../session/output-limit.js';
import { changeFields, tailCommand } from '../tail-request.js';
import { loadSync, type Options } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { fileURLToPath } from 'node:url';
import { ErrorReply, type Reply } from '../../replies/reply.js';
import type { ServerContext } from '../../session/server-context.js';
import { CommandSession } from '../command-session.js';
import { presentedCredentials } from '../credentials.js';
import { continueTrace } from '../trace-context.js';
import { errorKind, type ErrorKind } from '../error-kind.js';
import { argumentFromPlain, BadArguments } from '../plain-values.js';
import { DRAIN_GRACE_MS, requestSizeLimit, whenDrained, type ProtocolListener } from '../protocol.js';
import { grpcReply } from './grpc-reply.js';

export const PROTO_PATH = fileURLToPath(new URL('../../../../proto/eddy.proto', import.meta.url));
/** Field names as written in the proto, 64-bit integers as strings, oneofs named. */
export const PROTO_OPTIONS: Options = { keepCase: true, longs: String, oneofs: true };

const STATUS_OF_KIND: Record<ErrorKind, status> = {
  'bad-request': status.INVALID_ARGUMENT,
  unauthenticated: status.UNAUTHENTICATED,
  forbidden: status.PERMISSION_DENIED,
  'not-found': status.NOT_FOUND,
  conflict: status.FAILED_PRECONDITION,
  'too-large': status.RESOURCE_EXHAUSTED,
  unavailable: status.UNAVAILABLE,
  internal: status.INTERNAL,
};

const NOT_FOUND = new ErrorReply('ERR no such key');

/** A unary method: its request as a command, and the command's reply as its response. */
interface Method<Request> {
  command(request: Request): string[];
  respond(reply: Reply): object | ErrorReply;
}

const bytes = (value: Buffer | undefined): string => (value ?? Buffer.alloc(0)).toString('latin1');

const METHODS: Record<string, Method<never>> = {
  Get: {
    command: (request: { key?: Buffer }) => ['GET', bytes(request.key)],
    respond: (reply) => (reply === null ? NOT_FOUND : { value: Buffer.from(reply as string, 'latin1') }),
  } satisfies Method<{ key?: Buffer }>,
  Set: {
    command: (request: { key?: Buffer; value?: Buffer; ex?: string; px?: string; nx?: boolean; xx?: boolean }) => {
      const args = ['SET', bytes(request.key), bytes(request.value)];
      if (request.ex !== undefined && request.ex !== '0') args.push('EX', request.ex);
      if (request.px !== undefined && request.px !== '0') args.push('PX', request.px);
      if (request.nx === true) args.push('NX');
      if (request.xx === true) args.push('XX');
      return args;
    },
    respond: (reply) => ({ written: reply !== null }),
  },
  Del: {
    command: (request: { keys?: Buffer[] }) => {
      if (request.keys === undefined || request.keys.length === 0) throw new BadArguments("ERR wrong number of arguments for 'del' command");
      return ['DEL', ...request.keys.map(bytes)];
    },
    respond: (reply) => ({ deleted: String(reply) }),
  },
  LoadScript: {
    command: (request: { source?: Buffer }) => ['SCRIPT', 'LOAD', bytes(request.source)],
    respond: (reply) => ({ sha: reply as string }),
  } satisfies Method<{ source?: Buffer }>,
  Command: {
    command: (request: { args?: Buffer[] }) => {
      if (request.args === undefined || request.args.length === 0) throw new BadArguments('ERR Protocol error: a command is a non-empty array of arguments');
      return request.args.map(bytes);
    },
    respond: (reply) => grpcReply(reply),
  },
};

/** The gRPC adapter: service eddy.v1.Eddy from proto/eddy.proto, with server reflection. */
/** `tls`: gRPC over TLS with these PEM files (a client certificate checked against `ca` when required). */
export async function listenGrpc(
  server: ServerContext,
  port: number,
  host: string,
  tls?: { cert: Buffer; key: Buffer; ca: Buffer | null; requireClientCertificate: boolean },
): Promise<ProtocolListener> {
  const credentials =
    tls === undefined ? ServerCredentials.createInsecure() : ServerCredentials.createSsl(tls.ca, [{ cert_chain: tls.cert, private_key: tls.key }], tls.requireClientCertificate);
  const definition = loadSync(PROTO_PATH, PROTO_OPTIONS);
  const service = definition['eddy.v1.Eddy'] as ServiceDefinition;
  const grpcServer = new Server({ 'grpc.max_receive_message_length': requestSizeLimit(server.maxBulkLength) });
  const handlers: UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(METHODS)) handlers[name] = unaryHandler(server, method);
  handlers.Tail = (call: ServerWritableStream<unknown, object>) => void streamTail(server, call as ServerWritableStream<TailMessage, object>);
  grpcServer.addService(service, handlers);
  new ReflectionService(definition).addToServer(grpcServer);
  const boundPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync(`${host}:${port}`, credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    protocol: 'grpc',
    port: boundPort,
    close: () =>
      new Promise<void>((resolve) => {
        const grace = setTimeout(() => grpcServer.forceShutdown(), DRAIN_GRACE_MS);
        grpcServer.tryShutdown(() => {
          clearTimeout(grace);
          resolve();
        });
      }),
  };
}

function unaryHandler(server: ServerContext, method: Method<never>): handleUnaryCall<unknown, object> {
  return (call, callback) => void answer(server, method, call, callback);
}

async function answer(server: ServerContext, method: Method<never>, call: ServerUnaryCall<unknown, object>, callback: sendUnaryData<object>): Promise<void> {
  let args: string[];
  try {
    // Each method's request has the shape its proto message gives it.
    args = method.command(call.request as never);
  } catch (error) {
    callback({ code: status.INVALID_ARGUMENT, details: error instanceof BadArguments ? error.message : 'ERR Protocol error: bad request' });
    return;
  }
  // A unary call has no channel for pushed messages: the tail stream is the way to follow changes.
  const session = new CommandSession(server, { remoteAddress: call.getPeer(), localAddress: '', close: () => undefined, push: () => true });
  // A call past its deadline, or cancelled by the client, drops a blocked command.
  call.once('cancelled', () => session.closed());
  continueTrace(session, (name) => call.metadata.get(name)[0]);
  const refused = await session.authenticate(presentedCredentials((name) => call.metadata.get(name)[0]));
  const reply = refused ?? (await session.run(args));
  session.closed();
  if (call.cancelled) return;
  const response = reply instanceof ErrorReply ? reply : method.respond(reply);
  if (response instanceof ErrorReply) callback({ code: STATUS_OF_KIND[errorKind(response)], details: response.message });
  else callback(null, response);
}

interface TailMessage {
  from?: string;
  keys?: Buffer[];
  match?: string[];
  db?: number;
  with_values?: boolean;
}

/** Tail: the TAIL command with each change written to the stream as an Event message. */
async function streamTail(server: ServerContext, call: ServerWritableStream<TailMessage, object>): Promise<void> {
  const request = call.request;
  const args = tailCommand({
    from: request.from === undefined || request.from === '0' ? '$' : request.from,
    keys: request.keys?.map(bytes),
    match: request.match?.map(argumentFromPlain),
    db: request.db,
    withValues: request.with_values,
  });
  const limit = new OutputLimit(() => server.pubsubOutputLimits);
  const session: CommandSession = new CommandSession(server, {
    protocol: 'grpc',
    remoteAddress: call.getPeer(),
    localAddress: '',
    close: (finalMessage) => {
      server.clients.remove(session.client);
      if (finalMessage === undefined) call.end();
      else call.emit('error', { code: status.RESOURCE_EXHAUSTED, details: `slow consumer: resume from revision ${String(finalMessage.items[1])}` });
    },
    push: (message, ignoreLimit) => {
      const change = changeFields(message);
      if (change === undefined) return true;
      if (ignoreLimit !== true && limit.exceeded(call.writableLength)) return false;
      const event: Record<string, unknown> = { rev: change.rev, ts: change.ts, db: change.db, event: change.event, effect: grpcReply(change.effect) };
      if (change.key !== null) event.key = Buffer.from(change.key, 'latin1');
      if (change.value !== undefined) event.value = grpcReply(change.value);
      call.write(event);
      return true;
    },
    get congested() {
      return call.writableNeedDrain;
    },
    drained: () => whenDrained(call),
  });
  let cancelled = false;
  call.once('cancelled', () => {
    cancelled = true;
    server.clients.remove(session.client);
    session.closed();
  });
  const refused = await session.authenticate(presentedCredentials((name) => call.metadata.get(name)[0]));
  const result = refused ?? (await session.run(args));
  if (result instanceof ErrorReply) call.emit('error', { code: STATUS_OF_KIND[errorKind(result)], details: result.message });
  // A stream is a connected client, as a WebSocket is: CLIENT LIST, INFO clients and the tail gauge count it.
  else if (!cancelled) server.clients.add(session.client);
}
