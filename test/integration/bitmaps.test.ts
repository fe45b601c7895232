import fc from 'fast-check';
import { Redis } from 'ioredis';
import { createClient, type RedisClientType } from 'redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { EddyProcess } from '../support/eddy-process.js';
import { keysOnDifferentShards } from '../support/keys-on-shards.js';
import { RawRespClient } from '../support/raw-resp-client.js';
import { keyEventsOf } from '../support/keyspace-events.js';
import { RedisServerProcess } from '../support/redis-server-process.js';

/**
 * SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO through ioredis and node-redis,
 * their errors, a restart, and the same commands beside a real redis-server 7.0: replies, bytes and
 * keyspace notifications.
 */
let eddy: EddyProcess;
let redis: RedisServerProcess;
let client: Redis;

beforeAll(() => ensureDebianPackages({ 'redis-server': 'redis-server' }), 300_000);
beforeAll(async () => {
  [eddy, redis] = await Promise.all([EddyProcess.start(['--shards', '2', '--notify-keyspace-events', 'KEA']), RedisServerProcess.start(['--notify-keyspace-events', 'KEA'])]);
  client = new Redis({ port: eddy.port });
});
afterAll(async () => {
  client?.disconnect();
  await Promise.all([eddy?.stop(), redis?.stop()]);
});
beforeEach(async () => {
  await client.flushall();
});

/** BITFIELD with any number of operations (ioredis types only a few). */
function bitfield(...args: (string | number)[]): Promise<unknown> {
  return client.call('BITFIELD', ...args.map(String));
}

async function logRevision(): Promise<number> {
  return Number(/log_revision:(\d+)/.exec(await client.info('log'))?.[1]);
}

describe('SETBIT and GETBIT', () => {
  it('sets and clears bits most significant first, zero-padding the string, and answer the old bit', async () => {
    expect(await client.setbit('b', 7, 1)).toBe(0);
    expect(await client.getBuffer('b')).toEqual(Buffer.from([0x01]));
    expect(await client.setbit('b', 7, 1)).toBe(1);
    expect(await client.setbit('b', 0, 1)).toBe(0);
    expect(await client.setbit('b', 23, 1)).toBe(0);
    expect(await client.getBuffer('b')).toEqual(Buffer.from([0x81, 0x00, 0x01]));
    expect(await client.setbit('b', 7, 0)).toBe(1);
    expect(await client.getBuffer('b')).toEqual(Buffer.from([0x80, 0x00, 0x01]));
    expect([await client.getbit('b', 0), await client.getbit('b', 1), await client.getbit('b', 23), await client.getbit('b', 1000)]).toEqual([1, 0, 1, 0]);
    expect(await client.getbit('missing', 5)).toBe(0);
    expect(await client.exists('missing')).toBe(0);
  });

  it('clearing a bit past the end still grows the string and creates a missing key; an unchanged bit writes nothing', async () => {
    expect(await client.setbit('z', 20, 0)).toBe(0);
    expect(await client.getBuffer('z')).toEqual(Buffer.alloc(3));
    const before = await logRevision();
    expect(await client.setbit('z', 3, 0)).toBe(0);
    expect(await logRevision()).toBe(before);
  });

  it('keeps the TTL of the key it changes', async () => {
    await client.set('t', 'a', 'EX', 1000);
    await client.setbit('t', 100, 1);
    expect(await client.ttl('t')).toBeGreaterThan(900);
  });
});

describe('BITCOUNT and BITPOS', () => {
  it('count set bits over byte or bit ranges, negative indexes from the end', async () => {
    await client.set('s', 'foobar');
    expect(await client.bitcount('s')).toBe(26);
    expect(await client.bitcount('s', 1, 1)).toBe(6);
    expect(await client.bitcount('s', -2, -1)).toBe(7);
    expect(await client.call('BITCOUNT', 's', '5', '30', 'BIT')).toBe(17);
    expect(await client.call('BITCOUNT', 's', '-100', '-200')).toBe(0);
    expect(await client.call('BITCOUNT', 's', '0', '-100')).toBe(4);
    expect(await client.bitcount('missing')).toBe(0);
  });

  it('find the first set or clear bit; a string without an end given is followed by zeros', async () => {
    await client.set('p', Buffer.from([0xff, 0xf0, 0x00]));
    expect(await client.bitpos('p', 0)).toBe(12);
    expect(await client.bitpos('p', 1, 2)).toBe(-1);
    expect(await client.call('BITPOS', 'p', '1', '7', '15', 'BIT')).toBe(7);
    expect(await client.call('BITPOS', 'p', '0', '0', '11', 'BIT')).toBe(-1);
    await client.set('ones', Buffer.from([0xff, 0xff]));
    expect(await client.bitpos('ones', 0)).toBe(16);
    expect(await client.bitpos('ones', 0, 0, -1)).toBe(-1);
    expect(await client.bitpos('missing', 0)).toBe(0);
    expect(await client.bitpos('missing', 1)).toBe(-1);
  });
});

describe('BITOP', () => {
  it('combines keys on any shard, zero-padding the shorter, and replaces the destination and its TTL', async () => {
    const [a, b, dest] = keysOnDifferentShards(2, 2).concat('dest');
    await client.set(a, Buffer.from([0xf0, 0xff]));
    await client.set(b, Buffer.from([0x3c]));
    await client.set(dest, 'old', 'EX', 1000);
    expect(await client.bitop('AND', dest, a, b)).toBe(2);
    expect(await client.getBuffer(dest)).toEqual(Buffer.from([0x30, 0x00]));
    expect(await client.ttl(dest)).toBe(-1);
    expect(await client.bitop('OR', dest, a, b, 'missing')).toBe(2);
    expect(await client.getBuffer(dest)).toEqual(Buffer.from([0xfc, 0xff]));
    expect(await client.bitop('XOR', dest, a, b)).toBe(2);
    expect(await client.getBuffer(dest)).toEqual(Buffer.from([0xcc, 0xff]));
    expect(await client.bitop('NOT', dest, a)).toBe(2);
    expect(await client.getBuffer(dest)).toEqual(Buffer.from([0x0f, 0x00]));
  });

  it('deletes the destination when every source is empty or missing', async () => {
    await client.set('dest', 'x');
    await client.set('empty', '');
    expect(await client.bitop('OR', 'dest', 'empty', 'missing')).toBe(0);
    expect(await client.exists('dest')).toBe(0);
  });
});

describe('BITFIELD and BITFIELD_RO', () => {
  it('run several GET, SET and INCRBY operations in order, with #N offsets and each OVERFLOW policy', async () => {
    expect(await bitfield('f', 'SET', 'u8', 0, 255, 'GET', 'u4', 0, 'INCRBY', 'i5', 100, 1, 'GET', 'u4', 4)).toEqual([0, 15, 1, 15]);
    expect(await bitfield('f', 'SET', 'i8', '#1', -100, 'GET', 'i8', 8, 'GET', 'u8', '#1')).toEqual([0, -100, 156]);
    expect(await bitfield('f', 'INCRBY', 'u2', 0, 1, 'OVERFLOW', 'SAT', 'INCRBY', 'u2', 0, 5, 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', 0, 1, 'GET', 'u2', 0)).toEqual([0, 3, null, 3]);
    expect(await bitfield('f', 'OVERFLOW', 'SAT', 'SET', 'u8', 16, -1, 'SET', 'i8', 24, 1000, 'GET', 'i8', 24)).toEqual([0, 0, 127]);
    // An i64 wraps from INT64_MAX to INT64_MIN (ioredis reads such replies as doubles: the bytes say it exactly).
    expect(await bitfield('g', 'INCRBY', 'i64', 0, '9223372036854775807', 'INCRBY', 'i64', 0, 1, 'GET', 'u63', 1)).toHaveLength(3);
    expect(await client.getBuffer('g')).toEqual(Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0]));
    expect(await bitfield('g', 'GET', 'u63', 1, 'INCRBY', 'i8', 0, 127)).toEqual([0, -1]);
    expect(await client.call('BITFIELD_RO', 'f', 'GET', 'u8', '0', 'GET', 'i8', '#1')).toEqual([255, -100]);
    expect(await client.call('BITFIELD_RO', 'missing', 'GET', 'i64', '1000')).toEqual([0]);
    expect(await client.call('BITFIELD', 'missing')).toEqual([]);
    expect(await client.exists('missing')).toBe(0);
  });

  it('grows the string to the farthest field written, even when FAIL refuses the write, as Redis does', async () => {
    expect(await bitfield('grow', 'OVERFLOW', 'FAIL', 'SET', 'u8', 100, 256)).toEqual([null]);
    expect(await client.getBuffer('grow')).toEqual(Buffer.alloc(14));
  });

  it('writes nothing for operations that change no bit of an existing string', async () => {
    await bitfield('same', 'SET', 'u8', 0, 7);
    const before = await logRevision();
    expect(await client.call('BITFIELD', 'same', 'SET', 'u8', '0', '7', 'INCRBY', 'u4', '4', '0')).toEqual([7, 7]);
    expect(await logRevision()).toBe(before);
  });
});

describe('errors', () => {
  it("answer with Redis's texts and write nothing", async () => {
    await client.rpush('list', 'a');
    const before = await logRevision();
    const refused: [string[], RegExp][] = [
      [['SETBIT', 'k', '4294967296', '1'], /^ERR bit offset is not an integer or out of range$/],
      [['SETBIT', 'k', '-1', '1'], /^ERR bit offset is not an integer or out of range$/],
      [['SETBIT', 'k', 'x', '1'], /^ERR bit offset is not an integer or out of range$/],
      [['SETBIT', 'k', '1', '2'], /^ERR bit is not an integer or out of range$/],
      [['SETBIT', 'k', '1', 'one'], /^ERR bit is not an integer or out of range$/],
      [['SETBIT', 'list', '1', '1'], /^WRONGTYPE /],
      [['GETBIT', 'k', '-1'], /^ERR bit offset is not an integer or out of range$/],
      [['GETBIT', 'list', '1'], /^WRONGTYPE /],
      [['BITCOUNT', 'list'], /^WRONGTYPE /],
      [['BITPOS', 'k', '2'], /^ERR The bit argument must be 1 or 0\.$/],
      [['BITOP', 'NAND', 'd', 'k'], /^ERR syntax error$/],
      [['BITOP', 'NOT', 'd', 'a', 'b'], /^ERR BITOP NOT must be called with a single source key\.$/],
      [['BITOP', 'AND', 'd', 'k', 'list'], /^WRONGTYPE /],
      [['BITFIELD', 'k', 'GET', 'u64', '0'], /^ERR Invalid bitfield type\. Use something like i16 u8\. Note that u64 is not supported but i64 is\.$/],
      [['BITFIELD', 'k', 'SET', 'i65', '0', '1'], /^ERR Invalid bitfield type/],
      [['BITFIELD', 'k', 'SET', 'u8', '0', '1', 'GET', 'u8', '#-1'], /^ERR bit offset is not an integer or out of range$/],
      [['BITFIELD', 'k', 'SET', 'u8', '0', '1', 'OVERFLOW', 'NONE'], /^ERR Invalid OVERFLOW type specified$/],
      [['BITFIELD', 'k', 'SET', 'u8', '0', '1', 'INCRBY', 'u8', '0', '1.5'], /^ERR value is not an integer or out of range$/],
      [['BITFIELD', 'k', 'SET', 'u8', '0'], /^ERR syntax error$/],
      [['BITFIELD', 'list', 'SET', 'u8', '0', '1'], /^WRONGTYPE /],
      [['BITFIELD_RO', 'k', 'GET', 'u8', '0', 'SET', 'u8', '0', '1'], /^ERR BITFIELD_RO only supports the GET subcommand$/],
    ];
    for (const [command, error] of refused) await expect(client.call(command[0], ...command.slice(1)), command.join(' ')).rejects.toThrow(error);
    expect(await logRevision()).toBe(before);
    expect(await client.dbsize()).toBe(1);
  });

  it('bounds bit offsets by proto-max-bulk-len', async () => {
    await client.config('SET', 'proto-max-bulk-len', '1mb');
    try {
      expect(await client.setbit('big', 8 * 1024 * 1024 - 1, 1)).toBe(0);
      expect(await client.strlen('big')).toBe(1024 * 1024);
      await expect(client.setbit('big', 8 * 1024 * 1024, 1)).rejects.toThrow(/^ERR bit offset is not an integer or out of range$/);
      await expect(bitfield('big', 'GET', 'u8', '#1048576')).rejects.toThrow(/^ERR bit offset is not an integer or out of range$/);
    } finally {
      await client.config('SET', 'proto-max-bulk-len', '512mb');
    }
  });
});

for (const RESP of [2, 3] as const) {
  describe(`node-redis RESP${RESP}`, () => {
    let node: RedisClientType;
    beforeAll(async () => {
      node = createClient({ url: `redis://127.0.0.1:${eddy.port}`, RESP }) as RedisClientType;
      await node.connect();
    });
    afterAll(async () => {
      await node.quit();
    });

    it('bitmaps and bitfields, with a refused INCRBY as a null element', async () => {
      expect(await node.setBit('n', 9, 1)).toBe(0);
      expect(await node.getBit('n', 9)).toBe(1);
      expect(await node.bitCount('n', { start: 8, end: 15, mode: 'BIT' })).toBe(1);
      expect(await node.bitPos('n', 1)).toBe(9);
      expect(await node.bitOp('NOT', 'm', 'n')).toBe(2);
      expect(await node.bitCount('m')).toBe(15);
      expect(
        await node.bitField('n', [
          { operation: 'SET', encoding: 'u8', offset: '#0', value: 200 },
          { operation: 'OVERFLOW', behavior: 'FAIL' },
          { operation: 'INCRBY', encoding: 'u8', offset: 0, increment: 100 },
          { operation: 'INCRBY', encoding: 'i8', offset: 0, increment: 100 },
        ]),
      ).toEqual([0, null, 44]);
      expect(await node.bitFieldRo('n', [{ encoding: 'i8', offset: 0 }])).toEqual([44]);
    });
  });
}

describe('restart', () => {
  it('rebuilds the bitmaps from the log after a crash', async () => {
    const server = await EddyProcess.start(['--shards', '2']);
    try {
      const before = new Redis({ port: server.port });
      for (let i = 0; i < 200; i += 7) await before.setbit('bits', i * 13, 1);
      await before.setbit('bits', 13 * 7, 0);
      await before.call('BITFIELD', 'bits', 'SET', 'i16', '#30', '-1234', 'INCRBY', 'u5', '3', '9', 'OVERFLOW', 'FAIL', 'SET', 'u8', '4000', '256');
      await before.set('other', Buffer.from([1, 2, 3]));
      await before.bitop('XOR', 'combined', 'bits', 'other');
      await before.set('gone', 'x');
      await before.bitop('AND', 'gone', 'missing');
      const values = await Promise.all(['bits', 'combined', 'gone'].map((key) => before.getBuffer(key)));
      before.disconnect();
      await server.kill('SIGKILL');
      await server.launch();
      const after = new Redis({ port: server.port });
      expect(await Promise.all(['bits', 'combined', 'gone'].map((key) => after.getBuffer(key)))).toEqual(values);
      expect(values[2]).toBeNull();
      after.disconnect();
    } finally {
      await server.stop();
    }
  });
});

describe('beside redis-server 7.0', () => {
  /** The commands on one server after FLUSHALL, in RESP2 or RESP3: each reply's bytes. */
  async function replies(port: number, resp: 2 | 3, commands: readonly string[][]): Promise<string[]> {
    const raw = await RawRespClient.open(port);
    try {
      await raw.call('FLUSHALL');
      if (resp === 3) await raw.call('HELLO', '3');
      const out: string[] = [];
      for (const command of commands) out.push(await raw.call(...command));
      return out;
    } finally {
      raw.close();
    }
  }

  const keys = ['a', 'b', 'c', 'list'];
  const key = fc.constantFrom(...keys);
  // Mostly valid arguments, so that most commands get as far as their bits.
  const offset = fc.oneof({ arbitrary: fc.nat(300).map(String), weight: 8 }, { arbitrary: fc.constantFrom('-1', '4294967296', 'x', '#3', '#-2'), weight: 1 });
  const index = fc.integer({ min: -40, max: 40 }).map(String);
  const unit = fc.constantFrom('BYTE', 'BIT', 'bit', 'WORD');
  const fieldType = fc.oneof(
    { arbitrary: fc.tuple(fc.constantFrom('i', 'u'), fc.integer({ min: 1, max: 63 })).map(([sign, bits]) => `${sign}${bits}`), weight: 12 },
    { arbitrary: fc.constantFrom('i64', 'u64', 'i0', 'i65', 'x8', 'I8'), weight: 1 },
  );
  const fieldValue = fc.oneof(
    fc.integer({ min: -300, max: 300 }).map(String),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
    fc.constantFrom('9223372036854775807', '-9223372036854775808', '1.5'),
  );
  const fieldOperation = fc.oneof(
    fc.tuple(fc.constant('GET'), fieldType, offset),
    fc.tuple(fc.constantFrom('SET', 'INCRBY', 'incrby'), fieldType, offset, fieldValue),
    fc.tuple(fc.constant('OVERFLOW'), fc.constantFrom('WRAP', 'SAT', 'FAIL', 'wrap', 'sat', 'fail', 'NONE')),
  );
  const command: fc.Arbitrary<string[]> = fc.oneof(
    fc.tuple(fc.constant('SETBIT'), key, offset, fc.constantFrom('0', '1', '2')),
    fc.tuple(fc.constant('GETBIT'), key, offset),
    fc
      .tuple(fc.constant('BITCOUNT'), key, fc.array(index, { maxLength: 2 }), fc.option(unit, { nil: undefined }))
      .map(([name, k, range, u]) => [name, k, ...range, ...(range.length === 2 && u !== undefined ? [u] : [])]),
    fc
      .tuple(fc.constant('BITPOS'), key, fc.constantFrom('0', '1', '2'), fc.array(index, { maxLength: 2 }), fc.option(unit, { nil: undefined }))
      .map(([name, k, bit, range, u]) => [name, k, bit, ...range, ...(range.length === 2 && u !== undefined ? [u] : [])]),
    fc
      .tuple(fc.constant('BITOP'), fc.constantFrom('AND', 'OR', 'XOR', 'NOT', 'not', 'NOR'), key, fc.array(key, { minLength: 1, maxLength: 3 }))
      .map(([name, op, dest, sources]) => [name, op, dest, ...sources]),
    fc.tuple(fc.constantFrom('BITFIELD', 'BITFIELD_RO'), key, fc.array(fieldOperation, { maxLength: 4 })).map(([name, k, operations]) => [name, k, ...operations.flat()]),
    fc.tuple(
      fc.constant('SET'),
      key,
      fc.uint8Array({ maxLength: 6 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    ),
    fc.tuple(fc.constant('GET'), key),
  );

  /** A workload: a list to make WRONGTYPE happen, random commands, then every key's bytes. */
  function workload(seed: number): string[][] {
    const [commands] = fc.sample(fc.array(command, { minLength: 150, maxLength: 150 }), { seed, numRuns: 1 });
    return [['RPUSH', 'list', 'x'], ...commands, ...keys.map((k) => ['GET', k])];
  }

  for (const resp of [2, 3] as const)
    it(`a mixed workload gives the same replies and bytes (RESP${resp})`, async () => {
      for (const seed of Array.from({ length: 20 }, (_, i) => i + 1)) {
        const commands = workload(seed * 10 + resp);
        const [expected, actual] = await Promise.all([replies(redis.port, resp, commands), replies(eddy.port, resp, commands)]);
        const label = (replyList: string[]) => replyList.map((reply, i) => `${commands[i].join(' ')} -> ${JSON.stringify(reply)}`);
        expect(label(actual)).toEqual(label(expected));
      }
    });

  it('notifies the keyspace events Redis notifies', async () => {
    const commands = [
      ['SETBIT', 'k', '3', '1'],
      ['SETBIT', 'k', '3', '1'],
      ['SETBIT', 'k', '40', '0'],
      ['BITFIELD', 'k', 'SET', 'u8', '0', '16'],
      ['BITFIELD', 'k', 'GET', 'u8', '0'],
      ['BITFIELD', 'k', 'INCRBY', 'u8', '0', '0'],
      ['BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'SET', 'u8', '0', '1', 'INCRBY', 'u8', '0', '255'],
      ['BITOP', 'OR', 'd', 'k'],
      ['BITOP', 'AND', 'd', 'missing'],
      ['BITOP', 'AND', 'd', 'missing'],
    ];
    const [expected, actual] = await Promise.all([keyEventsOf(redis.port, commands), keyEventsOf(eddy.port, commands)]);
    // No event where no bit changes (the second SETBIT, the SET of the same byte, INCRBY 0, the second empty BITOP).
    expect(expected).toEqual(['setbit k', 'setbit k', 'setbit f', 'set d', 'del d']);
    expect(actual).toEqual(expected);
  });
});
