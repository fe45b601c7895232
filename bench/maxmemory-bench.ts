import { Redis } from 'ioredis';
import { pipelined, ratio, redisBenchmark } from './pipeline.js';
import { ensureRedisTools, startEddy, startRedis, type BenchServer } from './servers.js';

/**
 * SET/GET under maxmemory with allkeys-lru at about 90% full, Eddy beside redis-server with the same
 * settings: each gets maxmemory = its own used memory at start + ROOM, is filled with 100-byte values
 * to 90% of it, then redis-benchmark overwrites and reads random keys of that keyspace (-r), so that
 * every write passes the maxmemory check and some evict.
 */
const EDDY_PORT = 7394;
const REDIS_PORT = 7395;
const ROOM = 64 * 2 ** 20;
const VALUE = 'x'.repeat(100);
const quick = process.argv.includes('--quick');

async function usedMemory(client: Redis): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await client.info('memory'))?.[1]);
}

/** Fills to 90% of maxmemory; the number of keys written. */
async function fillTo90(server: BenchServer): Promise<{ keys: number; limit: number; evicted: string }> {
  const client = new Redis({ port: server.port });
  try {
    const limit = (await usedMemory(client)) + ROOM;
    await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await client.config('SET', 'maxmemory', String(limit));
    let keys = 0;
    while ((await usedMemory(client)) < 0.9 * limit) {
      const from = keys;
      await pipelined(server.port, 20_000, (i) => ['SET', `key:${String(from + i).padStart(12, '0')}`, VALUE]);
      keys += 20_000;
    }
    return { keys, limit, evicted: /^evicted_keys:(\d+)/m.exec(await client.info('stats'))?.[1] ?? '?' };
  } finally {
    client.disconnect();
  }
}

async function main(): Promise<void> {
  ensureRedisTools();
  const eddy = await startEddy(EDDY_PORT, 'everysec');
  const redis = await startRedis(REDIS_PORT, 'everysec');
  try {
    const filled = { eddy: await fillTo90(eddy), redis: await fillTo90(redis) };
    console.log(`filled to 90%: Eddy ${filled.eddy.keys} keys of ${filled.eddy.limit} bytes, Redis ${filled.redis.keys} keys of ${filled.redis.limit} bytes`);
    console.log('\n| -P | test | Eddy req/s | Redis req/s | Eddy/Redis |');
    console.log('|---|---|---|---|---|');
    for (const pipeline of [1, 16]) {
      const n = quick ? 50_000 : pipeline === 1 ? 200_000 : 1_000_000;
      const range = (server: 'eddy' | 'redis') => ['-r', String(filled[server].keys), '-d', '100'];
      redisBenchmark(EDDY_PORT, 'set,get', pipeline, Math.min(n, 50_000), range('eddy')); // warm-up
      const mine = redisBenchmark(EDDY_PORT, 'set,get', pipeline, n, range('eddy'));
      const theirs = redisBenchmark(REDIS_PORT, 'set,get', pipeline, n, range('redis'));
      for (const test of ['SET', 'GET']) {
        const [a, b] = [mine.get(test) ?? NaN, theirs.get(test) ?? NaN];
        console.log(`| ${pipeline} | ${test} | ${Math.round(a)} | ${Math.round(b)} | ${ratio(a, b)} |`);
      }
    }
    for (const [name, server] of [
      ['Eddy', eddy],
      ['Redis', redis],
    ] as const) {
      const client = new Redis({ port: server.port });
      const info = await client.info();
      client.disconnect();
      console.log(
        `${name}: used_memory ${/^used_memory:(\d+)/m.exec(info)?.[1]}, maxmemory ${/^maxmemory:(\d+)/m.exec(info)?.[1]}, evicted_keys ${/^evicted_keys:(\d+)/m.exec(info)?.[1]}`,
      );
    }
  } finally {
    await eddy.stop();
    await redis.stop();
  }
}

await main();
