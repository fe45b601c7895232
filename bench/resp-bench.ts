import { execFileSync } from 'node:child_process';
import { pipelined, ratio, redisBenchmark } from './pipeline.js';
import { ensureRedisTools, residentBytes, startEddy, startRedis, waitForPing, type BenchServer, type StartServer } from './servers.js';

/**
 * RESP throughput and restart benchmark, Eddy beside a real redis-server in the same run:
 * redis-benchmark -t set,get -c 50 at -P 1 and -P 16 with matching durability (Eddy's appendfsync
 * against Redis's AOF appendfsync), then restart time and resident memory with 1 M keys.
 */
const EDDY_PORT = 7390;
const REDIS_PORT = 7391;
const quick = process.argv.includes('--quick');

interface Row {
  fsync: string;
  pipeline: number;
  test: string;
  eddy: number;
  redis: number;
}

async function throughput(fsync: string, pipelines: number[], requests: (pipeline: number) => number): Promise<Row[]> {
  const rows: Row[] = [];
  const eddy = await startEddy(EDDY_PORT, fsync);
  const redis = await startRedis(REDIS_PORT, fsync);
  try {
    for (const pipeline of pipelines) {
      const n = requests(pipeline);
      redisBenchmark(EDDY_PORT, 'set,get', pipeline, Math.min(n, 50_000)); // warm-up: let V8 optimise the hot path
      // Alternate the two servers so that machine noise falls on both alike.
      const eddyResults = redisBenchmark(EDDY_PORT, 'set,get', pipeline, n);
      const redisResults = redisBenchmark(REDIS_PORT, 'set,get', pipeline, n);
      for (const test of ['SET', 'GET']) rows.push({ fsync, pipeline, test, eddy: eddyResults.get(test) ?? NaN, redis: redisResults.get(test) ?? NaN });
    }
  } finally {
    await eddy.stop();
    await redis.stop();
  }
  return rows;
}

interface RestartResult {
  name: string;
  restartSeconds: number;
  rssBytes: number;
}

async function restartWithKeys(start: StartServer, port: number, keys: number): Promise<RestartResult> {
  const first: BenchServer = await start(port, 'everysec');
  await pipelined(port, keys, (i) => ['SET', `key:${i}`, `value:${i}`]);
  await first.stop(true);
  const began = performance.now();
  const second = await start(port, 'everysec', first.dir);
  await waitForPing(port);
  const restartSeconds = (performance.now() - began) / 1000;
  const rssBytes = residentBytes(second.process.pid as number);
  await second.stop();
  return { name: second.name, restartSeconds, rssBytes };
}

async function main(): Promise<void> {
  ensureRedisTools();
  console.log(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim());
  const rows = [
    ...(await throughput('everysec', [1, 16], (p) => (quick ? 50_000 : p === 1 ? 200_000 : 1_000_000))),
    ...(await throughput('always', [1], () => (quick ? 20_000 : 100_000))),
  ];
  console.log('\n| appendfsync | -P | test | Eddy req/s | Redis req/s | Eddy/Redis |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.fsync} | ${row.pipeline} | ${row.test} | ${Math.round(row.eddy)} | ${Math.round(row.redis)} | ${ratio(row.eddy, row.redis)} |`);

  const keys = quick ? 100_000 : 1_000_000;
  const eddy = await restartWithKeys(startEddy, EDDY_PORT, keys);
  const redis = await restartWithKeys(startRedis, REDIS_PORT, keys);
  console.log(`\n| ${keys} keys | Eddy | Redis (AOF) | Eddy/Redis |`);
  console.log('|---|---|---|---|');
  console.log(`| restart to first PONG (s) | ${eddy.restartSeconds.toFixed(2)} | ${redis.restartSeconds.toFixed(2)} | ${ratio(eddy.restartSeconds, redis.restartSeconds)} |`);
  console.log(`| resident memory (MiB) | ${(eddy.rssBytes / 2 ** 20).toFixed(0)} | ${(redis.rssBytes / 2 ** 20).toFixed(0)} | ${ratio(eddy.rssBytes, redis.rssBytes)} |`);
}

await main();
