import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { crc64 } from '../../src/formats/rdb/crc64.js';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { EddyProcess } from '../support/eddy-process.js';
import { RedisServerProcess } from '../support/redis-server-process.js';

/**
 * DUMP and RESTORE against a real redis-server 7.0: for every type and encoding, a payload DUMPed
 * by one restores on the other to the same value and TTL, and where Redis's bytes do not depend on
 * its hash tables' order, both DUMP the same bytes. Then Redis's errors, the keyspace events, a
 * fuzz of damaged payloads, and a restart after RESTORE.
 */

let redis: RedisServerProcess;
let eddy: EddyProcess;
let onRedis: Redis;
let onEddy: Redis;

beforeAll(() => ensureDebianPackages({ 'redis-server': 'redis-server' }), 300_000);
beforeAll(async () => {
  [redis, eddy] = await Promise.all([RedisServerProcess.start(), EddyProcess.start(['--shards', '2'])]);
  onRedis = new Redis({ port: redis.port });
  onEddy = new Redis({ port: eddy.port });
});
afterAll(async () => {
  onRedis?.disconnect();
  onEddy?.disconnect();
  await Promise.all([redis?.stop(), eddy?.stop()]);
});
beforeEach(async () => {
  await Promise.all([onRedis.flushall(), onEddy.flushall()]);
});

type Command = (string | number | Buffer)[];

async function onBoth(commands: Command[]): Promise<void> {
  for (const client of [onRedis, onEddy]) for (const [name, ...args] of commands) await client.call(name as string, ...args);
}

function pairsOf(flat: unknown[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (let i = 0; i < flat.length; i += 2) object[String(flat[i])] = flat[i + 1];
  return object;
}

/** A key's type, encoding and content, in a form both servers answer the same way. */
async function valueOf(client: Redis, key: string): Promise<unknown> {
  const type = await client.type(key);
  const encoding = await client.object('ENCODING', key);
  const buffer = (name: string, ...args: (string | number)[]) => client.callBuffer(name, key, ...args) as Promise<unknown>;
  switch (type) {
    case 'string':
      return [type, encoding, await buffer('GET')];
    case 'list':
      return [type, encoding, await buffer('LRANGE', 0, -1)];
    case 'set':
      return [type, encoding, ((await buffer('SMEMBERS')) as Buffer[]).map(String).sort()];
    case 'hash':
      return [type, encoding, Object.entries(pairsOf((await buffer('HGETALL')) as unknown[])).sort()];
    case 'zset':
      return [type, encoding, await buffer('ZRANGE', 0, -1, 'WITHSCORES')];
    case 'stream': {
      const full = pairsOf((await client.call('XINFO', 'STREAM', key, 'FULL')) as unknown[]);
      const groups = (full.groups as unknown[][]).map((group) => {
        const g = pairsOf(group);
        return [g.name, g['last-delivered-id'], g['entries-read'], g.lag, g['pel-count'], g.pending, (g.consumers as unknown[][]).map((c) => pairsOf(c))];
      });
      return [type, encoding, full.length, full['last-generated-id'], full['max-deleted-entry-id'], full['entries-added'], full['recorded-first-entry-id'], full.entries, groups];
    }
    default:
      return [type];
  }
}

const bigList = Array.from({ length: 1200 }, (_, i) => (i % 7 === 0 ? String(i * 1000) : `item-${i}-${'x'.repeat(i % 90)}`));
const bigZset = Array.from({ length: 200 }, (_, i) => [i % 3 === 0 ? i : i / 7, `member-${i}`]).flat();

/** Keys of every type and encoding; `deterministic`: Redis writes the same bytes for the same value. */
const CASES: { name: string; build: Command[]; deterministic: boolean }[] = [
  { name: 'embstr', build: [['SET', 'k', 'bar']], deterministic: true },
  { name: 'int8', build: [['SET', 'k', '-12']], deterministic: true },
  { name: 'int16', build: [['SET', 'k', '30000']], deterministic: true },
  { name: 'int32', build: [['SET', 'k', '-2000000000']], deterministic: true },
  { name: 'int64', build: [['SET', 'k', '9223372036854775807']], deterministic: true },
  { name: 'raw string that LZF compresses', build: [['SET', 'k', 'abc'.repeat(300)]], deterministic: true },
  { name: 'raw string LZF cannot shrink', build: [['SET', 'k', Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919 + 13) % 256))]], deterministic: true },
  { name: 'empty string', build: [['SET', 'k', '']], deterministic: true },
  { name: 'small list', build: [['RPUSH', 'k', 'a', '1', '-200', '70000', '12345678901', 'x'.repeat(100)]], deterministic: true },
  { name: 'list of many nodes', build: [['RPUSH', 'k', ...bigList]], deterministic: true },
  { name: 'list with a 70 KB element', build: [['RPUSH', 'k', 'a', 'y'.repeat(70_000), 'b']], deterministic: true },
  { name: 'intset of 16 bits', build: [['SADD', 'k', '1', '-5', '300']], deterministic: true },
  { name: 'intset of 64 bits', build: [['SADD', 'k', '1', '-9000000000', '300']], deterministic: true },
  { name: 'hashtable set', build: [['SADD', 'k', 'a', 'b', '1', 'c']], deterministic: false },
  { name: 'listpack hash', build: [['HSET', 'k', 'f', 'v', 'n', '12', 'big', '9223372036854775808', 'neg', '-4096', 'long', 'z'.repeat(60)]], deterministic: true },
  { name: 'hashtable hash', build: [['HSET', 'k', 'f', 'v', 'long', 'z'.repeat(100)]], deterministic: false },
  {
    name: 'listpack zset',
    build: [
      [
        'ZADD',
        'k',
        '1',
        'a',
        '1.5',
        'b',
        '-0.25',
        'c',
        '1e20',
        'd',
        'inf',
        'e',
        '-inf',
        'f',
        '0.1',
        'g',
        '-0',
        'h',
        '-2336066961288452000',
        'i',
        '4611686018427387904',
        'j',
        '9223372036854775807',
        'k',
        '0.103504180908203125',
        'l',
      ],
    ],
    deterministic: true,
  },
  { name: 'skiplist zset', build: [['ZADD', 'k', ...bigZset]], deterministic: true },
  {
    name: 'stream with groups',
    build: [
      ['XADD', 'k', '1-1', 'a', '1', 'b', '2'],
      ['XADD', 'k', '2-5', 'a', '3', 'b', '4'],
      ['XADD', 'k', '3-0', 'c', '5'],
      ['XADD', 'k', '18446744073709551615-3', 'a', 'x'.repeat(40), 'b', '-7'],
      ['XGROUP', 'CREATE', 'k', 'g2', '0'],
      ['XGROUP', 'CREATE', 'k', 'g1', '$'],
      ['XREADGROUP', 'GROUP', 'g2', 'bob', 'COUNT', '2', 'STREAMS', 'k', '>'],
      ['XREADGROUP', 'GROUP', 'g2', 'alice', 'COUNT', '1', 'STREAMS', 'k', '>'],
      ['XACK', 'k', 'g2', '1-1'],
      ['XGROUP', 'CREATECONSUMER', 'k', 'g1', 'carol'],
    ],
    deterministic: false, // consumers' seen times and deliveries are each server's clock
  },
  {
    name: 'stream of several nodes',
    build: Array.from({ length: 250 }, (_, i) => ['XADD', 'k', `${i + 1}-0`, 'f', String(i), ...(i % 10 === 0 ? ['g', 'h'] : [])]),
    deterministic: true,
  },
  {
    name: 'stream after XDEL and XTRIM',
    build: [...Array.from({ length: 30 }, (_, i) => ['XADD', 'k', `${i + 1}-0`, 'f', String(i)]), ['XDEL', 'k', '1-0', '7-0'], ['XTRIM', 'k', 'MAXLEN', '20']],
    deterministic: false,
  },
  { name: 'empty stream with a group', build: [['XGROUP', 'CREATE', 'k', 'g', '$', 'MKSTREAM']], deterministic: true },
];

describe('DUMP and RESTORE between Eddy and redis-server', () => {
  for (const { name, build, deterministic } of CASES)
    it(`${name}: the same value both ways${deterministic ? ', the same bytes' : ''}`, async () => {
      await onBoth(build);
      const [fromRedis, fromEddy] = await Promise.all([onRedis.dumpBuffer('k'), onEddy.dumpBuffer('k')]);
      if (deterministic) expect(fromEddy.toString('hex')).toBe(fromRedis.toString('hex'));
      expect(await onEddy.restore('r', 100_000, fromRedis)).toBe('OK');
      expect(await onRedis.restore('r', 100_000, fromEddy)).toBe('OK');
      // Each restored copy equals the key it was dumped from (a stream's times are its server's clock).
      expect(await valueOf(onEddy, 'r')).toEqual(await valueOf(onRedis, 'k'));
      expect(await valueOf(onRedis, 'r')).toEqual(await valueOf(onEddy, 'k'));
      for (const client of [onEddy, onRedis]) expect(await client.pttl('r')).toBeGreaterThan(90_000);
    });

  it('writes what Redis writes under list-compress-depth and without rdbcompression', async () => {
    for (const settings of [
      ['list-compress-depth', '1'],
      ['rdbcompression', 'no'],
      ['list-max-listpack-size', '5'],
    ]) {
      await onBoth([
        ['CONFIG', 'SET', ...settings],
        ['DEL', 'k', 's'],
        ['RPUSH', 'k', ...bigList],
        ['SET', 's', 'abc'.repeat(300)],
      ]);
      for (const key of ['k', 's']) expect((await onEddy.dumpBuffer(key)).toString('hex')).toBe((await onRedis.dumpBuffer(key)).toString('hex'));
      await onBoth([['CONFIG', 'SET', settings[0], settings[0] === 'rdbcompression' ? 'yes' : settings[0] === 'list-compress-depth' ? '0' : '-2']]);
    }
  });
});

/** A payload with a valid footer around `body` (the RDB type byte and value). */
function sealed(body: Buffer): Buffer {
  const versioned = Buffer.concat([body, Buffer.from([10, 0])]);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(versioned));
  return Buffer.concat([versioned, crc]);
}

/** The reply or error text of a command. */
async function replyOf(client: Redis, command: Command): Promise<unknown> {
  try {
    return await client.call(command[0] as string, ...command.slice(1));
  } catch (error) {
    return (error as Error).message;
  }
}

describe('RESTORE errors and edge cases, as redis-server answers them', () => {
  it('refuses bad options, TTLs, payloads and existing keys with Redis error texts, writing nothing', async () => {
    await onBoth([
      ['SET', 'src', 'value'],
      ['SET', 'busy', 'x'],
    ]);
    const good = await onRedis.dumpBuffer('src');
    const flipped = Buffer.from(good);
    flipped[1] ^= 1;
    const commands: Command[] = [
      ['RESTORE', 'busy', '0', good],
      ['RESTORE', 'k', '-1', good],
      ['RESTORE', 'k', 'abc', good],
      ['RESTORE', 'k', '0', good, 'IDLETIME', '-1'],
      ['RESTORE', 'k', '0', good, 'IDLETIME', 'x'],
      ['RESTORE', 'k', '0', good, 'FREQ', '256'],
      ['RESTORE', 'k', '0', good, 'IDLETIME', '1', 'FREQ', '2'],
      ['RESTORE', 'k', '0', good, 'FREQ'],
      ['RESTORE', 'k', '0', good, 'BOGUS'],
      ['RESTORE', 'k', '0', flipped],
      ['RESTORE', 'k', '0', good.subarray(0, 9)],
      ['RESTORE', 'k', '0', 'short'],
      ['RESTORE', 'k', '0', sealed(Buffer.from([8, 0]))],
      ['RESTORE', 'k', '0', sealed(Buffer.from([2, 0]))],
      ['RESTORE', 'k', '0', sealed(Buffer.from([0, 0xc3, 5, 50, 1, 2, 3, 4, 5]))],
      ['RESTORE', 'k', '0', sealed(Buffer.from([11, 9, 2, 0, 0, 0, 1, 0, 0, 0, 1]))],
      ['RESTORE', 'k', '0', Buffer.concat([good.subarray(0, good.length - 10), Buffer.from([11, 0]), good.subarray(good.length - 8)])],
      ['RESTORE'],
      ['RESTORE', 'k', '0'],
      ['DUMP', 'missing'],
      ['EXISTS', 'k'],
    ];
    for (const [i, command] of commands.entries()) expect(await replyOf(onEddy, command), `command ${i}`).toEqual(await replyOf(onRedis, command));
    // A duplicate field: Redis refuses it when it sanitizes payloads; Eddy always checks as sanitize-dump-payload yes does.
    await onRedis.config('SET', 'sanitize-dump-payload', 'yes');
    const duplicate: Command = ['RESTORE', 'k', '0', sealed(Buffer.from([4, 2, 1, 0x61, 1, 0x62, 1, 0x61, 1, 0x63]))];
    expect(await replyOf(onEddy, duplicate)).toBe('ERR Bad data format');
    expect(await replyOf(onRedis, duplicate)).toBe('ERR Bad data format');
    await onRedis.config('SET', 'sanitize-dump-payload', 'no');
  });

  it('honours REPLACE and ABSTTL; a TTL already past stores nothing, and deletes the old key under REPLACE', async () => {
    await onBoth([
      ['SET', 'src', 'value'],
      ['SET', 'old', 'x'],
    ]);
    const payload = await onRedis.dumpBuffer('src');
    const past = Date.now() - 10_000;
    for (const client of [onRedis, onEddy]) {
      expect(await client.call('RESTORE', 'gone', past, payload, 'ABSTTL')).toBe('OK');
      expect(await client.exists('gone')).toBe(0);
      expect(await client.call('RESTORE', 'old', past, payload, 'ABSTTL', 'REPLACE')).toBe('OK');
      expect(await client.exists('old')).toBe(0);
      expect(await client.call('RESTORE', 'abs', Date.now() + 60_000, payload, 'ABSTTL')).toBe('OK');
      expect(await client.pttl('abs')).toBeGreaterThan(50_000);
      expect(await client.restore('abs', 0, payload, 'REPLACE')).toBe('OK');
      expect(await client.pttl('abs')).toBe(-1);
    }
  });

  it('sets the idle time or the frequency OBJECT reports', async () => {
    await onEddy.set('src', 'v');
    const payload = await onEddy.dumpBuffer('src');
    await onEddy.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await onEddy.restore('idle', 0, payload, 'IDLETIME', 1000);
    const idle = Number(await onEddy.object('IDLETIME', 'idle'));
    expect(idle).toBeGreaterThanOrEqual(1000);
    expect(idle).toBeLessThanOrEqual(1010);
    await onEddy.config('SET', 'maxmemory-policy', 'allkeys-lfu');
    await onEddy.restore('often', 0, payload, 'FREQ', 100);
    expect(await onEddy.object('FREQ', 'often')).toBe(100);
    await onEddy.config('SET', 'maxmemory-policy', 'noeviction');
  });

  it('notifies restore (and del for an expired REPLACE) as Redis does', async () => {
    const heard: string[][] = [[], []];
    const listeners = [new Redis({ port: redis.port }), new Redis({ port: eddy.port })];
    await onBoth([
      ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA'],
      ['SET', 'src', 'v'],
      ['SET', 'old', 'x'],
    ]);
    const payload = await onRedis.dumpBuffer('src');
    await Promise.all(
      listeners.map(async (listener, i) => {
        listener.on('pmessage', (_pattern, channel, message) => heard[i].push(`${channel} ${message}`));
        await listener.psubscribe('__key*@0__:*');
      }),
    );
    for (const client of [onRedis, onEddy]) {
      await client.restore('new', 0, payload);
      await client.restore('new', 5000, payload, 'REPLACE');
      await client.call('RESTORE', 'old', 1, payload, 'ABSTTL', 'REPLACE');
      await client.set('sync', '1');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard[1]).toEqual(heard[0]);
    expect(heard[0]).toContain('__keyevent@0__:restore new');
    expect(heard[0]).toContain('__keyevent@0__:del old');
    for (const listener of listeners) listener.disconnect();
    await onBoth([['CONFIG', 'SET', 'notify-keyspace-events', '']]);
  });
});

/** A deterministic sequence of numbers in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('damaged payloads', () => {
  it('give one of Redis errors, or a whole value that DUMPs and RESTOREs again to itself; never a crash or half a key', async () => {
    const random = seeded(16);
    const errors = new Set(['ERR DUMP payload version or checksum are wrong', 'ERR Bad data format']);
    for (const { name, build } of CASES) {
      await onEddy.flushall();
      for (const [name, ...args] of build) await onEddy.call(name as string, ...args);
      const good = await onEddy.dumpBuffer('k');
      for (let round = 0; round < 150; round++) {
        const body = Buffer.from(good.subarray(0, good.length - 10));
        const damage = random();
        let damaged: Buffer;
        if (damage < 0.15) damaged = good.subarray(0, Math.floor(random() * good.length));
        else {
          const mutated = damage < 0.3 ? body.subarray(0, Math.floor(random() * body.length)) : body;
          for (let flips = 1 + Math.floor(random() * 3); flips > 0 && mutated.length > 0; flips--) mutated[Math.floor(random() * mutated.length)] ^= 1 << Math.floor(random() * 8);
          // Mostly with a checksum that fits, so that the decoders see the damage.
          damaged = damage < 0.4 ? Buffer.concat([mutated, good.subarray(good.length - 10)]) : sealed(Buffer.from(mutated));
        }
        const reply = await replyOf(onEddy, ['RESTORE', 'f', '0', damaged, 'REPLACE']);
        if (reply !== 'OK') {
          expect(errors, String(reply)).toContain(reply);
          expect(await onEddy.exists('f')).toBe(0);
          continue;
        }
        const again = await onEddy.dumpBuffer('f');
        expect(await onEddy.restore('f2', 0, again, 'REPLACE')).toBe('OK');
        expect((await onEddy.dumpBuffer('f2')).toString('hex'), name).toBe(again.toString('hex'));
        await onEddy.del('f');
      }
    }
    expect(await onEddy.ping()).toBe('PONG');
  }, 120_000);
});

describe('a restart after RESTORE', () => {
  it('brings back the same values and expiries from the log', async () => {
    const server = await EddyProcess.start(['--shards', '2']);
    const client = new Redis({ port: server.port });
    try {
      const dumps = new Map<string, Buffer>();
      for (const [i, { build }] of CASES.entries()) {
        await onRedis.flushall();
        for (const [name, ...args] of build) await onRedis.call(name as string, ...args);
        await client.restore(`key${i}`, i % 2 === 0 ? 0 : 600_000, await onRedis.dumpBuffer('k'));
        dumps.set(`key${i}`, await client.dumpBuffer(`key${i}`));
      }
      const expiries = await Promise.all([...dumps.keys()].map((key) => client.pexpiretime(key)));
      client.disconnect();
      await server.kill('SIGKILL');
      await server.launch();
      const after = new Redis({ port: server.port });
      for (const [key, payload] of dumps) expect((await after.dumpBuffer(key)).toString('hex'), key).toBe(payload.toString('hex'));
      expect(await Promise.all([...dumps.keys()].map((key) => after.pexpiretime(key)))).toEqual(expiries);
      after.disconnect();
    } finally {
      await server.stop();
    }
  }, 60_000);
});
