import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { mixedKey, pipelined, ratio } from './pipeline.js';
import { ensureRedisTools, startEddy, startRedis, type BenchServer } from './servers.js';

/**
 * RDB files in and out (issue 16), Eddy beside redis-server in the same run, on the same file: a
 * redis-server SAVEs 1 M keys of mixed types; then
 * - loading it: redis-server started on the file until it answers PING, beside `eddy-rdb import`
 *   and beside an Eddy started with `--load-rdb` until it answers PING (import plus start-up);
 * - `redis-cli --rdb` of those keys from each server.
 * The servers run one after the other, so that they do not share the two cores.
 */

const quick = process.argv.includes('--quick');
const KEYS = quick ? 100_000 : 1_000_000;
const PORTS = { source: 22600, redis: 22601, eddy: 22602 };
const EDDY_RDB = resolve(import.meta.dirname, '../tools/eddy-rdb.js');

function seconds(run: () => void): number {
  const started = performance.now();
  run();
  return (performance.now() - started) / 1000;
}

async function secondsAsync<T>(run: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await run();
  return [(performance.now() - started) / 1000, value];
}

async function keysOf(port: number): Promise<number> {
  const client = new Redis({ port });
  try {
    return await client.dbsize();
  } finally {
    client.disconnect();
  }
}

/** `redis-cli --rdb` of a server into a scratch file: seconds and the file's size. */
function rdbOut(port: number, scratch: string): [number, number] {
  const file = join(scratch, `out-${port}.rdb`);
  const taken = seconds(() => execFileSync('redis-cli', ['-p', String(port), '--rdb', file], { stdio: 'ignore' }));
  return [taken, statSync(file).size];
}

async function main(): Promise<void> {
  ensureRedisTools();
  const scratch = mkdtempSync(join(tmpdir(), 'bench-rdb-'));
  const servers: BenchServer[] = [];
  try {
    const source = await startRedis(PORTS.source, 'everysec', undefined, ['--appendonly', 'no']);
    await pipelined(PORTS.source, KEYS, mixedKey);
    const client = new Redis({ port: PORTS.source });
    await client.save();
    client.disconnect();
    const file = join(scratch, 'dump.rdb');
    copyFileSync(join(source.dir, 'dump.rdb'), file);
    await source.stop();

    // redis-server loading its own file at start.
    const redisDir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
    copyFileSync(file, join(redisDir, 'dump.rdb'));
    const [redisLoad, redis] = await secondsAsync(() =>
      startRedis(PORTS.redis, 'everysec', redisDir, ['--appendonly', 'no', '--dbfilename', 'dump.rdb', '--repl-diskless-sync-delay', '0']),
    );
    servers.push(redis);
    if ((await keysOf(PORTS.redis)) !== KEYS) throw new Error('redis-server did not load every key');
    const [redisOut, redisOutBytes] = rdbOut(PORTS.redis, scratch);
    await redis.stop();
    servers.pop();

    // The import tool, then a server started with --load-rdb on a new directory.
    const importDir = join(scratch, 'imported');
    const importSeconds = seconds(() => execFileSync(process.execPath, [EDDY_RDB, 'import', '--from', file, '--dir', importDir], { stdio: 'ignore' }));
    rmSync(importDir, { recursive: true, force: true });
    const [eddyLoad, eddy] = await secondsAsync(() => startEddy(PORTS.eddy, 'everysec', undefined, { args: ['--load-rdb', file] }));
    servers.push(eddy);
    if ((await keysOf(PORTS.eddy)) !== KEYS) throw new Error('eddy did not load every key');
    const [eddyOut, eddyOutBytes] = rdbOut(PORTS.eddy, scratch);

    const mb = (statSync(file).size / 2 ** 20).toFixed(1);
    console.log(`# RDB files: ${KEYS / 1000}k keys (strings, hashes, lists, sorted sets), a ${mb} MB file redis-server SAVEd${quick ? ' (quick)' : ''}`);
    console.log('\n| what | Eddy s | Eddy keys/s | redis-server s | redis-server keys/s | Eddy/Redis rate |');
    console.log('|---|---|---|---|---|---|');
    const row = (what: string, eddySeconds: number, redisSeconds: number) =>
      console.log(
        `| ${what} | ${eddySeconds.toFixed(2)} | ${Math.round(KEYS / eddySeconds)} | ${redisSeconds.toFixed(2)} | ${Math.round(KEYS / redisSeconds)} | ${ratio(redisSeconds, eddySeconds)} |`,
      );
    row('`eddy-rdb import` / redis-server loading the file at start', importSeconds, redisLoad);
    row('start with `--load-rdb` to first PONG / redis-server start to first PONG', eddyLoad, redisLoad);
    row(`\`redis-cli --rdb\` (Eddy ${(eddyOutBytes / 2 ** 20).toFixed(1)} MB, Redis ${(redisOutBytes / 2 ** 20).toFixed(1)} MB)`, eddyOut, redisOut);
  } finally {
    for (const server of servers.reverse()) await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
