import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';
import { keysOnShard } from '../support/keys-on-shards.js';

let server: EddyProcess;
let redis: Redis;

beforeAll(async () => {
  server = await EddyProcess.start(['--shards', '2']);
  redis = new Redis({ port: server.port, lazyConnect: true });
  await redis.connect();
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});
beforeEach(async () => {
  await redis.flushall();
});

describe('GET and SET', () => {
  it('stores and returns values, binary-safe', async () => {
    expect(await redis.set('foo', 'bar')).toBe('OK');
    expect(await redis.get('foo')).toBe('bar');
    expect(await redis.get('missing')).toBeNull();
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await redis.set(Buffer.from([0, 255, 13, 10]), bytes);
    expect(await redis.getBuffer(Buffer.from([0, 255, 13, 10]))).toEqual(bytes);
    await redis.set('utf8', 'héllo wörld ✓');
    expect(await redis.get('utf8')).toBe('héllo wörld ✓');
    expect(await redis.strlen('utf8')).toBe(Buffer.byteLength('héllo wörld ✓'));
  });

  it('honours NX, XX and GET', async () => {
    expect(await redis.set('k', 'v1', 'NX')).toBe('OK');
    expect(await redis.set('k', 'v2', 'NX')).toBeNull();
    expect(await redis.set('other', 'v', 'XX')).toBeNull();
    expect(await redis.set('k', 'v3', 'XX')).toBe('OK');
    expect(await redis.set('k', 'v4', 'GET')).toBe('v3');
    expect(await redis.set('new', 'v', 'GET')).toBeNull();
    expect(await redis.get('new')).toBe('v');
    expect(await redis.call('SET', 'k', 'v5', 'NX', 'GET')).toBe('v4');
    expect(await redis.get('k')).toBe('v4');
  });

  it('sets expiry with EX, PX, EXAT, PXAT and keeps it with KEEPTTL', async () => {
    await redis.set('ex', 'v', 'EX', 100);
    expect(await redis.ttl('ex')).toBe(100);
    await redis.set('px', 'v', 'PX', 5000);
    expect(await redis.pttl('px')).toBeGreaterThan(4000);
    const at = Math.floor(Date.now() / 1000) + 500;
    await redis.set('exat', 'v', 'EXAT', at);
    expect(await redis.expiretime('exat')).toBe(at);
    await redis.set('pxat', 'v', 'PXAT', at * 1000 + 7);
    expect(await redis.pexpiretime('pxat')).toBe(at * 1000 + 7);
    await redis.set('ex', 'v2', 'KEEPTTL');
    expect(await redis.ttl('ex')).toBeGreaterThan(90);
    await redis.set('ex', 'v3');
    expect(await redis.ttl('ex')).toBe(-1);
  });

  it('rejects bad options with Redis error texts', async () => {
    await expect(redis.call('SET', 'k', 'v', 'NX', 'XX')).rejects.toThrow('ERR syntax error');
    await expect(redis.call('SET', 'k', 'v', 'EX', '0')).rejects.toThrow("ERR invalid expire time in 'set' command");
    await expect(redis.call('SET', 'k', 'v', 'EX', '-5')).rejects.toThrow("ERR invalid expire time in 'set' command");
    await expect(redis.call('SET', 'k', 'v', 'EX', 'ten')).rejects.toThrow('ERR value is not an integer or out of range');
    await expect(redis.call('SET', 'k', 'v', 'EX', '10', 'PX', '10')).rejects.toThrow('ERR syntax error');
    await expect(redis.call('SET', 'k', 'v', 'EX')).rejects.toThrow('ERR syntax error');
    await expect(redis.call('SET', 'k', 'v', 'BOGUS')).rejects.toThrow('ERR syntax error');
    await expect(redis.call('SET', 'k')).rejects.toThrow("ERR wrong number of arguments for 'set' command");
    await expect(redis.call('GET')).rejects.toThrow("ERR wrong number of arguments for 'get' command");
    expect(await redis.exists('k')).toBe(0);
  });

  it('SETNX, SETEX and PSETEX', async () => {
    expect(await redis.setnx('k', 'a')).toBe(1);
    expect(await redis.setnx('k', 'b')).toBe(0);
    expect(await redis.setex('s', 10, 'v')).toBe('OK');
    expect(await redis.ttl('s')).toBe(10);
    expect(await redis.psetex('p', 10000, 'v')).toBe('OK');
    expect(await redis.pttl('p')).toBeGreaterThan(9000);
    await expect(redis.setex('s', 0, 'v')).rejects.toThrow("ERR invalid expire time in 'setex' command");
  });
});

describe('multi-key string commands across shards', () => {
  const [a1, a2] = keysOnShard(0, 2, 2);
  const [b1, b2] = keysOnShard(1, 2, 2);

  it('MSET and MGET span shards', async () => {
    expect(await redis.mset(a1, '1', b1, '2', a2, '3')).toBe('OK');
    expect(await redis.mget(a1, b1, a2, b2)).toEqual(['1', '2', '3', null]);
    await expect(redis.call('MSET', a1, '1', b1)).rejects.toThrow("ERR wrong number of arguments for 'mset' command");
  });

  it('MSETNX sets all or nothing', async () => {
    expect(await redis.msetnx(a1, 'x', b1, 'y')).toBe(1);
    expect(await redis.msetnx(b2, 'z', b1, 'w')).toBe(0);
    expect(await redis.mget(a1, b1, b2)).toEqual(['x', 'y', null]);
  });
});

describe('read-modify-write commands', () => {
  it('GETSET, GETDEL and GETEX', async () => {
    expect(await redis.getset('k', 'a')).toBeNull();
    await redis.expire('k', 100);
    expect(await redis.getset('k', 'b')).toBe('a');
    expect(await redis.ttl('k')).toBe(-1);
    expect(await redis.getdel('k')).toBe('b');
    expect(await redis.exists('k')).toBe(0);
    await redis.set('g', 'v');
    expect(await redis.getex('g', 'EX', 50)).toBe('v');
    expect(await redis.ttl('g')).toBe(50);
    expect(await redis.getex('g', 'PERSIST')).toBe('v');
    expect(await redis.ttl('g')).toBe(-1);
    expect(await redis.getex('nothing')).toBeNull();
    await expect(redis.call('GETEX', 'g', 'EX', '10', 'PERSIST')).rejects.toThrow('ERR syntax error');
  });

  it('APPEND and STRLEN', async () => {
    expect(await redis.append('k', 'Hello')).toBe(5);
    expect(await redis.append('k', ' World')).toBe(11);
    expect(await redis.get('k')).toBe('Hello World');
    expect(await redis.strlen('k')).toBe(11);
    expect(await redis.strlen('none')).toBe(0);
  });

  it('INCR family with Redis errors', async () => {
    expect(await redis.incr('n')).toBe(1);
    expect(await redis.incrby('n', 10)).toBe(11);
    expect(await redis.decr('n')).toBe(10);
    expect(await redis.decrby('n', 20)).toBe(-10);
    await redis.set('big', '9223372036854775806');
    // ioredis reads the integer reply into a double; the exact digits are checked by GET below.
    // eslint-disable-next-line no-loss-of-precision
    expect(await redis.call('INCR', 'big')).toBe(9223372036854775807);
    expect(await redis.get('big')).toBe('9223372036854775807');
    await expect(redis.incr('big')).rejects.toThrow('ERR increment or decrement would overflow');
    await redis.set('s', 'abc');
    await expect(redis.incr('s')).rejects.toThrow('ERR value is not an integer or out of range');
    await redis.set('sp', ' 1');
    await expect(redis.incr('sp')).rejects.toThrow('ERR value is not an integer or out of range');
    await expect(redis.call('INCRBY', 'n', '1.5')).rejects.toThrow('ERR value is not an integer or out of range');
    await redis.set('t', '5', 'EX', 100);
    await redis.incr('t');
    expect(await redis.ttl('t')).toBeGreaterThan(90);
  });

  it('INCRBYFLOAT prints like Redis', async () => {
    await redis.set('f', '10.50');
    expect(await redis.incrbyfloat('f', 0.1)).toBe('10.6');
    expect(await redis.incrbyfloat('f', -5)).toBe('5.6');
    await redis.set('e', '5.0e3');
    expect(await redis.incrbyfloat('e', '2.0e2')).toBe('5200');
    expect(await redis.incrbyfloat('new', '3')).toBe('3');
    await redis.set('sum', '0.1');
    expect(await redis.incrbyfloat('sum', '0.2')).toBe('0.3');
    await expect(redis.incrbyfloat('f', 'abc')).rejects.toThrow('ERR value is not a valid float');
    await expect(redis.incrbyfloat('f', 'inf')).rejects.toThrow('ERR increment would produce NaN or Infinity');
  });

  it('GETRANGE, SUBSTR and SETRANGE', async () => {
    await redis.set('k', 'This is a string');
    expect(await redis.getrange('k', 0, 3)).toBe('This');
    expect(await redis.getrange('k', -3, -1)).toBe('ing');
    expect(await redis.getrange('k', 0, -1)).toBe('This is a string');
    expect(await redis.getrange('k', 10, 100)).toBe('string');
    expect(await redis.getrange('k', 5, 2)).toBe('');
    expect(await redis.call('SUBSTR', 'k', 0, 3)).toBe('This');
    await redis.set('w', 'Hello World');
    expect(await redis.setrange('w', 6, 'Redis')).toBe(11);
    expect(await redis.get('w')).toBe('Hello Redis');
    expect(await redis.setrange('pad', 3, 'x')).toBe(4);
    expect(await redis.getBuffer('pad')).toEqual(Buffer.from([0, 0, 0, 120]));
    expect(await redis.setrange('empty', 5, '')).toBe(0);
    expect(await redis.exists('empty')).toBe(0);
    await expect(redis.setrange('w', -1, 'x')).rejects.toThrow('ERR offset is out of range');
    await expect(redis.setrange('w', 536870911, 'xx')).rejects.toThrow('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
  });

  it('LCS as in the Redis documentation', async () => {
    await redis.mset('key1', 'ohmytext', 'key2', 'mynewtext');
    expect(await redis.call('LCS', 'key1', 'key2')).toBe('mytext');
    expect(await redis.call('LCS', 'key1', 'key2', 'LEN')).toBe(6);
    expect(await redis.call('LCS', 'key1', 'key2', 'IDX')).toEqual([
      'matches',
      [
        [
          [4, 7],
          [5, 8],
        ],
        [
          [2, 3],
          [0, 1],
        ],
      ],
      'len',
      6,
    ]);
    expect(await redis.call('LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN')).toEqual(['matches', [[[4, 7], [5, 8], 4]], 'len', 6]);
    await expect(redis.call('LCS', 'key1', 'key2', 'LEN', 'IDX')).rejects.toThrow('ERR If you want both the length and indexes, please just use IDX.');
  });
});

describe('strings at their limits', () => {
  it('SETRANGE past the longest string is refused, and the log stays loadable', async () => {
    await expect(redis.setrange('k', 536_870_900, 'x')).rejects.toThrow('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
    await redis.set('after', 'ok');
    expect(await server.kill('SIGTERM')).toBe(0);
    await server.launch();
    expect(await redis.get('after')).toBe('ok');
  });

  it('GETRANGE clamps a negative end to 0', async () => {
    await redis.set('k', 'hello');
    expect(await redis.getrange('k', 0, -10)).toBe('h');
  });

  it('LCS refuses a table larger than proto-max-bulk-len', async () => {
    await redis.config('SET', 'proto-max-bulk-len', '1mb');
    await redis.set('a', 'x'.repeat(1000));
    await redis.set('b', 'y'.repeat(1000));
    await expect(redis.call('LCS', 'a', 'b')).rejects.toThrow('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
    await redis.config('SET', 'proto-max-bulk-len', '512mb');
  });
});
