import { Redis, type RedisOptions } from 'ioredis';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { EddyProcess } from '../support/eddy-process.js';
import { freePort } from '../support/redis-server-process.js';

/**
 * A real Redis Sentinel (Debian's redis-sentinel) monitors an Eddy primary and its two followers,
 * and fails over to a follower when the primary dies; ioredis, configured with the sentinel, follows.
 */

const servers: EddyProcess[] = [];
const clients: Redis[] = [];
let sentinel: ChildProcess | undefined;
let sentinelDir = '';

beforeAll(() => ensureDebianPackages({ 'redis-sentinel': 'redis-sentinel' }), 300_000);
afterAll(async () => {
  for (const client of clients) client.disconnect();
  sentinel?.kill('SIGKILL');
  await Promise.all(servers.map((server) => server.stop()));
  if (sentinelDir !== '') rmSync(sentinelDir, { recursive: true, force: true });
});

function client(options: RedisOptions): Redis {
  const redis = new Redis(options);
  redis.on('error', () => undefined);
  clients.push(redis);
  return redis;
}

test('sentinel fails over to a follower when the primary dies; ioredis with sentinels reconnects and writes go on', async () => {
  const primary = await EddyProcess.start(['--shards', '4']);
  servers.push(primary);
  for (let i = 0; i < 2; i++) servers.push(await EddyProcess.start(['--shards', '4', '--replicaof', '127.0.0.1', String(primary.port)]));
  const followers = servers.slice(1);

  sentinelDir = mkdtempSync(join(tmpdir(), 'eddy-sentinel-'));
  const sentinelPort = await freePort();
  const conf = join(sentinelDir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${sentinelDir}`,
      `sentinel monitor eddy 127.0.0.1 ${primary.port} 1`,
      'sentinel down-after-milliseconds eddy 1000',
      'sentinel failover-timeout eddy 5000',
      'sentinel parallel-syncs eddy 1',
      '',
    ].join('\n'),
  );
  sentinel = spawn('redis-sentinel', [conf], { stdio: 'ignore' });
  const watcher = client({ port: sentinelPort, retryStrategy: () => 100 });

  // The sentinel finds both followers through the primary's INFO (slaveN lines).
  await expect.poll(async () => ((await watcher.call('SENTINEL', 'REPLICAS', 'eddy').catch(() => [])) as unknown[]).length, { timeout: 30_000, interval: 200 }).toBe(2);

  const app = client({ sentinels: [{ host: '127.0.0.1', port: sentinelPort }], name: 'eddy', retryStrategy: () => 100, sentinelRetryStrategy: () => 100 });
  for (let i = 0; i < 50; i++) await app.set(`before:${i}`, String(i));
  const probe = client({ port: primary.port });
  expect(await probe.wait(2, 5000)).toBe(2);
  probe.disconnect();

  await primary.kill('SIGKILL');
  // Sentinel sees the primary down, promotes a follower and points the other at it.
  await expect
    .poll(async () => Number(((await watcher.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'eddy')) as string[])[1]), { timeout: 40_000, interval: 200 })
    .not.toBe(primary.port);
  const [, newPort] = (await watcher.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'eddy')) as string[];
  const promoted = followers.find((server) => server.port === Number(newPort)) as EddyProcess;
  const other = followers.find((server) => server !== promoted) as EddyProcess;
  expect(promoted).toBeDefined();
  expect(((await client({ port: promoted.port }).call('ROLE')) as unknown[])[0]).toBe('master');

  // The application's writes go on, against the promoted follower.
  await expect.poll(() => app.set('after', 'failover').catch((error: Error) => error.message), { timeout: 30_000, interval: 200 }).toBe('OK');
  expect(await app.get('before:49')).toBe('49');
  expect(await client({ port: promoted.port }).get('after')).toBe('failover');

  // The other follower follows the new primary and holds the same data.
  const otherClient = client({ port: other.port });
  await expect.poll(async () => /master_port:(\d+)/.exec(await otherClient.info('replication'))?.[1], { timeout: 30_000, interval: 200 }).toBe(String(promoted.port));
  await expect.poll(() => otherClient.get('after'), { timeout: 20_000 }).toBe('failover');
  expect(await otherClient.call('DIGEST')).toBe(await client({ port: promoted.port }).call('DIGEST'));
});
