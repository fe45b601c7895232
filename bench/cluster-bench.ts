import { execFileSync } from 'node:child_process';
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
 *     keys until it is answered OK again.
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
  execFileSync('redis-cli', ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'], {
    stdio: 'ignore',
  });
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
const eddy = await eddyCluster(NODES, 0);
const eddyRates = throughput(eddy.nodes[0].port, true);
await eddy.stop();
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
