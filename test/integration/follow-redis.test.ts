import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { dumpDataset } from '../support/dataset-dump.js';
import { EddyProcess } from '../support/eddy-process.js';
import { RedisServerProcess } from '../support/redis-server-process.js';

/**
 * Eddy as the replica of a real redis-server 7.x: a full resync (diskless and from disk) under a
 * write load, the stream followed to the primary's offset, every key compared, a partial resync
 * after the link drops, promotion; and a fake primary whose garbage must not hurt Eddy.
 */

const redisServers: RedisServerProcess[] = [];
const eddies: EddyProcess[] = [];
const clients: Redis[] = [];
const fakes: Server[] = [];

beforeAll(() => ensureDebianPackages({ 'redis-server': 'redis-server' }), 300_000);
afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const fake of fakes.splice(0)) fake.close();
  await Promise.all([...eddies.splice(0).map((eddy) => eddy.stop()), ...redisServers.splice(0).map((redis) => redis.stop())]);
});

async function startRedis(options: string[] = []): Promise<RedisServerProcess> {
  const redis = await RedisServerProcess.start(['--repl-diskless-sync-delay', '0', ...options]);
  redisServers.push(redis);
  return redis;
}

async function startEddy(primaryPort: number, args: string[] = []): Promise<EddyProcess> {
  const eddy = await EddyProcess.start(['--shards', '3', '--replicaof', '127.0.0.1', String(primaryPort), ...args]);
  eddies.push(eddy);
  return eddy;
}

function connect(port: number): Redis {
  const client = new Redis({ port, maxRetriesPerRequest: null, retryStrategy: () => 50 });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

const infoField = async (client: Redis, field: string, section = 'replication'): Promise<string | undefined> =>
  new RegExp(`^${field}:(.*?)\r?$`, 'm').exec(await client.info(section))?.[1];

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 100_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the follower has applied the primary's whole stream (its offset is the primary's). */
async function caughtUp(primary: Redis, follower: Redis): Promise<void> {
  await until("the follower's offset to reach the primary's", async () => {
    const [primaryOffset, followerOffset, status] = await Promise.all([
      infoField(primary, 'master_repl_offset'),
      infoField(follower, 'slave_repl_offset'),
      infoField(follower, 'master_link_status'),
    ]);
    return status === 'up' && primaryOffset === followerOffset;
  });
}

const LIBRARY = "#!lua name=followlib\nredis.register_function('twice', function(keys, args) return redis.call('INCRBY', keys[1], 2) end)";

/** Every type and encoding, expiry times, several databases and a function library. */
async function fill(redis: Redis, prefix: string, count: number): Promise<void> {
  const batch = redis.pipeline();
  for (let i = 0; i < count; i++) {
    const key = `${prefix}:${i}`;
    batch.set(`${key}:str`, `value ${i} ${'x'.repeat(i % 50)}`);
    batch.set(`${key}:int`, String(i * 7));
    batch.hset(`${key}:hash`, 'a', String(i), 'b', 'bee', 'c', 'c'.repeat(i % 80));
    batch.rpush(`${key}:list`, 'one', 'two', String(i), 'x'.repeat(i % 100));
    batch.sadd(`${key}:intset`, 1, 2, 3, i);
    batch.sadd(`${key}:set`, 'red', 'green', `blue${i}`);
    batch.zadd(`${key}:zset`, 1, 'one', 2.5, 'two', -i, `m${i}`);
    if (i % 10 === 0) {
      batch.xadd(`${key}:stream`, `${i + 1}-1`, 'field', 'value', 'n', String(i));
      batch.xadd(`${key}:stream`, `${i + 1}-2`, 'field', 'other');
      batch.xgroup('CREATE', `${key}:stream`, 'group', '0');
      batch.xreadgroup('GROUP', 'group', 'consumer', 'COUNT', '1', 'STREAMS', `${key}:stream`, '>');
      batch.pexpireat(`${key}:str`, Date.now() + 3_600_000 + i);
      batch.expire(`${key}:hash`, 7200);
    }
  }
  // Large values take other encodings (hashtable, quicklist of several nodes, skiplist).
  batch.hset(`${prefix}:bighash`, Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`f${i}`, `v${i}`])));
  batch.rpush(`${prefix}:biglist`, ...Array.from({ length: 2000 }, (_, i) => `item ${i}`));
  batch.zadd(`${prefix}:bigzset`, ...Array.from({ length: 300 }, (_, i) => [i / 3, `member ${i}`]).flat());
  batch.sadd(`${prefix}:bigset`, ...Array.from({ length: 600 }, (_, i) => `member ${i}`));
  await batch.exec();
  await redis.select(3);
  await redis.set(`${prefix}:in-db-3`, 'three');
  await redis.hset(`${prefix}:hash-in-db-3`, 'f', 'v');
  await redis.select(0);
  await redis.call('FUNCTION', 'LOAD', 'REPLACE', LIBRARY);
}

/**
 * Writes of many kinds, pipelined, until stopped: counters whose acknowledged values are kept (no
 * acknowledged write may be missing on the follower), transactions, a script, expiries, deletions,
 * another database.
 */
function writeLoad(redis: Redis): { stop(): Promise<Map<string, number>> } {
  let running = true;
  const acknowledged = new Map<string, number>();
  const done = (async () => {
    let round = 0;
    while (running) {
      round++;
      const batch = redis.pipeline();
      for (let i = 0; i < 40; i++) {
        const n = Math.floor(Math.random() * 200);
        switch ((round + i) % 10) {
          case 0:
            batch.set(`load:s:${n}`, `${round}:${i}`);
            break;
          case 1:
            batch.incr(`load:counter:${n % 20}`);
            break;
          case 2:
            batch.hset(`load:h:${n}`, `f${i % 7}`, String(round));
            break;
          case 3:
            batch.lpush(`load:l:${n % 30}`, String(round));
            batch.ltrim(`load:l:${n % 30}`, 0, 50);
            break;
          case 4:
            batch.zincrby(`load:z:${n % 10}`, 1.5, `m${i}`);
            break;
          case 5:
            batch.xadd(`load:x:${n % 5}`, 'MAXLEN', '100', '*', 'round', String(round));
            break;
          case 6:
            batch.expire(`load:s:${n}`, 3600 + n);
            break;
          case 7:
            batch.del(`load:h:${(n + 1) % 200}`);
            batch.spop(`seed:${n % 50}:set`);
            break;
          case 8:
            batch.call('MULTI');
            batch.incrbyfloat(`load:f:${n % 10}`, 0.25);
            batch.sadd(`load:set:${n % 10}`, String(round));
            batch.call('EXEC');
            break;
          case 9:
            batch.eval("redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCR', KEYS[2])", 2, `load:e:${n % 10}`, `load:counter:script`, String(round));
            batch.call('FCALL', 'twice', 1, `load:counter:function`);
            break;
        }
      }
      const counted = redis.pipeline();
      counted.select(5);
      counted.incr('load:in-db-5');
      counted.select(0);
      const [results, dbResults] = await Promise.all([batch.exec(), counted.exec()]);
      for (const [error] of results ?? []) if (error !== null) throw error;
      acknowledged.set('db5', Number(dbResults?.[1]?.[1]));
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      for (let i = 0; i < 20; i++) acknowledged.set(`load:counter:${i}`, Number((await redis.get(`load:counter:${i}`)) ?? 0));
      return acknowledged;
    },
  };
}

/** Every key of every database with its value and its exact expiry time. */
async function everyKey(client: Redis): Promise<Record<number, Record<string, unknown>>> {
  const dbs: Record<number, Record<string, unknown>> = {};
  for (let db = 0; db < 16; db++) {
    await client.select(db);
    const dump = await dumpDataset(client);
    if (Object.keys(dump).length === 0) continue;
    for (const key of Object.keys(dump)) {
      const entry = dump[key] as { type: string; value: unknown };
      // How a stream's radix tree is cut into nodes depends on its history (trims), not on what it holds.
      if (entry.type === 'stream') entry.value = withoutRadixTreeSizes(entry.value as unknown[]);
      dump[key] = { ...entry, expireAt: await client.pexpiretime(key) };
    }
    dbs[db] = dump;
  }
  await client.select(0);
  return dbs;
}

function withoutRadixTreeSizes(fields: unknown[]): unknown[] {
  const kept: unknown[] = [];
  for (let i = 0; i < fields.length; i += 2) if (fields[i] !== 'radix-tree-keys' && fields[i] !== 'radix-tree-nodes') kept.push(fields[i], fields[i + 1]);
  return kept;
}

async function expectSameKeys(primary: Redis, follower: Redis): Promise<void> {
  const [expected, actual] = [await everyKey(primary), await everyKey(follower)];
  expect(Object.keys(expected[0] ?? {}).length).toBeGreaterThan(0);
  expect(actual).toEqual(expected);
  expect(await follower.call('FUNCTION', 'LIST')).toEqual(await primary.call('FUNCTION', 'LIST'));
}

describe('following a redis-server primary', () => {
  test.each([
    ['diskless ($EOF: mark)', ['--repl-diskless-sync', 'yes']],
    ['from disk ($<length>)', ['--repl-diskless-sync', 'no']],
  ])(
    'a full resync %s under a write load, the stream followed, every key equal, then promotion',
    async (_name, options) => {
      const redis = await startRedis(options);
      const primary = connect(redis.port);
      await fill(primary, 'seed', 500);
      const load = writeLoad(connect(redis.port));
      const eddy = await startEddy(redis.port);
      const follower = connect(eddy.port);
      await until('the full resync', async () => (await infoField(follower, 'master_link_status')) === 'up');
      // The load goes on while Eddy follows the stream.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const acknowledged = await load.stop();
      await caughtUp(primary, follower);
      await expectSameKeys(primary, follower);
      expect(Number(await infoField(primary, 'sync_full', 'stats'))).toBe(1);
      for (const [key, value] of acknowledged)
        if (key === 'db5') {
          await follower.select(5);
          expect(Number(await follower.get('load:in-db-5'))).toBe(value);
          await follower.select(0);
        } else expect(Number((await follower.get(key)) ?? 0)).toBe(value);
      expect(await follower.role()).toEqual(['slave', '127.0.0.1', redis.port, 'connected', Number(await infoField(primary, 'master_repl_offset'))]);
      expect(await infoField(follower, 'master_replid')).toBe(await infoField(primary, 'master_replid'));
      await expect(follower.set('refused', 'x')).rejects.toThrow(/READONLY/);
      // Redis sees Eddy as its replica, acknowledging the stream.
      await until('the ACK of the whole stream', async () => (await infoField(primary, 'slave0'))?.includes(`offset=${await infoField(primary, 'master_repl_offset')}`) ?? false);

      expect(await follower.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
      expect(await follower.set('after-promotion', 'mine')).toBe('OK');
      expect(await follower.get('after-promotion')).toBe('mine');
      expect(await follower.incr('load:counter:1')).toBe((acknowledged.get('load:counter:1') ?? 0) + 1);
      expect((await follower.role())[0]).toBe('master');
    },
    180_000,
  );

  test('a partial resync after the link drops, within the primary backlog', async () => {
    // The load is unpaced: a default 1 MB backlog can overflow while Eddy reconnects on a busy machine.
    const redis = await startRedis(['--repl-backlog-size', '256mb']);
    const primary = connect(redis.port);
    await fill(primary, 'seed', 50);
    const eddy = await startEddy(redis.port);
    const follower = connect(eddy.port);
    await caughtUp(primary, follower);
    const load = writeLoad(connect(redis.port));
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Redis drops its replica's connection; Eddy reconnects and asks for the rest of the stream.
    expect(Number(await primary.call('CLIENT', 'KILL', 'TYPE', 'replica'))).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await load.stop();
    await caughtUp(primary, follower);
    expect(Number(await infoField(primary, 'sync_full', 'stats'))).toBe(1);
    expect(Number(await infoField(primary, 'sync_partial_ok', 'stats'))).toBe(1);
    await expectSameKeys(primary, follower);
  }, 180_000);

  test('as masteruser: an ACL user of the primary allowed only PSYNC, REPLCONF and PING, the default user password-protected', async () => {
    const redis = await startRedis();
    const setup = connect(redis.port);
    await setup.call('ACL', 'SETUSER', 'replicator', 'on', '>repl-pw', '+psync', '+replconf', '+ping');
    await setup.config('SET', 'requirepass', 'admin-pw');
    const primary = new Redis({ port: redis.port, password: 'admin-pw', maxRetriesPerRequest: null });
    clients.push(primary);
    await fill(primary, 'seed', 50);
    const eddy = await startEddy(redis.port, ['--masteruser', 'replicator', '--masterauth', 'repl-pw']);
    const follower = connect(eddy.port);
    await caughtUp(primary, follower);
    await expectSameKeys(primary, follower);
    expect(await infoField(follower, 'master_link_status')).toBe('up');
    // Nothing the follower sent was refused.
    expect(await primary.call('ACL', 'LOG')).toEqual([]);
  }, 180_000);

  test('a full resync after the link drops past the primary backlog', async () => {
    const redis = await startRedis(['--repl-backlog-size', '16384']);
    const primary = connect(redis.port);
    await fill(primary, 'seed', 20);
    const eddy = await startEddy(redis.port);
    const follower = connect(eddy.port);
    await caughtUp(primary, follower);
    // The link drops and, before Eddy is back, far more than the backlog is written.
    const batch = primary.pipeline();
    batch.call('CLIENT', 'KILL', 'TYPE', 'replica');
    for (let i = 0; i < 20; i++) batch.set(`big:${i}`, 'x'.repeat(20_000));
    await batch.exec();
    await caughtUp(primary, follower);
    expect(Number(await infoField(primary, 'sync_full', 'stats'))).toBe(2);
    expect(Number(await infoField(primary, 'sync_partial_err', 'stats'))).toBe(1);
    await expectSameKeys(primary, follower);
  }, 180_000);

  test('REPLICAOF a redis-server again after a promotion: its copy replaces what Eddy wrote', async () => {
    const redis = await startRedis();
    const primary = connect(redis.port);
    await fill(primary, 'seed', 20);
    const eddy = await startEddy(redis.port);
    const follower = connect(eddy.port);
    await caughtUp(primary, follower);
    await follower.call('REPLICAOF', 'NO', 'ONE');
    await follower.set('eddy-only', 'mine');
    await primary.set('redis-later', 'theirs');
    expect(await follower.call('REPLICAOF', '127.0.0.1', String(redis.port))).toBe('OK');
    await caughtUp(primary, follower);
    expect(await follower.exists('eddy-only')).toBe(0);
    expect(await follower.get('redis-later')).toBe('theirs');
    await expectSameKeys(primary, follower);
  }, 180_000);
});

/** A fake primary: answers the handshake, then sends `after(socket)`'s bytes. Counts its connections. */
async function fakePrimary(after: (socket: Socket) => void): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.on('error', () => undefined);
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (;;) {
        // Commands arrive as RESP arrays of bulks: answer each once it is whole.
        const match = /^\*(\d+)\r\n((?:\$\d+\r\n[^]*?\r\n)*)/.exec(buffered);
        if (match === null) return;
        const parts = [...match[2].matchAll(/\$(\d+)\r\n/g)];
        if (parts.length < Number(match[1])) return;
        const words: string[] = [];
        let at = match[1].length + 3;
        for (let i = 0; i < Number(match[1]); i++) {
          const header = /^\$(\d+)\r\n/.exec(buffered.slice(at));
          if (header === null) return;
          const length = Number(header[1]);
          if (buffered.length < at + header[0].length + length + 2) return;
          words.push(buffered.slice(at + header[0].length, at + header[0].length + length));
          at += header[0].length + length + 2;
        }
        buffered = buffered.slice(at);
        const name = words[0].toUpperCase();
        if (name === 'PING') socket.write('+PONG\r\n');
        else if (name === 'REPLCONF' && words[1].toUpperCase() !== 'ACK') socket.write('+OK\r\n');
        else if (name === 'REPLSYNC') socket.write(`-ERR unknown command '${words[0]}', with args beginning with: \r\n`);
        else if (name === 'PSYNC') {
          socket.write(`+FULLRESYNC ${'a'.repeat(40)} 0\r\n`);
          after(socket);
        }
      }
    });
  });
  fakes.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, connections: () => connections };
}

/** An RDB file written by the real redis-server, with a few keys. */
async function realRdb(): Promise<Buffer> {
  const redis = await startRedis();
  const client = connect(redis.port);
  await client.set('from-rdb', 'yes');
  await client.rpush('list-from-rdb', 'a', 'b');
  await client.call('SAVE');
  const [, dir] = (await client.config('GET', 'dir')) as string[];
  return readFileSync(join(dir, 'dump.rdb'));
}

describe('a primary that sends garbage', () => {
  test.each([
    ['a malformed RDB', (socket: Socket) => socket.write(`$EOF:${'m'.repeat(40)}\r\nREDIS0010 not an rdb at all${'m'.repeat(40)}`)],
    ['a huge RDB length, then a close', (socket: Socket) => socket.end('$99999999999999999999\r\n')],
    ['an RDB cut short', (socket: Socket) => socket.end('$1000\r\nREDIS0010')],
    ['no RDB header at all', (socket: Socket) => socket.write('%not a header\r\n')],
  ])('%s: Eddy stays up, says why, and tries again', async (_name, send) => {
    const fake = await fakePrimary(send);
    const eddy = await startEddy(fake.port);
    const follower = connect(eddy.port);
    await until('a second attempt (after the probe for an Eddy primary, and the first)', async () => fake.connections() >= 3);
    expect(await follower.ping()).toBe('PONG');
    expect(await infoField(follower, 'master_link_status')).toBe('down');
    expect(await infoField(follower, 'master_sync_last_error')).toMatch(/RDB|header|closed/);
  });

  test('a stream of garbage after a good RDB: errors are logged or the link restarts; the RDB stays loaded', async () => {
    const rdb = await realRdb();
    let attempts = 0;
    const fake = await fakePrimary((socket) => {
      // Later attempts get no RDB: the one loaded stays.
      if (++attempts > 1) return;
      socket.write(`$${rdb.length}\r\n`);
      socket.write(rdb);
      // An unknown command and a wrong arity are the primary's business: logged, the stream goes on.
      socket.write('*1\r\n$7\r\nNOSUCHC\r\n*2\r\n$3\r\nSET\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$4\r\ngood\r\n$3\r\nyes\r\n');
      // Then something that is no command at all.
      socket.write(':12\r\n');
    });
    const eddy = await startEddy(fake.port);
    const follower = connect(eddy.port);
    await until('the command after the bad ones', async () => (await follower.get('good')) === 'yes');
    await until('a second attempt (after the probe for an Eddy primary, and the first)', async () => fake.connections() >= 3);
    expect(await follower.get('from-rdb')).toBe('yes');
    expect(await follower.lrange('list-from-rdb', 0, -1)).toEqual(['a', 'b']);
    expect(await infoField(follower, 'master_sync_last_error')).toMatch(/not a command/);
    expect(await follower.ping()).toBe('PONG');
  });
});
