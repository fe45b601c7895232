import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';
import { RedisServerProcess } from '../support/redis-server-process.js';

/** RDB files both ways: redis-server's dump imported into Eddy, and `redis-cli --rdb` of Eddy loaded by redis-server. */

const run = promisify(execFile);
const EDDY_RDB = resolve(import.meta.dirname, '../../bin/eddy-rdb.js');
const work = mkdtempSync(join(tmpdir(), 'eddy-rdb-test-'));

/** Every key of databases 0 to 3 as DUMP-independent facts: type, value read back by type, TTL presence. */
async function dataset(client: Redis): Promise<Record<string, unknown>> {
  const facts: Record<string, unknown> = {};
  for (let db = 0; db < 4; db++) {
    await client.select(db);
    for (const key of (await client.keys('*')).sort()) {
      const type = await client.type(key);
      const value =
        type === 'string'
          ? await client.get(key)
          : type === 'list'
            ? await client.lrange(key, 0, -1)
            : type === 'set'
              ? (await client.smembers(key)).sort()
              : type === 'hash'
                ? await client.hgetall(key)
                : type === 'zset'
                  ? await client.zrange(key, '0', '-1', 'WITHSCORES')
                  : [await client.xrange(key, '-', '+'), await client.xinfo('GROUPS', key)];
      facts[`${db}:${key}`] = { type, value, expires: (await client.pttl(key)) > 0 };
    }
  }
  await client.select(0);
  facts.functions = await client.function('LIST');
  return facts;
}

async function fill(client: Redis): Promise<void> {
  await client.set('string', 'hello');
  await client.set('integer', '-12345');
  await client.set('long', 'abc'.repeat(500));
  await client.set('expiring', 'v', 'EX', 3600);
  await client.rpush('list', 'a', 'b', 'c', '1', '2');
  await client.rpush('biglist', ...Array.from({ length: 300 }, (_, i) => `item-${i}`));
  await client.sadd('set', 'x', 'y', 'z');
  await client.sadd('intset', '1', '2', '300000');
  await client.hset('hash', 'f', 'v', 'g', 'w');
  await client.hset('bighash', Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`field-${i}`, 'v'.repeat(i)])));
  await client.zadd('zset', 1, 'a', 2.5, 'b', -3, 'c');
  await client.zadd('bigzset', ...Array.from({ length: 200 }, (_, i) => [i / 3, `member-${i}`]).flat());
  await client.xadd('stream', '1-1', 'f', 'v');
  await client.xadd('stream', '2-1', 'g', 'w');
  await client.xgroup('CREATE', 'stream', 'group', '0');
  await client.xreadgroup('GROUP', 'group', 'consumer', 'COUNT', '1', 'STREAMS', 'stream', '>');
  await client.function('LOAD', "#!lua name=library\nredis.register_function('one', function() return 1 end)");
  await client.select(2);
  await client.set('elsewhere', '1');
  await client.hset('hash2', 'a', 'b');
  await client.select(0);
}

let redis: RedisServerProcess;
let redisClient: Redis;
let dump: Buffer;

beforeAll(async () => {
  redis = await RedisServerProcess.start();
  redisClient = new Redis({ port: redis.port, host: '127.0.0.1' });
  await fill(redisClient);
  await redisClient.save();
  dump = readFileSync(join(redis.dir, 'dump.rdb'));
});

afterAll(async () => {
  redisClient?.disconnect();
  await redis?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('eddy-rdb import', () => {
  it("loads a redis-server's dump into a new data directory that Eddy starts on with every key equal", async () => {
    const dir = join(work, 'imported');
    const { stdout } = await run(process.execPath, [EDDY_RDB, 'import', '--from', join(redis.dir, 'dump.rdb'), '--dir', dir, '--shards', '3']);
    expect(stdout).toContain('function libraries: 1');
    const eddy = await EddyProcess.start([], dir);
    const client = new Redis({ port: eddy.port, host: '127.0.0.1' });
    try {
      expect(await dataset(client)).toEqual(await dataset(redisClient));
    } finally {
      client.disconnect();
      await eddy.stop();
    }
  });

  it('refuses truncated and bit-flipped files with a clear error and leaves no data directory behind', async () => {
    const cuts = [0, 5, 20, Math.floor(dump.length / 2), dump.length - 1];
    const flips = [12, Math.floor(dump.length / 3), dump.length - 12];
    const files = [...cuts.map((length) => dump.subarray(0, length)), ...flips.map((at) => Buffer.from(dump.map((byte, i) => (i === at ? byte ^ 0x10 : byte))))];
    for (const [n, bytes] of files.entries()) {
      const file = join(work, `bad-${n}.rdb`);
      writeFileSync(file, bytes);
      const dir = join(work, `bad-${n}`);
      const failed = await run(process.execPath, [EDDY_RDB, 'import', '--from', file, '--dir', dir]).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toMatch(/^eddy-rdb: (RDB|not an RDB)/);
      expect(existsSync(dir)).toBe(false);
    }
    expect(readdirSync(work).filter((name) => name.includes('importing'))).toEqual([]);
  });
});

describe('--load-rdb', () => {
  it('loads the file into a new data directory at start, and a restart keeps the log written since', async () => {
    const file = join(redis.dir, 'dump.rdb');
    const eddy = await EddyProcess.start(['--load-rdb', file], join(work, 'loaded', 'data'));
    const client = new Redis({ port: eddy.port, host: '127.0.0.1' });
    try {
      expect(await dataset(client)).toEqual(await dataset(redisClient));
      expect(eddy.output.join('\n')).toContain('"event":"rdb-load-done"');
      await client.set('string', 'written after the load');
      client.disconnect();
      expect(await eddy.kill('SIGTERM')).toBe(0);
      await eddy.launch();
      const again = new Redis({ port: eddy.port, host: '127.0.0.1' });
      expect(await again.get('string')).toBe('written after the load');
      again.disconnect();
      expect(eddy.output.join('\n')).toContain('"event":"rdb-load-skipped"');
    } finally {
      client.disconnect();
      await eddy.stop();
    }
  });

  it('refuses to start on a file that is missing or not an RDB, leaving no data directory', async () => {
    for (const [n, file] of [join(work, 'no-such.rdb'), join(work, 'not-rdb.rdb')].entries()) {
      writeFileSync(join(work, 'not-rdb.rdb'), 'hello, not an RDB file');
      const dir = join(work, `refused-${n}`);
      const failed = await EddyProcess.start(['--load-rdb', file], dir).then(
        () => 'started',
        (error: Error) => error.message,
      );
      expect(failed).toMatch(n === 0 ? /load-rdb: .* does not exist/ : /not an RDB/);
      expect(existsSync(join(dir, 'CURRENT'))).toBe(false);
    }
  });
});

describe('RDB files out', () => {
  it('redis-cli --rdb against Eddy writes a file that redis-server loads with every key equal', async () => {
    const eddy = await EddyProcess.start();
    const client = new Redis({ port: eddy.port, host: '127.0.0.1' });
    const out = mkdtempSync(join(work, 'cli-'));
    try {
      await fill(client);
      await run('redis-cli', ['-p', String(eddy.port), '--rdb', join(out, 'dump.rdb')]);
      expect(await client.ping()).toBe('PONG');
      const loaded = await RedisServerProcess.start(['--dir', out]);
      const loadedClient = new Redis({ port: loaded.port, host: '127.0.0.1' });
      try {
        expect(await dataset(loadedClient)).toEqual(await dataset(client));
      } finally {
        loadedClient.disconnect();
        await loaded.stop();
      }
    } finally {
      client.disconnect();
      await eddy.stop();
    }
  });

  it('eddy-rdb export writes a data directory as an RDB file that redis-server loads with every key equal', async () => {
    const eddy = await EddyProcess.start();
    const client = new Redis({ port: eddy.port, host: '127.0.0.1' });
    const out = mkdtempSync(join(work, 'export-'));
    try {
      await fill(client);
      const expected = await dataset(client);
      await run(process.execPath, [EDDY_RDB, 'export', '--dir', eddy.dir, '--to', join(out, 'dump.rdb')]);
      const loaded = await RedisServerProcess.start(['--dir', out]);
      const loadedClient = new Redis({ port: loaded.port, host: '127.0.0.1' });
      try {
        expect(await dataset(loadedClient)).toEqual(expected);
      } finally {
        loadedClient.disconnect();
        await loaded.stop();
      }
    } finally {
      client.disconnect();
      await eddy.stop();
    }
  });
});
