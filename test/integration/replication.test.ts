import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { dumpDataset } from '../support/dataset-dump.js';
import { EddyProcess } from '../support/eddy-process.js';

/** Followers replicate by streaming the log: processes on loopback, real clients, random load. */

const SHARDS = ['--shards', '4'];
const servers: EddyProcess[] = [];
const clients: Redis[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function primary(args: string[] = []): Promise<EddyProcess> {
  const server = await EddyProcess.start([...SHARDS, ...args]);
  servers.push(server);
  return server;
}

async function follower(of: EddyProcess, args: string[] = []): Promise<EddyProcess> {
  const server = await EddyProcess.start([...SHARDS, '--replicaof', '127.0.0.1', String(of.port), ...args]);
  servers.push(server);
  return server;
}

function connect(server: EddyProcess): Redis {
  const client = new Redis({ port: server.port, maxRetriesPerRequest: null, retryStrategy: () => 50 });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

const info = async (client: Redis, field: string) => new RegExp(`^${field}:(.*)\r?$`, 'm').exec(await client.info('replication'))?.[1];

/**
 * Writes random commands of every type in pipelines until `stop()`; the count of commands sent.
 * `expiring` adds keys with short expiry times, whose deletions go on after the load stops.
 */
function randomLoad(client: Redis, expiring = true): { stop(): Promise<number> } {
  let running = true;
  let sent = 0;
  const done = (async () => {
    while (running) {
      const batch = client.pipeline();
      for (let i = 0; i < 50; i++) {
        const key = `k:${Math.floor(Math.random() * 300)}`;
        switch (Math.floor(Math.random() * (expiring ? 8 : 7))) {
          case 0:
            batch.set(`s:${key}`, String(Math.random()));
            break;
          case 1:
            batch.incrby(`n:${key}`, 3);
            break;
          case 2:
            batch.hset(`h:${key}`, `f${i % 5}`, String(i));
            break;
          case 3:
            batch.rpush(`l:${key}`, String(i));
            break;
          case 4:
            batch.sadd(`z:${key}`, String(i % 7));
            break;
          case 5:
            batch.zadd(`o:${key}`, i, `m${i % 9}`);
            break;
          case 6:
            batch.del(`s:${key}`);
            break;
          default:
            batch.set(`e:${key}`, 'soon', 'PX', 50 + Math.floor(Math.random() * 200));
        }
      }
      await batch.exec();
      sent += 50;
    }
    return sent;
  })();
  return {
    stop: async () => {
      running = false;
      return done;
    },
  };
}

/** Waits until every server holds the same dataset at the same revision. */
async function converged(...servers: EddyProcess[]): Promise<string> {
  const probes = servers.map((server) => connect(server));
  await expect
    .poll(async () => new Set(await Promise.all(probes.map(async (probe) => `${await probe.call('DIGEST')}@${await info(probe, 'master_repl_offset')}`))).size, {
      timeout: 20_000,
      interval: 100,
    })
    .toBe(1);
  return (await probes[0].call('DIGEST')) as string;
}

const countLines = (server: EddyProcess, text: string) => server.output.filter((line) => line.includes(text)).length;

describe('followers', () => {
  test('a primary and two followers, one chained, converge under random load; followers serve reads and refuse writes', async () => {
    const main = await primary();
    const first = await follower(main);
    const chained = await follower(first);
    const writer = connect(main);
    const load = randomLoad(writer);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const sent = await load.stop();
    expect(sent).toBeGreaterThan(1000);
    const digest = await converged(main, first, chained);
    expect(digest).not.toBe('0'.repeat(40));
    const reader = connect(chained);
    await writer.set('visible', 'everywhere');
    expect(await writer.wait(1, 5000)).toBe(1);
    await expect.poll(() => reader.get('visible')).toBe('everywhere');
    await expect(reader.set('nope', '1')).rejects.toThrow("READONLY You can't write against a read only replica.");
    await expect(reader.eval("return redis.call('SET', 'nope', '1')", 0)).rejects.toThrow(/READONLY/);
    expect(await reader.exists('nope')).toBe(0);
    // Roles, INFO in Redis's words, and the primary's revisions everywhere.
    expect(await writer.call('ROLE')).toEqual(['master', expect.any(Number), [['127.0.0.1', String(first.port), expect.any(String)]]]);
    expect(await reader.call('ROLE')).toEqual(['slave', '127.0.0.1', first.port, 'connected', expect.any(Number)]);
    expect(await info(reader, 'master_link_status')).toBe('up');
    expect(await info(writer, 'slave0')).toMatch(new RegExp(`^ip=127\\.0\\.0\\.1,port=${first.port},state=online,offset=\\d+,lag=\\d+$`));
    await converged(main, first, chained);
    const fromPrimary = await writer.call('LOGREAD', 'FROM', '1', 'COUNT', '20');
    expect(await reader.call('LOGREAD', 'FROM', '1', 'COUNT', '20')).toEqual(fromPrimary);
  });

  test('a follower killed with SIGKILL under load resumes from its revision (no checkpoint sent), and all converge', async () => {
    const main = await primary();
    const first = await follower(main);
    const chained = await follower(first);
    const load = randomLoad(connect(main));
    await new Promise((resolve) => setTimeout(resolve, 700));
    await first.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await first.launch();
    await new Promise((resolve) => setTimeout(resolve, 700));
    await load.stop();
    await converged(main, first, chained);
    expect(countLines(main, 'follower resumes')).toBe(2);
    expect(countLines(main, 'follower gets a checkpoint first')).toBe(0);
  });

  test('a cut link (socket dropped, primary stopped for a second) during load: followers reconnect with backoff and converge', async () => {
    const main = await primary();
    const first = await follower(main);
    const second = await follower(main);
    const writer = connect(main);
    const load = randomLoad(writer);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await connect(main).call('client', 'KILL', 'TYPE', 'replica')).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await main.kill('SIGTERM');
    await expect.poll(() => info(connect(first), 'master_link_status')).toBe('down');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await main.launch();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await load.stop();
    await converged(main, first, second);
    expect(countLines(main, 'follower gets a checkpoint first')).toBe(0);
  });

  test('a follower behind retention gets a checkpoint first, then the log; it restarts without one', async () => {
    const main = await primary(['--save', '', '--log-segment-revisions', '16', '--log-retention', '1s']);
    const writer = connect(main);
    for (let i = 0; i < 200; i++) await writer.set(`old:${i}`, String(i));
    await writer.rpush('list', 'a', 'b');
    await writer.save();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await writer.set('late', '1');
    await writer.bgrewriteaof();
    await expect.poll(async () => Number(/log_oldest_revision:(\d+)/.exec(await writer.info('log'))?.[1])).toBeGreaterThan(1);
    const late = await follower(main);
    await writer.set('after', '1');
    await converged(main, late);
    expect(countLines(main, 'follower gets a checkpoint first')).toBe(1);
    expect(await connect(late).lrange('list', 0, -1)).toEqual(['a', 'b']);
    // Once its own checkpoint holds the copy, the follower takes the primary's history name: from
    // then on a restart resumes (before, it would start over).
    const replid = await info(writer, 'master_replid');
    await expect.poll(() => info(connect(late), 'master_replid'), { timeout: 20_000 }).toBe(replid);
    await late.kill('SIGKILL');
    await writer.set('while-down', '1');
    await late.launch();
    await converged(main, late);
    expect(countLines(main, 'follower gets a checkpoint first')).toBe(1);
  });
});

describe('followers with another shard count', () => {
  /** Both databases the scenario writes, key by key, read through GET, HGETALL, LRANGE, ... */
  async function readEverything(server: EddyProcess): Promise<unknown[]> {
    const dumps = [];
    for (const db of [0, 1]) {
      const client = new Redis({ port: server.port, db });
      clients.push(client);
      dumps.push(await dumpDataset(client));
    }
    return dumps;
  }

  /** Writes that name several keys or a whole database in one record on the primary. */
  async function multiKeyWrites(writer: Redis, other: Redis, round: number): Promise<void> {
    const keys = Array.from({ length: 24 }, (_, i) => `m:${round}:${i}`);
    await writer.mset(...keys.flatMap((key, i) => [key, `v${i}`]));
    for (let i = 0; i < keys.length; i += 4) {
      await writer.rename(keys[i], `renamed:${round}:${i}`);
      await writer.copy(keys[i + 1], `copied:${round}:${i}`);
      await writer.copy(keys[i + 2], `copied-to-1:${round}:${i}`, 'DB', '1');
      await writer.move(keys[i + 3], 1);
    }
    await writer.hset(`h:${round}`, 'f', '1');
    await writer.pexpire(`h:${round}`, 600_000);
    await writer.rename(`h:${round}`, `h-renamed:${round}`);
    await other.set(`in-1:${round}`, 'x');
    await writer.swapdb(0, 1);
    await writer.swapdb(0, 1);
    await writer.swapdb(0, 1);
    await other.flushdb();
    await writer.multi().set(`t:${round}:a`, '1').flushdb().set(`t:${round}:b`, '2').rename(`t:${round}:b`, `t:${round}:c`).mset(`t:${round}:d`, '4', `t:${round}:e`, '5').exec();
  }

  test('a follower with more shards, a chained one with fewer, and a late one after retention (checkpoint) converge key for key', async () => {
    const main = await EddyProcess.start(['--shards', '2', '--save', '', '--log-segment-revisions', '16', '--log-retention', '1s']);
    servers.push(main);
    const wide = await EddyProcess.start(['--shards', '3', '--replicaof', '127.0.0.1', String(main.port)]);
    servers.push(wide);
    const narrow = await EddyProcess.start(['--shards', '1', '--replicaof', '127.0.0.1', String(wide.port)]);
    servers.push(narrow);
    const writer = connect(main);
    const other = new Redis({ port: main.port, db: 1 });
    clients.push(other);
    const load = randomLoad(writer, false);
    for (let round = 0; round < 3; round++) await multiKeyWrites(writer, other, round);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await load.stop();
    await converged(main, wide, narrow);
    const expected = await readEverything(main);
    expect(Object.keys(expected[0] as object).length).toBeGreaterThan(100);
    expect(await readEverything(wide)).toEqual(expected);
    expect(await readEverything(narrow)).toEqual(expected);

    // Its own log holds the records as placed here: a restart loads the same dataset.
    await wide.kill('SIGTERM');
    await writer.set('while-down', '1');
    await wide.launch();
    await converged(main, wide, narrow);
    expect(await readEverything(wide)).toEqual(await readEverything(main));

    // A follower that starts after retention dropped history gets the primary's checkpoint, rows placed by its own slot map.
    await writer.save();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await multiKeyWrites(writer, other, 3);
    await writer.bgrewriteaof();
    await expect.poll(async () => Number(/log_oldest_revision:(\d+)/.exec(await writer.info('log'))?.[1])).toBeGreaterThan(1);
    const late = await EddyProcess.start(['--shards', '5', '--replicaof', '127.0.0.1', String(main.port)]);
    servers.push(late);
    await multiKeyWrites(writer, other, 4);
    await converged(main, wide, narrow, late);
    expect(countLines(main, 'follower gets a checkpoint first')).toBe(1);
    const now = await readEverything(main);
    for (const server of [wide, narrow, late]) expect(await readEverything(server)).toEqual(now);
  });
});

describe('promotion', () => {
  test('REPLICAOF NO ONE keeps the revision sequence; another follower moves over; a follower that was ahead diverges, clearly, until told to resync', async () => {
    const main = await primary();
    const first = await follower(main);
    const second = await follower(main);
    const oldWriter = connect(main);
    // No expiring keys: their deletions would move the revision on while it is being looked at.
    const load = randomLoad(oldWriter, false);
    await new Promise((resolve) => setTimeout(resolve, 700));
    await load.stop();
    await converged(main, first, second);
    const before = Number(await info(connect(first), 'master_repl_offset'));
    const newWriter = connect(first);
    expect(await newWriter.replicaof('NO', 'ONE')).toBe('OK');
    expect(await newWriter.call('ROLE')).toEqual(['master', before, []]);
    await newWriter.set('after-promotion', '1');
    const [next] = (await newWriter.call('LOGREAD', 'FROM', '$')) as [number];
    expect(next).toBe(before + 2);
    // A follower at the same point moves to the new primary without a copy.
    expect(await connect(second).replicaof('127.0.0.1', String(first.port))).toBe('OK');
    await converged(first, second);
    expect(countLines(first, 'follower resumes')).toBe(1);
    // The old primary wrote on after the promotion: it holds revisions the new one never had.
    await oldWriter.set('ahead', '1');
    expect(await oldWriter.replicaof('127.0.0.1', String(first.port))).toBe('OK');
    await expect
      .poll(() => info(oldWriter, 'master_sync_last_error'))
      .toMatch(/^DIVERGED the follower holds history [0-9a-f]{40} up to revision \d+, which this primary does not have/);
    expect(await info(oldWriter, 'master_link_status')).toBe('down');
    expect(await oldWriter.get('ahead')).toBe('1');
    await expect(oldWriter.set('x', '1')).rejects.toThrow(/READONLY/);
    // Told to start over, it takes the new primary's copy.
    await oldWriter.config('SET', 'replica-diverged-resync', 'yes');
    expect(await oldWriter.replicaof('127.0.0.1', String(first.port))).toBe('OK');
    await converged(first, main, second);
    expect(await oldWriter.get('ahead')).toBeNull();
    expect(await oldWriter.get('after-promotion')).toBe('1');
  });
});

describe('authentication', () => {
  test('a follower authenticates with masterauth; without it the link stays down with the reason', async () => {
    const main = await primary(['--requirepass', 'secret']);
    const writer = new Redis({ port: main.port, password: 'secret' });
    clients.push(writer);
    await writer.set('guarded', '1');
    const trusted = await follower(main, ['--masterauth', 'secret']);
    const stranger = await follower(main);
    await expect.poll(async () => connect(trusted).get('guarded')).toBe('1');
    const strangerClient = connect(stranger);
    await expect.poll(() => info(strangerClient, 'master_sync_last_error')).toMatch(/NOAUTH|Authentication required/);
    expect(await info(strangerClient, 'master_link_status')).toBe('down');
    expect(await strangerClient.get('guarded')).toBeNull();
  });

  test('a follower authenticates as masteruser, an ACL user that may run only REPLCONF and REPLSYNC; with a wrong password its link stays down and retries', async () => {
    // The default user needs a password: the replication user is the one way in without it.
    const main = await primary(['--user', 'default', 'on', '>admin-pw', '~*', '&*', '+@all', '--user', 'replicator', 'on', '>repl-pw', '+replconf', '+replsync']);
    const writer = new Redis({ port: main.port, password: 'admin-pw' });
    clients.push(writer);
    await writer.set('guarded', '1');
    const trusted = await follower(main, ['--masteruser', 'replicator', '--masterauth', 'repl-pw']);
    const mistaken = await follower(main, ['--masteruser', 'replicator', '--masterauth', 'wrong-pw']);
    const trustedClient = connect(trusted);
    await expect.poll(() => trustedClient.get('guarded')).toBe('1');
    expect(await info(trustedClient, 'master_link_status')).toBe('up');
    await writer.set('later', '2');
    await expect.poll(() => trustedClient.get('later')).toBe('2');

    const mistakenClient = connect(mistaken);
    await expect.poll(() => info(mistakenClient, 'master_sync_last_error')).toMatch(/WRONGPASS/);
    expect(await info(mistakenClient, 'master_link_status')).toBe('down');
    expect(await mistakenClient.get('guarded')).toBeNull();
    // It keeps trying: the primary's ACL LOG counts one failed AUTH of the replicator per attempt.
    const failedAuths = async () => {
      const entries = (await writer.call('ACL', 'LOG')) as unknown[][];
      const entry = entries
        .map((fields) => Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i], fields[2 * i + 1]])))
        .find((fields) => fields.reason === 'auth' && fields.username === 'replicator');
      return Number(entry?.count ?? 0);
    };
    await expect.poll(failedAuths, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    // With the right password, its next attempt gets in, without a restart.
    await mistakenClient.config('SET', 'masterauth', 'repl-pw');
    await expect.poll(() => mistakenClient.get('later'), { timeout: 10_000 }).toBe('2');
    expect(await info(mistakenClient, 'master_link_status')).toBe('up');
    // Nothing the followers asked for was refused: REPLCONF and REPLSYNC are all they need.
    const refusals = ((await writer.call('ACL', 'LOG')) as unknown[][]).filter((fields) => fields[3] !== 'auth');
    expect(refusals).toEqual([]);
  });
});

describe('acknowledgements', () => {
  test('WAIT counts followers that wrote; min-replicas-to-write refuses writes without enough of them', async () => {
    const main = await primary(['--min-replicas-to-write', '1']);
    const writer = connect(main);
    await expect(writer.set('k', 'v')).rejects.toThrow('NOREPLICAS Not enough good replicas to write.');
    expect(await writer.wait(1, 100)).toBe(0);
    await follower(main);
    await expect.poll(() => writer.set('k', 'v').catch((error: Error) => error.message)).toBe('OK');
    expect(await writer.wait(1, 5000)).toBe(1);
    expect(await writer.wait(2, 200)).toBe(1);
    await expect(writer.call('WAIT', 'x', '0')).rejects.toThrow('ERR value is not an integer or out of range');
    await expect(writer.call('REPLICAOF', 'host', 'port')).rejects.toThrow('ERR Invalid master port');
  });
});
