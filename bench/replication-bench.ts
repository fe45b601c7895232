import { Redis } from 'ioredis';
import { connect, type Socket } from 'node:net';
import { pipelined, resp } from './pipeline.js';
import { ensureRedisTools, startEddy, startRedis, type BenchServer } from './servers.js';

/**
 * Replication (issue 8), Eddy beside redis-server with a replica, in the same run:
 * - lag under a paced write load (10 k and 50 k SET/s): how long a write takes to show on the
 *   follower (a probe key every 10 ms, seen through the follower's keyspace notifications), and the
 *   gap between the primary's and the follower's offsets (Eddy: revisions; Redis: bytes);
 * - catch-up: a follower that was down while 1 M records were written starts again; how fast it
 *   gets level (Eddy streams its log from its revision; Redis does what its backlog allows).
 */

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 2 : 5;
const BEHIND = quick ? 200_000 : 1_000_000;
let nextPort = 7600;

interface Pair {
  primary: BenchServer;
  follower: BenchServer;
  offsets(): Promise<[primary: number, follower: number]>;
  stop(): Promise<void>;
}

/** A client whose connection errors (its server stopped) are no news. */
function quiet(client: Redis): Redis {
  client.on('error', () => undefined);
  return client;
}

async function offsetOf(client: Redis, field: string): Promise<number> {
  return Number(new RegExp(`${field}:(\\d+)`).exec(await client.info('replication'))?.[1] ?? 0);
}

async function pair(kind: 'eddy' | 'redis', followerDown = false): Promise<{ start(): Promise<Pair>; primary: BenchServer }> {
  const primaryPort = nextPort++;
  const followerPort = nextPort++;
  const primary = kind === 'eddy' ? await startEddy(primaryPort, 'everysec') : await startRedis(primaryPort, 'everysec');
  const args = ['--replicaof', '127.0.0.1', String(primaryPort)];
  const startFollower = async (): Promise<Pair> => {
    const follower = kind === 'eddy' ? await startEddy(followerPort, 'everysec', undefined, { args }) : await startRedis(followerPort, 'everysec', undefined, args);
    const primaryClient = quiet(new Redis({ port: primaryPort }));
    const followerClient = quiet(new Redis({ port: followerPort }));
    return {
      primary,
      follower,
      offsets: async () => [await offsetOf(primaryClient, 'master_repl_offset'), await offsetOf(followerClient, 'slave_repl_offset')],
      stop: async () => {
        primaryClient.disconnect();
        followerClient.disconnect();
        await follower.stop();
        await primary.stop();
      },
    };
  };
  if (followerDown) return { start: startFollower, primary };
  const started = await startFollower();
  return { start: async () => started, primary };
}

async function waitLevel(p: Pair, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [a, b] = await p.offsets();
    if (a > 0 && a === b) return;
    if (Date.now() > deadline) throw new Error('the follower never caught up');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Paced SETs at `rate` per second on one pipelined connection, with a timed probe every 10 ms. */
async function lagUnderLoad(p: Pair, rate: number): Promise<{ achieved: number; p50: number; p99: number; max: number; gapMean: number; gapMax: number }> {
  const watcher = quiet(new Redis({ port: p.follower.port }));
  await watcher.config('SET', 'notify-keyspace-events', 'K$');
  const sentAt = new Map<string, number>();
  const lags: number[] = [];
  watcher.on('pmessage', (_pattern: string, channel: string) => {
    const key = channel.slice(channel.indexOf(':') + 1);
    const at = sentAt.get(key);
    if (at !== undefined) {
      lags.push(performance.now() - at);
      sentAt.delete(key);
    }
  });
  await watcher.psubscribe('__keyspace@0__:probe:*');
  const socket: Socket = connect(p.primary.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.on('data', () => undefined);
  const gaps: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const [a, b] = await p.offsets();
      gaps.push(Math.max(0, a - b));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const started = performance.now();
  let sent = 0;
  let probes = 0;
  while (performance.now() - started < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    let request = '';
    for (; sent < due; sent++) request += resp(['SET', `load:${sent % 10_000}`, 'x'.repeat(16)]);
    const probeDue = Math.floor((performance.now() - started) / 10);
    for (; probes < probeDue; probes++) {
      const key = `probe:${probes}`;
      sentAt.set(key, performance.now());
      request += resp(['SET', key, '1']);
    }
    if (request !== '') socket.write(request);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const elapsed = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  sampling = false;
  await sampler;
  socket.destroy();
  watcher.disconnect();
  lags.sort((a, b) => a - b);
  return {
    achieved: Math.round(sent / elapsed),
    p50: percentile(lags, 50),
    p99: percentile(lags, 99),
    max: lags.at(-1) ?? NaN,
    gapMean: gaps.reduce((sum, gap) => sum + gap, 0) / Math.max(1, gaps.length),
    gapMax: Math.max(...gaps),
  };
}

/** A follower down while `BEHIND` records are written, then started: seconds until it is level. */
async function catchUp(kind: 'eddy' | 'redis'): Promise<number> {
  const setup = await pair(kind, true);
  await pipelined(setup.primary.port, BEHIND, (i) => ['SET', `key:${i % 100_000}`, `value-${i}`]);
  const started = performance.now();
  const p = await setup.start();
  await waitLevel(p);
  const seconds = (performance.now() - started) / 1000;
  await p.stop();
  return seconds;
}

async function main(): Promise<void> {
  ensureRedisTools();
  console.log(`# Replication: one follower beside redis-server with one replica${quick ? ' (quick)' : ''}`);
  console.log('\n| write load | server | achieved SET/s | lag p50 ms | lag p99 ms | lag max ms | offset gap mean | offset gap max |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const rate of [10_000, 50_000])
    for (const kind of ['eddy', 'redis'] as const) {
      const p = await (await pair(kind)).start();
      const starter = quiet(new Redis({ port: p.primary.port }));
      await starter.set('start', '1');
      starter.disconnect();
      await waitLevel(p);
      const r = await lagUnderLoad(p, rate);
      await p.stop();
      const unit = kind === 'eddy' ? 'revisions' : 'bytes';
      console.log(
        `| ${rate / 1000}k/s | ${kind} | ${r.achieved} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(2)} | ${r.gapMean.toFixed(0)} ${unit} | ${r.gapMax} ${unit} |`,
      );
    }
  console.log(`\n| catch-up, ${BEHIND / 1000}k records behind | seconds (start to level) | records/s |`);
  console.log('|---|---|---|');
  for (const kind of ['eddy', 'redis'] as const) {
    const seconds = await catchUp(kind);
    console.log(`| ${kind} | ${seconds.toFixed(2)} | ${Math.round(BEHIND / seconds)} |`);
  }
  console.log('\nEddy targets: lag p99 under 20 ms at 10k writes/s; catch-up at least 1 M records/s.');
  console.log("Redis's replica is level again by a full resync (its backlog is 1 MB); Eddy's follower streams its primary's log from its revision.");
}

await main();
process.exit(0);
