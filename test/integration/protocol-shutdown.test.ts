import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, expect, test } from 'vitest';
import { DRAIN_GRACE_MS } from '../../src/protocols/protocol.js';
import { EddyProcess } from '../support/eddy-process.js';
import { GrpcCommandClient, HttpClient, WsClient, type Outcome, type ProtocolClient } from '../support/protocol-clients.js';

let server: EddyProcess | undefined;
afterEach(async () => {
  await server?.stop();
});

/**
 * SIGTERM while every protocol has requests in flight: the server drains them, exits 0, and every
 * write a client saw acknowledged is there after a restart.
 */
test('graceful shutdown drains in-flight requests on every protocol and loses no acknowledged write', async () => {
  server = await EddyProcess.start(['--http-port', '0', '--grpc-port', '0', '--ws-port', '0', '--appendfsync', 'always']);
  const clients: ProtocolClient[] = [new HttpClient(server.httpPort), new GrpcCommandClient(server.grpcPort), await WsClient.open(`ws://127.0.0.1:${server.wsPort}/`)];
  const acknowledged: string[] = [];
  const inFlight: Promise<unknown>[] = [];
  for (const client of clients)
    for (let i = 0; i < 100; i++) {
      const key = `${client.name}:${i}`;
      inFlight.push(
        client.run(['SET', key, 'v']).then(
          (outcome: Outcome) => 'result' in outcome && outcome.result === 'OK' && acknowledged.push(key),
          () => undefined,
        ),
      );
    }
  // Stop once some have been answered, while the rest are still on their way.
  await expect.poll(() => acknowledged.length, { interval: 1 }).toBeGreaterThan(0);
  expect(await server.kill('SIGTERM')).toBe(0);
  await Promise.race([Promise.allSettled(inFlight), new Promise((resolve) => setTimeout(resolve, 3000))]);
  for (const client of clients) client.close();

  await server.launch();
  const redis = new Redis({ port: server.port, protocol: 2 });
  const values = acknowledged.length === 0 ? [] : await redis.mget(acknowledged);
  redis.disconnect();
  expect(values.every((value) => value === 'v')).toBe(true);
  expect(acknowledged.length).toBeGreaterThan(0);
});

/** Connections that never end their own side (allowHalfOpen): only the server's close ends them. */
async function idleConnections(port: number, count: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => resolve(socket));
          socket.on('error', reject);
        }),
    ),
  );
}

/**
 * SIGTERM to exit, in ms, with every protocol listening and `idle` idle clients connected, each after
 * one PING: an HTTP keep-alive connection, a gRPC channel, a WebSocket, and raw RESP connections for the rest.
 */
async function stopTime(idle: number): Promise<{ ms: number; exitCode: number | null; resp: number; closedByServer: number }> {
  const stopped = await EddyProcess.start(['--shards', '2', '--http-port', '0', '--grpc-port', '0', '--ws-port', '0']);
  server = stopped;
  const others: ProtocolClient[] =
    idle === 0 ? [] : [new HttpClient(stopped.httpPort), new GrpcCommandClient(stopped.grpcPort), await WsClient.open(`ws://127.0.0.1:${stopped.wsPort}/`)];
  for (const client of others) expect(await client.run(['PING'])).toEqual({ result: 'PONG' });
  const sockets = await idleConnections(stopped.port, idle - others.length);
  await Promise.all(
    sockets.map(async (socket) => {
      socket.write('PING\r\n');
      await once(socket, 'data');
    }),
  );
  let closedByServer = 0;
  for (const socket of sockets) socket.on('end', () => closedByServer++);
  const started = performance.now();
  const exitCode = await stopped.kill('SIGTERM');
  const ms = performance.now() - started;
  for (const socket of sockets) socket.destroy();
  for (const client of others) client.close();
  await stopped.stop();
  return { ms, exitCode, resp: sockets.length, closedByServer };
}

test('a stop with 100 idle clients connected takes no longer than one with none: idle connections are closed at once', async () => {
  const none = await stopTime(0);
  const hundred = await stopTime(100);
  expect(none.exitCode).toBe(0);
  expect(hundred.exitCode).toBe(0);
  // Each RESP client saw the server end the connection (none of them ends its own side).
  expect(hundred.closedByServer).toBe(hundred.resp);
  // Waiting on the idle clients would add the drain grace (DRAIN_GRACE_MS) to the stop.
  expect(hundred.ms - none.ms).toBeLessThan(DRAIN_GRACE_MS / 2);
});
