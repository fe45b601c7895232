import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { EddyProcess } from '../support/eddy-process.js';
import { keyEventsOf } from '../support/keyspace-events.js';
import { RedisServerProcess } from '../support/redis-server-process.js';

/**
 * PFADD, PFCOUNT, PFMERGE and PFDEBUG against a real redis-server 7.0: the same commands go to
 * both, and the HLL strings (GET) must be the same bytes, the replies the same replies.
 */

let reference: RedisServerProcess;
let eddy: EddyProcess;
let redis: Redis;
let ours: Redis;

beforeAll(() => ensureDebianPackages({ 'redis-server': 'redis-server' }), 300_000);
beforeAll(async () => {
  [reference, eddy] = await Promise.all([RedisServerProcess.start(), EddyProcess.start(['--shards', '2'])]);
  redis = new Redis({ port: reference.port, lazyConnect: true });
  ours = new Redis({ port: eddy.port, lazyConnect: true });
  await Promise.all([redis.connect(), ours.connect()]);
});
afterAll(async () => {
  redis?.disconnect();
  ours?.disconnect();
  await Promise.all([reference?.stop(), eddy?.stop()]);
});
beforeEach(async () => {
  for (const client of [redis, ours]) {
    await client.flushall();
    await client.config('SET', 'hll-sparse-max-bytes', '3000');
  }
});

/** A seeded generator of integers below n (an LCG, so that a failing run repeats). */
function seeded(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
}

/** `count` distinct-ish elements: decimal, text and binary (every byte value appears). */
function elements(random: (n: number) => number, count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => {
    switch (random(3)) {
      case 0:
        return Buffer.from(String(random(1_000_000)));
      case 1:
        return Buffer.from(`element:${i}:${random(1000)}`);
      default:
        return Buffer.from(Array.from({ length: random(20) }, () => random(256)));
    }
  });
}

type Reply = unknown;

/** The reply of a command, or its error's message. */
async function reply(client: Redis, args: (string | Buffer)[]): Promise<Reply> {
  try {
    const result: unknown = await client.callBuffer(String(args[0]), ...args.slice(1));
    return Buffer.isBuffer(result) ? result.toString('latin1') : Array.isArray(result) ? result.map((item) => (Buffer.isBuffer(item) ? item.toString('latin1') : item)) : result;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Runs a command on both servers and expects the same reply; returns it. */
async function both(...args: (string | Buffer)[]): Promise<Reply> {
  const [expected, actual] = await Promise.all([reply(redis, args), reply(ours, args)]);
  expect(actual, args.map(String).join(' ').slice(0, 80)).toEqual(expected);
  return expected;
}

/** Expects `key` to hold the same bytes on both servers (an HLL string, byte for byte). */
async function sameBytes(key: string): Promise<Buffer | null> {
  const [expected, actual] = await Promise.all([redis.getBuffer(key), ours.getBuffer(key)]);
  expect(actual?.toString('hex'), `GET ${key}`).toEqual(expected?.toString('hex'));
  return expected;
}

describe('the bytes of an HLL are redis-server 7.0', () => {
  test('fixed inputs: an empty HLL, a few elements, the cached count, the stale flag again', async () => {
    expect(await both('PFADD', 'empty')).toBe(1);
    // "HYLL", sparse, the count 0 marked stale, XZERO:16384.
    expect((await sameBytes('empty'))?.toString('hex')).toBe('48594c4c' + '01000000' + '0000000000000080' + '7fff');
    expect(await both('PFADD', 'empty')).toBe(0);
    expect(await both('PFCOUNT', 'empty')).toBe(0);
    await sameBytes('empty');
    expect(await both('PFADD', 'h', 'a', 'b', 'c')).toBe(1);
    expect(await both('PFADD', 'h', 'a', 'b', 'c')).toBe(0);
    await sameBytes('h');
    expect(await both('PFDEBUG', 'DECODE', 'h')).toBe('Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603');
    expect(await both('PFCOUNT', 'h')).toBe(3);
    const cached = await sameBytes('h');
    expect(cached?.[15]).toBe(0);
    expect(await both('PFADD', 'h', '')).toBe(1);
    expect((await sameBytes('h'))?.[15]).toBe(0x80);
    expect(await both('PFCOUNT', 'h')).toBe(4);
    await sameBytes('h');
  });

  test('random inputs in batches, sparse into dense, with counts between them', async () => {
    const random = seeded(7);
    for (let round = 0; round < 6; round++) {
      const key = `hll:${round}`;
      const batches = 1 + random(40);
      for (let batch = 0; batch < batches; batch++) {
        await both('PFADD', key, ...elements(random, 1 + random(200)));
        await sameBytes(key);
        if (random(3) === 0) {
          await both('PFCOUNT', key);
          await sameBytes(key);
        }
      }
      await both('PFDEBUG', 'ENCODING', key);
      await both('PFCOUNT', key);
      await sameBytes(key);
    }
  });

  test('a dense HLL: PFDEBUG TODENSE, then PFADD and PFCOUNT of it; GETREG', async () => {
    const random = seeded(11);
    await both('PFADD', 'd', ...elements(random, 50));
    expect(await both('PFDEBUG', 'TODENSE', 'd')).toBe(1);
    expect(await both('PFDEBUG', 'TODENSE', 'd')).toBe(0);
    expect(await both('PFDEBUG', 'ENCODING', 'd')).toBe('dense');
    expect(await both('PFDEBUG', 'DECODE', 'd')).toBe('ERR HLL encoding is not sparse');
    expect((await sameBytes('d'))?.length).toBe(16 + 12288);
    for (let i = 0; i < 5; i++) {
      await both('PFADD', 'd', ...elements(random, random(30)));
      await sameBytes('d');
      await both('PFCOUNT', 'd');
      await sameBytes('d');
    }
    await both('PFADD', 's', 'x', 'y');
    const registers = (await both('PFDEBUG', 'GETREG', 's')) as number[];
    expect(registers).toHaveLength(16384);
    expect(await both('PFDEBUG', 'ENCODING', 's')).toBe('dense');
    await sameBytes('s');
  });

  test('hll-sparse-max-bytes decides when a sparse HLL turns dense', async () => {
    const random = seeded(3);
    for (const maxBytes of ['0', '60', '400', '100000']) {
      for (const client of [redis, ours]) await client.config('SET', 'hll-sparse-max-bytes', maxBytes);
      expect(await ours.config('GET', 'hll-sparse-max-bytes')).toEqual(['hll-sparse-max-bytes', maxBytes]);
      const key = `max:${maxBytes}`;
      for (let batch = 0; batch < 10; batch++) {
        await both('PFADD', key, ...elements(random, 1 + random(60)));
        await sameBytes(key);
        await both('PFDEBUG', 'ENCODING', key);
      }
    }
  });

  test('PFMERGE of sparse and dense HLLs, into a new key, an existing one and itself; PFCOUNT of several keys', async () => {
    const random = seeded(5);
    await both('PFADD', 'a{m}', ...elements(random, 40));
    await both('PFADD', 'b{m}', ...elements(random, 80));
    await both('PFADD', 'c{m}', ...elements(random, 4000));
    await both('PFADD', 'e{m}');
    expect(await both('PFDEBUG', 'ENCODING', 'c{m}')).toBe('dense');
    expect(await both('PFMERGE', 'ab{m}', 'a{m}', 'b{m}')).toBe('OK');
    await sameBytes('ab{m}');
    await both('PFCOUNT', 'ab{m}');
    await sameBytes('ab{m}');
    await both('PFMERGE', 'a{m}', 'b{m}', 'missing{m}');
    await sameBytes('a{m}');
    await both('PFMERGE', 'abc{m}', 'a{m}', 'c{m}');
    await sameBytes('abc{m}');
    await both('PFMERGE', 'b{m}', 'c{m}');
    await sameBytes('b{m}');
    await both('PFMERGE', 'only{m}');
    await sameBytes('only{m}');
    await both('PFCOUNT', 'ab{m}');
    await both('PFMERGE', 'ab{m}', 'ab{m}');
    await sameBytes('ab{m}');
    await both('PFMERGE', 'e{m}', 'e{m}');
    await sameBytes('e{m}');
    // Several keys: the union is counted and nothing is written.
    expect(await both('PFCOUNT', 'a{m}', 'c{m}', 'missing{m}', 'e{m}')).toBeGreaterThan(2000);
    expect(await both('PFCOUNT', 'missing{m}', 'nothing{m}')).toBe(0);
    await sameBytes('a{m}');
    await sameBytes('c{m}');
    expect(await ours.exists('missing{m}')).toBe(0);
  });

  test('keys on different shards merge and count together', async () => {
    const keys = Array.from({ length: 8 }, (_, i) => `spread:${i}`);
    for (const [i, key] of keys.entries()) await both('PFADD', key, `a${i}`, `b${i}`, 'shared');
    await both('PFCOUNT', ...keys);
    await both('PFMERGE', 'spread:all', ...keys);
    await sameBytes('spread:all');
  });

  test('the cardinality of a sketch too full to estimate is what Redis replies', async () => {
    // Every register at 51 divides by zero: Redis caches and replies LLONG_MIN.
    const full = Buffer.alloc(16 + 12288);
    full.write('HYLL');
    full[15] = 0x80;
    for (let i = 0; i < 16384; i++) {
      const at = 16 + ((i * 6) >> 3);
      const shift = (i * 6) & 7;
      full[at] |= (51 << shift) & 0xff;
      if (at + 1 < full.length) full[at + 1] |= 51 >> (8 - shift);
    }
    await both('SET', 'full', full);
    await both('PFCOUNT', 'full');
    await sameBytes('full');
  });
});

describe('bad input gets Redis error texts and writes nothing', () => {
  /** The bytes of a fresh sparse HLL of a few elements, for corrupting. */
  async function sparseOf(key: string): Promise<Buffer> {
    await both('PFADD', key, 'a', 'b', 'c');
    return (await sameBytes(key)) as Buffer;
  }

  test('crafted strings: not an HLL, wrong magic, unknown encoding, dense of the wrong length', async () => {
    const good = await sparseOf('good');
    const crafted: Record<string, Buffer> = {
      short: Buffer.from('HYLL'),
      text: Buffer.from('just some text, long enough'),
      magic: Buffer.concat([Buffer.from('HILL'), good.subarray(4)]),
      encoding: Buffer.concat([good.subarray(0, 4), Buffer.from([2]), good.subarray(5)]),
      dense: Buffer.concat([good.subarray(0, 4), Buffer.from([0]), good.subarray(5)]),
    };
    for (const [key, bytes] of Object.entries(crafted)) {
      await both('SET', key, bytes);
      expect(await both('PFCOUNT', key)).toBe('WRONGTYPE Key is not a valid HyperLogLog string value.');
      await both('PFADD', key, 'x');
      await both('PFCOUNT', key, 'good');
      await both('PFMERGE', 'good', key);
      await both('PFMERGE', key, 'good');
      await both('PFDEBUG', 'ENCODING', key);
      await sameBytes(key);
      await sameBytes('good');
    }
    await both('RPUSH', 'list', 'x');
    expect(await both('PFADD', 'list', 'x')).toBe('WRONGTYPE Operation against a key holding the wrong kind of value');
    await both('PFCOUNT', 'list');
    await both('PFMERGE', 'list', 'good');
    await both('PFMERGE', 'good', 'list');
    await both('SET', 'number', '12345');
    await both('PFCOUNT', 'number');
  });

  test('corrupt sparse encodings: runs past the last register, short of it, bytes appended', async () => {
    const good = await sparseOf('good');
    const header = good.subarray(0, 16);
    const crafted: Record<string, Buffer> = {
      appended: Buffer.concat([good, Buffer.from('hello')]),
      // XZERO:16384 then one more VAL register.
      past: Buffer.concat([header, Buffer.from([0x7f, 0xff, 0x80])]),
      // A VAL that runs past the end: XZERO:16383 then VAL:1,4.
      runsOver: Buffer.concat([header, Buffer.from([0x7f, 0xfe, 0x83])]),
      short: Buffer.concat([header, Buffer.from([0x40, 0x10, 0x84])]),
      // An XZERO cut in two at the very end (its second byte reads as 0).
      cut: Buffer.concat([header, Buffer.from([0x7f, 0xfe, 0x80, 0x40])]),
      empty: header,
    };
    for (const [key, bytes] of Object.entries(crafted)) {
      await both('SET', key, bytes);
      expect(await both('PFCOUNT', key)).toBe('INVALIDOBJ Corrupted HLL object detected');
      await both('PFCOUNT', key, 'good');
      await both('PFMERGE', 'dest', key);
      await both('PFDEBUG', 'TODENSE', key);
      await both('PFDEBUG', 'GETREG', key);
      await both('PFDEBUG', 'DECODE', key);
      await sameBytes(key);
    }
    expect(await ours.exists('dest')).toBe(0);
  });

  test('random corruption of sparse and dense HLLs never crashes and gets the same replies', async () => {
    const random = seeded(13);
    for (let round = 0; round < 150; round++) {
      await both('DEL', 'fuzz');
      await both('PFADD', 'fuzz', ...elements(random, random(3000)));
      const length = (await ours.strlen('fuzz')) as number;
      for (let i = 0; i < 1 + random(5); i++) await both('SETRANGE', 'fuzz', String(random(length)), Buffer.from([random(256)]));
      await both('PFCOUNT', 'fuzz');
      await sameBytes('fuzz');
      await both('PFCOUNT', 'fuzz', 'other');
      await both('PFMERGE', 'merged', 'fuzz');
      await sameBytes('merged');
    }
  });

  test('PFDEBUG: a missing key, an unknown subcommand, its arity', async () => {
    await both('PFADD', 'h', 'a');
    await both('PFDEBUG', 'ENCODING', 'missing');
    await both('PFDEBUG', 'NOPE', 'missing');
    expect(await both('PFDEBUG', 'NOPE', 'h')).toBe("ERR Unknown PFDEBUG subcommand 'NOPE'");
    await both('PFDEBUG', 'SIMD', 'h');
    await both('PFDEBUG', 'ENCODING');
    await both('PFDEBUG', 'ENCODING', 'h', 'x');
    await both('PFADD');
    await both('PFCOUNT');
    await both('PFMERGE');
    await both('PFSELFTEST', 'x');
  });
});

describe('keyspace notifications and metadata', () => {
  test('PFADD and PFMERGE notify pfadd; a cached count and PFDEBUG notify nothing', async () => {
    const commands = [
      ['PFADD', 'n1', 'a', 'b'],
      ['PFADD', 'n1', 'a'],
      ['PFCOUNT', 'n1'],
      ['PFADD', 'n2', 'c'],
      ['PFMERGE', 'n3', 'n1', 'n2'],
      ['PFDEBUG', 'TODENSE', 'n3'],
      ['PFCOUNT', 'n1', 'n2'],
    ];
    const expected = await keyEventsOf(reference.port, commands);
    expect(expected).toContain('pfadd n3');
    expect(await keyEventsOf(eddy.port, commands)).toEqual(expected);
  });

  test('a PFCOUNT that caches the count touches a WATCHed key; one answered from the cache does not', async () => {
    const watchedThrough = async (client: Redis, port: number): Promise<unknown[]> => {
      const other = new Redis({ port });
      await client.pfadd('w', 'a', 'b');
      const results: unknown[] = [];
      for (let i = 0; i < 2; i++) {
        await client.watch('w');
        await other.pfcount('w');
        results.push(await client.multi().ping().exec());
      }
      other.disconnect();
      return results;
    };
    const expected = await watchedThrough(redis, reference.port);
    expect(expected).toEqual([null, [[null, 'PONG']]]);
    expect(await watchedThrough(ours, eddy.port)).toEqual(expected);
  });

  test('COMMAND INFO of the HyperLogLog commands is redis-server 7.0', async () => {
    const names = ['pfadd', 'pfcount', 'pfmerge', 'pfdebug', 'pfselftest'];
    // Key specifications and tips (the 7th element on) are Redis's own: the legacy fields and categories are compared.
    const legacy = (info: unknown) => (info as unknown[][]).map((row) => row.slice(0, 7));
    expect(legacy(await ours.call('COMMAND', 'INFO', ...names))).toEqual(legacy(await redis.call('COMMAND', 'INFO', ...names)));
  });

  test('PFADD keeps the expiry of the key, dense or sparse', async () => {
    await both('PFADD', 'ttl', 'a');
    await both('EXPIRE', 'ttl', '1000');
    await both('PFADD', 'ttl', ...elements(seeded(1), 100));
    await both('PFDEBUG', 'TODENSE', 'ttl');
    await both('PFADD', 'ttl', 'more');
    await both('PFCOUNT', 'ttl');
    expect(await ours.ttl('ttl')).toBeGreaterThan(990);
    await sameBytes('ttl');
  });

  test('PFSELFTEST passes', async () => {
    expect(await ours.call('PFSELFTEST')).toBe('OK');
  }, 120_000);
});

describe('a restart reproduces the HLL bytes', () => {
  test('sparse, dense, merged and cached HLLs come back byte for byte', async () => {
    const server = await EddyProcess.start(['--shards', '2']);
    try {
      const client = new Redis({ port: server.port, lazyConnect: true });
      await client.connect();
      const random = seeded(17);
      await client.pfadd('sparse', ...elements(random, 100));
      await client.pfadd('dense', ...elements(random, 5000));
      await client.pfadd('dense', 'one more');
      await client.pfcount('sparse');
      await client.call('PFMERGE', 'merged', 'sparse', 'dense');
      await client.call('PFDEBUG', 'TODENSE', 'sparse');
      const count = await client.pfcount('dense');
      const before = await Promise.all(['sparse', 'dense', 'merged'].map((key) => client.getBuffer(key)));
      client.disconnect();
      expect(await server.kill('SIGTERM')).toBe(0);
      await server.launch();
      const reopened = new Redis({ port: server.port, lazyConnect: true });
      await reopened.connect();
      const after = await Promise.all(['sparse', 'dense', 'merged'].map((key) => reopened.getBuffer(key)));
      expect(after.map((bytes) => bytes?.toString('hex'))).toEqual(before.map((bytes) => bytes?.toString('hex')));
      expect(await reopened.pfcount('dense')).toBe(count);
      reopened.disconnect();
    } finally {
      await server.stop();
    }
  });
});

describe('a follower', () => {
  test('counts without caching (its values are its primary log), and gets the cache its primary writes', async () => {
    const primary = await EddyProcess.start(['--shards', '2']);
    const follower = await EddyProcess.start(['--shards', '2', '--replicaof', '127.0.0.1', String(primary.port)]);
    const writer = new Redis({ port: primary.port });
    const reader = new Redis({ port: follower.port });
    try {
      await writer.pfadd('f', 'a', 'b', 'c');
      const stale = await writer.getBuffer('f');
      await expect.poll(async () => (await reader.getBuffer('f'))?.toString('hex'), { timeout: 20_000 }).toBe(stale?.toString('hex'));
      expect(await reader.pfcount('f')).toBe(3);
      expect((await reader.getBuffer('f'))?.toString('hex')).toBe(stale?.toString('hex'));
      expect(await writer.pfcount('f')).toBe(3);
      const cached = await writer.getBuffer('f');
      expect(cached?.[15]).toBe(0);
      await expect.poll(async () => (await reader.getBuffer('f'))?.toString('hex'), { timeout: 20_000 }).toBe(cached?.toString('hex'));
    } finally {
      writer.disconnect();
      reader.disconnect();
      await Promise.all([follower.stop(), primary.stop()]);
    }
  });
});
