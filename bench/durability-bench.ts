import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect } from 'node:net';
import { pipelined, ratio, redisBenchmark, resp } from './pipeline.js';
import { ensureRedisTools, startEddy, startRedis, waitForPing } from './servers.js';

/**
 * The durable log (issue 7), beside redis-server in the same run:
 * - restart with 1 M keys: Eddy from its checkpoint plus a tail of 10 k records, against Redis
 *   loading its RDB and Redis loading its AOF;
 * - point-in-time recovery speed (records replayed per second);
 * - SET throughput while checkpoints run back to back, against none, and the longest event-loop
 *   delay the server saw meanwhile (target: under 50 ms).
 */
const quick = process.argv.includes('--quick');
const KEYS = quick ? 100_000 : 1_000_000;
const TAIL = 10_000;
const EDDY_PORT = 7420;
const REDIS_PORT = 7421;
const PITR = resolve(import.meta.dirname, '../tools/eddy-pitr.js');

/** One command on a fresh connection; its reply as text. */
async function command(port: number, args: string[]): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((done) => socket.once('connect', done));
  let text = '';
  socket.write(resp(args));
  await new Promise<void>((done) =>
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.endsWith('\r\n')) done();
    }),
  );
  socket.destroy();
  return text;
}

async function timedRestart(start: () => Promise<{ port: number; stop: (keep?: boolean) => Promise<void> }>): Promise<number> {
  const began = performance.now();
  const server = await start();
  await waitForPing(server.port);
  const seconds = (performance.now() - began) / 1000;
  await server.stop();
  return seconds;
}

async function eddyRestart(): Promise<{ seconds: number; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-eddy-'));
  const first = await startEddy(EDDY_PORT, 'everysec', dir);
  await pipelined(EDDY_PORT, KEYS, (i) => ['SET', `key:${i}`, `value:${i}`]);
  await command(EDDY_PORT, ['SAVE']);
  await pipelined(EDDY_PORT, TAIL, (i) => ['SET', `tail:${i}`, `value:${i}`]);
  await first.stop(true);
  const seconds = await timedRestart(async () => {
    const server = await startEddy(EDDY_PORT, 'everysec', dir);
    return { port: EDDY_PORT, stop: () => server.stop(true) };
  });
  return { seconds, dir };
}

/** Redis with RDB only: SAVE, then a restart that loads dump.rdb. */
async function redisRdbRestart(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-rdb-'));
  const args = ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'no', '--save', '', '--daemonize', 'no', '--loglevel', 'warning'];
  const start = async () => {
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    await waitForPing(REDIS_PORT);
    return {
      port: REDIS_PORT,
      stop: async () => {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      },
    };
  };
  const first = await start();
  await pipelined(REDIS_PORT, KEYS, (i) => ['SET', `key:${i}`, `value:${i}`]);
  await command(REDIS_PORT, ['SAVE']);
  await first.stop();
  const seconds = await timedRestart(start);
  rmSync(dir, { recursive: true, force: true });
  return seconds;
}

async function redisAofRestart(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-aof-'));
  const first = await startRedis(REDIS_PORT, 'everysec', dir);
  await pipelined(REDIS_PORT, KEYS, (i) => ['SET', `key:${i}`, `value:${i}`]);
  await first.stop(true);
  return timedRestart(async () => {
    const server = await startRedis(REDIS_PORT, 'everysec', dir);
    return { port: REDIS_PORT, stop: () => server.stop() };
  });
}

/** Records/s of eddy-pitr restoring the whole log of `dir` (after the checkpoint is removed from the count, it replays everything). */
function pitrRate(dir: string): { records: number; rate: number } {
  const to = join(mkdtempSync(join(tmpdir(), 'bench-pitr-')), 'restored');
  // Revision KEYS - 1 is before the checkpoint (at KEYS): the restore replays the log from the start.
  const output = execFileSync(process.execPath, [PITR, '--from', dir, '--to', to, '--rev', String(KEYS - 1)], { encoding: 'utf8' });
  rmSync(join(to, '..'), { recursive: true, force: true });
  const match = /replayed (\d+) records .* \((\d+) records\/s\)/.exec(output);
  return { records: Number(match?.[1]), rate: Number(match?.[2]) };
}

/** SET -P 16 throughput with and without checkpoints running back to back, and the event-loop delay. */
async function duringCheckpoints(dir: string): Promise<{ plain: number; during: number; delayMs: string; checkpoints: number }> {
  const server = await startEddy(EDDY_PORT, 'everysec', dir);
  const n = quick ? 200_000 : 1_000_000;
  const plain = redisBenchmark(EDDY_PORT, 'set', 16, n, ['-r', String(KEYS)]).get('SET') ?? NaN;
  await command(EDDY_PORT, ['CONFIG', 'RESETSTAT']);
  let running = true;
  let checkpoints = 0;
  const saver = (async () => {
    while (running) {
      await command(EDDY_PORT, ['SAVE']);
      checkpoints++;
    }
  })();
  const during = redisBenchmark(EDDY_PORT, 'set', 16, n, ['-r', String(KEYS)]).get('SET') ?? NaN;
  running = false;
  await saver;
  const info = await command(EDDY_PORT, ['INFO', 'stats']);
  await server.stop();
  return { plain, during, delayMs: /eventloop_delay_max_ms:([\d.]+)/.exec(info)?.[1] ?? '?', checkpoints };
}

ensureRedisTools();
const eddy = await eddyRestart();
const rdb = await redisRdbRestart();
const aof = await redisAofRestart();
const pitr = pitrRate(eddy.dir);
const load = await duringCheckpoints(eddy.dir);
rmSync(eddy.dir, { recursive: true, force: true });

console.log(`\n| restart with ${KEYS} keys (s to first PONG) | seconds | Eddy/this |`);
console.log('|---|---|---|');
console.log(`| Eddy: checkpoint + ${TAIL} records of log | ${eddy.seconds.toFixed(2)} | 1.00 |`);
console.log(`| Redis: RDB | ${rdb.toFixed(2)} | ${ratio(eddy.seconds, rdb)} |`);
console.log(`| Redis: AOF | ${aof.toFixed(2)} | ${ratio(eddy.seconds, aof)} |`);
console.log(`\n| point-in-time recovery | records | records/s |`);
console.log('|---|---|---|');
console.log(`| eddy-pitr, whole log replayed | ${pitr.records} | ${pitr.rate} |`);
console.log(`\n| SET -P 16 over ${KEYS} keys | req/s |`);
console.log('|---|---|');
console.log(`| no checkpoint | ${Math.round(load.plain)} |`);
console.log(`| checkpoints back to back (${load.checkpoints} done) | ${Math.round(load.during)} (${ratio(load.during, load.plain)}x) |`);
console.log(`| longest event-loop delay meanwhile | ${load.delayMs} ms |`);
