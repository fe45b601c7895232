import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { EddyProcess } from '../support/eddy-process.js';
import { RawRespClient } from '../support/raw-resp-client.js';
import { RedisServerProcess } from '../support/redis-server-process.js';

/** DEBUG behind enable-debug-command, and its subcommands beside a real redis-server's. */
let redis: RedisServerProcess;
let eddy: EddyProcess;
let closed: EddyProcess;

beforeAll(() => ensureDebianPackages({ 'redis-server': 'redis-server' }), 300_000);
beforeAll(async () => {
  [redis, eddy, closed] = await Promise.all([
    RedisServerProcess.start(['--enable-debug-command', 'yes']),
    EddyProcess.start(['--enable-debug-command', 'local', '--shards', '2']),
    EddyProcess.start(),
  ]);
});
afterAll(async () => {
  await Promise.all([redis?.stop(), eddy?.stop(), closed?.stop()]);
});

/** The same commands on both servers, from a fresh connection after FLUSHALL: each reply's bytes. */
async function replies(port: number, commands: string[][]): Promise<string[]> {
  const client = await RawRespClient.open(port);
  try {
    await client.call('FLUSHALL');
    const out: string[] = [];
    for (const command of commands) out.push(await client.call(...command));
    return out;
  } finally {
    client.close();
  }
}

describe('DEBUG', () => {
  it('is refused by default, as in Redis 7, and CONFIG SET cannot open it', async () => {
    const client = new Redis({ port: closed.port });
    await expect(client.call('DEBUG', 'SLEEP', '0')).rejects.toThrow(/^ERR DEBUG command not allowed\. If the enable-debug-command option is set to "local"/);
    await expect(client.config('SET', 'enable-debug-command', 'yes')).rejects.toThrow(/can't set immutable config/);
    client.disconnect();
  });

  it('answers as redis-server does where Eddy has the same thing to show', async () => {
    const commands = [
      ['DEBUG', 'NOSUCH'],
      ['DEBUG', 'SLEEP'],
      ['DEBUG', 'SLEEP', '0'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
      ['DEBUG', 'OBJECT', 'nokey'],
      ['DEBUG', 'DIGEST'],
      ['DEBUG', 'DIGEST-VALUE', 'nokey'],
      ['DEBUG', 'ERROR', 'MYERR something went wrong'],
      ['DEBUG', 'PROTOCOL', 'nosuch'],
      ['DEBUG', 'PROTOCOL', 'map'],
      ['DEBUG', 'PROTOCOL', 'verbatim'],
      ['DEBUG', 'PROTOCOL', 'true'],
      ['DEBUG', 'POPULATE', '-1'],
      ['DEBUG', 'POPULATE', 'x'],
      ['DEBUG', 'POPULATE', '3', 'k', '12'],
      ['GET', 'k:2'],
      ['DBSIZE'],
      ['SET', 'k:0', 'kept'],
      ['DEBUG', 'POPULATE', '5', 'k'],
      ['MGET', 'k:0', 'k:4'],
      ['DEBUG', 'CHANGE-REPL-ID'],
    ];
    expect(await replies(eddy.port, commands)).toEqual(await replies(redis.port, commands));
  });

  it('OBJECT shows encoding, serialized length and idle time in Redis field order', async () => {
    const client = new Redis({ port: eddy.port });
    await client.rpush('l', 'a', 'b');
    const info = (await client.call('DEBUG', 'OBJECT', 'l')) as string;
    expect(info).toMatch(/^Value at:0x[0-9a-f]+ refcount:1 encoding:quicklist serializedlength:\d+ lru:\d+ lru_seconds_idle:\d+ ql_nodes:1 ql_avg_node:2\.00 ql_listpack_max:-2 /);
    // DEBUG OBJECT itself does not touch the key.
    expect(await client.object('IDLETIME', 'l')).toBe(0);
    client.disconnect();
  });

  it('DIGEST-VALUE is equal for equal values and changes with the value', async () => {
    const client = new Redis({ port: eddy.port });
    await client.set('a', 'same');
    await client.set('b', 'same');
    const [a, b] = (await client.call('DEBUG', 'DIGEST-VALUE', 'a', 'b')) as string[];
    expect(a).toBe(b);
    await client.append('b', '!');
    expect(await client.call('DEBUG', 'DIGEST-VALUE', 'b')).not.toEqual([a]);
    client.disconnect();
  });

  it('SLEEP stops the whole server meanwhile, as in Redis', async () => {
    const sleeper = new Redis({ port: eddy.port });
    const other = new Redis({ port: eddy.port });
    await other.ping();
    const order: string[] = [];
    await Promise.all([
      sleeper.call('DEBUG', 'SLEEP', '0.6').then(() => order.push('slept')),
      new Promise((resolve) => setTimeout(resolve, 150)).then(() => other.ping().then(() => order.push('ping'))),
    ]);
    expect(order).toEqual(['slept', 'ping']);
    sleeper.disconnect();
    other.disconnect();
  });

  it('SET-ACTIVE-EXPIRE 0 leaves expired keys in place until they are read; 1 lets the background cycle delete them', async () => {
    const client = new Redis({ port: eddy.port });
    await client.flushall();
    await client.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await client.set('short', 'v', 'PX', 20);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await client.dbsize()).toBe(1);
    expect(await client.get('short')).toBeNull();
    expect(await client.dbsize()).toBe(0);
    await client.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    await client.set('short', 'v', 'PX', 20);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await client.dbsize()).toBe(0);
    client.disconnect();
  });
});
