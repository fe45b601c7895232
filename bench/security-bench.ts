import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackages } from '../tools/debian-packages.js';
import { makeTestCa, makeTestCertificate } from '../tools/test-certificates.js';
import { pinToCore, pipelined, ratio, redisBenchmark } from './pipeline.js';
import { RESTRICTED_USER } from './restricted-user.js';
import { ensureRedisTools, startEddy, startRedis } from './servers.js';

/**
 * What security costs (issue 17), Eddy beside a real redis-server in the same run:
 * (a) `redis-benchmark --tls -t set,get -c 50` at -P 1 and -P 16 against each server's tls-port,
 *     both with the same certificate of a CA made here with openssl, in rounds that alternate them;
 * (b) SET -P 16 on one Eddy as the default user (unrestricted: no check) and as a user with ten key
 *     patterns and category rules (every command checked), alternating, several rounds.
 *   node dist/bench/security-bench.js [--quick]
 */
const EDDY_PORT = 7440;
const REDIS_PORT = 7441;
const EDDY_TLS_PORT = 7442;
const REDIS_TLS_PORT = 7443;
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 3;
/** --pin: Eddy on core 0, redis-benchmark on core 1, for the ACL rounds (their spread hid a 5% difference unpinned). */
const pin = process.argv.includes('--pin');
const ACL_ROUNDS = quick ? 3 : pin ? 10 : 6;

const median = (numbers: number[]) => [...numbers].sort((x, y) => x - y)[Math.floor(numbers.length / 2)];

/** Median requests/s per `SET -P 16`-style label, over rounds. */
function medians(rounds: Map<string, number>[]): Map<string, number> {
  return new Map([...rounds[0].keys()].map((label) => [label, median(rounds.map((round) => round.get(label) ?? NaN))]));
}

function tlsRun(port: number, ca: string, pipelines: readonly number[]): Map<string, number> {
  const rates = new Map<string, number>();
  for (const pipeline of pipelines) {
    const requests = quick ? 50_000 : pipeline === 1 ? 200_000 : 1_000_000;
    for (const [test, rps] of redisBenchmark(port, 'set,get', pipeline, requests, ['--tls', '--cacert', ca], pin ? 1 : undefined)) rates.set(`${test} -P ${pipeline}`, rps);
  }
  return rates;
}

async function tlsThroughput(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-tls-'));
  makeTestCa(dir);
  makeTestCertificate(dir, 'server');
  const ca = join(dir, 'ca.crt');
  const tls = (port: number) => [
    '--tls-port',
    String(port),
    '--tls-cert-file',
    join(dir, 'server.crt'),
    '--tls-key-file',
    join(dir, 'server.key'),
    '--tls-ca-cert-file',
    ca,
    '--tls-auth-clients',
    'no',
  ];
  const eddy = await startEddy(EDDY_PORT, 'everysec', undefined, { args: tls(EDDY_TLS_PORT) });
  const redis = await startRedis(REDIS_PORT, 'everysec', undefined, tls(REDIS_TLS_PORT));
  const pipelines = [1, 16];
  const results = { eddy: [] as Map<string, number>[], redis: [] as Map<string, number>[] };
  try {
    if (pin) for (const server of [eddy, redis]) pinToCore(server.process.pid as number, 0);
    redisBenchmark(EDDY_TLS_PORT, 'set,get', 16, 50_000, ['--tls', '--cacert', ca]); // warm-up: let V8 optimise the hot path
    for (let round = 0; round < ROUNDS; round++)
      // The servers swap places each round: neither always runs first.
      for (const which of round % 2 === 0 ? (['eddy', 'redis'] as const) : (['redis', 'eddy'] as const))
        results[which].push(tlsRun(which === 'eddy' ? EDDY_TLS_PORT : REDIS_TLS_PORT, ca, pipelines));
  } finally {
    await eddy.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const eddyRates = medians(results.eddy);
  const redisRates = medians(results.redis);
  console.log(`\nTLS (redis-benchmark --tls, -c 50, appendfsync everysec on both), median of ${ROUNDS} alternating rounds:`);
  console.log('| -P | test | Eddy req/s | Redis req/s | Eddy/Redis |');
  console.log('|---|---|---|---|---|');
  for (const [label, rps] of eddyRates) {
    const [test, , pipeline] = label.split(' ');
    console.log(`| ${pipeline} | ${test} | ${Math.round(rps)} | ${Math.round(redisRates.get(label) ?? NaN)} | ${ratio(rps, redisRates.get(label) ?? NaN)} |`);
  }
}

async function aclCost(): Promise<void> {
  const eddy = await startEddy(EDDY_PORT, 'everysec');
  const requests = quick ? 200_000 : 1_000_000;
  const rates = { default: [] as number[], restricted: [] as number[] };
  try {
    await pipelined(EDDY_PORT, 1, () => RESTRICTED_USER);
    if (pin) pinToCore(eddy.process.pid as number, 0);
    const core = pin ? 1 : undefined;
    redisBenchmark(EDDY_PORT, 'set', 16, 100_000, [], core); // warm-up
    for (let round = 0; round < ACL_ROUNDS; round++)
      for (const which of round % 2 === 0 ? (['default', 'restricted'] as const) : (['restricted', 'default'] as const)) {
        const extra = which === 'restricted' ? ['--user', 'bench', '-a', 'bench-pw'] : [];
        rates[which].push(redisBenchmark(EDDY_PORT, 'set', 16, requests, extra, core).get('SET') ?? NaN);
      }
  } finally {
    await eddy.stop();
  }
  const [unchecked, checked] = [median(rates.default), median(rates.restricted)];
  console.log(`\nACL checks: SET -P 16 -c 50 on one Eddy, ${ACL_ROUNDS} alternating rounds (req/s per round, median):`);
  console.log('| user | rounds | median req/s | vs default |');
  console.log('|---|---|---|---|');
  console.log(`| default (no check) | ${rates.default.map(Math.round).join(', ')} | ${Math.round(unchecked)} | 1.00 |`);
  console.log(`| 10 key patterns + categories | ${rates.restricted.map(Math.round).join(', ')} | ${Math.round(checked)} | ${ratio(checked, unchecked)} |`);
  // Each round runs both users back to back: their ratio there cancels most of the machine's drift.
  const perRound = rates.restricted.map((rate, i) => rate / rates.default[i]);
  console.log(`| restricted/default, same round | ${perRound.map((r) => r.toFixed(3)).join(', ')} | median ${median(perRound).toFixed(3)} | |`);
}

ensureRedisTools();
ensureDebianPackages({ openssl: 'openssl' });
console.log(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim());
// --acl-only: the ACL rounds alone.
if (!process.argv.includes('--acl-only')) await tlsThroughput();
await aclCost();
