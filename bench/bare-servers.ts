import { Server, ServerCredentials, type handleUnaryCall } from '@grpc/grpc-js';
import Fastify from 'fastify';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { eddyGrpcService } from './eddy-grpc-service.js';
import type { BareKind } from './servers.js';

/**
 * The frameworks under Eddy's HTTP, gRPC and WebSocket adapters, answering constants at once: the
 * ceiling each adapter is measured against. `node dist/bench/bare-servers.js http|grpc|ws` listens
 * on a loopback port the system picks and prints it; run in its own process, as Eddy is.
 */
const HOST = '127.0.0.1';
const OK = { result: 'OK' };

/** fastify with Eddy's two routes, no schemas; the POST body is still parsed as JSON, as Eddy's is. */
async function bareHttp(): Promise<number> {
  const app = Fastify({ logger: false });
  app.get('/get', async () => OK);
  app.post('/set', async () => OK);
  await app.listen({ port: 0, host: HOST });
  return (app.server.address() as AddressInfo).port;
}

/** grpc-js serving eddy.v1.Eddy's Get and Set; Get answers a 3-byte value, as the benchmark's key holds. */
async function bareGrpc(): Promise<number> {
  const value = Buffer.from('xxx');
  const get: handleUnaryCall<unknown, object> = (_call, callback) => callback(null, { value });
  const set: handleUnaryCall<unknown, object> = (_call, callback) => callback(null, { written: true });
  const server = new Server();
  server.addService(eddyGrpcService(), { Get: get, Set: set });
  return new Promise((resolve, reject) => server.bindAsync(`${HOST}:0`, ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))));
}

/** ws answering each JSON frame `{id, ...}` with `{id, result: "OK"}`. */
async function bareWebSocket(): Promise<number> {
  const server = new WebSocketServer({ port: 0, host: HOST });
  server.on('connection', (socket) =>
    socket.on('message', (data: Buffer) => {
      const { id } = JSON.parse(data.toString('utf8')) as { id: unknown };
      socket.send(JSON.stringify({ id, ...OK }));
    }),
  );
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

const BARE_SERVERS: Record<BareKind, () => Promise<number>> = { http: bareHttp, grpc: bareGrpc, ws: bareWebSocket };

const kind = process.argv[2];
if (!(kind in BARE_SERVERS)) {
  console.error(`usage: node dist/bench/bare-servers.js ${Object.keys(BARE_SERVERS).join('|')}`);
  process.exit(2);
}
console.log(await BARE_SERVERS[kind as BareKind]());
