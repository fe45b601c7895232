import { describe, expect, it } from 'vitest';
import { eddyForFile } from '../support/eddy-for-file.js';
import { keysOnShard } from '../support/keys-on-shards.js';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const eddy = eddyForFile(['--shards', '2']);

describe('hashes', () => {
  it('HSET, HGET, HMGET, HMSET, HSETNX, HDEL, HLEN, HEXISTS, HSTRLEN', async () => {
    expect(await eddy.redis.hset('h', 'a', '1', 'b', '2')).toBe(2);
    expect(await eddy.redis.hset('h', 'a', '10', 'c', '3')).toBe(1);
    expect(await eddy.redis.hget('h', 'a')).toBe('10');
    expect(await eddy.redis.hget('h', 'zz')).toBeNull();
    expect(await eddy.redis.hmget('h', 'a', 'zz', 'c')).toEqual(['10', null, '3']);
    expect(await eddy.redis.hmset('h', 'd', '4')).toBe('OK');
    expect(await eddy.redis.hsetnx('h', 'd', 'x')).toBe(0);
    expect(await eddy.redis.hsetnx('h', 'e', '5')).toBe(1);
    expect(await eddy.redis.hlen('h')).toBe(5);
    expect(await eddy.redis.hexists('h', 'e')).toBe(1);
    expect(await eddy.redis.hstrlen('h', 'a')).toBe(2);
    expect(await eddy.redis.hdel('h', 'a', 'zz', 'a')).toBe(1);
    expect(await eddy.redis.hkeys('h')).toEqual(['b', 'c', 'd', 'e']);
    expect(await eddy.redis.hvals('h')).toEqual(['2', '3', '4', '5']);
    expect(await eddy.redis.hgetall('h')).toEqual({ b: '2', c: '3', d: '4', e: '5' });
    await expect(eddy.redis.call('HSET', 'h', 'a')).rejects.toThrow("ERR wrong number of arguments for 'hset' command");
  });

  it('an emptied hash disappears', async () => {
    await eddy.redis.hset('h', 'only', 'v');
    expect(await eddy.redis.hdel('h', 'only')).toBe(1);
    expect(await eddy.redis.exists('h')).toBe(0);
  });

  it('HINCRBY and HINCRBYFLOAT', async () => {
    expect(await eddy.redis.hincrby('h', 'n', 5)).toBe(5);
    expect(await eddy.redis.hincrby('h', 'n', -7)).toBe(-2);
    expect(await eddy.redis.hincrbyfloat('h', 'f', '10.5')).toBe('10.5');
    expect(await eddy.redis.hincrbyfloat('h', 'f', '0.1')).toBe('10.6');
    await eddy.redis.hset('h', 's', 'abc');
    await expect(eddy.redis.hincrby('h', 's', 1)).rejects.toThrow('ERR hash value is not an integer');
    await expect(eddy.redis.hincrbyfloat('h', 's', 1)).rejects.toThrow('ERR hash value is not a float');
    await eddy.redis.hset('h', 'big', '9223372036854775807');
    await expect(eddy.redis.hincrby('h', 'big', 1)).rejects.toThrow('ERR increment or decrement would overflow');
  });

  it('HRANDFIELD with counts and WITHVALUES', async () => {
    expect(await eddy.redis.hrandfield('none')).toBeNull();
    await eddy.redis.hset('h', 'a', '1', 'b', '2', 'c', '3');
    expect(['a', 'b', 'c']).toContain(await eddy.redis.hrandfield('h'));
    expect(((await eddy.redis.hrandfield('h', 5)) as string[]).sort()).toEqual(['a', 'b', 'c']);
    expect(((await eddy.redis.hrandfield('h', -5)) as string[]).length).toBe(5);
    const withValues = (await eddy.redis.hrandfield('h', 2, 'WITHVALUES')) as string[];
    expect(withValues.length).toBe(4);
    expect(Number(withValues[1])).toBeGreaterThan(0);
  });

  it('HSCAN walks big and small hashes', async () => {
    const fields: string[] = [];
    for (let i = 0; i < 500; i++) fields.push(`f${i}`, String(i));
    await eddy.redis.hset('big', ...fields);
    const seen = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, items] = await eddy.redis.hscan('big', cursor, 'COUNT', 50);
      for (let i = 0; i < items.length; i += 2) seen.set(items[i], items[i + 1]);
      cursor = next;
    } while (cursor !== '0');
    expect(seen.size).toBe(500);
    expect(seen.get('f42')).toBe('42');
    await eddy.redis.hset('small', 'x', '1', 'y', '2');
    expect(await eddy.redis.hscan('small', 0, 'MATCH', 'x')).toEqual(['0', ['x', '1']]);
  });

  it('encodings and WRONGTYPE', async () => {
    await eddy.redis.hset('h', 'a', '1');
    expect(await eddy.redis.object('ENCODING', 'h')).toBe('listpack');
    await eddy.redis.hset('h', 'long', 'x'.repeat(100));
    expect(await eddy.redis.object('ENCODING', 'h')).toBe('hashtable');
    await eddy.redis.set('s', 'v');
    await expect(eddy.redis.hget('s', 'a')).rejects.toThrow(WRONGTYPE);
    await expect(eddy.redis.hset('s', 'a', '1')).rejects.toThrow(WRONGTYPE);
    expect(await eddy.redis.type('h')).toBe('hash');
  });
});

describe('sets', () => {
  it('SADD, SREM, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS', async () => {
    expect(await eddy.redis.sadd('s', 'a', 'b', 'c', 'a')).toBe(3);
    expect(await eddy.redis.sadd('s', 'c', 'd')).toBe(1);
    expect(await eddy.redis.scard('s')).toBe(4);
    expect(await eddy.redis.sismember('s', 'a')).toBe(1);
    expect(await eddy.redis.smismember('s', 'a', 'z', 'd')).toEqual([1, 0, 1]);
    expect(await eddy.redis.srem('s', 'a', 'z')).toBe(1);
    expect((await eddy.redis.smembers('s')).sort()).toEqual(['b', 'c', 'd']);
    expect(await eddy.redis.srem('s', 'b', 'c', 'd')).toBe(3);
    expect(await eddy.redis.exists('s')).toBe(0);
  });

  it('SPOP and SRANDMEMBER', async () => {
    await eddy.redis.sadd('s', 'a', 'b', 'c', 'd', 'e');
    const popped = await eddy.redis.spop('s');
    expect(await eddy.redis.sismember('s', popped as string)).toBe(0);
    const two = await eddy.redis.spop('s', 2);
    expect(two).toHaveLength(2);
    expect(await eddy.redis.scard('s')).toBe(2);
    expect(await eddy.redis.srandmember('s', 10)).toHaveLength(2);
    expect(await eddy.redis.srandmember('s', -10)).toHaveLength(10);
    expect(await eddy.redis.srandmember('nope')).toBeNull();
    expect(await eddy.redis.spop('nope', 3)).toEqual([]);
    await expect(eddy.redis.spop('s', -1)).rejects.toThrow('ERR value is out of range, must be positive');
  });

  it('SMOVE across shards', async () => {
    const [a] = keysOnShard(0, 2, 1, 'sa');
    const [b] = keysOnShard(1, 2, 1, 'sb');
    await eddy.redis.sadd(a, 'x', 'y');
    expect(await eddy.redis.smove(a, b, 'x')).toBe(1);
    expect(await eddy.redis.smove(a, b, 'nope')).toBe(0);
    expect(await eddy.redis.smembers(b)).toEqual(['x']);
    expect(await eddy.redis.smembers(a)).toEqual(['y']);
  });

  it('SINTER, SUNION, SDIFF, the STORE forms and SINTERCARD (Redis documentation examples)', async () => {
    await eddy.redis.sadd('key1', 'a', 'b', 'c', 'd');
    await eddy.redis.sadd('key2', 'c');
    await eddy.redis.sadd('key3', 'a', 'c', 'e');
    expect((await eddy.redis.sinter('key1', 'key2', 'key3')).sort()).toEqual(['c']);
    expect((await eddy.redis.sunion('key1', 'key2', 'key3')).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect((await eddy.redis.sdiff('key1', 'key2', 'key3')).sort()).toEqual(['b', 'd']);
    expect(await eddy.redis.sinterstore('dest', 'key1', 'key3')).toBe(2);
    expect((await eddy.redis.smembers('dest')).sort()).toEqual(['a', 'c']);
    expect(await eddy.redis.sunionstore('dest', 'key2', 'nothing')).toBe(1);
    expect(await eddy.redis.sdiffstore('dest', 'key2', 'key1')).toBe(0);
    expect(await eddy.redis.exists('dest')).toBe(0);
    expect(await eddy.redis.sintercard(2, 'key1', 'key3')).toBe(2);
    expect(await eddy.redis.sintercard(2, 'key1', 'key3', 'LIMIT', 1)).toBe(1);
    expect(await eddy.redis.sinter('key1', 'missing')).toEqual([]);
  });

  it('SSCAN and intset/hashtable encodings (Redis 7.0 has no listpack sets)', async () => {
    await eddy.redis.sadd('ints', '1', '2', '3');
    expect(await eddy.redis.object('ENCODING', 'ints')).toBe('intset');
    await eddy.redis.sadd('ints', 'abc');
    expect(await eddy.redis.object('ENCODING', 'ints')).toBe('hashtable');
    const many = Array.from({ length: 300 }, (_, i) => `m${i}`);
    await eddy.redis.sadd('many', ...many);
    expect(await eddy.redis.object('ENCODING', 'many')).toBe('hashtable');
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, members] = await eddy.redis.sscan('many', cursor, 'COUNT', 40);
      members.forEach((member) => seen.add(member));
      cursor = next;
    } while (cursor !== '0');
    expect(seen.size).toBe(300);
  });
});

describe('random picks at their limits', () => {
  it('a huge negative random count is refused instead of exhausting memory', async () => {
    await eddy.redis.sadd('s', 'a');
    await expect(eddy.redis.srandmember('s', -1_000_000_000)).rejects.toThrow('ERR value is out of range');
  });

  it('SINTERCARD numkeys and HINCRBYFLOAT inf errors', async () => {
    await expect(eddy.redis.call('SINTERCARD', '5', 'k')).rejects.toThrow("ERR Number of keys can't be greater than number of args");
    await expect(eddy.redis.hincrbyfloat('h', 'f', 'inf')).rejects.toThrow('ERR value is NaN or Infinity');
  });
});
