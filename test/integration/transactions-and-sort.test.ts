import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eddyForFile } from '../support/eddy-for-file.js';
import { RespStream } from '../support/resp-stream.js';
import { keysOnShard } from '../support/keys-on-shards.js';

let other: Redis;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const eddy = eddyForFile(['--shards', '2']);
beforeAll(() => {
  // A second client; it reconnects by itself after the restart test brings the server back.
  other = new Redis({ port: eddy.server.port, protocol: 2 });
  other.on('error', () => undefined);
});
afterAll(() => other.disconnect());

describe('MULTI / EXEC', () => {
  it('queues and runs commands; runtime errors do not roll back', async () => {
    await eddy.redis.set('str', 'v');
    const results = (await eddy.redis.multi().set('a', '1').incr('a').lpush('str', 'x').get('a').exec()) ?? [];
    expect(results.map(([, value]) => value)).toEqual(['OK', 2, undefined, '2']);
    expect((results[2][0] as Error).message).toBe('WRONGTYPE Operation against a key holding the wrong kind of value');
  });

  it('a queuing error aborts with EXECABORT and runs nothing', async () => {
    await eddy.redis.multi({ pipeline: false });
    await expect(eddy.redis.call('NOSUCHCOMMAND')).rejects.toThrow("ERR unknown command 'NOSUCHCOMMAND'");
    expect(await eddy.redis.call('SET', 'never', '1')).toBe('QUEUED');
    await expect(eddy.redis.exec()).rejects.toThrow('EXECABORT Transaction discarded because of previous errors.');
    expect(await eddy.redis.exists('never')).toBe(0);
  });

  it('DISCARD and the nesting errors', async () => {
    await eddy.redis.multi({ pipeline: false });
    await eddy.redis.call('SET', 'discarded', '1');
    expect(await eddy.redis.discard()).toBe('OK');
    expect(await eddy.redis.exists('discarded')).toBe(0);
    await expect(eddy.redis.exec()).rejects.toThrow('ERR EXEC without MULTI');
    await expect(eddy.redis.discard()).rejects.toThrow('ERR DISCARD without MULTI');
  });

  it('WATCH aborts when another client changes the key', async () => {
    await eddy.redis.set('w', '1');
    await eddy.redis.watch('w');
    await other.set('w', '2');
    expect(await eddy.redis.multi().set('w', 'mine').exec()).toBeNull();
    expect(await eddy.redis.get('w')).toBe('2');
    await eddy.redis.watch('w');
    expect(await eddy.redis.multi().set('w', 'mine').exec()).toEqual([[null, 'OK']]);
  });

  it('WATCH aborts on expiry, FLUSHDB and deletion of a watched key', async () => {
    await eddy.redis.set('e', '1', 'PX', 30);
    await eddy.redis.watch('e');
    await sleep(60);
    expect(await eddy.redis.multi().set('x', '1').exec()).toBeNull();
    await eddy.redis.set('f', '1');
    await eddy.redis.watch('f');
    await other.flushdb();
    expect(await eddy.redis.multi().set('x', '1').exec()).toBeNull();
    await eddy.redis.set('g', '1');
    await eddy.redis.watch('g');
    await other.del('g');
    expect(await eddy.redis.multi().set('x', '1').exec()).toBeNull();
    await eddy.redis.watch('untouched');
    await other.set('unrelated', '1');
    expect(await eddy.redis.multi().set('x', '1').exec()).toEqual([[null, 'OK']]);
    await eddy.redis.watch('u');
    expect(await eddy.redis.unwatch()).toBe('OK');
    await other.set('u', '1');
    expect(await eddy.redis.multi().set('x', '2').exec()).toEqual([[null, 'OK']]);
  });

  it('a transaction across shards is seen whole by other clients', async () => {
    const [a] = keysOnShard(0, 2, 1, 'ta');
    const [b] = keysOnShard(1, 2, 1, 'tb');
    await eddy.redis.mset(a, '0', b, '0');
    const writer = (async () => {
      for (let i = 1; i <= 200; i++) await eddy.redis.multi().set(a, String(i)).set(b, String(i)).exec();
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
    await eddy.redis.rpush('nums', '3', '1', '2', '10');
    expect(await eddy.redis.sort('nums')).toEqual(['1', '2', '3', '10']);
    expect(await eddy.redis.call('sort', 'nums', 'DESC', 'LIMIT', 0, 2)).toEqual(['10', '3']);
    expect(await eddy.redis.sort('nums', 'ALPHA')).toEqual(['1', '10', '2', '3']);
    await eddy.redis.sadd('users', 'alice', 'bob', 'carol');
    await eddy.redis.mset('age_alice', '30', 'age_bob', '20', 'age_carol', '25');
    await eddy.redis.hset('info_alice', 'city', 'Paris');
    await eddy.redis.hset('info_bob', 'city', 'Rome');
    expect(await eddy.redis.sort('users', 'BY', 'age_*')).toEqual(['bob', 'carol', 'alice']);
    expect(await eddy.redis.sort('users', 'BY', 'age_*', 'GET', '#', 'GET', 'info_*->city')).toEqual(['bob', 'Rome', 'carol', null, 'alice', 'Paris']);
    expect(await eddy.redis.sort('users', 'BY', 'nosort', 'ALPHA', 'STORE', 'out')).toBe(3);
    expect((await eddy.redis.lrange('out', 0, -1)).sort()).toEqual(['alice', 'bob', 'carol']);
    await eddy.redis.zadd('z', 3, 'c', 1, 'a', 2, 'b');
    expect(await eddy.redis.call('sort', 'z', 'ALPHA', 'DESC')).toEqual(['c', 'b', 'a']);
    expect(await eddy.redis.call('SORT_RO', 'nums', 'LIMIT', '1', '1')).toEqual(['2']);
    await expect(eddy.redis.call('SORT_RO', 'nums', 'STORE', 'x')).rejects.toThrow('ERR syntax error');
    await eddy.redis.rpush('words', 'b', 'a');
    await expect(eddy.redis.sort('words')).rejects.toThrow("ERR One or more scores can't be converted into double");
    await eddy.redis.set('str', 'v');
    await expect(eddy.redis.sort('str')).rejects.toThrow('WRONGTYPE');
  });
});

describe('every type survives a restart, and RENAME/COPY/MOVE carry collections', () => {
  it('rebuilds hashes, lists, sets and sorted sets from the log', async () => {
    const [a] = keysOnShard(0, 2, 1, 'ra');
    const [b] = keysOnShard(1, 2, 1, 'rb');
    await eddy.redis.hset('h', 'f1', 'v1', 'f2', 'v2');
    await eddy.redis.hdel('h', 'f1');
    await eddy.redis.rpush('l', 'x', 'y', 'z');
    await eddy.redis.lpop('l');
    await eddy.redis.linsert('l', 'BEFORE', 'z', 'w');
    await eddy.redis.sadd('s', 'm1', 'm2', 'm3');
    await eddy.redis.spop('s');
    await eddy.redis.zadd('z', 1, 'a', 2, 'b', 3, 'c');
    await eddy.redis.zpopmax('z');
    await eddy.redis.zadd(a, 5, 'five');
    await eddy.redis.rename(a, b);
    await eddy.redis.copy('h', 'h-copy');
    await eddy.redis.sadd('moved', 'v');
    await eddy.redis.move('moved', 3);
    await eddy.redis.sunionstore('union', 's', 's');
    const before = {
      h: await eddy.redis.hgetall('h'),
      l: await eddy.redis.lrange('l', 0, -1),
      s: (await eddy.redis.smembers('s')).sort(),
      z: await eddy.redis.zrange('z', 0, '-1', 'WITHSCORES'),
      b: await eddy.redis.zrange(b, 0, '-1', 'WITHSCORES'),
      copy: await eddy.redis.hgetall('h-copy'),
      union: (await eddy.redis.smembers('union')).sort(),
    };
    expect(await eddy.server.kill('SIGTERM')).toBe(0);
    await eddy.server.launch();
    const after = new Redis({ port: eddy.server.port, protocol: 2 });
    expect({
      h: await after.hgetall('h'),
      l: await after.lrange('l', 0, -1),
      s: (await after.smembers('s')).sort(),
      z: await after.zrange('z', 0, '-1', 'WITHSCORES'),
      b: await after.zrange(b, 0, '-1', 'WITHSCORES'),
      copy: await after.hgetall('h-copy'),
      union: (await after.smembers('union')).sort(),
    }).toEqual(before);
    expect(before.l).toEqual(['y', 'w', 'z']);
    await after.select(3);
    expect(await after.smembers('moved')).toEqual(['v']);
    after.disconnect();
  });
});

describe('WATCH and FLUSHDB', () => {
  it('FLUSHDB breaks only watches on keys that existed', async () => {
    const other = new Redis({ port: eddy.server.port, protocol: 2 });
    await eddy.redis.watch('never-existed');
    await other.flushdb();
    expect(await eddy.redis.multi().set('x', '1').exec()).toEqual([[null, 'OK']]);
    other.disconnect();
  });
});

describe('commands a transaction cannot hold', () => {
  it('subscribing inside MULTI is refused and the transaction aborts, the stream stays in step', async () => {
    for (const command of [['SUBSCRIBE', 'c'], ['PSUBSCRIBE', 'p*'], ['TAIL'], ['LOGREAD', 'FROM', '1']]) {
      const client = await RespStream.open(eddy.server.port, 3);
      client.send('MULTI');
      expect(await client.next()).toBe('OK');
      client.send(...command);
      expect(await client.next()).toEqual({ error: 'ERR Command not allowed inside a transaction' });
      client.send('EXEC');
      expect(await client.next()).toEqual({ error: 'EXECABORT Transaction discarded because of previous errors.' });
      client.send('PING');
      expect(await client.next()).toBe('PONG');
      client.close();
    }
  });
});

describe('time in a transaction', () => {
  it('EXEC runs its commands at one time: a key set with PX 100 is still there for a GET queued after 150 ms of work', async () => {
    // As Redis 7: the time is read when EXEC starts; the queued commands keep it.
    const busy = 'local t = os.clock() while os.clock() - t < 0.15 do end return 1';
    const results = (await eddy.redis.multi().set('short', 'v', 'PX', 100).eval(busy, 0).get('short').exec()) ?? [];
    expect(results.map(([, value]) => value)).toEqual(['OK', 1, 'v']);
    expect(await eddy.redis.get('short')).toBeNull();
  });
});
