import { createClient, type RedisClientType } from 'redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';

/** The same commands through node-redis, in RESP2 (its default) and RESP3. */
let server: EddyProcess;

beforeAll(async () => {
  server = await EddyProcess.start(['--shards', '4']);
});
afterAll(async () => {
  await server.stop();
});

for (const RESP of [2, 3] as const) {
  describe(`node-redis over RESP${RESP}`, () => {
    let client: RedisClientType;
    beforeAll(async () => {
      client = createClient({ url: `redis://127.0.0.1:${server.port}`, RESP }) as RedisClientType;
      await client.connect();
    });
    afterAll(async () => {
      await client.quit();
    });
    beforeEach(async () => {
      await client.flushAll();
    });

    it('strings: set, get, mset, mget, incr, append, getrange', async () => {
      expect(await client.set('a', '1')).toBe('OK');
      expect(await client.get('a')).toBe('1');
      expect(await client.set('a', '2', { condition: 'NX' })).toBeNull();
      expect(await client.mSet({ b: 'x', c: 'y', d: 'z' })).toBe('OK');
      expect(await client.mGet(['a', 'b', 'nope', 'd'])).toEqual(['1', 'x', null, 'z']);
      expect(await client.incrBy('a', 41)).toBe(42);
      expect(await client.incrByFloat('a', 0.5)).toBe('42.5');
      expect(await client.append('b', 'yz')).toBe(3);
      expect(await client.getRange('b', 1, -1)).toBe('yz');
      expect(await client.getDel('b')).toBe('xyz');
      expect(await client.exists(['a', 'b', 'c'])).toBe(2);
    });

    it('expiry: set with EX, ttl, expire conditions, persist, lazy expiry', async () => {
      await client.set('e', 'v', { expiration: { type: 'EX', value: 100 } });
      expect(await client.ttl('e')).toBe(100);
      expect(await client.expire('e', 200, 'GT')).toBe(1);
      expect(await client.ttl('e')).toBe(200);
      expect(await client.persist('e')).toBe(1);
      expect(await client.ttl('e')).toBe(-1);
      await client.set('short', 'v', { expiration: { type: 'PX', value: 20 } });
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(await client.get('short')).toBeNull();
    });

    it('databases: select, move, swapdb, dbsize', async () => {
      await client.set('k', 'db0');
      expect(await client.move('k', 2)).toBe(1);
      expect(await client.dbSize()).toBe(0);
      await client.select(2);
      expect(await client.get('k')).toBe('db0');
      expect(await client.dbSize()).toBe(1);
      await client.select(0);
      await client.swapDb(0, 2);
      expect(await client.get('k')).toBe('db0');
    });

    it('keys: scanIterator, keys, rename, type, copy', async () => {
      for (let i = 0; i < 300; i++) await client.set(`s:${i}`, String(i));
      const seen = new Set<string>();
      for await (const keys of client.scanIterator({ MATCH: 's:*', COUNT: 50 })) for (const key of keys) seen.add(key);
      expect(seen.size).toBe(300);
      expect((await client.keys('s:1?')).length).toBe(10);
      expect(await client.rename('s:1', 'renamed')).toBe('OK');
      expect(await client.type('renamed')).toBe('string');
      expect(await client.copy('renamed', 'copied')).toBe(1);
      expect(await client.get('copied')).toBe('1');
    });

    it('errors come back as Redis errors', async () => {
      await client.set('str', 'abc');
      await expect(client.incr('str')).rejects.toThrow('ERR value is not an integer or out of range');
      await expect(client.sendCommand(['NOPE'])).rejects.toThrow("ERR unknown command 'NOPE'");
    });

    it('client info shows the library name node-redis sets', async () => {
      const info = await client.sendCommand(['CLIENT', 'INFO']);
      expect(String(info)).toMatch(/lib-name=node-redis/);
    });
  });
}
