import { Redis } from 'ioredis';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { dumpDataset } from '../support/dataset-dump.js';
import { EddyProcess } from '../support/eddy-process.js';

const PITR = resolve(import.meta.dirname, '../../dist/tools/eddy-pitr.js');

let source: EddyProcess;
let redis: Redis;
const restoreDirs: string[] = [];

beforeAll(async () => {
  source = await EddyProcess.start(['--save', '', '--shards', '4']);
  redis = new Redis({ port: source.port, protocol: 2 });
});
afterAll(async () => {
  redis.disconnect();
  await source.stop();
  for (const dir of restoreDirs) rmSync(dir, { recursive: true, force: true });
});

const nextRev = async () => ((await redis.call('LOGREAD', 'FROM', '$')) as [number, unknown[]])[0];

/** A random mixed workload of `count` commands (seeded, so runs repeat). */
async function workload(count: number, seed: number): Promise<void> {
  let state = seed;
  const random = (n: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
  const batch = redis.pipeline();
  for (let i = 0; i < count; i++) {
    const key = `key:${random(200)}`;
    switch (random(8)) {
      case 0:
        batch.del(key);
        break;
      case 1:
        batch.hset(`h:${random(20)}`, `f${random(10)}`, String(i));
        break;
      case 2:
        batch.rpush(`l:${random(20)}`, String(i));
        break;
      case 3:
        batch.zadd(`z:${random(20)}`, random(100), `m${random(30)}`);
        break;
      case 4:
        batch.sadd(`s:${random(20)}`, `m${random(30)}`);
        break;
      case 5:
        batch.mset(`{t}a${random(5)}`, String(i), `b${random(50)}`, String(i));
        break;
      default:
        batch.set(key, String(i));
    }
  }
  await batch.exec();
}

/** Restores `--rev`/`--time` into a new directory, starts a server on it, and returns its dataset. */
async function restoredDataset(...args: string[]): Promise<{ dataset: Record<string, unknown>; output: string }> {
  const to = join(mkdtempSync(join(tmpdir(), 'eddy-pitr-test-')), 'restored');
  restoreDirs.push(to);
  const output = execFileSync(process.execPath, [PITR, '--from', source.dir, '--to', to, ...args], { encoding: 'utf8' });
  const restored = await EddyProcess.start(['--save', ''], to);
  const client = new Redis({ port: restored.port, protocol: 2 });
  const dataset = await dumpDataset(client);
  client.disconnect();
  await restored.kill('SIGTERM');
  return { dataset, output };
}

test('restoring to recorded revisions and times gives exactly the state then, while the source server runs', async () => {
  const points: { rev: number; time: string; dataset: Record<string, unknown> }[] = [];
  for (let phase = 0; phase < 4; phase++) {
    await workload(400, phase + 1);
    if (phase === 1) expect(await redis.save()).toBe('OK'); // later points replay from a checkpoint
    points.push({ rev: (await nextRev()) - 1, time: new Date().toISOString(), dataset: await dumpDataset(redis) });
    await new Promise((resolve) => setTimeout(resolve, 20)); // the next phase's writes come strictly later
  }
  for (const point of [points[0], points[2]]) {
    const { dataset, output } = await restoredDataset('--rev', String(point.rev));
    expect(dataset).toEqual(point.dataset);
    expect(output).toContain(`restored revision ${point.rev}`);
  }
  expect((await restoredDataset('--time', points[1].time)).dataset).toEqual(points[1].dataset);
  expect((await restoredDataset('--rev', String(points[3].rev))).dataset).toEqual(points[3].dataset);
  // The source was only read.
  expect(await dumpDataset(redis)).toEqual(points[3].dataset);
});

test('a transaction across the target revision is left out whole; --dry-run reports without writing', async () => {
  const before = await dumpDataset(redis);
  const first = await nextRev();
  await redis.mset('{x}1', 'a', '{y}2', 'b', '{z}3', 'c', '{w}4', 'd');
  const { dataset, output } = await restoredDataset('--rev', String(first + 1));
  expect(output).toContain(`restored revision ${first - 1} (a transaction across revision ${first + 1} is left out whole)`);
  expect(dataset).toEqual(before);
  const dryRun = execFileSync(process.execPath, [PITR, '--from', source.dir, '--rev', String(first + 3), '--dry-run'], { encoding: 'utf8' });
  expect(dryRun).toMatch(new RegExp(`would restore revision ${first + 3}: per shard from checkpoint revisions .*, replaying up to \\d+ records`));
});

test('bad arguments are clear errors', () => {
  const run = (...args: string[]) => {
    try {
      execFileSync(process.execPath, [PITR, ...args], { encoding: 'utf8', stdio: 'pipe' });
      return '';
    } catch (error) {
      return (error as { stderr: string }).stderr;
    }
  };
  expect(run('--from', source.dir, '--to', '/tmp/x', '--rev', 'soon')).toContain("--rev must be a revision number or 'latest', not 'soon'");
  expect(run('--from', source.dir, '--to', '/tmp/x')).toContain('give --from, --to, and one of --rev or --time');
  expect(run('--from', '/nonexistent', '--to', '/tmp/x', '--rev', '1')).toContain('could not take a consistent copy');
});

test('a revision past the end of the log, or a time after its newest record, is refused naming the newest; --rev latest restores it', async () => {
  await redis.set('newest', 'here');
  const newest = (await nextRev()) - 1;
  const run = (...args: string[]) => {
    try {
      return { status: 0, output: execFileSync(process.execPath, [PITR, '--from', source.dir, ...args], { encoding: 'utf8', stdio: 'pipe' }) };
    } catch (error) {
      return { status: (error as { status: number }).status, output: (error as { stderr: string }).stderr };
    }
  };
  const past = run('--to', join(tmpdir(), 'eddy-never-written'), '--rev', String(newest + 9999));
  expect(past.status).toBe(1);
  expect(past.output).toMatch(new RegExp(`revision ${newest + 9999} is past the end of the log: the newest revision held is ${newest}, written at \\d{4}-`));
  expect(run('--rev', String(newest + 1), '--dry-run').output).toContain(`the newest revision held is ${newest}`);
  const later = run('--to', join(tmpdir(), 'eddy-never-written'), '--time', new Date(Date.now() + 60_000).toISOString());
  expect(later.status).toBe(1);
  expect(later.output).toContain(`is after the newest record: the newest revision held is ${newest}`);
  const { dataset, output } = await restoredDataset('--rev', 'latest');
  expect(output).toContain(`restored revision ${newest}`);
  expect(dataset).toEqual(await dumpDataset(redis));
});
