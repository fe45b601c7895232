import { Redis } from 'ioredis';
import { connect } from 'node:net';
import { mixedKey, pipelined, resp } from './pipeline.js';
import { ensureRedisTools, startEddy, startRedis, type BenchServer } from './servers.js';

/**
 * Eddy as the replica of a real redis-server (issue 16), beside a redis-server replica of the same
 * primary, in the same run:
 * - catch-up: the primary holds 1 M keys of mixed types; each replica starts, gets the RDB and is
 *   level with the primary's offset (one after the other, so that they do not share the CPU);
 * - lag with both following at 10 k SET/s: how long a write takes to show on each replica (a probe
 *   key every 10 ms, seen through the replica's keyspace notifications).
 */

const quick = process.argv.includes('--quick');
const KEYS = quick ? 100_000 : 1_000_000;
const SECONDS = quick ? 3 : 10;
const RATE = 10_000;
const PORTS = { primary: 22500, redisReplica: 22501, eddy: 22502 };

function quiet(client: Redis): Redis {
  client.on('error', () => undefined);
  return client;
}

async function offsetOf(client: Redis, field: string): Promise<number> {
  return Number(new RegExp(`${field}:(\\d+)`).exec(await client.info('replication'))?.[1] ?? -1);
}

/** Starts a replica of the primary and waits until its offset is the primary's: seconds taken. */
async function catchUp(primary: Redis, start: () => Promise<BenchServer>): Promise<{ server: BenchServer; client: Redis; seconds: number }> {
  const started = performance.now();
  const server = await start();
  const client = quiet(new Redis({ port: server.port }));
  for (;;) {
    const [a, b] = [await offsetOf(primary, 'master_repl_offset'), await offsetOf(client, 'slave_repl_offset')];
    if (a > 0 && a === b) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { server, client, seconds: (performance.now() - started) / 1000 };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Watches probe keys appear on a replica; the lags, once stopped. */
async function probeWatcher(port: number, sentAt: Map<string, number>): Promise<{ stop(): number[] }> {
  const watcher = quiet(new Redis({ port }));
  await watcher.config('SET', 'notify-keyspace-events', 'K$');
  const lags: number[] = [];
  watcher.on('pmessage', (_pattern: string, channel: string) => {
    const at = sentAt.get(channel.slice(channel.indexOf(':') + 1));
    if (at !== undefined) lags.push(performance.now() - at);
  });
  await watcher.psubscribe('__keyspace@0__:probe:*');
  return {
    stop() {
      watcher.disconnect();
      return lags.sort((a, b) => a - b);
    },
  };
}

/** Paced SETs at RATE per second on the primary, a probe key every 10 ms; the rate achieved. */
async function paced(port: number, sentAt: Map<string, number>): Promise<number> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.on('data', () => undefined);
  const started = performance.now();
  let sent = 0;
  let probes = 0;
  while (performance.now() - started < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * RATE);
    let request = '';
    for (; sent < due; sent++) request += resp(['SET', `load:${sent % 10_000}`, 'x'.repeat(16)]);
    for (; probes < Math.floor((performance.now() - started) / 10); probes++) {
      const key = `probe:${probes}`;
      sentAt.set(key, performance.now());
      request += resp(['SET', key, '1']);
    }
    if (request !== '') socket.write(request);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const achieved = Math.round(sent / ((performance.now() - started) / 1000));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  socket.destroy();
  return achieved;
}

async function main(): Promise<void> {
  ensureRedisTools();
  const replicaof = ['--replicaof', '127.0.0.1', String(PORTS.primary)];
  // Diskless, without waiting for more replicas: each replica's full resync starts at once.
  const primaryServer = await startRedis(PORTS.primary, 'everysec', undefined, ['--appendonly', 'no', '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0']);
  const primary = quiet(new Redis({ port: PORTS.primary }));
  const servers: BenchServer[] = [primaryServer];
  try {
    await pipelined(PORTS.primary, KEYS, mixedKey);
    const redis = await catchUp(primary, () => startRedis(PORTS.redisReplica, 'everysec', undefined, ['--appendonly', 'no', ...replicaof]));
    servers.push(redis.server);
    const eddy = await catchUp(primary, () => startEddy(PORTS.eddy, 'everysec', undefined, { args: replicaof }));
    servers.push(eddy.server);
    console.log(`# Following a redis-server primary: Eddy beside a redis-server replica${quick ? ' (quick)' : ''}`);
    console.log(`\n| catch-up, ${KEYS / 1000}k keys (strings, hashes, lists, sorted sets) | seconds (start to level) | keys/s |`);
    console.log('|---|---|---|');
    for (const [name, run] of [
      ['redis-server replica', redis],
      ['eddy', eddy],
    ] as const)
      console.log(`| ${name} | ${run.seconds.toFixed(2)} | ${Math.round(KEYS / run.seconds)} |`);

    const sentAt = new Map<string, number>();
    const watchers = [await probeWatcher(PORTS.redisReplica, sentAt), await probeWatcher(PORTS.eddy, sentAt)];
    const achieved = await paced(PORTS.primary, sentAt);
    const [redisLags, eddyLags] = watchers.map((watcher) => watcher.stop());
    console.log(`\n| ${RATE / 1000}k SET/s on the primary (achieved ${achieved}/s), both following | lag p50 ms | lag p99 ms | lag max ms | probes seen |`);
    console.log('|---|---|---|---|---|');
    for (const [name, lags] of [
      ['redis-server replica', redisLags],
      ['eddy', eddyLags],
    ] as const)
      console.log(`| ${name} | ${percentile(lags, 50).toFixed(2)} | ${percentile(lags, 99).toFixed(2)} | ${(lags.at(-1) ?? NaN).toFixed(2)} | ${lags.length} |`);
    redis.client.disconnect();
    eddy.client.disconnect();
  } finally {
    primary.disconnect();
    for (const server of servers.reverse()) await server.stop();
  }
}

await main();
process.exit(0);
