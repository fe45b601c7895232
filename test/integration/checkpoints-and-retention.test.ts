import { Redis } from 'ioredis';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { dumpDataset } from '../support/dataset-dump.js';
import { EddyProcess } from '../support/eddy-process.js';
import { RespStream } from '../support/resp-stream.js';

const PITR = resolve(import.meta.dirname, '../../dist/tools/eddy-pitr.js');

let server: EddyProcess | undefined;
let redis: Redis | undefined;
afterEach(async () => {
  redis?.disconnect();
  await server?.stop();
  server = undefined;
  redis = undefined;
});

async function start(args: string[]): Promise<Redis> {
  server = await EddyProcess.start(args);
  redis = new Redis({ port: server.port, protocol: 2 });
  redis.on('error', () => undefined);
  return redis;
}

/** The `recovered from the log` line of the latest start. */
function recoveryLine(eddy: EddyProcess): { records: number; checkpoint: number; keys: number } {
  const line = [...eddy.output].reverse().find((entry) => entry.includes('recovered from the log')) as string;
  return JSON.parse(line);
}

const info = async (client: Redis, field: string) => Number(new RegExp(`${field}:(\\d+)`).exec(await client.info(field.startsWith('log_') ? 'log' : 'persistence'))?.[1]);

describe('checkpoints', () => {
  test('SAVE writes a checkpoint; a restart loads it and replays only the records after it', async () => {
    const client = await start(['--save', '']);
    const batch = client.pipeline();
    for (let i = 0; i < 500; i++) batch.set(`s:${i}`, String(i));
    batch.hset('h', 'f', 'v', 'g', 'w').rpush('l', 'a', 'b').sadd('st', 'x', 'y').zadd('z', 1.5, 'm').set('ttl', 'v', 'EX', 1000);
    await batch.exec();
    const before = await client.lastsave();
    expect(await client.save()).toBe('OK');
    expect(await client.lastsave()).toBeGreaterThanOrEqual(before);
    expect(await info(client, 'rdb_changes_since_last_save')).toBe(0);
    await client.set('after', 'checkpoint');
    await client.del('s:0');
    const expected = await dumpDataset(client);
    const eddy = server as EddyProcess;
    expect(await eddy.kill('SIGTERM')).toBe(0);
    await eddy.launch();
    const recovery = recoveryLine(eddy);
    expect(recovery.checkpoint).toBeGreaterThan(500);
    expect(recovery.records).toBe(2);
    expect(await dumpDataset(client)).toEqual(expected);
    expect(await client.bgsave()).toBe('Background saving started');
  });

  test('SIGTERM and SIGINT take a checkpoint when save rules are set, as Redis saves on them; shutdown-on-sigint nosave does not', async () => {
    const client = await start(['--save', '3600 1', '--shutdown-on-sigint', 'nosave']);
    const batch = client.pipeline();
    for (let i = 0; i < 300; i++) batch.set(`t:${i}`, String(i));
    await batch.exec();
    const eddy = server as EddyProcess;
    expect(await eddy.kill('SIGTERM')).toBe(0);
    await eddy.launch();
    // The checkpoint holds everything: the start replays nothing.
    expect(recoveryLine(eddy)).toMatchObject({ records: 0, keys: 300 });
    expect(recoveryLine(eddy).checkpoint).toBeGreaterThanOrEqual(300);
    await client.set('after', 'the checkpoint');
    expect(await eddy.kill('SIGINT')).toBe(0);
    await eddy.launch();
    expect(recoveryLine(eddy)).toMatchObject({ records: 1, keys: 301 });
    expect(await client.get('after')).toBe('the checkpoint');
  });

  test('a checkpoint taken while writes go on holds exactly the state at its revision', async () => {
    const client = await start(['--save', '', '--appendfsync', 'always']);
    const seed = client.pipeline();
    for (let i = 0; i < 20_000; i++) seed.set(`k:${i}`, 'old');
    seed.rpush('list', ...Array.from({ length: 100 }, (_, i) => String(i)));
    await seed.exec();
    let writing = true;
    let round = 0;
    const writer = (async () => {
      while (writing) {
        const batch = client.pipeline();
        for (let i = 0; i < 200; i++) {
          const k = (round * 200 + i) % 25_000;
          if (i % 7 === 0) batch.del(`k:${k}`);
          else batch.set(`k:${k}`, `new ${round}`);
        }
        batch.lpop('list').rpush('list', `r${round}`).hincrby('counter', 'n', 1);
        await batch.exec();
        round++;
      }
    })();
    const checkpoint = client.duplicate();
    expect(await checkpoint.save()).toBe('OK');
    checkpoint.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 100));
    writing = false;
    await writer;
    const expected = await dumpDataset(client);
    const eddy = server as EddyProcess;
    await eddy.kill('SIGKILL');
    await eddy.launch();
    expect(recoveryLine(eddy).checkpoint).toBeGreaterThan(20_000);
    expect(await dumpDataset(client)).toEqual(expected);
  });
});

describe('retention', () => {
  test('old segments go once a checkpoint covers them; readers asking for them get COMPACTED', async () => {
    const client = await start(['--save', '', '--log-segment-revisions', '16', '--log-retention', '1s']);
    for (let i = 0; i < 100; i++) await client.set(`r:${i}`, String(i));
    await client.rpush('r:list', 'a');
    expect(await client.save()).toBe('OK');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await client.set('r:late', 'x');
    expect(await client.bgrewriteaof()).toBe('Background append only file rewriting started');
    // The pass drops shard by shard: the oldest revision is final once the rewrite is over.
    await expect.poll(() => info(client, 'aof_rewrite_in_progress')).toBe(0);
    await expect.poll(() => info(client, 'log_oldest_revision')).toBeGreaterThan(1);
    const oldest = await info(client, 'log_oldest_revision');
    const error = `COMPACTED oldest available revision is ${oldest}`;
    await expect(client.call('LOGREAD', 'FROM', '1')).rejects.toThrow(error);
    const tail = await RespStream.open((server as EddyProcess).port, 3);
    tail.send('TAIL', 'FROM', String(oldest - 1));
    expect(await tail.next()).toEqual({ error });
    tail.send('TAIL', 'FROM', String(oldest), 'MATCH', 'r:*');
    expect(await tail.next()).toEqual(['tail', oldest]);
    expect(((await tail.next()) as unknown[])[1]).toBe(oldest);
    tail.close();
    const [, events] = (await client.call('LOGREAD', 'FROM', String(oldest), 'COUNT', '1000')) as [number, unknown[][]];
    expect(events.map((event) => event[4])).toContain('r:late');
    expect(Number(/log_segments:(\d+)/.exec(await client.info('log'))?.[1])).toBeGreaterThan(0);
    // WITHVALUES starts from the checkpoint: a list begun before the cut shows whole.
    await client.rpush('r:list', 'b');
    const [next] = (await client.call('LOGREAD', 'FROM', '$')) as [number];
    const valuesTail = await RespStream.open((server as EddyProcess).port, 3);
    valuesTail.send('TAIL', 'FROM', String(next - 1), 'KEYS', 'r:list', 'WITHVALUES');
    expect(await valuesTail.next()).toEqual(['tail', next - 1]);
    expect(((await valuesTail.next()) as unknown[])[7]).toEqual(['a', 'b']);
    valuesTail.close();
    // Point-in-time recovery cannot reach below what retention kept either.
    const pitr = spawnSync(process.execPath, [PITR, '--from', (server as EddyProcess).dir, '--rev', '1', '--dry-run'], { encoding: 'utf8' });
    expect(pitr.status).toBe(1);
    expect(pitr.stderr).toMatch(/revision 1 is older than what the log holds \(oldest available: \d+\)/);
    // Everything is still there, and stays after a restart, which starts from the checkpoint.
    const expected = await dumpDataset(client);
    const eddy = server as EddyProcess;
    expect(await eddy.kill('SIGTERM')).toBe(0);
    await eddy.launch();
    expect(await dumpDataset(client)).toEqual(expected);
    expect(await info(client, 'log_oldest_revision')).toBe(oldest);
  });

  test('a bad retention or save value is a clear error', async () => {
    const client = await start([]);
    await expect(client.config('SET', 'log-retention', 'forever')).rejects.toThrow(/log-retention/);
    await expect(client.config('SET', 'save', '10')).rejects.toThrow(/save/);
    expect(await client.config('SET', 'log-retention', '7d 10gb')).toBe('OK');
  });
});
