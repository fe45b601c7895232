import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { BasicClientSideCache, createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eddyForFile } from '../support/eddy-for-file.js';
import { EddyProcess } from '../support/eddy-process.js';
import { RawConnection } from '../support/raw-connection.js';
import { RedisServerProcess } from '../support/redis-server-process.js';

/** CLIENT's subcommands, MONITOR, the idle timeout and client-side caching, with real clients (and redis-server to compare). */

const eddy = eddyForFile(['--shards', '2']);
const opened: { disconnect(): void }[] = [];

function connect(port = eddy.server.port, reconnect = true): Redis {
  const client = new Redis({ port, maxRetriesPerRequest: null, protocol: 2, ...(reconnect ? {} : { retryStrategy: () => null }) });
  client.on('error', () => undefined);
  opened.push(client);
  return client;
}

async function raw(port = eddy.server.port): Promise<RawConnection> {
  const connection = await RawConnection.open(port);
  opened.push({ disconnect: () => connection.close() });
  return connection;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(() => {
  for (const client of opened.splice(0)) client.disconnect();
});

describe('CLIENT PAUSE', () => {
  it('holds writes in order until UNPAUSE while reads go on (WRITE)', async () => {
    const [admin, first, second, reader] = [connect(), connect(), connect(), connect()];
    await admin.set('k', '0');
    // Both connected first: the order they are held in is the order their SETs arrive.
    await Promise.all([first.ping(), second.ping()]);
    expect(await admin.client('PAUSE', '10000', 'WRITE')).toBe('OK');
    const order: string[] = [];
    const firstWrite = first.set('k', '1').then(() => order.push('first'));
    await sleep(20);
    const writes = [firstWrite, second.set('k', '2').then(() => order.push('second'))];
    const evalHeld = reader.duplicate().eval('return 1', 0);
    expect(await reader.get('k')).toBe('0');
    await sleep(100);
    expect(order).toEqual([]);
    expect(await admin.client('UNPAUSE')).toBe('OK');
    await Promise.all(writes);
    expect(await evalHeld).toBe(1);
    expect(order).toEqual(['first', 'second']);
    expect(await reader.get('k')).toBe('2');
  });

  it('holds every command for ALL until the timeout, and answers errors at once', async () => {
    const [admin, other] = [connect(), connect()];
    const started = Date.now();
    expect(await admin.client('PAUSE', '300', 'ALL')).toBe('OK');
    // The refusal comes back while the pause holds: the PING sent after it is still held. (Only a
    // lower bound on time: a busy machine can make the pause end later, never sooner.)
    await expect(other.call('GET')).rejects.toThrow("ERR wrong number of arguments for 'get' command");
    expect(await other.ping()).toBe('PONG');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('keeps keys past their time while paused: they read as missing and are deleted after', async () => {
    const admin = connect();
    await admin.set('soon', 'v', 'PX', 20);
    await admin.client('PAUSE', '10000', 'WRITE');
    await sleep(300);
    expect(await admin.get('soon')).toBeNull();
    expect(await admin.dbsize()).toBe(1);
    await admin.client('UNPAUSE');
    expect(await admin.get('soon')).toBeNull();
    expect(await admin.dbsize()).toBe(0);
  });

  it('refuses bad arguments with Redis texts', async () => {
    const admin = connect();
    await expect(admin.client('PAUSE', 'x')).rejects.toThrow('ERR timeout is not an integer or out of range');
    await expect(admin.client('PAUSE', '-1')).rejects.toThrow('ERR timeout is negative');
    await expect(admin.call('CLIENT', 'PAUSE', '10', 'SOME')).rejects.toThrow('ERR CLIENT PAUSE mode must be WRITE or ALL');
  });
});

describe('CLIENT REPLY', () => {
  it('OFF sends nothing until ON; SKIP drops the next reply only', async () => {
    const connection = await raw();
    connection.write('CLIENT REPLY OFF\r\nSET a 1\r\nGET a\r\nCLIENT REPLY ON\r\nGET a\r\n');
    expect(await connection.readUntil((text) => text.endsWith('$1\r\n1\r\n'))).toBe('+OK\r\n$1\r\n1\r\n');
    connection.clear();
    connection.write('CLIENT REPLY SKIP\r\nSET b 2\r\nGET b\r\n');
    expect(await connection.readUntil((text) => text.endsWith('$1\r\n2\r\n'))).toBe('$1\r\n2\r\n');
  });
});

describe('CLIENT UNBLOCK', () => {
  it('ends a blocked BLPOP as its timeout would, or with -UNBLOCKED', async () => {
    const [admin, blocked] = [connect(), connect()];
    const id = Number(await blocked.client('ID'));
    const waiting = blocked.blpop('nothing', 0);
    await sleep(50);
    expect(await admin.client('UNBLOCK', String(id))).toBe(1);
    expect(await waiting).toBeNull();
    const failing = blocked.blpop('nothing', 0);
    await sleep(50);
    expect(await admin.client('UNBLOCK', String(id), 'ERROR')).toBe(1);
    await expect(failing).rejects.toThrow('UNBLOCKED client unblocked via CLIENT UNBLOCK');
    expect(await admin.client('UNBLOCK', String(id))).toBe(0);
  });
});

describe('CLIENT LIST and CLIENT INFO', () => {
  let redis: RedisServerProcess;
  beforeAll(async () => {
    redis = await RedisServerProcess.start();
  });
  afterAll(async () => {
    await redis.stop();
  });

  const fieldsOf = (line: string) =>
    line
      .trim()
      .split(' ')
      .map((field) => field.slice(0, field.indexOf('=')));

  it("has Redis 7.0's fields in Redis's order (then 7.2's lib-name and lib-ver)", async () => {
    const ours = fieldsOf(String(await connect().client('INFO')));
    const theirs = fieldsOf(String(await connect(redis.port).client('INFO')));
    expect(ours).toEqual([...theirs, 'lib-name', 'lib-ver']);
  });

  it('names the last command as Redis does, and shows flags, db, subscriptions and MULTI', async () => {
    const client = connect();
    await client.select(2);
    expect(String(await client.client('INFO'))).toMatch(/ flags=N db=2 sub=0 psub=0 ssub=0 multi=-1 .* cmd=client\|info user=default redir=-1 resp=2 /);
    const subscriber = connect();
    await subscriber.subscribe('news');
    await client.call('CLIENT', 'NO-EVICT', 'on');
    const list = String(await client.client('LIST'));
    expect(list).toMatch(/ flags=P db=0 sub=1 .* cmd=subscribe /);
    expect(list).toMatch(/ flags=e db=2 .* cmd=client\|list /);
    const pubsubOnly = String(await client.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
    expect(pubsubOnly.trim().split('\n')).toHaveLength(1);
    await expect(client.call('CLIENT', 'LIST', 'TYPE', 'nope')).rejects.toThrow("ERR Unknown client type 'nope'");
  });
});

describe('CLIENT KILL', () => {
  it('filters by ID, TYPE, ADDR, LADDR and USER, skipping the caller unless SKIPME no', async () => {
    // Killed clients stay gone (ioredis would reconnect them, and they would show in CLIENT LIST,
    // or in the next test's MONITOR): the admin too, which the last kill takes with the others.
    const admin = connect(undefined, false);
    const victims = [connect(undefined, false), connect(undefined, false), connect(undefined, false)];
    const ids = await Promise.all(victims.map(async (victim) => Number(await victim.client('ID'))));
    await victims[2].subscribe('ch');
    expect(await admin.client('KILL', 'ID', String(ids[0]))).toBe(1);
    expect(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub')).toBe(1);
    const addr = /addr=(\S+)/.exec(String(await admin.client('LIST', 'ID', String(ids[1]))))?.[1] as string;
    expect(await admin.call('CLIENT', 'KILL', 'ADDR', addr, 'LADDR', '1.2.3.4:5')).toBe(0);
    expect(await admin.client('KILL', addr)).toBe('OK');
    await expect(admin.client('KILL', addr)).rejects.toThrow('ERR No such client');
    await expect(admin.client('KILL', 'USER', 'nobody')).rejects.toThrow("ERR No such user 'nobody'");
    const laddr = /laddr=(\S+)/.exec(String(await admin.client('INFO')))?.[1] as string;
    connect(undefined, false);
    await sleep(50);
    expect(await admin.call('CLIENT', 'KILL', 'USER', 'default', 'LADDR', laddr)).toBeGreaterThanOrEqual(1);
    expect(
      String(await admin.client('LIST'))
        .trim()
        .split('\n'),
    ).toHaveLength(1);
    // Counted in the same turn as the kill: a client killed above may have reconnected meanwhile.
    const connection = await raw();
    connection.write('CLIENT LIST\r\nCLIENT KILL SKIPME no USER default\r\n');
    expect(await connection.waitClosed()).toBe(true);
    const [, list, killed] = /^\$\d+\r\n([^]*?)\r\n(:\d+\r\n)$/.exec(connection.text) ?? [];
    expect(killed).toBe(`:${list.trim().split('\n').length}\r\n`);
    expect(Number(killed.slice(1))).toBeGreaterThanOrEqual(2);
  });
});

describe('MONITOR', () => {
  it('streams every command to redis-cli monitor, as Redis shows them', async () => {
    const cli = spawn('redis-cli', ['-p', String(eddy.server.port), 'monitor']);
    let output = '';
    cli.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('latin1')));
    try {
      const client = connect();
      while (!output.startsWith('OK')) await sleep(20);
      await client.set('k', 'a "b"\n\x01');
      await client.eval("return redis.call('get', KEYS[1])", 1, 'k');
      await client.call('AUTH', 'secret').catch(() => undefined);
      await client.config('GET', 'timeout');
      await client.client('ID');
      await client.multi().incr('n').exec();
      while (!output.includes('"exec"')) await sleep(20);
      // From the SET on (ioredis's own handshake comes first).
      const all = output.trim().split('\n');
      const fromSet = all.slice(all.findIndex((line) => line.includes('"set" "k"')));
      // This client's commands and its script's: a client of another test reconnecting may show up too.
      const source = /\[0 127\.0\.0\.1:\d+\]/.exec(fromSet[0])?.[0] as string;
      const lines = fromSet.filter((line) => line.includes(source) || line.includes('[0 lua]'));
      const addr = '\\[0 127\\.0\\.0\\.1:\\d+\\]';
      expect(lines[0]).toMatch(new RegExp(`^\\d+\\.\\d{6} ${addr} "set" "k" "a \\\\"b\\\\"\\\\n\\\\x01"$`));
      expect(lines[1]).toMatch(new RegExp(`${addr} "eval" "return redis.call\\('get', KEYS\\[1\\]\\)" "1" "k"$`));
      expect(lines[2]).toMatch(/ \[0 lua\] "get" "k"$/);
      expect(lines[3]).toMatch(new RegExp(`${addr} "auth" "\\(redacted\\)"$`, 'i'));
      // CONFIG is an admin command: not shown, as in Redis.
      expect(lines[4]).toMatch(new RegExp(`${addr} "client" "ID"$`, 'i'));
      expect(lines.slice(5).map((line) => line.replace(/^.*\] /, ''))).toEqual(['"multi"', '"incr" "n"', '"exec"']);
    } finally {
      cli.kill();
    }
  });

  it("may not read or write keys, as Redis's replicas may not; ends with RESET", async () => {
    const connection = await raw();
    connection.write('MONITOR\r\n');
    await connection.readLines(1);
    connection.write('GET x\r\n');
    expect(await connection.readUntil((text) => text.includes("-ERR Replica can't interact with the keyspace\r\n"))).not.toContain('"GET" "x"');
    connection.write('RESET\r\n');
    await connection.readUntil((text) => text.includes('+RESET'));
    await connect().set('after', '1');
    await sleep(50);
    expect(connection.text).not.toContain('"after"');
  });
});

describe('timeout', () => {
  it('closes idle clients, not subscribers', async () => {
    const admin = connect();
    await admin.config('SET', 'timeout', '1');
    try {
      const idle = await raw();
      const subscriber = await raw();
      subscriber.write('SUBSCRIBE ch\r\n');
      expect(await idle.waitClosed(4000)).toBe(true);
      expect(subscriber.closed).toBe(false);
    } finally {
      await admin.config('SET', 'timeout', '0');
    }
  });
});

describe('client-side caching', () => {
  async function cachingClient(port = eddy.server.port) {
    const cache = new BasicClientSideCache({ ttl: 0, maxEntries: 0 });
    const client = createClient({ socket: { port, host: '127.0.0.1' }, RESP: 3, clientSideCache: cache });
    client.on('error', () => undefined);
    await client.connect();
    opened.push({ disconnect: () => void client.destroy() });
    const invalidated: (string | null)[] = [];
    cache.on('invalidate', (key: Buffer | string | null) => invalidated.push(key === null ? null : String(key)));
    return { client, cache, invalidated };
  }

  const until = async (done: () => boolean) => {
    for (let i = 0; i < 200 && !done(); i++) await sleep(20);
    return done();
  };

  it("node-redis (RESP3) serves reads from its cache until another client's write invalidates them", async () => {
    const { client, cache, invalidated } = await cachingClient();
    await eddy.redis.set('cached', 'one');
    expect(await client.get('cached')).toBe('one');
    expect(await client.get('cached')).toBe('one');
    expect(cache.stats().hitCount).toBe(1);
    await eddy.redis.set('cached', 'two');
    expect(await until(() => invalidated.includes('cached'))).toBe(true);
    expect(await client.get('cached')).toBe('two');
  });

  it('invalidates a key when it expires, and everything on FLUSHALL', async () => {
    const { client, invalidated } = await cachingClient();
    await eddy.redis.set('short', 'v');
    expect(await client.get('short')).toBe('v');
    await eddy.redis.pexpire('short', 30);
    expect(await until(() => invalidated.includes('short'))).toBe(true);
    expect(await client.get('other')).toBeNull();
    await eddy.redis.flushall();
    expect(await until(() => invalidated.includes(null))).toBe(true);
  });

  it('RESP2: invalidations go to the redirect connection on __redis__:invalidate; NOLOOP skips own writes', async () => {
    const listener = await raw();
    listener.write('CLIENT ID\r\nSUBSCRIBE __redis__:invalidate\r\n');
    const id = /^:(\d+)/.exec(await listener.readUntil((text) => text.includes(':1\r\n', 4)))?.[1] as string;
    listener.clear();
    const tracker = connect();
    expect(await tracker.client('TRACKING', 'on', 'REDIRECT', id, 'NOLOOP')).toBe('OK');
    expect(await tracker.client('GETREDIR')).toBe(Number(id));
    await tracker.mget('a', 'b');
    await tracker.set('a', 'mine');
    await eddy.redis.set('b', 'theirs');
    expect(await listener.readUntil((text) => text.includes('$1\r\nb\r\n'))).toBe('*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nb\r\n');
  });

  it('BCAST with PREFIX sends the changed keys of each prefix, once per turn', async () => {
    const listener = await raw();
    listener.write('HELLO 3\r\nCLIENT TRACKING on BCAST PREFIX user: PREFIX job:\r\n');
    await listener.readUntil((text) => text.endsWith('+OK\r\n'));
    listener.clear();
    await eddy.redis.pipeline().set('user:2', 'x').set('user:1', 'y').set('other', 'z').exec();
    expect(await listener.readUntil((text) => text.includes('user:2'))).toBe('>2\r\n$10\r\ninvalidate\r\n*2\r\n$6\r\nuser:1\r\n$6\r\nuser:2\r\n');
  });

  it('OPTIN caches only the keys read after CLIENT CACHING yes', async () => {
    const tracker = await raw();
    tracker.write('HELLO 3\r\nCLIENT TRACKING on OPTIN\r\nGET plain\r\nCLIENT CACHING yes\r\nGET chosen\r\n');
    await tracker.readUntil((text) => text.split('_\r\n').length === 3);
    tracker.clear();
    await eddy.redis.set('plain', '1');
    await eddy.redis.set('chosen', '1');
    expect(await tracker.readUntil((text) => text.includes('chosen'))).toBe('>2\r\n$10\r\ninvalidate\r\n*1\r\n$6\r\nchosen\r\n');
  });

  it('tracks the keys of reads whose keys move (ZUNION numkeys), and INFO counts tracking clients and keys', async () => {
    const tracker = await raw();
    tracker.write('HELLO 3\r\nCLIENT TRACKING on\r\nZUNION 2 za zb\r\n');
    await tracker.readUntil((text) => text.endsWith('*0\r\n'));
    tracker.clear();
    const info = await eddy.redis.info();
    expect(Number(/^tracking_clients:(\d+)/m.exec(info)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/^tracking_total_keys:(\d+)/m.exec(info)?.[1])).toBeGreaterThanOrEqual(2);
    await eddy.redis.zadd('zb', 1, 'm');
    expect(await tracker.readUntil((text) => text.includes('zb'))).toBe('>2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nzb\r\n');
  });

  it('invalidates a key maxmemory evicts', async () => {
    const server = await EddyProcess.start(['--maxmemory-policy', 'volatile-ttl']);
    try {
      const admin = connect(server.port);
      const { client, invalidated } = await cachingClient(server.port);
      // The nearest time to live goes first under volatile-ttl.
      await admin.set('tracked', 'v', 'EX', 100);
      expect(await client.get('tracked')).toBe('v');
      await admin.config('SET', 'maxmemory', '1');
      // Any write now needs room: the volatile key is evicted, then writes are refused.
      await expect(admin.set('more', 'x')).rejects.toThrow(/^OOM /);
      expect(await until(() => invalidated.includes('tracked'))).toBe(true);
      expect(await admin.exists('tracked')).toBe(0);
      expect(await client.get('tracked')).toBeNull();
    } finally {
      await server.stop();
    }
  });

  describe('on a follower', () => {
    let follower: EddyProcess;
    beforeAll(async () => {
      follower = await EddyProcess.start(['--shards', '3', '--replicaof', '127.0.0.1', String(eddy.server.port)]);
    });
    afterAll(async () => {
      await follower.stop();
    });

    it("invalidates keys the primary's records change", async () => {
      await eddy.redis.set('replicated', 'one');
      const { client, invalidated } = await cachingClient(follower.port);
      let value: string | null = null;
      for (let i = 0; i < 100 && value !== 'one'; i++, await sleep(20)) value = await client.get('replicated');
      expect(value).toBe('one');
      await eddy.redis.set('replicated', 'two');
      expect(await until(() => invalidated.includes('replicated'))).toBe(true);
      expect(await client.get('replicated')).toBe('two');
    });
  });
});
