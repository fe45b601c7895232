import { Redis } from 'ioredis';
import { afterAll, expect, test } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';
import { keysOnShard } from '../support/keys-on-shards.js';

/**
 * The crash matrix: 50 rounds of SIGKILL at a random moment under mixed multi-shard load (MULTI/EXEC
 * and MSET across three shards, checkpoints starting now and then), alternating appendfsync always
 * and everysec on one data directory. Every restart must succeed; no transaction may be half
 * applied; no acknowledged write may be lost (a SIGKILL leaves what LevelDB was given in the OS's
 * hands, so this holds for everysec too; only a machine crash can take back an unsynced everysec write).
 */
const ROUNDS = 50;
const WRITERS = 4;

const servers: EddyProcess[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
});

test(`${ROUNDS} rounds of SIGKILL under multi-shard load: restarts succeed, transactions whole, acknowledged writes kept`, async () => {
  const server = await EddyProcess.start(['--shards', '3', '--appendfsync', 'always', '--save', '']);
  servers.push(server);
  const left = keysOnShard(0, 3, WRITERS, 'left');
  const middle = keysOnShard(1, 3, WRITERS, 'middle');
  const right = keysOnShard(2, 3, WRITERS, 'right');
  /** Per writer: the highest sequence number the server acknowledged. */
  const acknowledged = new Array<number>(WRITERS).fill(0);
  let sequence = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const fsync = round % 2 === 0 ? 'always' : 'everysec';
    if (round > 0) {
      server.args.splice(server.args.indexOf('--appendfsync') + 1, 1, fsync);
      await server.launch(); // must always succeed
      await verify(server, round);
    }
    const clients = Array.from({ length: WRITERS + 1 }, () => {
      const client = new Redis({ port: server.port, retryStrategy: () => null, maxRetriesPerRequest: 0, protocol: 2 });
      client.on('error', () => undefined);
      return client;
    });
    const writers = clients.slice(0, WRITERS).map(async (client, w) => {
      for (let n = 0; ; n++) {
        const value = String(++sequence);
        try {
          // Both kinds of multi-shard write: a MULTI/EXEC transaction and a cross-shard MSET.
          const ok =
            n % 2 === 0
              ? (await client.multi().set(left[w], value).set(middle[w], value).set(right[w], value).exec()) !== null
              : (await client.mset(left[w], value, middle[w], value, right[w], value)) === 'OK';
          if (!ok) return;
          acknowledged[w] = Math.max(acknowledged[w], Number(value));
        } catch {
          return;
        }
      }
    });
    // Now and then a checkpoint is under way when the kill comes.
    if (round % 5 === 2) void clients[WRITERS].bgsave().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 250));
    await server.kill('SIGKILL');
    await Promise.all(writers);
    for (const client of clients) client.disconnect();
  }
  await server.launch();
  await verify(server, ROUNDS);

  async function verify(eddy: EddyProcess, round: number): Promise<void> {
    const reader = new Redis({ port: eddy.port, protocol: 2 });
    for (let w = 0; w < WRITERS; w++) {
      const [l, m, r] = await reader.mget(left[w], middle[w], right[w]);
      expect([m, r], `round ${round}, writer ${w}: a transaction was applied in part`).toEqual([l, l]);
      expect(Number(l ?? 0), `round ${round}, writer ${w}: an acknowledged write was lost`).toBeGreaterThanOrEqual(acknowledged[w]);
    }
    reader.disconnect();
  }
}, 240_000);
