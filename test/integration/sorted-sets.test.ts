import { Redis } from 'ioredis';
import { beforeEach, describe, expect, it } from 'vitest';
import { eddyForFile } from '../support/eddy-for-file.js';
import { RawConnection } from '../support/raw-connection.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const eddy = eddyForFile(['--shards', '2']);

describe('ZADD and friends', () => {
  it('adds, updates and honours NX XX GT LT CH INCR', async () => {
    expect(await eddy.redis.zadd('z', 1, 'a', 2, 'b')).toBe(2);
    expect(await eddy.redis.zadd('z', 'NX', 5, 'a', 3, 'c')).toBe(1);
    expect(await eddy.redis.zscore('z', 'a')).toBe('1');
    expect(await eddy.redis.zadd('z', 'XX', 'CH', 10, 'a', 4, 'd')).toBe(1);
    expect(await eddy.redis.zscore('z', 'd')).toBeNull();
    expect(await eddy.redis.zadd('z', 'GT', 'CH', 5, 'a', 50, 'b')).toBe(1);
    expect(await eddy.redis.zmscore('z', 'a', 'b', 'nope')).toEqual(['10', '50', null]);
    expect(await eddy.redis.zadd('z', 'LT', 'CH', 1, 'b')).toBe(1);
    expect(await eddy.redis.zadd('z', 'INCR', 2.5, 'b')).toBe('3.5');
    expect(await eddy.redis.zadd('z', 'NX', 'INCR', 1, 'b')).toBeNull();
    expect(await eddy.redis.zincrby('z', -0.5, 'b')).toBe('3');
    await expect(eddy.redis.zadd('z', 'NX', 'XX', 1, 'a')).rejects.toThrow('ERR XX and NX options at the same time are not compatible');
    await expect(eddy.redis.zadd('z', 'GT', 'LT', 1, 'a')).rejects.toThrow('ERR GT, LT, and/or NX options at the same time are not compatible');
    await expect(eddy.redis.zadd('z', 'INCR', 1, 'a', 2, 'b')).rejects.toThrow('ERR INCR option supports a single increment-element pair');
    await expect(eddy.redis.zadd('z', 'abc', 'a')).rejects.toThrow('ERR value is not a valid float');
    await expect(eddy.redis.zadd('z', 1)).rejects.toThrow('ERR wrong number of arguments');
    expect(await eddy.redis.zcard('z')).toBe(3);
    expect(await eddy.redis.zrem('z', 'a', 'nope')).toBe(1);
  });

  it('prints scores as Redis 7.0 does (%.17g)', async () => {
    await eddy.redis.zadd('z', 'inf', 'top', '-inf', 'bottom', '1e20', 'big', '0.1', 'tenth', '1.5e-7', 'tiny', '3.0', 'three');
    expect(await eddy.redis.zscore('z', 'top')).toBe('inf');
    expect(await eddy.redis.zscore('z', 'bottom')).toBe('-inf');
    expect(await eddy.redis.zscore('z', 'big')).toBe('1e+20');
    expect(await eddy.redis.zscore('z', 'tenth')).toBe('0.10000000000000001');
    expect(await eddy.redis.zscore('z', 'tiny')).toBe('1.4999999999999999e-07');
    expect(await eddy.redis.zscore('z', 'three')).toBe('3');
  });
});

describe('ranks and ranges', () => {
  beforeEach(async () => {
    await eddy.redis.zadd('z', 1, 'one', 2, 'two', 3, 'three', 4, 'four');
  });

  it('ZRANK, ZREVRANK, ZCOUNT, ZLEXCOUNT', async () => {
    expect(await eddy.redis.zrank('z', 'three')).toBe(2);
    expect(await eddy.redis.zrevrank('z', 'three')).toBe(1);
    expect(await eddy.redis.call('ZRANK', 'z', 'four', 'WITHSCORE')).toEqual([3, '4']);
    expect(await eddy.redis.zrank('z', 'nope')).toBeNull();
    expect(await eddy.redis.zcount('z', '(1', 3)).toBe(2);
    expect(await eddy.redis.zcount('z', '-inf', '+inf')).toBe(4);
    await expect(eddy.redis.zcount('z', 'a', 3)).rejects.toThrow('ERR min or max is not a float');
    await eddy.redis.zadd('lex', 0, 'a', 0, 'b', 0, 'c', 0, 'd', 0, 'e');
    expect(await eddy.redis.zlexcount('lex', '-', '+')).toBe(5);
    expect(await eddy.redis.zlexcount('lex', '[b', '(d')).toBe(2);
    await expect(eddy.redis.zlexcount('lex', 'b', 'd')).rejects.toThrow('ERR min or max not valid string range item');
  });

  it('ZRANGE by rank, score and lex, with REV, LIMIT and WITHSCORES', async () => {
    expect(await eddy.redis.zrange('z', 0, '-1')).toEqual(['one', 'two', 'three', 'four']);
    expect(await eddy.redis.zrange('z', 0, '1', 'WITHSCORES')).toEqual(['one', '1', 'two', '2']);
    expect(await eddy.redis.zrange('z', 0, '1', 'REV')).toEqual(['four', 'three']);
    expect(await eddy.redis.zrange('z', '(1', '3', 'BYSCORE')).toEqual(['two', 'three']);
    expect(await eddy.redis.zrange('z', '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 1, 2)).toEqual(['three', 'two']);
    expect(await eddy.redis.zrevrange('z', 0, 0)).toEqual(['four']);
    expect(await eddy.redis.zrangebyscore('z', 2, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)).toEqual(['two', '2']);
    expect(await eddy.redis.zrevrangebyscore('z', 3, '(1')).toEqual(['three', 'two']);
    await eddy.redis.zadd('lex', 0, 'a', 0, 'b', 0, 'c', 0, 'd', 0, 'e');
    expect(await eddy.redis.zrangebylex('lex', '[b', '[d')).toEqual(['b', 'c', 'd']);
    expect(await eddy.redis.zrevrangebylex('lex', '+', '(c')).toEqual(['e', 'd']);
    expect(await eddy.redis.zrange('lex', '-', '+', 'BYLEX', 'LIMIT', 1, 2)).toEqual(['b', 'c']);
    await expect(eddy.redis.zrange('z', 0, '1', 'LIMIT', 0, 1)).rejects.toThrow('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
    await expect(eddy.redis.zrange('lex', '-', '+', 'BYLEX', 'WITHSCORES')).rejects.toThrow('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
    expect(await eddy.redis.zrangestore('dst', 'z', 1, 2)).toBe(2);
    expect(await eddy.redis.zrange('dst', 0, '-1', 'WITHSCORES')).toEqual(['two', '2', 'three', '3']);
  });

  it('ZREMRANGEBYRANK, BYSCORE and BYLEX', async () => {
    expect(await eddy.redis.zremrangebyrank('z', 0, 0)).toBe(1);
    expect(await eddy.redis.zremrangebyscore('z', '(2', 3)).toBe(1);
    expect(await eddy.redis.zrange('z', 0, '-1')).toEqual(['two', 'four']);
    await eddy.redis.zadd('lex', 0, 'a', 0, 'b', 0, 'c');
    expect(await eddy.redis.zremrangebylex('lex', '[a', '(c')).toBe(2);
    expect(await eddy.redis.zrange('lex', 0, '-1')).toEqual(['c']);
    expect(await eddy.redis.zremrangebyrank('z', 0, -1)).toBe(2);
    expect(await eddy.redis.exists('z')).toBe(0);
  });
});

describe('pops', () => {
  it('ZPOPMIN, ZPOPMAX and ZMPOP', async () => {
    await eddy.redis.zadd('z', 1, 'a', 2, 'b', 3, 'c', 4, 'd');
    expect(await eddy.redis.zpopmin('z')).toEqual(['a', '1']);
    expect(await eddy.redis.zpopmax('z', 2)).toEqual(['d', '4', 'c', '3']);
    expect(await eddy.redis.call('ZMPOP', '2', 'none', 'z', 'MIN', 'COUNT', '5')).toEqual(['z', [['b', '2']]]);
    expect(await eddy.redis.call('ZMPOP', '1', 'z', 'MAX')).toBeNull();
    expect(await eddy.redis.zpopmin('z')).toEqual([]);
  });

  it('BZPOPMIN wakes on ZADD from another client; BZMPOP too', async () => {
    const waiter = new Redis({ port: eddy.server.port, protocol: 2 });
    const popped = waiter.bzpopmin('zq', 'zother', 5);
    await sleep(50);
    await eddy.redis.zadd('zother', 7, 'm');
    expect(await popped).toEqual(['zother', 'm', '7']);
    const multi = waiter.call('BZMPOP', '5', '1', 'zq', 'MAX', 'COUNT', '2');
    await sleep(50);
    await eddy.redis.zadd('zq', 1, 'x', 2, 'y', 3, 'z');
    expect(await multi).toEqual([
      'zq',
      [
        ['z', '3'],
        ['y', '2'],
      ],
    ]);
    expect(await waiter.bzpopmax('empty', 0.1)).toBeNull();
    waiter.disconnect();
  });
});

describe('algebra', () => {
  it('ZUNION, ZINTER, ZDIFF with WEIGHTS and AGGREGATE; STORE forms; sets as inputs', async () => {
    await eddy.redis.zadd('zset1', 1, 'one', 2, 'two');
    await eddy.redis.zadd('zset2', 1, 'one', 2, 'two', 3, 'three');
    expect(await eddy.redis.zunionstore('out', 2, 'zset1', 'zset2', 'WEIGHTS', 2, 3)).toBe(3);
    expect(await eddy.redis.zrange('out', 0, '-1', 'WITHSCORES')).toEqual(['one', '5', 'three', '9', 'two', '10']);
    expect(await eddy.redis.zinterstore('out', 2, 'zset1', 'zset2', 'WEIGHTS', 2, 3)).toBe(2);
    expect(await eddy.redis.zrange('out', 0, '-1', 'WITHSCORES')).toEqual(['one', '5', 'two', '10']);
    expect(await eddy.redis.call('ZUNION', '2', 'zset1', 'zset2', 'AGGREGATE', 'MAX', 'WITHSCORES')).toEqual(['one', '1', 'two', '2', 'three', '3']);
    expect(await eddy.redis.call('ZINTER', '2', 'zset1', 'zset2')).toEqual(['one', 'two']);
    expect(await eddy.redis.call('ZDIFF', '2', 'zset2', 'zset1', 'WITHSCORES')).toEqual(['three', '3']);
    expect(await eddy.redis.zdiffstore('out', 2, 'zset1', 'zset2')).toBe(0);
    expect(await eddy.redis.exists('out')).toBe(0);
    expect(await eddy.redis.call('ZINTERCARD', '2', 'zset1', 'zset2', 'LIMIT', '1')).toBe(1);
    await eddy.redis.sadd('plain', 'one', 'four');
    expect(await eddy.redis.call('ZUNION', '2', 'zset1', 'plain', 'WITHSCORES')).toEqual(['four', '1', 'one', '2', 'two', '2']);
    await expect(eddy.redis.call('ZUNION', '0', 'zset1')).rejects.toThrow("ERR at least 1 input key is needed for 'zunion' command");
  });

  it('ZRANDMEMBER and ZSCAN', async () => {
    const members = Array.from({ length: 300 }, (_, i) => [i, `m${i}`]).flat();
    await eddy.redis.zadd('big', ...members);
    expect(await eddy.redis.object('ENCODING', 'big')).toBe('skiplist');
    expect((await eddy.redis.zrandmember('big', 5)) as string[]).toHaveLength(5);
    expect((await eddy.redis.zrandmember('big', -400)) as string[]).toHaveLength(400);
    expect((await eddy.redis.zrandmember('big', 2, 'WITHSCORES')) as string[]).toHaveLength(4);
    const seen = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, items] = await eddy.redis.zscan('big', cursor, 'COUNT', 64);
      for (let i = 0; i < items.length; i += 2) seen.set(items[i], items[i + 1]);
      cursor = next;
    } while (cursor !== '0');
    expect(seen.size).toBe(300);
    expect(seen.get('m7')).toBe('7');
    await eddy.redis.zadd('small', 1, 'x');
    expect(await eddy.redis.object('ENCODING', 'small')).toBe('listpack');
  });
});

describe('RESP3 reply forms', () => {
  it('doubles, maps and pairs are typed', async () => {
    await eddy.redis.zadd('z', 1.5, 'a', 2, 'b');
    await eddy.redis.hset('h', 'f', 'v');
    const raw = await RawConnection.open(eddy.server.port);
    raw.write('HELLO 3\r\n');
    await raw.readUntil((text) => text.includes('modules'));
    raw.clear();
    raw.write('ZSCORE z a\r\nHGETALL h\r\nZRANGE z 0 -1 WITHSCORES\r\nZPOPMIN z\r\nSMEMBERS nothing\r\n');
    expect(await raw.readUntil((text) => text.endsWith('~0\r\n'))).toBe(
      ',1.5\r\n%1\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n*2\r\n$1\r\na\r\n,1.5\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\na\r\n,1.5\r\n~0\r\n',
    );
    raw.close();
  });
});

describe('scores across a restart', () => {
  it('a -0 score reads the same before and after a restart', async () => {
    await eddy.redis.zadd('z', '-0', 'a');
    const before = await eddy.redis.zscore('z', 'a');
    expect(await eddy.server.kill('SIGTERM')).toBe(0);
    await eddy.server.launch();
    expect(await eddy.redis.zscore('z', 'a')).toBe(before);
  });

  it('range bounds are checked before the key is looked up', async () => {
    await expect(eddy.redis.zrangebyscore('missing', 'a', 'b')).rejects.toThrow('ERR min or max is not a float');
    await expect(eddy.redis.call('ZRANGEBYLEX', 'z', '-', '+', 'WITHSCORES')).rejects.toThrow('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
    expect(await eddy.redis.call('ZRANGE', 'z', '0', '-1', 'LIMIT', '0', '-1')).toEqual([]);
  });
});
