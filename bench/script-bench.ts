import { execFileSync } from 'node:child_process';
import { ScriptHost, type ScriptJob } from '../src/scripting/script-host.js';
import { ratio, redisBenchmarkCommand } from './pipeline.js';
import { ensureRedisTools, startEddy, startRedis } from './servers.js';

/**
 * Scripting benchmark, Eddy beside a real redis-server in the same run: redis-benchmark of EVALSHA
 * of a script doing one GET and one SET (and of an empty script), after SCRIPT LOAD, at -P 1 and
 * -P 16 with 50 clients. Then the cost of one JS <-> Lua crossing, measured in-process on the script
 * runtime: a run with no redis.call, and the extra time of each redis.call.
 */
const EDDY_PORT = 7394;
const REDIS_PORT = 7395;
const quick = process.argv.includes('--quick');
const GET_SET = "redis.call('GET', KEYS[1]); return redis.call('SET', KEYS[1], ARGV[1])";
const EMPTY = 'return 1';

function load(port: number, script: string): string {
  return execFileSync('redis-cli', ['-p', String(port), 'SCRIPT', 'LOAD', script], { encoding: 'utf8' }).trim();
}

async function serverTable(): Promise<void> {
  const eddy = await startEddy(EDDY_PORT, 'everysec');
  const redis = await startRedis(REDIS_PORT, 'everysec');
  const rows: string[] = [];
  try {
    for (const [label, script, keys] of [
      ['GET+SET', GET_SET, ['1', 'key:__rand_int__', 'v']],
      ['return 1', EMPTY, ['0']],
    ] as const) {
      const shas = { eddy: load(EDDY_PORT, script), redis: load(REDIS_PORT, script) };
      for (const pipeline of [1, 16]) {
        const n = quick ? 20_000 : pipeline === 1 ? 100_000 : 300_000;
        redisBenchmarkCommand(EDDY_PORT, ['EVALSHA', shas.eddy, ...keys], pipeline, Math.min(n, 20_000)); // warm-up
        const e = redisBenchmarkCommand(EDDY_PORT, ['EVALSHA', shas.eddy, ...keys], pipeline, n);
        const r = redisBenchmarkCommand(REDIS_PORT, ['EVALSHA', shas.redis, ...keys], pipeline, n);
        rows.push(
          `| EVALSHA ${label} | ${pipeline} | ${Math.round(e.rps)} | ${Math.round(r.rps)} | ${ratio(e.rps, r.rps)} | ${e.p50_latency_ms} / ${e.p99_latency_ms} | ${r.p50_latency_ms} / ${r.p99_latency_ms} |`,
        );
      }
    }
  } finally {
    await eddy.stop();
    await redis.stop();
  }
  console.log('\n| command | -P | eddy req/s | redis req/s | ratio | eddy p50 / p99 ms | redis p50 / p99 ms |');
  console.log('|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

/** Microseconds per run of `source` in the Lua runtime, redis.call answered at once in-process. */
async function perRun(host: ScriptHost, source: string, runs: number): Promise<number> {
  const job: ScriptJob = {
    program: { kind: 'script', sha: `bench-${source.length}`, source },
    keys: ['k'],
    argv: ['v'],
    shards: new Set(),
    begin: () => undefined,
    end: () => undefined,
    call: (args) => (args[0] === 'GET' ? 'value' : { ok: 'OK' }),
    wrote: () => false,
  };
  for (let i = 0; i < 1000; i++) await host.run(job, 1000);
  const started = performance.now();
  for (let i = 0; i < runs; i++) await host.run(job, 1000);
  return ((performance.now() - started) * 1000) / runs;
}

async function crossingTable(): Promise<void> {
  const host = new ScriptHost({ memoryLimit: 64 * 1024 * 1024, unpausableMs: () => 5000, log: () => undefined, internalError: (error) => console.error(error) });
  const runs = quick ? 5_000 : 50_000;
  const empty = await perRun(host, EMPTY, runs);
  const ten = await perRun(host, "for i = 1, 5 do redis.call('GET', KEYS[1]); redis.call('SET', KEYS[1], ARGV[1]) end return 1", runs);
  await host.close();
  console.log('\n| in-process, the Lua runtime | µs |');
  console.log('|---|---|');
  console.log(`| one run of \`return 1\` (server -> Lua -> server) | ${empty.toFixed(1)} |`);
  console.log(`| one redis.call (Lua -> server -> Lua) | ${((ten - empty) / 10).toFixed(1)} |`);
}

async function main(): Promise<void> {
  ensureRedisTools();
  console.log('# Scripting: EVALSHA beside redis-server, 50 clients');
  await serverTable();
  await crossingTable();
}

await main();
