import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';
import { keysOnShard } from '../support/keys-on-shards.js';

let server: EddyProcess;
let redis: Redis;
let other: Redis;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  server = await EddyProcess.start(['--shards', '2']);
  // The restart test below brings the server back on the same port: the clients reconnect.
  redis = new Redis({ port: server.port, protocol: 2 });
  other = new Redis({ port: server.port, protocol: 2 });
  redis.on('error', () => undefined);
  other.on('error', () => undefined);
});
afterAll(async () => {
  redis.disconnect();
  other.disconnect();
  await server.stop();
});
beforeEach(async () => {
  await redis.flushall();
});

describe('MULTI / EXEC', () => {
  it('queues and runs commands; runtime errors do not roll back', async () => {
    await redis.set('str', 'v');
    const results = (await redis.multi().set('a', '1').incr('a').lpush('str', 'x').get('a').exec()) ?? [];
    expect(results.map(([, value]) => value)).toEqual(['OK', 2, undefined, '2']);
    expect((results[2][0] as Error).message).toBe('WRONGTYPE Operation against a key holding the wrong kind of value');
  });

  it('a queuing error aborts with EXECABORT and runs nothing', async () => {
    await redis.multi({ pipeline: false });
    await expect(redis.call('NOSUCHCOMMAND')).rejects.toThrow("ERR unknown command 'NOSUCHCOMMAND'");
    expect(await redis.call('SET', 'never', '1')).toBe('QUEUED');
    await expect(redis.exec()).rejects.toThrow('EXECABORT Transaction discarded because of previous errors.');
    expect(await redis.exists('never')).toBe(0);
  });

  it('DISCARD and the nesting errors', async () => {
    await redis.multi({ pipeline: false });
    await redis.call('SET', 'discarded', '1');
    expect(await redis.discard()).toBe('OK');
    expect(await redis.exists('discarded')).toBe(0);
    await expect(redis.exec()).rejects.toThrow('ERR EXEC without MULTI');
    await expect(redis.discard()).rejects.toThrow('ERR DISCARD without MULTI');
  });

  it('WATCH aborts when another client changes the key', async () => {
    await redis.set('w', '1');
    await redis.watch('w');
    await other.set('w', '2');
    expect(await redis.multi().set('w', 'mine').exec()).toBeNull();
    expect(await redis.get('w')).toBe('2');
    await redis.watch('w');
    expect(await redis.multi().set('w', 'mine').exec()).toEqual([[null, 'OK']]);
  });

  it('WATCH aborts on expiry, FLUSHDB and deletion of a watched key', async () => {
    await redis.set('e', '1', 'PX', 30);
    await redis.watch('e');
    await sleep(60);
    expect(await redis.multi().set('x', '1').exec()).toBeNull();
    await redis.set('f', '1');
    await redis.watch('f');
    await other.flushdb();
    expect(await redis.multi().set('x', '1').exec()).toBeNull();
    await redis.set('g', '1');
    await redis.watch('g');
    await other.del('g');
    expect(await redis.multi().set('x', '1').exec()).toBeNull();
    await redis.watch('untouched');
    await other.set('unrelated', '1');
    expect(await redis.multi().set('x', '1').exec()).toEqual([[null, 'OK']]);
    await redis.watch('u');
    expect(await redis.unwatch()).toBe('OK');
    await other.set('u', '1');
    expect(await redis.multi().set('x', '2').exec()).toEqual([[null, 'OK']]);
  });

  it('a transaction across shards is seen whole by other clients', async () => {
    const [a] = keysOnShard(0, 2, 1, 'ta');
    const [b] = keysOnShard(1, 2, 1, 'tb');
    await redis.mset(a, '0', b, '0');
    const writer = (async () => {
      for (let i = 1; i <= 200; i++) await redis.multi().set(a, String(i)).set(b, String(i)).exec();
    })();
    let torn = 0;
    for (let i = 0; i < 200; i++) {
      const [va, vb] = await other.mget(a, b);
      if (va !== vb) torn++;
    }
    await writer;
    expect(torn).toBe(0);
  });
});

describe('SORT', () => {
  it('sorts lists, sets and sorted sets numerically or ALPHA, with LIMIT, DESC, BY, GET and STORE', async () => {
    await redis.rpush('nums', '3', '1', '2', '10');
    expect(await redis.sort('nums')).toEqual(['1', '2', '3', '10']);
    expect(await redis.sort('nums', 'DESC', 'LIMIT', 0, 2)).toEqual(['10', '3']);
    expect(await redis.sort('nums', 'ALPHA')).toEqual(['1', '10', '2', '3']);
    await redis.sadd('users', 'alice', 'bob', 'carol');
    await redis.mset('age_alice', '30', 'age_bob', '20', 'age_carol', '25');
    await redis.hset('info_alice', 'city', 'Paris');
    await redis.hset('info_bob', 'city', 'Rome');
    expect(await redis.sort('users', 'BY', 'age_*')).toEqual(['bob', 'carol', 'alice']);
    expect(await redis.sort('users', 'BY', 'age_*', 'GET', '#', 'GET', 'info_*->city')).toEqual(['bob', 'Rome', 'carol', null, 'alice', 'Paris']);
    expect(await redis.sort('users', 'BY', 'nosort', 'ALPHA', 'STORE', 'out')).toBe(3);
    expect((await redis.lrange('out', 0, -1)).sort()).toEqual(['alice', 'bob', 'carol']);
    await redis.zadd('z', 3, 'c', 1, 'a', 2, 'b');
    expect(await redis.sort('z', 'ALPHA', 'DESC')).toEqual(['c', 'b', 'a']);
    expect(await redis.call('SORT_RO', 'nums', 'LIMIT', '1', '1')).toEqual(['2']);
    await expect(redis.call('SORT_RO', 'nums', 'STORE', 'x')).rejects.toThrow('ERR syntax error');
    await redis.rpush('words', 'b', 'a');
    await expect(redis.sort('words')).rejects.toThrow("ERR One or more scores can't be converted into double");
    await redis.set('str', 'v');
    await expect(redis.sort('str')).rejects.toThrow('WRONGTYPE');
  });
});

describe('every type survives a restart, and RENAME/COPY/MOVE carry collections', () => {
  it('rebuilds hashes, lists, sets and sorted sets from the log', async () => {
    const [a] = keysOnShard(0, 2, 1, 'ra');
    const [b] = keysOnShard(1, 2, 1, 'rb');
    await redis.hset('h', 'f1', 'v1', 'f2', 'v2');
    await redis.hdel('h', 'f1');
    await redis.rpush('l', 'x', 'y', 'z');
    await redis.lpop('l');
    await redis.linsert('l', 'BEFORE', 'z', 'w');
    await redis.sadd('s', 'm1', 'm2', 'm3');
    await redis.spop('s');
    await redis.zadd('z', 1, 'a', 2, 'b', 3, 'c');
    await redis.zpopmax('z');
    await redis.zadd(a, 5, 'five');
    await redis.rename(a, b);
    await redis.copy('h', 'h-copy');
    await redis.sadd('moved', 'v');
    await redis.move('moved', 3);
    await redis.sunionstore('union', 's', 's');
    const before = {
      h: await redis.hgetall('h'),
      l: await redis.lrange('l', 0, -1),
      s: (await redis.smembers('s')).sort(),
      z: await redis.zrange('z', 0, -1, 'WITHSCORES'),
      b: await redis.zrange(b, 0, -1, 'WITHSCORES'),
      copy: await redis.hgetall('h-copy'),
      union: (await redis.smembers('union')).sort(),
    };
    expect(await server.kill('SIGTERM')).toBe(0);
    await server.launch();
    const after = new Redis({ port: server.port, protocol: 2 });
    expect({
      h: await after.hgetall('h'),
      l: await after.lrange('l', 0, -1),
      s: (await after.smembers('s')).sort(),
      z: await after.zrange('z', 0, -1, 'WITHSCORES'),
      b: await after.zrange(b, 0, -1, 'WITHSCORES'),
      copy: await after.hgetall('h-copy'),
      union: (await after.smembers('union')).sort(),
    }).toEqual(before);
    expect(before.l).toEqual(['y', 'w', 'z']);
    await after.select(3);
    expect(await after.smembers('moved')).toEqual(['v']);
    after.disconnect();
  });
});
