import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalEtcd } from '../tools/local-etcd.js';
import { ratio, redisBenchmark } from './pipeline.js';
import { ensureRedisTools, startEddy, startRedis, type BenchServer } from './servers.js';

/**
 * The cluster (issue 20), beside Redis in the same run:
 * (a) `redis-benchmark --cluster -t set,get -c 50` at -P 1 and -P 16 against an Eddy cluster of
 *     --nodes primaries (etcd beside them), against one redis-server and against a Redis Cluster of
 *     as many redis-server primaries, all on this machine, appendfsync everysec everywhere;
 * (b) failover time: the same clusters with one replica per primary and the same
 *     cluster-node-timeout; a primary is killed (SIGKILL) and a client retries a SET to one of its
 *     keys until it is answered OK again;
 * (c) throughput during a slot migration: under a steady SET load (redis-benchmark --cluster -P 1),
 *     a third of the first primary's slots move to the second (Eddy: CLUSTER MIGRATESLOTS; Redis:
 *     redis-cli --cluster reshard, MIGRATE key by key); the SETs the primaries executed per second
 *     (INFO commandstats) while the move ran, beside the same load without a move.
 *   node dist/bench/cluster-bench.js [--nodes 3] [--node-timeout 2000] [--quick]
 * On a machine with two cores redis-benchmark takes one of them: the cluster then has the other.
 */
const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    'node-timeout': { type: 'string', default: '2000' },
    quick: { type: 'boolean', default: false },
  },
});
const NODES = Number(values.nodes);
const NODE_TIMEOUT = Number(values['node-timeout']);
const EDDY_BASE = 7501;
const REDIS_BASE = 7551;
const SINGLE_REDIS = 7599;
const ETCD_PORT = 7600;

interface BenchCluster {
  readonly nodes: BenchServer[];
  stop(): Promise<void>;
}

function create(nodes: readonly BenchServer[], replicas: number): void {
  const args = ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'];
  const created = spawnSync('redis-cli', args, { encoding: 'utf8' });
  if (created.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${created.stdout}${created.stderr}`);
}

async function until(check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const cli = (port: number, ...args: string[]) => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
const clusterOk = (port: number) => cli(port, 'CLUSTER', 'INFO').includes('cluster_state:ok');

async function eddyCluster(count: number, replicas: number): Promise<BenchCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-eddy-cluster-'));
  const etcd = await startLocalEtcd(join(dir, 'etcd'), ETCD_PORT, ETCD_PORT + 1);
  const args = ['--cluster-enabled', 'yes', '--cluster-etcd-endpoints', etcd.endpoint, '--cluster-node-timeout', String(NODE_TIMEOUT)];
  const nodes = await Promise.all(Array.from({ length: count }, (_, i) => startEddy(EDDY_BASE + i, 'everysec', undefined, { args })));
  create(nodes, replicas);
  await until(() => clusterOk(nodes[0].port));
  return {
    nodes,
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
      await etcd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function redisCluster(count: number, replicas: number): Promise<BenchCluster> {
  const nodes = await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const dir = mkdtempSync(join(tmpdir(), 'bench-redis-cluster-'));
      return startRedis(REDIS_BASE + i, 'everysec', dir, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, 'nodes.conf'),
        '--cluster-node-timeout',
        String(NODE_TIMEOUT),
      ]);
    }),
  );
  create(nodes, replicas);
  await until(() => nodes.every((node) => clusterOk(node.port)));
  return { nodes, stop: async () => void (await Promise.all(nodes.map((node) => node.stop()))) };
}

function throughput(port: number, cluster: boolean): Map<string, number> {
  const rates = new Map<string, number>();
  for (const pipeline of [1, 16]) {
    const requests = values.quick ? 50_000 : pipeline === 1 ? 200_000 : 1_000_000;
    for (const [test, rps] of redisBenchmark(port, 'set,get', pipeline, requests, cluster ? ['--cluster'] : [])) rates.set(`${test} -P ${pipeline}`, rps);
  }
  return rates;
}

/** Kills the primary serving `key` and times how long until a SET of it is answered OK again (through another node, following redirects). */
async function failoverMs(cluster: BenchCluster): Promise<number> {
  const key = 'failover-probe';
  const slot = Number(cli(cluster.nodes[0].port, 'CLUSTER', 'KEYSLOT', key));
  const owner = cli(cluster.nodes[0].port, 'CLUSTER', 'NODES')
    .split('\n')
    .map((line) => line.split(' '))
    .find((fields) => fields[2].includes('master') && fields.slice(8).some((range) => inRange(range, slot)));
  if (owner === undefined) throw new Error('no owner of the probe key');
  const victim = cluster.nodes.find((node) => `127.0.0.1:${node.port}` === owner[1].split('@')[0]) as BenchServer;
  const other = cluster.nodes.find((node) => node !== victim) as BenchServer;
  const replicasLinked = () =>
    cluster.nodes.every((node) => !cli(node.port, 'ROLE').startsWith('slave') || cli(node.port, 'INFO', 'replication').includes('master_link_status:up'));
  await until(replicasLinked);
  const started = performance.now();
  victim.process.kill('SIGKILL');
  await until(() => {
    try {
      return execFileSync('redis-cli', ['-c', '-p', String(other.port), 'SET', key, 'x'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).trim() === 'OK';
    } catch {
      return false;
    }
  }, 120_000);
  return performance.now() - started;
}

/** The SETs the cluster's nodes have executed so far (INFO commandstats): the load's, not the move's own commands. */
function setCalls(cluster: BenchCluster): number {
  let calls = 0;
  for (const node of cluster.nodes) calls += Number(/^cmdstat_set:calls=(\d+)/m.exec(cli(node.port, 'INFO', 'commandstats'))?.[1] ?? 0);
  return calls;
}

/** SETs per second over `ms` milliseconds, or over `work` while it runs. */
async function setRate(cluster: BenchCluster, work: () => Promise<void>): Promise<{ rate: number; ms: number }> {
  const [calls, started] = [setCalls(cluster), performance.now()];
  await work();
  const ms = performance.now() - started;
  return { rate: ((setCalls(cluster) - calls) * 1000) / ms, ms };
}

const MOVED_SLOTS = 1820;

/** A SET load on a filled cluster: its rate alone, then while `move` moves MOVED_SLOTS slots from the first primary to the second. */
async function duringMigration(cluster: BenchCluster, move: (from: string, to: string) => Promise<void>): Promise<{ alone: number; during: number; moveMs: number }> {
  const port = cluster.nodes[0].port;
  const keys = values.quick ? 50_000 : 300_000;
  redisBenchmark(port, 'set', 16, keys, ['--cluster', '-r', String(keys), '-d', '64']);
  const load = spawn('redis-benchmark', ['-p', String(port), '--cluster', '-t', 'set', '-c', '50', '-P', '1', '-r', String(keys), '-d', '64', '-n', '1000000000', '-q'], {
    stdio: 'ignore',
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const alone = await setRate(cluster, () => new Promise((resolve) => setTimeout(resolve, 2000)));
    const [from, to] = [cli(port, 'CLUSTER', 'MYID'), cli(cluster.nodes[1].port, 'CLUSTER', 'MYID')];
    const during = await setRate(cluster, () => move(from, to));
    return { alone: alone.rate, during: during.rate, moveMs: during.ms };
  } finally {
    load.kill();
  }
}

/** How long the last CLUSTER MIGRATESLOTS held its slots' commands for the switch. */
let eddyHeldMs = NaN;

async function eddyMigrateSlots(cluster: BenchCluster, to: string): Promise<void> {
  const port = cluster.nodes[0].port;
  if (cli(port, 'CLUSTER', 'MIGRATESLOTS', 'SLOTSRANGE', '0', String(MOVED_SLOTS - 1), 'NODE', to) !== 'OK') throw new Error('CLUSTER MIGRATESLOTS refused');
  await until(() => /^state\s+(done|failed)$/m.test(cli(port, 'CLUSTER', 'GETSLOTMIGRATIONS')), 600_000);
  const status = cli(port, 'CLUSTER', 'GETSLOTMIGRATIONS');
  if (!status.includes('done')) throw new Error(`CLUSTER MIGRATESLOTS failed: ${status}`);
  eddyHeldMs = Number(/^held_ms\n(.*)$/m.exec(status)?.[1]);
}

async function redisReshard(cluster: BenchCluster, from: string, to: string): Promise<void> {
  await promisify(execFile)(
    'redis-cli',
    ['--cluster', 'reshard', `127.0.0.1:${cluster.nodes[0].port}`, '--cluster-from', from, '--cluster-to', to, '--cluster-slots', String(MOVED_SLOTS), '--cluster-yes'],
    { maxBuffer: 256 * 2 ** 20 },
  );
}

function inRange(range: string, slot: number): boolean {
  if (range.startsWith('[')) return false;
  const [start, end = start] = range.split('-').map(Number);
  return slot >= start && slot <= end;
}

ensureRedisTools();
console.log(`Cluster: ${NODES} primaries, redis-benchmark --cluster -c 50, appendfsync everysec, cluster-node-timeout ${NODE_TIMEOUT} ms`);
const single = await startRedis(SINGLE_REDIS, 'everysec');
const alone = throughput(single.port, false);
await single.stop();
const redis = await redisCluster(NODES, 0);
const redisRates = throughput(redis.nodes[0].port, true);
await redis.stop();
const redisMoved = await redisCluster(NODES, 0);
const redisMove = await duringMigration(redisMoved, (from, to) => redisReshard(redisMoved, from, to));
await redisMoved.stop();
const eddy = await eddyCluster(NODES, 0);
const eddyRates = throughput(eddy.nodes[0].port, true);
await eddy.stop();
const eddyMoved = await eddyCluster(NODES, 0);
const eddyMove = await duringMigration(eddyMoved, (_from, to) => eddyMigrateSlots(eddyMoved, to));
await eddyMoved.stop();
console.log('| test | Eddy cluster req/s | one redis-server | Redis Cluster | Eddy / one redis | Eddy / Redis Cluster |');
console.log('|---|---|---|---|---|---|');
for (const [test, rps] of eddyRates) {
  const one = alone.get(test) ?? NaN;
  const theirs = redisRates.get(test) ?? NaN;
  console.log(`| ${test} | ${Math.round(rps)} | ${Math.round(one)} | ${Math.round(theirs)} | ${ratio(rps, one)} | ${ratio(rps, theirs)} |`);
}

const redisHa = await redisCluster(NODES * 2, 1);
const redisFailover = await failoverMs(redisHa);
await redisHa.stop();
const eddyHa = await eddyCluster(NODES * 2, 1);
const eddyFailover = await failoverMs(eddyHa);
await eddyHa.stop();
console.log(`\nFailover (${NODES} primaries with a replica each; SIGKILL of a primary until a SET to its slot is answered OK):`);
console.log('| cluster | ms |');
console.log('|---|---|');
console.log(`| Redis Cluster | ${Math.round(redisFailover)} |`);
console.log(`| Eddy cluster | ${Math.round(eddyFailover)} |`);

console.log(
  `\nThroughput during a slot migration (${MOVED_SLOTS} slots of a filled cluster, redis-benchmark --cluster -t set -P 1 -c 50 running throughout; SETs executed per second):`,
);
console.log('| cluster | how slots move | SET/s without a move | SET/s during the move | during / without | move took (ms) |');
console.log('|---|---|---|---|---|---|');
console.log(
  `| Redis Cluster | redis-cli --cluster reshard (MIGRATE) | ${Math.round(redisMove.alone)} | ${Math.round(redisMove.during)} | ${ratio(redisMove.during, redisMove.alone)} | ${Math.round(redisMove.moveMs)} |`,
);
console.log(
  `| Eddy cluster | CLUSTER MIGRATESLOTS (by the log) | ${Math.round(eddyMove.alone)} | ${Math.round(eddyMove.during)} | ${ratio(eddyMove.during, eddyMove.alone)} | ${Math.round(eddyMove.moveMs)} |`,
);
console.log(`Eddy held the moving slots' commands for ${eddyHeldMs} ms at the switch (the other slots never wait).`);
