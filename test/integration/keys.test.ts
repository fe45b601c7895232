import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';
import { keysOnShard } from '../support/keys-on-shards.js';

let server: EddyProcess;
let redis: Redis;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  server = await EddyProcess.start(['--shards', '2']);
  redis = new Redis({ port: server.port });
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});
beforeEach(async () => {
  await redis.flushall();
});

const [a1, a2] = keysOnShard(0, 2, 2, 'a');
const [b1, b2] = keysOnShard(1, 2, 2, 'b');

describe('DEL, UNLINK, EXISTS, TOUCH and TYPE', () => {
  it('count across shards, duplicates included', async () => {
    await redis.mset(a1, '1', a2, '2', b1, '3', b2, '4');
    expect(await redis.exists(a1, b1, 'nope', a1)).toBe(3);
    expect(await redis.touch(a1, b2, 'nope')).toBe(2);
    expect(await redis.del(a1, b1, 'nope')).toBe(2);
    expect(await redis.unlink(a2, b2, a2)).toBe(2);
    expect(await redis.dbsize()).toBe(0);
  });

  it('TYPE names the value type', async () => {
    await redis.set('s', 'v');
    expect(await redis.type('s')).toBe('string');
    expect(await redis.type('missing')).toBe('none');
  });
});

describe('expiry', () => {
  it('EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL and friends', async () => {
    await redis.set('k', 'v');
    expect(await redis.ttl('k')).toBe(-1);
    expect(await redis.ttl('missing')).toBe(-2);
    expect(await redis.pttl('missing')).toBe(-2);
    expect(await redis.expiretime('k')).toBe(-1);
    expect(await redis.expire('k', 100)).toBe(1);
    expect(await redis.ttl('k')).toBe(100);
    expect(await redis.pexpire('k', 50_000)).toBe(1);
    expect(await redis.ttl('k')).toBe(50);
    const at = Math.floor(Date.now() / 1000) + 1000;
    expect(await redis.expireat('k', at)).toBe(1);
    expect(await redis.expiretime('k')).toBe(at);
    expect(await redis.pexpireat('k', at * 1000 + 1)).toBe(1);
    expect(await redis.pexpiretime('k')).toBe(at * 1000 + 1);
    expect(await redis.persist('k')).toBe(1);
    expect(await redis.persist('k')).toBe(0);
    expect(await redis.expire('missing', 10)).toBe(0);
  });

  it('NX, XX, GT and LT conditions', async () => {
    await redis.set('k', 'v');
    expect(await redis.call('EXPIRE', 'k', '100', 'XX')).toBe(0);
    expect(await redis.call('EXPIRE', 'k', '100', 'NX')).toBe(1);
    expect(await redis.call('EXPIRE', 'k', '200', 'NX')).toBe(0);
    expect(await redis.call('EXPIRE', 'k', '50', 'GT')).toBe(0);
    expect(await redis.call('EXPIRE', 'k', '150', 'GT')).toBe(1);
    expect(await redis.call('EXPIRE', 'k', '300', 'LT')).toBe(0);
    expect(await redis.call('EXPIRE', 'k', '120', 'LT')).toBe(1);
    expect(await redis.ttl('k')).toBe(120);
    await redis.persist('k');
    expect(await redis.call('EXPIRE', 'k', '10', 'GT')).toBe(0);
    expect(await redis.call('EXPIRE', 'k', '10', 'LT')).toBe(1);
    await expect(redis.call('EXPIRE', 'k', '10', 'NX', 'XX')).rejects.toThrow('ERR NX and XX, GT or LT options at the same time are not compatible');
    await expect(redis.call('EXPIRE', 'k', '10', 'GT', 'LT')).rejects.toThrow('ERR GT and LT options at the same time are not compatible');
    await expect(redis.call('EXPIRE', 'k', 'soon')).rejects.toThrow('ERR value is not an integer or out of range');
    await expect(redis.call('EXPIRE', 'k', '9223372036854775807')).rejects.toThrow("ERR invalid expire time in 'expire' command");
  });

  it('a time in the past deletes the key at once', async () => {
    await redis.set('k', 'v');
    expect(await redis.expire('k', -1)).toBe(1);
    expect(await redis.exists('k')).toBe(0);
  });

  it('keys expire lazily on access', async () => {
    await redis.set('k', 'v', 'PX', 30);
    await sleep(80);
    expect(await redis.get('k')).toBeNull();
    expect(await redis.ttl('k')).toBe(-2);
  });

  it('keys expire actively without being touched', async () => {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 100; i++) pipeline.set(`e:${i}`, 'v', 'PX', 30);
    pipeline.set('stays', 'v');
    await pipeline.exec();
    expect(await redis.dbsize()).toBe(101);
    let size = 101;
    for (let i = 0; i < 50 && size > 1; i++) {
      await sleep(100);
      size = await redis.dbsize();
    }
    expect(size).toBe(1);
    const info = await redis.info('stats');
    expect(Number(/expired_keys:(\d+)/.exec(info)?.[1])).toBeGreaterThanOrEqual(100);
  });
});

describe('KEYS, SCAN and RANDOMKEY', () => {
  it('KEYS matches Redis glob patterns', async () => {
    await redis.mset('hello', '1', 'hallo', '2', 'hxllo', '3', 'hllo', '4', 'heeeello', '5', 'h*llo', '6');
    expect((await redis.keys('h?llo')).sort()).toEqual(['h*llo', 'hallo', 'hello', 'hxllo']);
    expect((await redis.keys('h*llo')).sort()).toEqual(['h*llo', 'hallo', 'heeeello', 'hello', 'hllo', 'hxllo']);
    expect((await redis.keys('h[ae]llo')).sort()).toEqual(['hallo', 'hello']);
    expect((await redis.keys('h[^e]llo')).sort()).toEqual(['h*llo', 'hallo', 'hxllo']);
    expect((await redis.keys('h[a-b]llo')).sort()).toEqual(['hallo']);
    expect(await redis.keys('h\\*llo')).toEqual(['h*llo']);
  });

  it('SCAN walks every key exactly as Redis promises, across shards', async () => {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 1000; i++) pipeline.set(`key:${i}`, 'v');
    await pipeline.exec();
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'COUNT', 37);
      for (const key of keys) seen.add(key);
      cursor = next;
      calls++;
    } while (cursor !== '0');
    expect(seen.size).toBe(1000);
    expect(calls).toBeGreaterThan(20);
    const matched: string[] = [];
    const stream = redis.scanStream({ match: 'key:1?', count: 100 });
    for await (const keys of stream) matched.push(...(keys as string[]));
    expect(matched.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `key:1${i}`).sort());
    expect(((await redis.call('scan', '0', 'TYPE', 'hash', 'COUNT', 2000)) as [cursor: string, keys: string[]])[1]).toEqual([]);
    await expect(redis.scan('0', 'COUNT', 0)).rejects.toThrow('ERR syntax error');
    await expect(redis.call('SCAN', 'abc')).rejects.toThrow('ERR invalid cursor');
  });

  it('RANDOMKEY returns an existing key or null', async () => {
    expect(await redis.randomkey()).toBeNull();
    await redis.mset(a1, '1', b1, '2');
    for (let i = 0; i < 10; i++) expect([a1, b1]).toContain(await redis.randomkey());
  });
});

describe('RENAME, COPY, MOVE and OBJECT', () => {
  it('RENAME keeps the TTL, across shards too', async () => {
    await redis.set(a1, 'v', 'EX', 100);
    expect(await redis.rename(a1, b1)).toBe('OK');
    expect(await redis.get(b1)).toBe('v');
    expect(await redis.ttl(b1)).toBeGreaterThan(90);
    expect(await redis.exists(a1)).toBe(0);
    expect(await redis.rename(b1, b2)).toBe('OK');
    expect(await redis.get(b2)).toBe('v');
    await expect(redis.rename('missing', 'x')).rejects.toThrow('ERR no such key');
    expect(await redis.rename(b2, b2)).toBe('OK');
  });

  it('RENAMENX only when the target is absent', async () => {
    await redis.mset(a1, '1', b1, '2');
    expect(await redis.renamenx(a1, b1)).toBe(0);
    expect(await redis.renamenx(a1, a2)).toBe(1);
    expect(await redis.mget(a1, a2, b1)).toEqual([null, '1', '2']);
  });

  it('COPY with DB and REPLACE', async () => {
    await redis.set(a1, 'v', 'EX', 100);
    expect(await redis.copy(a1, b1)).toBe(1);
    expect(await redis.get(b1)).toBe('v');
    expect(await redis.ttl(b1)).toBeGreaterThan(90);
    await redis.set(a2, 'other');
    expect(await redis.copy(a1, a2)).toBe(0);
    expect(await redis.copy(a1, a2, 'REPLACE')).toBe(1);
    expect(await redis.get(a2)).toBe('v');
    expect(await redis.copy(a1, a1, 'DB', 3)).toBe(1);
    expect(await redis.copy('missing', 'x')).toBe(0);
    await expect(redis.copy(a1, a1)).rejects.toThrow('ERR source and destination objects are the same');
    await redis.select(3);
    expect(await redis.get(a1)).toBe('v');
    await redis.select(0);
  });

  it('MOVE to another database', async () => {
    await redis.set('k', 'v');
    expect(await redis.move('k', 1)).toBe(1);
    expect(await redis.exists('k')).toBe(0);
    await redis.set('k', 'again');
    expect(await redis.move('k', 1)).toBe(0);
    await expect(redis.move('k', 0)).rejects.toThrow('ERR source and destination objects are the same');
    await expect(redis.move('k', 16)).rejects.toThrow('ERR DB index is out of range');
    await redis.select(1);
    expect(await redis.get('k')).toBe('v');
    await redis.select(0);
  });

  it('OBJECT ENCODING names Redis encodings', async () => {
    await redis.mset('int', '12345', 'short', 'hello', 'long', 'x'.repeat(45));
    expect(await redis.object('ENCODING', 'int')).toBe('int');
    expect(await redis.object('ENCODING', 'short')).toBe('embstr');
    expect(await redis.object('ENCODING', 'long')).toBe('raw');
    expect(await redis.object('ENCODING', 'missing')).toBeNull();
  });
});

describe('databases', () => {
  it('SELECT isolates keyspaces; SWAPDB, FLUSHDB and FLUSHALL', async () => {
    const db1 = new Redis({ port: server.port, db: 1 });
    await redis.set('k', 'zero');
    await db1.set('k', 'one');
    await db1.set('only1', 'x');
    expect(await redis.get('k')).toBe('zero');
    expect(await db1.get('k')).toBe('one');
    expect(await db1.dbsize()).toBe(2);
    expect(await redis.swapdb(0, 1)).toBe('OK');
    expect(await redis.get('k')).toBe('one');
    expect(await db1.get('k')).toBe('zero');
    expect(await redis.flushdb()).toBe('OK');
    expect(await redis.dbsize()).toBe(0);
    expect(await db1.dbsize()).toBe(1);
    expect(await redis.flushall()).toBe('OK');
    expect(await db1.dbsize()).toBe(0);
    await expect(redis.select(16)).rejects.toThrow('ERR DB index is out of range');
    await expect(redis.swapdb(0, 99)).rejects.toThrow('ERR DB index is out of range');
    await expect(redis.call('FLUSHALL', 'LATER')).rejects.toThrow('ERR syntax error');
    db1.disconnect();
  });
});

describe('inputs that must not hurt the server', () => {
  it('OBJECT HELP (a key position past the arguments) answers and the server lives', async () => {
    expect((await redis.call('OBJECT', 'HELP')) as string[]).toContain('ENCODING <key>');
    expect(await redis.ping()).toBe('PONG');
  });

  it('a backtracking-heavy glob finishes (no exponential matching)', async () => {
    await redis.set('a'.repeat(3000), 'v');
    expect(await redis.keys('*a*a*a*a*a*a*a*a*a*a*a*a*b')).toEqual([]);
    expect(await redis.keys('a*a')).toHaveLength(1);
  });
});
