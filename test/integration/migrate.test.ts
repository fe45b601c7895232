import { Redis } from 'ioredis';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { dumpDataset } from '../support/dataset-dump.js';
import { EddyProcess } from '../support/eddy-process.js';
import { RedisServerProcess } from '../support/redis-server-process.js';

/** MIGRATE between Eddy and a real redis-server, both ways, for every type; and its errors. */

let redis: RedisServerProcess;
let eddy: EddyProcess;
let otherEddy: EddyProcess;
const clients: Redis[] = [];

beforeAll(() => ensureDebianPackages({ 'redis-server': 'redis-server' }), 300_000);
beforeAll(async () => {
  [redis, eddy, otherEddy] = await Promise.all([RedisServerProcess.start(), EddyProcess.start(['--shards', '2']), EddyProcess.start(['--requirepass', 'sesame'])]);
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await Promise.all([redis?.stop(), eddy?.stop(), otherEddy?.stop()]);
});

function connect(port: number, password?: string): Redis {
  const client = new Redis({ port, host: '127.0.0.1', password, maxRetriesPerRequest: 0, disableClientInfo: true });
  clients.push(client);
  return client;
}

beforeEach(async () => {
  for (const client of [connect(redis.port), connect(eddy.port), connect(otherEddy.port, 'sesame')]) {
    await client.flushall();
    client.disconnect();
  }
});

/** One key of every type, some with a time to live; a stream with a group, a consumer and pending entries. */
async function fill(client: Redis): Promise<string[]> {
  await client.set('string', 'hello');
  await client.set('number', '12345', 'EX', 1000);
  await client.set('big', 'x'.repeat(20_000));
  await client.rpush('list', 'a', 'b', 'c', ...Array.from({ length: 300 }, (_, i) => `item-${i}`));
  await client.hset('hash', { f1: 'v1', f2: 'v2' });
  await client.hset('big-hash', Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`field-${i}`, `value-${i}`])));
  await client.sadd('intset', 1, 2, 3, 100_000);
  await client.sadd('set', 'x', 'y', 'z');
  await client.zadd('zset', 1, 'one', 2.5, 'two', -3, 'three');
  await client.pexpire('zset', 500_000);
  for (let i = 0; i < 5; i++) await client.xadd('stream', `${i + 1}-0`, 'field', `value-${i}`);
  await client.xgroup('CREATE', 'stream', 'group', '0');
  await client.xreadgroup('GROUP', 'group', 'consumer', 'COUNT', '2', 'STREAMS', 'stream', '>');
  await client.pfadd('hll', 'a', 'b', 'c');
  return (await client.keys('*')).sort();
}

describe('MIGRATE between Eddy and redis-server', () => {
  for (const [from, to] of [
    ['eddy', 'redis'],
    ['redis', 'eddy'],
  ] as const) {
    it(`moves every type from ${from} to ${to}: values, TTLs, groups; the source loses each key`, async () => {
      const source = connect(from === 'eddy' ? eddy.port : redis.port);
      const target = connect(to === 'eddy' ? eddy.port : redis.port);
      const targetPort = to === 'eddy' ? eddy.port : redis.port;
      const keys = await fill(source);
      const before = await dumpDataset(source);
      // One key alone, the others with KEYS, into database 3.
      expect(await source.migrate('127.0.0.1', targetPort, keys[0], 3, 5000)).toBe('OK');
      expect(await source.call('MIGRATE', '127.0.0.1', targetPort, '', 3, 5000, 'KEYS', ...keys.slice(1))).toBe('OK');
      expect(await source.dbsize()).toBe(0);
      await target.select(3);
      expect(await dumpDataset(target)).toEqual(before);
      expect(await target.ttl('number')).toBeGreaterThan(990);
    });
  }

  it('answers as redis-server does: NOKEY, BUSYKEY from the target, COPY keeps the key, REPLACE overwrites', async () => {
    const replies = async (sourcePort: number, targetPort: number) => {
      const source = connect(sourcePort);
      const target = connect(targetPort);
      await source.set('k', 'source');
      await target.set('k', 'target');
      const answers = [
        await source.migrate('127.0.0.1', targetPort, 'missing', 0, 1000),
        await source.migrate('127.0.0.1', targetPort, 'k', 0, 1000).catch((error: Error) => error.message),
        await source.get('k'),
        await source.migrate('127.0.0.1', targetPort, 'k', 0, 1000, 'COPY', 'REPLACE'),
        await source.get('k'),
        await target.get('k'),
        await source.migrate('127.0.0.1', targetPort, 'k', 0, 1000, 'KEYS', 'k').catch((error: Error) => error.message),
        await source.migrate('127.0.0.1', targetPort, 'k', 0, 'soon').catch((error: Error) => error.message),
        await source.call('MIGRATE', '127.0.0.1', targetPort, 'k', 0, 1000, 'AUTH').catch((error: Error) => error.message),
        await source.migrate('127.0.0.1', targetPort, 'k', 0, 1000, 'AUTH', 'wrong').catch((error: Error) => error.message),
        await source.get('k'),
      ];
      await source.flushall();
      await target.flushall();
      return answers;
    };
    // Each server migrating to the other: the same answers.
    const expected = await replies(redis.port, eddy.port);
    expect(await replies(eddy.port, redis.port)).toEqual(expected);
    expect(expected[0]).toBe('NOKEY');
  });
});

describe('MIGRATE from Eddy', () => {
  it('authenticates with AUTH and AUTH2 and caches its connection', async () => {
    const source = connect(eddy.port);
    const target = connect(otherEddy.port, 'sesame');
    await source.set('a', '1');
    await source.set('b', '2');
    expect(await source.migrate('127.0.0.1', otherEddy.port, 'a', 0, 1000, 'AUTH', 'sesame')).toBe('OK');
    expect(await source.migrate('127.0.0.1', otherEddy.port, 'b', 0, 1000, 'AUTH2', 'default', 'sesame')).toBe('OK');
    expect(await target.mget('a', 'b')).toEqual(['1', '2']);
    expect(await source.info('stats')).toMatch(/migrate_cached_sockets:[12]\r\n/);
  });

  it('keeps the key when the target cannot be reached or does not answer in time', async () => {
    const source = connect(eddy.port);
    await source.set('stays', 'here');
    const closed = await new Promise<Server>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => resolve(server));
    });
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(source.migrate('127.0.0.1', closedPort, 'stays', 0, 500)).rejects.toThrow('IOERR error or timeout connecting to the client');
    // A target that accepts and never replies.
    const silent = await new Promise<Server>((resolve) => {
      const server = createServer(() => undefined).listen(0, '127.0.0.1', () => resolve(server));
    });
    try {
      const silentPort = (silent.address() as { port: number }).port;
      await expect(source.migrate('127.0.0.1', silentPort, 'stays', 0, 200)).rejects.toThrow('IOERR error or timeout reading to target instance');
    } finally {
      silent.close();
    }
    expect(await source.get('stays')).toBe('here');
  });

  it('holds writes to the key until the target answered', async () => {
    const source = connect(eddy.port);
    const writer = connect(eddy.port);
    await source.set('moving', 'old');
    // The target busy for a moment, so that the SET surely arrives while MIGRATE waits for it.
    await connect(redis.port).call('CLIENT', 'PAUSE', '500', 'WRITE');
    const migrated = source.migrate('127.0.0.1', redis.port, 'moving', 0, 5000);
    for (let tries = 0; !String(await writer.client('LIST')).includes('cmd=migrate') && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 5));
    const written = writer.set('moving', 'new');
    expect(await migrated).toBe('OK');
    await written;
    // The SET came after the key left: it made a new key, it did not change the one migrated.
    expect(await connect(redis.port).get('moving')).toBe('old');
    expect(await source.get('moving')).toBe('new');
  });
});
