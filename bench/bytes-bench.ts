import { execFileSync } from 'node:child_process';
import { pipelined, ratio } from './pipeline.js';
import { ensureRedisTools, startEddy, startRedis, type StartServer } from './servers.js';

/**
 * Strings written in place, Eddy beside redis-server (both everysec): SETBIT at random offsets of
 * a 64 MB bitmap, BITCOUNT of it, SETRANGE at random offsets of a 1 MB value and APPEND to a 1 MB
 * value, 50 connections at -P 1 and -P 16. redis-benchmark cannot send these: its __rand_int__ is
 * zero-padded to 12 digits, which both servers refuse as a bit offset, so the load comes from 50
 * pipelined connections of this process, the same seeded offsets for both servers; a small SET
 * through the same generator gives the scale.
 */
const EDDY_PORT = 7394;
const REDIS_PORT = 7395;
const quick = process.argv.includes('--quick');
const CONNECTIONS = 50;
const BITMAP_BITS = 64 * 1024 * 1024 * 8;
const VALUE_BYTES = 1024 * 1024;

/** A seeded xorshift: the same offsets for both servers. */
function offsets(seed: number, bound: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % bound;
  };
}

/** `count` commands over CONNECTIONS connections, `depth` in flight on each; requests per second. */
async function load(port: number, count: number, depth: number, command: (next: () => number) => string[], bound: number): Promise<number> {
  const share = Math.ceil(count / CONNECTIONS);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, (_, lane) => {
      const next = offsets(lane + 1, bound);
      return pipelined(port, share, () => command(next), 1, depth);
    }),
  );
  return (share * CONNECTIONS) / ((performance.now() - started) / 1000);
}

interface Row {
  readonly test: string;
  readonly depth: string;
  readonly eddy: number;
  readonly redis: number;
}

async function measure(start: StartServer, port: number): Promise<Map<string, number>> {
  const server = await start(port, 'everysec');
  const results = new Map<string, number>();
  try {
    // The bitmap is 64 MB from the start: its last bit is set first.
    await pipelined(port, 1, () => ['SETBIT', 'bm', String(BITMAP_BITS - 1), '1']);
    await pipelined(port, 1, () => ['SET', 'range', 'x'.repeat(VALUE_BYTES)]);
    await pipelined(port, 1, () => ['SET', 'log', 'x'.repeat(VALUE_BYTES)]);
    const tests: [string, (next: () => number) => string[], number][] = [
      ['SETBIT 64 MB', (next) => ['SETBIT', 'bm', String(next()), '1'], BITMAP_BITS],
      ['SETRANGE 1 MB', (next) => ['SETRANGE', 'range', String(next()), 'abcdefgh'], VALUE_BYTES - 8],
      ['APPEND 1 MB+', () => ['APPEND', 'log', 'abcdefghijklmnop'], 1],
      // The same load generator's ceiling for a plain write, for scale.
      ['SET 3 B (baseline)', (next) => ['SET', `key:${next()}`, 'abc'], 100_000],
    ];
    // A first pass unmeasured: V8 needs load to optimise the server's code, and the first run would pay for it.
    for (const [, command, bound] of tests) await load(port, 20_000, 16, command, bound);
    for (const depth of [1, 16]) {
      const n = quick ? 20_000 : depth === 1 ? 100_000 : 400_000;
      for (const [test, command, bound] of tests) results.set(`${test}|${depth}`, await load(port, n, depth, command, bound));
    }
    const counts = quick ? 20 : 100;
    const seconds = await pipelined(port, counts, () => ['BITCOUNT', 'bm'], 1, 1);
    results.set('BITCOUNT 64 MB|1 conn', counts / seconds);
  } finally {
    await server.stop();
  }
  return results;
}

ensureRedisTools();
console.log(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim());
const eddy = await measure(startEddy, EDDY_PORT);
const redis = await measure(startRedis, REDIS_PORT);
const rows: Row[] = [...eddy].map(([key, rps]) => {
  const [test, depth] = key.split('|');
  return { test, depth, eddy: rps, redis: redis.get(key) ?? NaN };
});
console.log('\n| test | -P | Eddy req/s | Redis req/s | Eddy/Redis |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row.test} | ${row.depth} | ${Math.round(row.eddy)} | ${Math.round(row.redis)} | ${ratio(row.eddy, row.redis)} |`);
