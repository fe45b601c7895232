import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureRedisTools, startRedis, waitForPing } from './servers.js';

/**
 * A/B of two Eddy builds, for a hot-path change: `redis-benchmark -t set,get -P N -c 50` (each N of
 * --pipelines, default 1 and 16) against
 * build A (e.g. a worktree of the commit before), build B (this one) and a real redis-server, in
 * rounds that alternate them on the same port, so that the machine's drift falls on both alike.
 *   node dist/bench/ab.js --a /path/to/other/dist/src/server/main.js [--b ...] [--rounds 5] [--requests 500000]
 *     [--pipelines 1,16] [--b-args '--otel-endpoint http://...'] (more server arguments for B only)
 */
const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: resolve(import.meta.dirname, '../src/server/main.js') },
    rounds: { type: 'string', default: '5' },
    requests: { type: 'string', default: '500000' },
    pipelines: { type: 'string', default: '1,16' },
    'b-args': { type: 'string', default: '' },
    port: { type: 'string', default: '7480' },
    // Pins the server to one core and redis-benchmark to the other (taskset): less run-to-run spread on two cores.
    pin: { type: 'boolean', default: false },
  },
});
if (values.a === undefined) throw new Error("give --a <the other build's dist/src/server/main.js>");
const port = Number(values.port);

const pipelines = values.pipelines.split(',').map(Number);

/** redis-benchmark's requests per second, by test and pipeline depth (`SET -P 16`). */
function benchmark(): Record<string, number> {
  const command = values.pin ? ['taskset', '-c', '1', 'redis-benchmark'] : ['redis-benchmark'];
  const rates: Record<string, number> = {};
  for (const depth of pipelines) {
    // -P 1 runs a fifth of the requests: each costs a round trip.
    const requests = depth === 1 ? Math.max(10_000, Math.round(Number(values.requests) / 5)) : Number(values.requests);
    const csv = execFileSync(command[0], [...command.slice(1), '-p', String(port), '-t', 'set,get', '-P', String(depth), '-c', '50', '-n', String(requests), '-q', '--csv'], {
      encoding: 'utf8',
    });
    for (const line of csv.trim().split('\n').slice(1)) {
      const [test, rps] = line.split(',').map((cell) => cell.replace(/"/g, ''));
      rates[`${test} -P ${depth}`] = Number(rps);
    }
  }
  return rates;
}

async function runEddy(entry: string, extra: readonly string[]): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ab-'));
  const server = values.pin ? ['taskset', '-c', '0', process.execPath] : [process.execPath];
  const child = spawn(server[0], [...server.slice(1), entry, '--port', String(port), '--dir', dir, '--appendfsync', 'everysec', '--save', '', '--loglevel', 'warning', ...extra], {
    stdio: 'ignore',
  });
  try {
    await waitForPing(port);
    return benchmark();
  } finally {
    await new Promise((done) => {
      child.once('exit', done);
      child.kill('SIGTERM');
    });
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (numbers: number[]) => [...numbers].sort((x, y) => x - y)[Math.floor(numbers.length / 2)];

const bArgs = values['b-args'].split(' ').filter((arg) => arg !== '');
ensureRedisTools();
const results: Record<'a' | 'b' | 'redis', Record<string, number>[]> = { a: [], b: [], redis: [] };
for (let round = 0; round < Number(values.rounds); round++) {
  // A and B swap places each round: neither always runs first.
  for (const which of round % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const))
    results[which].push(which === 'a' ? await runEddy(values.a as string, []) : await runEddy(values.b, bArgs));
  const redis = await startRedis(port, 'everysec');
  results.redis.push(benchmark());
  await redis.stop();
  console.log(`round ${round + 1}: A ${JSON.stringify(results.a.at(-1))} B ${JSON.stringify(results.b.at(-1))} redis ${JSON.stringify(results.redis.at(-1))}`);
}
console.log('\n| test | A median | B median | B/A | A runs | B runs | redis median | B/redis |');
console.log('|---|---|---|---|---|---|---|---|');
for (const test of Object.keys(results.b[0])) {
  const of = (which: 'a' | 'b' | 'redis') => results[which].map((run) => run[test]);
  const [a, b, redis] = [median(of('a')), median(of('b')), median(of('redis'))];
  console.log(
    `| ${test} | ${Math.round(a)} | ${Math.round(b)} | ${(b / a).toFixed(3)} | ${of('a').map(Math.round).join(' ')} | ${of('b').map(Math.round).join(' ')} | ${Math.round(redis)} | ${(b / redis).toFixed(2)} |`,
  );
}
