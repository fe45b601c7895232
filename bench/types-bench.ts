import { execFileSync } from 'node:child_process';
import { pipelined, ratio, redisBenchmark } from './pipeline.js';
import { ensureRedisTools, startEddy, startRedis, type BenchServer } from './servers.js';

/**
 * Data-type benchmark, Eddy beside redis-server (both everysec): redis-benchmark's list, set, hash
 * and sorted-set tests at -P 1 and -P 16, then a sorted set of 1 M members: ZADD, ZRANK and
 * ZRANGEBYSCORE, pipelined over one connection.
 */
const EDDY_PORT = 7392;
const REDIS_PORT = 7393;
const quick = process.argv.includes('--quick');
const TESTS = 'lpush,lpop,rpush,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,mset';

async function throughput(): Promise<void> {
  const eddy = await startEddy(EDDY_PORT, 'everysec');
  const redis = await startRedis(REDIS_PORT, 'everysec');
  try {
    console.log('\n| -P | test | Eddy req/s | Redis req/s | Eddy/Redis |');
    console.log('|---|---|---|---|---|');
    for (const pipeline of [1, 16]) {
      const n = quick ? 20_000 : pipeline === 1 ? 100_000 : 400_000;
      redisBenchmark(EDDY_PORT, TESTS, pipeline, Math.min(n, 20_000)); // warm-up
      const eddyResults = redisBenchmark(EDDY_PORT, TESTS, pipeline, n);
      const redisResults = redisBenchmark(REDIS_PORT, TESTS, pipeline, n);
      for (const [test, rps] of eddyResults) {
        const theirs = redisResults.get(test) ?? NaN;
        console.log(`| ${pipeline} | ${test} | ${Math.round(rps)} | ${Math.round(theirs)} | ${ratio(rps, theirs)} |`);
      }
    }
  } finally {
    await eddy.stop();
    await redis.stop();
  }
}

interface ZSetTimes {
  zadd: number;
  zrank: number;
  zrangebyscore: number;
}

async function sortedSetTimes(server: BenchServer, members: number, queries: number): Promise<ZSetTimes> {
  const port = server.port;
  // Scores 0..n-1 inserted in a scrambled order (7919 is coprime with 10^k), so the skiplist is not fed sorted input.
  const scrambled = (i: number) => (i * 7919) % members;
  const zadd = await pipelined(port, members, (i) => ['ZADD', 'big', String(scrambled(i)), `m${scrambled(i)}`]);
  const zrank = await pipelined(port, queries, (i) => ['ZRANK', 'big', `m${scrambled(i * 13)}`]);
  // Each window holds exactly 10 members: a 10-item array is 21 reply lines.
  const zrangebyscore = await pipelined(
    port,
    queries,
    (i) => {
      const from = scrambled(i * 17) % (members - 10);
      return ['ZRANGEBYSCORE', 'big', String(from), String(from + 9)];
    },
    21,
  );
  return { zadd, zrank, zrangebyscore };
}

async function sortedSets(): Promise<void> {
  const members = quick ? 100_000 : 1_000_000;
  const queries = quick ? 20_000 : 100_000;
  const eddy = await startEddy(EDDY_PORT, 'everysec');
  const eddyTimes = await sortedSetTimes(eddy, members, queries);
  await eddy.stop();
  const redis = await startRedis(REDIS_PORT, 'everysec');
  const redisTimes = await sortedSetTimes(redis, members, queries);
  await redis.stop();
  console.log(`\n| sorted set of ${members} members | Eddy s | Redis s | Eddy ops/s | Redis ops/s | Eddy/Redis throughput |`);
  console.log('|---|---|---|---|---|---|');
  const counts: Record<keyof ZSetTimes, number> = { zadd: members, zrank: queries, zrangebyscore: queries };
  for (const op of ['zadd', 'zrank', 'zrangebyscore'] as const) {
    const e = eddyTimes[op];
    const r = redisTimes[op];
    console.log(`| ${op.toUpperCase()} x ${counts[op]} | ${e.toFixed(2)} | ${r.toFixed(2)} | ${Math.round(counts[op] / e)} | ${Math.round(counts[op] / r)} | ${ratio(r, e)} |`);
  }
}

ensureRedisTools();
console.log(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim());
await throughput();
await sortedSets();
