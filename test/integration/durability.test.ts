import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';

/** Writes survive restarts and crashes as the fsync policy promises. */
const servers: EddyProcess[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

async function start(args: string[]): Promise<EddyProcess> {
  const server = await EddyProcess.start(args);
  servers.push(server);
  return server;
}

function connect(server: EddyProcess): Redis {
  const client = new Redis({ port: server.port, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined); // the server is killed on purpose
  return client;
}

interface Ack {
  key: string;
  value: string;
  at: number;
}

/** Several clients write distinct keys (some via cross-shard MSET) until the connection dies; returns what was acknowledged. */
async function writeUntilKilled(server: EddyProcess, killAfterMs: number): Promise<{ acks: Ack[]; killedAt: number }> {
  const acks: Ack[] = [];
  const clients = Array.from({ length: 4 }, () => connect(server));
  let killedAt = 0;
  const writers = clients.map(async (client, c) => {
    for (let i = 0; ; i++) {
      const key = `w:${c}:${i}`;
      const value = `v${i}`;
      try {
        if (i % 5 === 0) {
          await client.mset(key, value, `${key}:pair`, value);
          acks.push({ key: `${key}:pair`, value, at: Date.now() });
        } else await client.set(key, value);
        acks.push({ key, value, at: Date.now() });
      } catch {
        return;
      }
    }
  });
  await sleep(killAfterMs);
  killedAt = Date.now();
  await server.kill('SIGKILL');
  await Promise.all(writers);
  for (const client of clients) client.disconnect();
  return { acks, killedAt };
}

async function missingAfterRestart(server: EddyProcess, acks: Ack[]): Promise<Ack[]> {
  await server.launch();
  const client = connect(server);
  const values = await client.mget(...acks.map((ack) => ack.key));
  client.disconnect();
  return acks.filter((ack, i) => values[i] !== ack.value);
}

describe('crash safety (SIGKILL)', () => {
  it('appendfsync always: every acknowledged write survives', async () => {
    const server = await start(['--appendfsync', 'always', '--shards', '2']);
    const { acks } = await writeUntilKilled(server, 1500);
    expect(acks.length).toBeGreaterThan(100);
    expect(await missingAfterRestart(server, acks)).toEqual([]);
  });

  it('appendfsync everysec: at most the last second is missing', async () => {
    const server = await start(['--appendfsync', 'everysec', '--shards', '2']);
    const { acks, killedAt } = await writeUntilKilled(server, 1500);
    expect(acks.length).toBeGreaterThan(100);
    const missing = await missingAfterRestart(server, acks);
    expect(missing.filter((ack) => ack.at < killedAt - 1000)).toEqual([]);
  });
});

describe('restart (SIGTERM)', () => {
  it('exits 0 and restores every database, value and expiry', async () => {
    // No save rules: SIGTERM takes no checkpoint, so the restart replays the log (checked below).
    const server = await start(['--shards', '3', '--save', '']);
    const client = connect(server);
    await client.set('plain', 'v');
    await client.set('ttl', 'v', 'EX', 1000);
    await client.set('short', 'v', 'PX', 300);
    await client.mset('m1', 'a', 'm2', 'b', 'm3', 'c');
    await client.incrby('counter', 7);
    await client.append('plain', '+more');
    await client.select(5);
    await client.set('in-db5', 'five');
    await client.rename('in-db5', 'renamed-db5');
    await client.select(0);
    await client.del('m2');
    client.disconnect();
    expect(await server.kill('SIGTERM')).toBe(0);
    await sleep(400);
    await server.launch();
    const after = connect(server);
    expect(await after.mget('plain', 'm1', 'm2', 'm3', 'counter', 'short')).toEqual(['v+more', 'a', null, 'c', '7', null]);
    expect(await after.ttl('ttl')).toBeGreaterThan(900);
    await after.select(5);
    expect(await after.get('renamed-db5')).toBe('five');
    expect(await after.exists('in-db5')).toBe(0);
    const info = await after.info('log');
    expect(Number(/recovery_records:(\d+)/.exec(info)?.[1])).toBeGreaterThanOrEqual(10);
    after.disconnect();
  });

  it('a data directory keeps its shard count', async () => {
    const server = await start(['--shards', '2']);
    const client = connect(server);
    await client.mset('x', '1', 'y', '2', 'z', '3');
    client.disconnect();
    await server.kill('SIGTERM');
    const reopened = new EddyProcess(server.dir, ['--shards', '5']);
    servers.push(reopened);
    await reopened.launch();
    const after = connect(reopened);
    expect(await after.mget('x', 'y', 'z')).toEqual(['1', '2', '3']);
    expect(await after.info('server')).toContain('shards:2');
    after.disconnect();
  });
});
