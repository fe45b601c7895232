import { createClient, type RedisClientType } from 'redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';

/** Every data type through node-redis, in RESP2 and RESP3. */
let server: EddyProcess;

beforeAll(async () => {
  server = await EddyProcess.start(['--shards', '2']);
});
afterAll(async () => {
  await server.stop();
});

for (const RESP of [2, 3] as const) {
  describe(`node-redis RESP${RESP}`, () => {
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

    it('hashes', async () => {
      expect(await client.hSet('h', { a: '1', b: '2' })).toBe(2);
      expect(await client.hGetAll('h')).toEqual({ a: '1', b: '2' });
      expect(await client.hIncrBy('h', 'a', 4)).toBe(5);
      expect(await client.hmGet('h', ['a', 'x'])).toEqual(['5', null]);
      expect(await client.hDel('h', 'b')).toBe(1);
      expect(await client.hLen('h')).toBe(1);
    });

    it('lists, including a blocking pop served by another client', async () => {
      expect(await client.rPush('l', ['a', 'b', 'c'])).toBe(3);
      expect(await client.lRange('l', 0, -1)).toEqual(['a', 'b', 'c']);
      expect(await client.lPop('l')).toBe('a');
      const blocker = client.duplicate();
      await blocker.connect();
      const waiting = blocker.blPop('queue', 5);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await client.rPush('queue', 'job');
      expect(await waiting).toEqual({ key: 'queue', element: 'job' });
      await blocker.quit();
    });

    it('sets', async () => {
      expect(await client.sAdd('s', ['x', 'y', 'z'])).toBe(3);
      expect(await client.sIsMember('s', 'x')).toBe(1);
      expect((await client.sMembers('s')).sort()).toEqual(['x', 'y', 'z']);
      await client.sAdd('t', ['y']);
      expect(await client.sInter(['s', 't'])).toEqual(['y']);
    });

    it('sorted sets', async () => {
      expect(
        await client.zAdd('z', [
          { score: 1, value: 'a' },
          { score: 2.5, value: 'b' },
        ]),
      ).toBe(2);
      expect(await client.zScore('z', 'b')).toBe(2.5);
      expect(await client.zRangeWithScores('z', 0, -1)).toEqual([
        { value: 'a', score: 1 },
        { value: 'b', score: 2.5 },
      ]);
      expect(await client.zRank('z', 'b')).toBe(1);
      expect(await client.zPopMin('z')).toEqual({ value: 'a', score: 1 });
    });

    it('transactions', async () => {
      const results = await client.multi().set('t', '1').incr('t').get('t').exec();
      expect(results).toEqual(['OK', 2, '2']);
    });
  });
}
