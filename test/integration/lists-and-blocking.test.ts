import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForBlockedClients } from '../support/blocked-clients.js';
import { eddyForFile } from '../support/eddy-for-file.js';
import { RawConnection } from '../support/raw-connection.js';

const extra: Redis[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const eddy = eddyForFile(['--shards', '2']);

function client(): Redis {
  const connection = new Redis({ port: eddy.server.port, protocol: 2 });
  extra.push(connection);
  return connection;
}
afterEach(() => {
  for (const connection of extra.splice(0)) connection.disconnect();
});

describe('lists', () => {
  it('push, pop, range, index, length', async () => {
    expect(await eddy.redis.rpush('l', 'a', 'b', 'c')).toBe(3);
    expect(await eddy.redis.lpush('l', 'z', 'y')).toBe(5);
    expect(await eddy.redis.lrange('l', 0, -1)).toEqual(['y', 'z', 'a', 'b', 'c']);
    expect(await eddy.redis.lrange('l', -2, 100)).toEqual(['b', 'c']);
    expect(await eddy.redis.lindex('l', -1)).toBe('c');
    expect(await eddy.redis.lindex('l', 99)).toBeNull();
    expect(await eddy.redis.llen('l')).toBe(5);
    expect(await eddy.redis.lpop('l')).toBe('y');
    expect(await eddy.redis.rpop('l', 2)).toEqual(['c', 'b']);
    expect(await eddy.redis.lpop('l', 0)).toEqual([]);
    expect(await eddy.redis.lpop('nothing', 2)).toBeNull();
    expect(await eddy.redis.lpushx('nothing', 'a')).toBe(0);
    expect(await eddy.redis.rpushx('l', 'q')).toBe(3);
    expect(await eddy.redis.lpop('l', 10)).toEqual(['z', 'a', 'q']);
    expect(await eddy.redis.exists('l')).toBe(0);
  });

  it('LSET, LINSERT, LREM, LTRIM, LPOS', async () => {
    await eddy.redis.rpush('l', 'a', 'b', 'c', 'b', 'a', 'b');
    expect(await eddy.redis.lset('l', 1, 'B')).toBe('OK');
    await expect(eddy.redis.lset('l', 99, 'x')).rejects.toThrow('ERR index out of range');
    await expect(eddy.redis.lset('none', 0, 'x')).rejects.toThrow('ERR no such key');
    expect(await eddy.redis.linsert('l', 'BEFORE', 'c', 'before-c')).toBe(7);
    expect(await eddy.redis.linsert('l', 'AFTER', 'c', 'after-c')).toBe(8);
    expect(await eddy.redis.linsert('l', 'AFTER', 'nope', 'x')).toBe(-1);
    expect(await eddy.redis.lrange('l', 0, -1)).toEqual(['a', 'B', 'before-c', 'c', 'after-c', 'b', 'a', 'b']);
    expect(await eddy.redis.lpos('l', 'b')).toBe(5);
    expect(await eddy.redis.lpos('l', 'b', 'RANK', -1)).toBe(7);
    expect(await eddy.redis.lpos('l', 'a', 'COUNT', 0)).toEqual([0, 6]);
    expect(await eddy.redis.lpos('l', 'b', 'MAXLEN', 3)).toBeNull();
    await expect(eddy.redis.lpos('l', 'b', 'RANK', 0)).rejects.toThrow("ERR RANK can't be zero");
    expect(await eddy.redis.lrem('l', -1, 'b')).toBe(1);
    expect(await eddy.redis.lrem('l', 0, 'a')).toBe(2);
    expect(await eddy.redis.lrange('l', 0, -1)).toEqual(['B', 'before-c', 'c', 'after-c', 'b']);
    expect(await eddy.redis.ltrim('l', 1, -2)).toBe('OK');
    expect(await eddy.redis.lrange('l', 0, -1)).toEqual(['before-c', 'c', 'after-c']);
    expect(await eddy.redis.ltrim('l', 5, 10)).toBe('OK');
    expect(await eddy.redis.exists('l')).toBe(0);
  });

  it('LMOVE, RPOPLPUSH and LMPOP', async () => {
    await eddy.redis.rpush('src', '1', '2', '3');
    expect(await eddy.redis.lmove('src', 'dst', 'LEFT', 'RIGHT')).toBe('1');
    expect(await eddy.redis.rpoplpush('src', 'dst')).toBe('3');
    expect(await eddy.redis.lrange('dst', 0, -1)).toEqual(['3', '1']);
    expect(await eddy.redis.lmove('src', 'src', 'LEFT', 'RIGHT')).toBe('2');
    expect(await eddy.redis.lmove('empty', 'dst', 'LEFT', 'LEFT')).toBeNull();
    expect(await eddy.redis.call('LMPOP', '2', 'empty', 'dst', 'RIGHT', 'COUNT', '5')).toEqual(['dst', ['1', '3']]);
    expect(await eddy.redis.call('LMPOP', '1', 'empty', 'LEFT')).toBeNull();
    await expect(eddy.redis.call('LMPOP', '0', 'x', 'LEFT')).rejects.toThrow('ERR numkeys should be greater than 0');
    await eddy.redis.set('str', 'v');
    await eddy.redis.rpush('src2', 'a');
    await expect(eddy.redis.lmove('src2', 'str', 'LEFT', 'LEFT')).rejects.toThrow('WRONGTYPE');
    expect(await eddy.redis.llen('src2')).toBe(1);
  });

  it('encoding: quicklist at any size, as in Redis 7.0', async () => {
    await eddy.redis.rpush('l', 'a');
    expect(await eddy.redis.object('ENCODING', 'l')).toBe('quicklist');
    await eddy.redis.rpush('l', 'x'.repeat(9000));
    expect(await eddy.redis.object('ENCODING', 'l')).toBe('quicklist');
  });
});

describe('blocking list commands', () => {
  it('BLPOP returns at once when data is there, and times out with a null', async () => {
    await eddy.redis.rpush('l', 'a');
    expect(await eddy.redis.blpop('empty', 'l', 1)).toEqual(['l', 'a']);
    const started = Date.now();
    expect(await eddy.redis.blpop('empty', 0.2)).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    await expect(eddy.redis.blpop('x', -1)).rejects.toThrow('ERR timeout is negative');
    await expect(eddy.redis.blpop('x', 'soon')).rejects.toThrow('ERR timeout is not a float or out of range');
  });

  it('a push from another client wakes blocked clients, first blocked first served', async () => {
    const first = client();
    const second = client();
    const third = client();
    const a = first.blpop('queue', 5);
    await waitForBlockedClients(eddy.redis, 1);
    const b = second.brpop('queue', 'other', 5);
    await waitForBlockedClients(eddy.redis, 2);
    const c = third.blpop('other', 5);
    await waitForBlockedClients(eddy.redis, 3);
    await eddy.redis.rpush('queue', 'one', 'two');
    expect(await a).toEqual(['queue', 'one']);
    expect(await b).toEqual(['queue', 'two']);
    await eddy.redis.lpush('other', 'x');
    expect(await c).toEqual(['other', 'x']);
    expect(await eddy.redis.exists('queue', 'other')).toBe(0);
  });

  it('BLMOVE, BRPOPLPUSH and BLMPOP wake on push', async () => {
    const waiter = client();
    const moved = waiter.blmove('from', 'to', 'RIGHT', 'LEFT', 5);
    await waitForBlockedClients(eddy.redis, 1);
    await eddy.redis.rpush('from', 'item');
    expect(await moved).toBe('item');
    expect(await eddy.redis.lrange('to', 0, -1)).toEqual(['item']);
    const popped = waiter.call('BLMPOP', '5', '2', 'k1', 'k2', 'LEFT', 'COUNT', '2');
    await waitForBlockedClients(eddy.redis, 1);
    await eddy.redis.rpush('k2', 'x', 'y', 'z');
    expect(await popped).toEqual(['k2', ['x', 'y']]);
    const rpoplpush = waiter.brpoplpush('k3', 'k4', 5);
    await waitForBlockedClients(eddy.redis, 1);
    await eddy.redis.rpush('k3', 'v');
    expect(await rpoplpush).toBe('v');
  });

  it('inside MULTI a blocking command does not block', async () => {
    const results = await eddy.redis.multi().blpop('nothing', 0).rpush('l', 'a').blpop('l', 0).exec();
    expect(results).toEqual([
      [null, null],
      [null, 1],
      [null, ['l', 'a']],
    ]);
  });

  it('a client that disconnects while blocked is forgotten', async () => {
    const quitter = client();
    void quitter.blpop('gone', 0).catch(() => undefined);
    await waitForBlockedClients(eddy.redis, 1);
    quitter.disconnect();
    for (let i = 0; i < 200 && /blocked_clients:[1-9]/.test(await eddy.redis.info('clients')); i++) await sleep(5);
    await eddy.redis.rpush('gone', 'kept');
    expect(await eddy.redis.lrange('gone', 0, -1)).toEqual(['kept']);
  });
});

describe('blocked clients and transactions', () => {
  it('one push serving several blocked clients answers each exactly once', async () => {
    const first = await RawConnection.open(eddy.server.port);
    const second = await RawConnection.open(eddy.server.port);
    first.write('BLPOP q 5\r\nPING\r\n');
    await waitForBlockedClients(eddy.redis, 1);
    second.write('BLPOP q 5\r\n');
    await waitForBlockedClients(eddy.redis, 2);
    await eddy.redis.rpush('q', 'x', 'y', 'z');
    expect(await first.readUntil((text) => text.endsWith('+PONG\r\n'))).toBe('*2\r\n$1\r\nq\r\n$1\r\nx\r\n+PONG\r\n');
    expect(await second.readUntil((text) => text.length > 0)).toBe('*2\r\n$1\r\nq\r\n$1\r\ny\r\n');
    await sleep(50);
    expect(second.text).toBe('*2\r\n$1\r\nq\r\n$1\r\ny\r\n');
    expect(await eddy.redis.lrange('q', 0, -1)).toEqual(['z']);
    first.close();
    second.close();
  });

  it('EXEC runs whole before blocked clients are served', async () => {
    const waiter = await RawConnection.open(eddy.server.port);
    waiter.write('BLPOP q 0.3\r\n');
    await sleep(30);
    expect(await eddy.redis.multi().rpush('q', 'x').lpop('q').exec()).toEqual([
      [null, 1],
      [null, 'x'],
    ]);
    expect(await waiter.readUntil((text) => text.length > 0, 2000)).toBe('*-1\r\n');
    waiter.close();
  });

  it('a key that holds another type when a MULTI ends wakes no one; the client is served from the key that became ready', async () => {
    const waiter = await RawConnection.open(eddy.server.port);
    waiter.write('BLPOP other q 0\r\n');
    await waitForBlockedClients(eddy.redis, 1);
    await eddy.redis.multi().rpush('q', 'a').del('q').set('q', 'string').exec();
    await eddy.redis.set('other', 'string');
    await eddy.redis.del('q');
    await eddy.redis.rpush('q', 'b');
    // Redis serves q even though `other`, named first, now holds a string.
    expect(await waiter.readUntil((text) => text.length > 0)).toBe('*2\r\n$1\r\nq\r\n$1\r\nb\r\n');
    const zsetWaiter = await RawConnection.open(eddy.server.port);
    zsetWaiter.write('BZPOPMIN z 0\r\n');
    await waitForBlockedClients(eddy.redis, 1);
    await eddy.redis.rpush('z', 'list');
    await eddy.redis.del('z');
    await eddy.redis.zadd('z', 1, 'm');
    expect(await zsetWaiter.readUntil((text) => text.length > 0)).toBe('*3\r\n$1\r\nz\r\n$1\r\nm\r\n$1\r\n1\r\n');
    await eddy.redis.del('other');
    waiter.close();
    zsetWaiter.close();
  });

  it('LMOVE of a one-item list onto itself keeps the TTL', async () => {
    await eddy.redis.rpush('k', 'only');
    await eddy.redis.expire('k', 100);
    expect(await eddy.redis.lmove('k', 'k', 'LEFT', 'RIGHT')).toBe('only');
    expect(await eddy.redis.ttl('k')).toBeGreaterThan(90);
  });

  it('LPOP arity and LMPOP numkeys errors', async () => {
    await expect(eddy.redis.call('LPOP', 'k', '1', '2')).rejects.toThrow("ERR wrong number of arguments for 'lpop' command");
    await expect(eddy.redis.call('LMPOP', 'x', 'k', 'LEFT')).rejects.toThrow('ERR numkeys should be greater than 0');
    await expect(eddy.redis.call('LMPOP', '5', 'k', 'LEFT')).rejects.toThrow('ERR syntax error');
  });
});
