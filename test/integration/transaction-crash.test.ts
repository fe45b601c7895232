import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';
import { keysOnShard } from '../support/keys-on-shards.js';

/** SIGKILL during multi-shard MULTI/EXEC load: after restart no transaction is half applied. */
const servers: EddyProcess[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
});

const PAIRS = 20;

describe('multi-shard transactions under SIGKILL', () => {
  for (const fsync of ['always', 'everysec']) {
    it(`appendfsync ${fsync}: every transaction is whole or absent`, async () => {
      const server = await EddyProcess.start(['--shards', '3', '--appendfsync', fsync]);
      servers.push(server);
      const left = keysOnShard(0, 3, PAIRS, 'left');
      const middle = keysOnShard(1, 3, PAIRS, 'middle');
      const right = keysOnShard(2, 3, PAIRS, 'right');
      const clients = Array.from({ length: 4 }, () => {
        const client = new Redis({ port: server.port, retryStrategy: () => null, maxRetriesPerRequest: 0, protocol: 2 });
        client.on('error', () => undefined);
        return client;
      });
      let acknowledged = 0;
      const writers = clients.map(async (client, c) => {
        for (let n = 0; ; n++) {
          const i = (n * 4 + c) % PAIRS;
          const value = `${c}:${n}`;
          try {
            const result = await client.multi().set(left[i], value).set(middle[i], value).rpush(`log:{${right[i]}}`, value).set(right[i], value).exec();
            if (result === null) return;
            acknowledged++;
          } catch {
            return;
          }
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 800 + Math.random() * 700));
      await server.kill('SIGKILL');
      await Promise.all(writers);
      for (const client of clients) client.disconnect();
      expect(acknowledged).toBeGreaterThan(50);

      await server.launch();
      const reader = new Redis({ port: server.port, protocol: 2 });
      for (let i = 0; i < PAIRS; i++) {
        const [l, m, r] = await reader.mget(left[i], middle[i], right[i]);
        expect([m, r]).toEqual([l, l]);
        const tail = await reader.lindex(`log:{${right[i]}}`, -1);
        expect(tail).toBe(r);
      }
      reader.disconnect();
    });
  }
});
