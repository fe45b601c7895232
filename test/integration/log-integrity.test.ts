import { Redis } from 'ioredis';
import { Level } from 'level';
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, truncateSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';

const EDDY_LOG = resolve(import.meta.dirname, '../../dist/tools/eddy-log.js');

let server: EddyProcess | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Writes `count` keys one command at a time (one frame each), then stops the server cleanly. */
async function writeAndStop(eddy: EddyProcess, count: number): Promise<void> {
  const redis = new Redis({ port: eddy.port, protocol: 2 });
  for (let i = 0; i < count; i++) await redis.set(`k:${i}`, String(i));
  redis.disconnect();
  expect(await eddy.kill('SIGTERM')).toBe(0);
}

/** Flips a byte inside shard 0's frame number `index` (negative: from the newest). */
async function damageFrame(dir: string, index: number): Promise<number> {
  const db = new Level<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  const gte = Buffer.from([0x46, 0, 0]);
  const lte = Buffer.concat([Buffer.from([0x46, 0, 0]), Buffer.alloc(8, 0xff)]);
  const frames = await db.iterator({ gte, lte }).all();
  const [key, value] = frames.at(index) as [Buffer, Buffer];
  const damaged = Buffer.from(value);
  damaged[damaged.length - 2] ^= 0xff;
  await db.put(key, damaged);
  await db.close();
  return Number(key.readBigUInt64BE(3));
}

function eddyLog(...args: string[]): { status: number; output: string } {
  try {
    return { status: 0, output: execFileSync(process.execPath, [EDDY_LOG, ...args], { encoding: 'utf8' }) };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { status: failed.status, output: failed.stdout + failed.stderr };
  }
}

test('a corrupt newest frame is a torn tail: cut back to the last whole frame, reported, and the server starts', async () => {
  server = await EddyProcess.start(['--shards', '1', '--save', '']);
  await writeAndStop(server, 20);
  const cutAt = await damageFrame(server.dir, -1);
  await server.launch();
  const warning = server.output.find((line) => line.includes('torn log tail cut back'));
  expect(JSON.parse(warning as string)).toMatchObject({ fromRevision: cutAt, frames: 1, reason: 'checksum mismatch' });
  const redis = new Redis({ port: server.port, protocol: 2 });
  expect(await redis.get('k:18')).toBe('18');
  expect(await redis.get('k:19')).toBeNull();
  // The revision sequence goes on from the last whole frame.
  await redis.set('after', 'cut');
  expect(((await redis.call('LOGREAD', 'FROM', String(cutAt), 'COUNT', '10')) as [number, unknown[][]])[1].map((event) => event[4])).toEqual(['after']);
  redis.disconnect();
});

test('damage before later frames stops the start with a clear message; eddy-log verify finds it and repair cuts it', async () => {
  server = await EddyProcess.start(['--shards', '1', '--save', '']);
  await writeAndStop(server, 20);
  const damagedAt = await damageFrame(server.dir, 5);
  await expect(server.launch()).rejects.toThrow(/Refusing to start/);
  expect(server.exitCode).toBe(1);
  expect(server.output.join('\n')).toMatch(new RegExp(`corrupt frame in shard 0 at revision ${damagedAt}: checksum mismatch.*npm run log -- repair --dir`));

  const verified = eddyLog('verify', '--dir', server.dir);
  expect(verified.status).toBe(1);
  expect(verified.output).toContain(`corrupt: shard 0, frame from revision ${damagedAt}: checksum mismatch`);
  expect(verified.output).toContain(
    `1 corrupt frame(s); \`npm run log -- repair --dir ${server.dir}\` cuts the log back to revision ${damagedAt - 1}, before the first damaged frame (what came after it is lost: copy the directory first)`,
  );
  expect(eddyLog('repair', '--dir', server.dir).output).toContain(`cut the log back to revision ${damagedAt - 1}`);
  expect(eddyLog('verify', '--dir', server.dir).status).toBe(0);

  await server.launch();
  const redis = new Redis({ port: server.port, protocol: 2 });
  expect(await redis.dbsize()).toBe(damagedAt - 1);
  redis.disconnect();
});

test('a truncated newest LevelDB file (a torn write) is cut back: the server starts with a prefix of what was written', async () => {
  server = await EddyProcess.start(['--shards', '2', '--appendfsync', 'always', '--save', '']);
  const redis = new Redis({ port: server.port, protocol: 2 });
  for (let i = 0; i < 200; i++) await redis.mset(`{a}${i}`, String(i), `{b}${i}`, String(i));
  redis.disconnect();
  await server.kill('SIGKILL');
  const newest = readdirSync(server.dir)
    .filter((file) => /^\d+\.log$/.test(file))
    .sort()
    .at(-1) as string;
  const path = join(server.dir, newest);
  truncateSync(path, Math.max(0, statSync(path).size - 300));
  await server.launch();
  const reader = new Redis({ port: server.port, protocol: 2 });
  const values = await reader.mget(...Array.from({ length: 200 }, (_, i) => [`{a}${i}`, `{b}${i}`]).flat());
  reader.disconnect();
  const present = values.filter((value) => value !== null).length;
  // Whole transactions, and no hole: what survived is the first writes, in order.
  expect(values).toEqual(Array.from({ length: 200 }, (_, i) => (i * 2 < present ? [String(i), String(i)] : [null, null])).flat());
  expect(present).toBeGreaterThan(100);
});

test('eddy-log refuses a directory a running server holds', async () => {
  server = await EddyProcess.start([]);
  const result = eddyLog('stats', '--dir', server.dir);
  expect(result.status).toBe(1);
  expect(result.output).toContain('is in use by a running server');
});

test('eddy-log segments counts the bytes its frames hold, as stats does', async () => {
  server = await EddyProcess.start(['--shards', '2', '--save', '']);
  await writeAndStop(server, 300);
  const stats = eddyLog('stats', '--dir', server.dir).output;
  const statsBytes = Number(/^bytes: (\d+)$/m.exec(stats)?.[1]);
  expect(statsBytes).toBeGreaterThan(300 * 10);
  const rows = eddyLog('segments', '--dir', server.dir, '--segment-revisions', '100').output.trim().split('\n').slice(1);
  expect(rows.length).toBeGreaterThan(2);
  const columns = rows.map((row) => row.split('\t'));
  for (const column of columns) expect(Number(column[5])).toBeGreaterThan(0);
  expect(columns.reduce((sum, column) => sum + Number(column[5]), 0)).toBe(statsBytes);
});
