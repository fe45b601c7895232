import { Redis } from 'ioredis';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { EddyProcess } from '../support/eddy-process.js';
import { RedisServerProcess } from '../support/redis-server-process.js';

/**
 * The server's log as an operator's tools read it: JSON lines with a stable `event` field, in the
 * file --logfile names, reopened on SIGHUP after logrotate moved it; progress lines while a long
 * recovery runs; and the log's commit and fsync times in LATENCY.
 */

const LAUNCHER = resolve(import.meta.dirname, '../../bin/eddy.js');

type Line = Record<string, unknown> & { event?: string; msg: string };

const scratch: string[] = [];
const running: EddyProcess[] = [];
const clients: Redis[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(running.splice(0).map((server) => server.stop()));
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-logs-'));
  scratch.push(dir);
  return dir;
}

function connect(port: number): Redis {
  const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

function linesOf(text: string): Line[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Line);
}

const fileLines = (file: string): Line[] => (existsSync(file) ? linesOf(readFileSync(file, 'utf8')) : []);
const outputLines = (server: EddyProcess): Line[] => linesOf(server.output.join('\n'));
const withEvent = (lines: Line[], event: string): Line[] => lines.filter((line) => line.event === event);

/** bin/eddy.js (the launcher, which runs the server as its child) logging to `logfile`; resolves with its port once listening. */
async function startWithLogfile(
  dir: string,
  logfile: string,
  args: string[] = [],
): Promise<{ child: ChildProcess; port: number; exited: Promise<number | null>; output: () => string }> {
  const child = spawn(process.execPath, [LAUNCHER, '--port', '0', '--dir', dir, '--logfile', logfile, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  await expect.poll(() => withEvent(fileLines(logfile), 'server-listening').length, { timeout: 20_000 }).toBe(1);
  // Nothing of the log goes to stdout once it has a file.
  expect(stdout).toBe('');
  return { child, port: withEvent(fileLines(logfile), 'server-listening')[0].port as number, exited, output: () => stdout };
}

describe('--logfile', () => {
  test('lines go to the file with their events; after mv and SIGHUP a new file gets them and the server lives on', async () => {
    const dir = tempDir();
    const logfile = join(dir, 'eddy.log');
    const { child, port, exited } = await startWithLogfile(join(dir, 'data'), logfile, ['--save', '', '--log-segment-revisions', '16', '--log-retention', '1s']);
    const client = connect(port);
    expect(await client.config('GET', 'logfile')).toEqual(['logfile', logfile]);
    await expect(client.config('SET', 'logfile', join(dir, 'other.log'))).rejects.toThrow(
      "ERR CONFIG SET failed (possibly related to argument 'logfile') - can't set immutable config",
    );

    const started = fileLines(logfile);
    expect(withEvent(started, 'recovery-start')[0]).toMatchObject({ revision: 0 });
    expect(withEvent(started, 'recovery-done')[0]).toMatchObject({ records: 0, keys: 0, revision: 0 });
    expect(withEvent(started, 'server-listening')[0]).toMatchObject({ port, bind: '127.0.0.1' });
    // The launcher runs the server as its child: the SIGHUP below reaches it through launch.ts.
    expect(started[0].pid).not.toBe(child.pid);

    // logrotate's way: move the file, then SIGHUP (to the launcher, which passes it on).
    renameSync(logfile, `${logfile}.1`);
    child.kill('SIGHUP');
    await expect.poll(() => withEvent(fileLines(logfile), 'logfile-reopen').length, { timeout: 10_000 }).toBe(1);
    expect(await client.ping()).toBe('PONG');

    // A checkpoint and a retention pass, logged in the new file.
    for (let i = 0; i < 100; i++) await client.set(`key:${i}`, String(i));
    expect(await client.save()).toBe('OK');
    const checkpoint = withEvent(fileLines(logfile), 'checkpoint-done')[0];
    expect(checkpoint).toMatchObject({ revision: 100, keys: 100 });
    expect(checkpoint.bytes).toBeGreaterThan(0);
    expect(checkpoint.seconds).toBeGreaterThanOrEqual(0);
    expect(withEvent(fileLines(logfile), 'checkpoint-start')[0]).toMatchObject({ revision: 100 });
    await new Promise((resolveWait) => setTimeout(resolveWait, 1100));
    await client.set('late', 'x');
    await client.bgrewriteaof();
    await expect.poll(() => withEvent(fileLines(logfile), 'retention-compacted').length, { timeout: 10_000 }).toBeGreaterThan(0);
    const retention = withEvent(fileLines(logfile), 'retention-compacted')[0];
    expect(retention.segments).toBeGreaterThan(0);
    expect(retention.oldestRevision).toBeGreaterThan(1);

    // The moved file kept what came before the SIGHUP, and nothing after.
    const rotated = fileLines(`${logfile}.1`);
    expect(withEvent(rotated, 'server-listening')).toHaveLength(1);
    expect(withEvent(rotated, 'checkpoint-done')).toHaveLength(0);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const stopped = fileLines(logfile);
    expect(withEvent(stopped, 'shutdown-start')[0]).toMatchObject({ reason: 'SIGTERM' });
    expect(withEvent(stopped, 'shutdown-done')[0]).toMatchObject({ revision: 101 });
  });

  test('a reopen that fails (the directory is gone) leaves the server running; the next SIGHUP that can reopen does', async () => {
    const dir = tempDir();
    const logfile = join(dir, 'logs', 'eddy.log');
    mkdirSync(join(dir, 'logs'));
    const { child, port, output } = await startWithLogfile(join(dir, 'data'), logfile, ['--save', '']);
    const client = connect(port);
    rmSync(join(dir, 'logs'), { recursive: true });
    child.kill('SIGHUP');
    await expect.poll(output, { timeout: 10_000 }).toMatch(/eddy: the log file .* failed: ENOENT/);
    expect(await client.ping()).toBe('PONG');
    mkdirSync(join(dir, 'logs'));
    child.kill('SIGHUP');
    await expect.poll(() => withEvent(fileLines(logfile), 'logfile-reopen').length, { timeout: 10_000 }).toBe(1);
    await client.save();
    expect(withEvent(fileLines(logfile), 'checkpoint-done')).toHaveLength(1);
    expect(child.exitCode).toBeNull();
  });

  test('without a logfile, SIGHUP leaves the server running (it logs to stdout as before)', async () => {
    const server = await EddyProcess.start(['--save', '']);
    running.push(server);
    const client = connect(server.port);
    expect(await client.config('GET', 'logfile')).toEqual(['logfile', '']);
    process.kill(withEvent(outputLines(server), 'server-listening')[0].pid as number, 'SIGHUP');
    // A ping after the signal has been handled (signals arrive between event-loop turns).
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
    expect(await client.ping()).toBe('PONG');
    expect(server.exitCode).toBeNull();
  });

  test('a logfile that cannot be opened: the server says why and exits 1', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [LAUNCHER, '--port', '0', '--dir', join(dir, 'data'), '--logfile', join(dir, 'no-such-dir', 'eddy.log')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolveExit) => child.once('exit', (exitCode) => resolveExit(exitCode)));
    expect(code).toBe(1);
    expect(stderr).toMatch(/eddy: could not start: logfile: .*ENOENT/);
  });
});

describe('recovery progress', () => {
  test('a recovery logs recovery-progress lines (at progress-log-interval) with records, rate and revisions left', async () => {
    const server = await EddyProcess.start(['--shards', '2', '--save', '', '--progress-log-interval', '1']);
    running.push(server);
    const client = connect(server.port);
    const value = 'v'.repeat(64);
    // Many small commits: the replay reads them frame by frame.
    for (let round = 0; round < 200; round++) {
      const pipeline = client.pipeline();
      for (let i = 0; i < 250; i++) pipeline.set(`k:${round}:${i}`, value);
      await pipeline.exec();
    }
    client.disconnect();
    expect(await server.kill('SIGTERM')).toBe(0);
    server.output.length = 0;
    await server.launch();
    const lines = outputLines(server);
    const progress = withEvent(lines, 'recovery-progress');
    expect(progress.length).toBeGreaterThan(0);
    for (const line of progress) {
      expect(line.records).toBeGreaterThan(0);
      expect(line.records).toBeLessThanOrEqual(50_000);
      expect(typeof line.recordsPerSecond).toBe('number');
      expect(line.revisionsRemaining).toBeGreaterThanOrEqual(0);
      expect(line.revisionsRemaining).toBeLessThan(50_000);
    }
    // Records only grow from one line to the next.
    const counts = progress.map((line) => line.records as number);
    expect([...counts].sort((a, b) => a - b)).toEqual(counts);
    expect(withEvent(lines, 'recovery-done')[0]).toMatchObject({ records: 50_000, keys: 50_000, revision: 50_000 });
  });
});

describe('LATENCY log-commit and fsync', () => {
  test('with appendfsync always and a 1 ms threshold, commits and their syncs are sampled', async () => {
    const server = await EddyProcess.start(['--appendfsync', 'always', '--save', '']);
    running.push(server);
    const client = connect(server.port);
    await client.config('SET', 'latency-monitor-threshold', '1');
    const value = 'x'.repeat(4096);
    for (let round = 0; round < 20; round++) {
      const pipeline = client.pipeline();
      for (let i = 0; i < 500; i++) pipeline.set(`big:${round}:${i}`, value);
      await pipeline.exec();
    }
    await client.config('SET', 'latency-monitor-threshold', '0');
    const latest = (await client.call('LATENCY', 'LATEST')) as [string, number, number, number][];
    const events = new Map(latest.map(([event, , latency, max]) => [event, { latency, max }]));
    expect(events.get('log-commit')?.max).toBeGreaterThanOrEqual(1);
    expect(events.get('fsync')?.max).toBeGreaterThanOrEqual(1);
    const history = (await client.call('LATENCY', 'HISTORY', 'fsync')) as [number, number][];
    expect(history.length).toBeGreaterThan(0);
    expect(await client.call('LATENCY', 'GRAPH', 'log-commit')).toMatch(/^log-commit - high \d+ ms, low \d+ ms/);
  });

  test('with appendfsync no, commits are sampled but nothing as fsync', async () => {
    const server = await EddyProcess.start(['--appendfsync', 'no', '--save', '', '--latency-monitor-threshold', '1']);
    running.push(server);
    const client = connect(server.port);
    const value = 'x'.repeat(4096);
    for (let round = 0; round < 20; round++) {
      const pipeline = client.pipeline();
      for (let i = 0; i < 500; i++) pipeline.set(`big:${round}:${i}`, value);
      await pipeline.exec();
    }
    // With `no`, replies do not wait for the write: the last commit may still be under way.
    await expect.poll(async () => ((await client.call('LATENCY', 'LATEST')) as [string][]).map(([event]) => event), { timeout: 10_000 }).toContain('log-commit');
    expect(((await client.call('LATENCY', 'LATEST')) as [string][]).map(([event]) => event)).not.toContain('fsync');
  });
});

describe('follower link events', () => {
  test('a follower logs link-connecting, sync-start/sync-done or link-connected, and link-down; its primary logs follower-attached and -detached', async () => {
    const primary = await EddyProcess.start(['--save', '']);
    running.push(primary);
    await connect(primary.port).set('before', 'x');
    const follower = await EddyProcess.start(['--save', '', '--replicaof', '127.0.0.1', String(primary.port)]);
    running.push(follower);
    const followerClient = connect(follower.port);
    await expect.poll(() => followerClient.get('before'), { timeout: 20_000 }).toBe('x');
    const link = outputLines(follower);
    expect(withEvent(link, 'link-connecting')[0]).toMatchObject({ host: '127.0.0.1', port: primary.port });
    const synced = withEvent(link, 'sync-start').length > 0 ? 'sync-done' : 'link-connected';
    await expect.poll(() => withEvent(outputLines(follower), synced).length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => withEvent(outputLines(primary), 'follower-attached').length, { timeout: 10_000 }).toBe(1);
    expect(withEvent(outputLines(primary), 'follower-attached')[0].client).toMatch(/127\.0\.0\.1/);

    // The primary goes: the follower says its link is down (and keeps retrying, quietly).
    expect(await primary.kill('SIGTERM')).toBe(0);
    await expect.poll(() => withEvent(outputLines(follower), 'link-down').length, { timeout: 10_000 }).toBe(1);
    expect(withEvent(outputLines(follower), 'link-down')[0]).toMatchObject({ host: '127.0.0.1', port: primary.port });
    expect(withEvent(outputLines(primary), 'follower-detached')).toHaveLength(1);
    await new Promise((resolveWait) => setTimeout(resolveWait, 1000));
    // One line for the first attempt, one after the link went down: not one per retry.
    expect(withEvent(outputLines(follower), 'link-connecting')).toHaveLength(2);
  });

  test('a follower behind retention logs sync-start, sync-progress (at progress-log-interval) and sync-done with the rows loaded', async () => {
    const primary = await EddyProcess.start(['--save', '', '--log-segment-revisions', '16', '--log-retention', '1s']);
    running.push(primary);
    const writer = connect(primary.port);
    for (let round = 0; round < 40; round++) {
      const pipeline = writer.pipeline();
      for (let i = 0; i < 500; i++) pipeline.set(`old:${round}:${i}`, 'v'.repeat(64));
      await pipeline.exec();
    }
    await writer.save();
    await new Promise((resolveWait) => setTimeout(resolveWait, 1100));
    await writer.set('late', '1');
    await writer.bgrewriteaof();
    await expect.poll(async () => Number(/log_oldest_revision:(\d+)/.exec(await writer.info('log'))?.[1])).toBeGreaterThan(1);
    const follower = await EddyProcess.start(['--save', '', '--progress-log-interval', '1', '--replicaof', '127.0.0.1', String(primary.port)]);
    running.push(follower);
    await expect.poll(() => withEvent(outputLines(follower), 'sync-done').length, { timeout: 30_000 }).toBe(1);
    const lines = outputLines(follower);
    expect(withEvent(lines, 'sync-start')[0].revisions).toHaveLength(withEvent(lines, 'server-listening')[0].shards as number);
    const progress = withEvent(lines, 'sync-progress');
    expect(progress.length).toBeGreaterThan(0);
    for (const line of progress) expect(typeof line.rowsPerSecond).toBe('number');
    // The rows the primary's checkpoint sends (every key it held, at least), counted up to the end.
    const counts = progress.map((line) => line.rows as number);
    expect(counts[0]).toBeGreaterThan(0);
    expect([...counts].sort((a, b) => a - b)).toEqual(counts);
    const done = withEvent(lines, 'sync-done')[0].rows as number;
    expect(done).toBeGreaterThanOrEqual(20_000);
    expect(done).toBeGreaterThanOrEqual(counts.at(-1) as number);
    expect(await connect(follower.port).dbsize()).toBe(20_001);
  });

  test('following a redis-server: the same link events (link-connecting, sync-start, sync-done, link-down)', async () => {
    await ensureDebianPackages({ 'redis-server': 'redis-server' });
    const primary = await RedisServerProcess.start(['--repl-diskless-sync-delay', '0']);
    try {
      const primaryClient = connect(primary.port);
      await primaryClient.set('before', 'x');
      const follower = await EddyProcess.start(['--save', '', '--replicaof', '127.0.0.1', String(primary.port)]);
      running.push(follower);
      const followerClient = connect(follower.port);
      await expect.poll(() => followerClient.get('before'), { timeout: 30_000 }).toBe('x');
      await expect.poll(() => withEvent(outputLines(follower), 'sync-done').length, { timeout: 10_000 }).toBe(1);
      const lines = outputLines(follower);
      expect(withEvent(lines, 'link-connecting')[0]).toMatchObject({ host: '127.0.0.1', port: primary.port });
      expect(withEvent(lines, 'sync-start')[0]).toMatchObject({ host: '127.0.0.1', port: primary.port });
      primaryClient.disconnect();
      await primary.stop();
      await expect.poll(() => withEvent(outputLines(follower), 'link-down').length, { timeout: 10_000 }).toBe(1);
    } finally {
      await primary.stop();
    }
  }, 300_000);
});
