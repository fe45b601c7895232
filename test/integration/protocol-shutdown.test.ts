import { Redis } from 'ioredis';
import { afterEach, expect, test } from 'vitest';
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
