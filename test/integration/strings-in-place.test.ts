import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { EddyProcess } from '../support/eddy-process.js';
import { keyEventsOf } from '../support/keyspace-events.js';
import { RedisServerProcess } from '../support/redis-server-process.js';
import { expectSameRepliesOn, type Step } from '../support/same-replies.js';

/**
 * Large strings written in place (SETBIT, SETRANGE, APPEND, BITFIELD past 4 KiB): the same
 * commands beside a real redis-server give the same replies and bytes, and the bytes survive
 * COPY (the copy's writes leave the original alone), RENAME, MOVE, a checkpoint and a restart,
 * and reach a follower (DIGEST equal); their keyspace events are Redis's.
 */
let eddy: EddyProcess;
let follower: EddyProcess;
let redis: RedisServerProcess;
let client: Redis;

beforeAll(() => ensureDebianPackages({ 'redis-server': 'redis-server' }), 300_000);
beforeAll(async () => {
  [eddy, redis] = await Promise.all([EddyProcess.start(['--shards', '2', '--enable-debug-command', 'yes']), RedisServerProcess.start()]);
  follower = await EddyProcess.start(['--shards', '3', '--replicaof', '127.0.0.1', String(eddy.port)]);
  client = new Redis({ port: eddy.port });
});
afterAll(async () => {
  client?.disconnect();
  await Promise.all([eddy?.stop(), follower?.stop(), redis?.stop()]);
});

/** A seeded generator (xorshift), so that a failure can be replayed. */
function random(seed: number): (bound: number) => number {
  let state = seed;
  return (bound) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % bound;
  };
}

/** `length` random bytes as latin1 text (every byte value, NUL and 0xff included). */
function bytes(next: (bound: number) => number, length: number): string {
  return Buffer.from(Array.from({ length }, () => next(256))).toString('latin1');
}

const SPAN = 120_000;

/** Writes and bit reads of a bitmap growing to about SPAN bytes, and of values that cross 4 KiB by APPEND or start large. */
function writesAndReads(seed: number, count: number): Step[] {
  const next = random(seed);
  const steps: Step[] = [
    ['SET', 'grown', 'x'.repeat(3000)],
    ['SET', 'large', bytes(next, 20_000)],
  ];
  for (let i = 0; i < count; i++) {
    const offset = next(SPAN);
    switch (next(11)) {
      case 0:
      case 1:
        steps.push(['SETBIT', 'bm', String(offset * 8 + next(8)), String(next(2))]);
        break;
      case 2:
        steps.push(['SETRANGE', next(2) === 0 ? 'bm' : 'large', String(offset), bytes(next, 1 + next(40))]);
        break;
      case 3:
        steps.push(['APPEND', next(2) === 0 ? 'grown' : 'bm', bytes(next, 1 + next(200))]);
        break;
      case 4:
        steps.push(['BITFIELD', 'bm', 'SET', 'u8', String(offset * 8 + next(8)), String(next(256)), 'INCRBY', 'i16', `#${next(SPAN / 2)}`, String(next(70_000) - 35_000)]);
        break;
      case 5:
        steps.push(['BITFIELD', 'bm', 'OVERFLOW', 'SAT', 'INCRBY', 'u5', String(offset * 8), String(next(40)), 'GET', 'i32', String(offset * 8 + 3)]);
        break;
      case 6:
        steps.push(['GETBIT', next(2) === 0 ? 'bm' : 'large', String(offset * 8 + next(8))]);
        break;
      case 7:
        steps.push(['BITCOUNT', 'bm', String(offset), String(offset + next(5000))]);
        break;
      case 8:
        steps.push(['BITPOS', 'bm', String(next(2)), String(offset), String(offset + next(100)), 'BIT']);
        break;
      case 9:
        steps.push(['GETRANGE', next(2) === 0 ? 'bm' : 'grown', String(offset % 20_000), String((offset % 20_000) + next(64))]);
        break;
      default:
        steps.push(['BITFIELD_RO', 'large', 'GET', 'u63', String(next(20_000 * 8))]);
    }
  }
  for (const key of ['bm', 'grown', 'large']) steps.push(['STRLEN', key], ['BITCOUNT', key], ['BITPOS', key, '0'], ['OBJECT', 'ENCODING', key], ['GET', key]);
  return steps;
}

async function values(keys: readonly string[], on = client): Promise<(Buffer | null)[]> {
  return Promise.all(keys.map((key) => on.getBuffer(key)));
}

describe('large strings written in place', () => {
  it('answer and hold the bytes redis-server does after random SETBIT, SETRANGE, APPEND and BITFIELD', async () => {
    const replies = await expectSameRepliesOn(redis.port, eddy.port, writesAndReads(7, 1500));
    // The bitmap did grow past the in-place threshold, and Redis calls it raw as Eddy does.
    expect(replies.filter((reply) => reply === '$3\r\nraw\r\n')).toHaveLength(3);
    expect(Number((await client.call('STRLEN', 'bm')) as number)).toBeGreaterThan(100_000);
  });

  it('DIGEST and DEBUG DIGEST-VALUE see the same bytes as a plain SET of them', async () => {
    const [bitmap] = await values(['bm']);
    await client.set('plain', bitmap as Buffer);
    const [written, plain] = (await client.call('DEBUG', 'DIGEST-VALUE', 'bm', 'plain')) as string[];
    expect(written).toBe(plain);
    expect(await client.call('OBJECT', 'ENCODING', 'plain')).toBe('raw');
  });

  // On one shard (the hash tag), COPY is a `copy` effect that duplicates the value in the projection.
  it('COPY gives bytes of its own: writing the copy leaves the original unchanged, and the other way round', async () => {
    const [original] = await values(['bm']);
    expect(await client.copy('bm', 'copy{bm}')).toBe(1);
    await client.setbit('copy{bm}', 9, 1);
    await client.setrange('copy{bm}', 100, 'copied');
    await client.append('copy{bm}', 'tail');
    expect(await client.getBuffer('bm')).toEqual(original);
    const copy = Buffer.from(original as Buffer);
    copy[1] |= 0x40;
    copy.write('copied', 100, 'latin1');
    expect(await client.getBuffer('copy{bm}')).toEqual(Buffer.concat([copy, Buffer.from('tail')]));
    await client.setrange('bm', 0, 'original');
    expect((await client.getBuffer('copy{bm}'))?.subarray(0, 8)).toEqual(copy.subarray(0, 8));
    await client.setrange('bm', 0, (original as Buffer).subarray(0, 8));
  });

  it('RENAME and MOVE carry the value, which stays writable in place where it lands', async () => {
    const [original] = await values(['grown']);
    await client.rename('grown', 'renamed{grown}');
    await client.append('renamed{grown}', '!');
    expect(await client.move('renamed{grown}', 1)).toBe(1);
    const db1 = new Redis({ port: eddy.port, db: 1 });
    try {
      await db1.setbit('renamed{grown}', 0, 1);
      const expected = Buffer.concat([original as Buffer, Buffer.from('!')]);
      expected[0] |= 0x80;
      expect(await db1.getBuffer('renamed{grown}')).toEqual(expected);
      expect(await db1.call('OBJECT', 'ENCODING', 'renamed{grown}')).toBe('raw');
    } finally {
      db1.disconnect();
    }
  });

  it('reach a follower byte for byte', async () => {
    const keys = ['bm', 'copy{bm}', 'large', 'plain'];
    const onPrimary = await values(keys);
    expect(onPrimary.map((value) => (value?.length ?? 0) > 4096)).toEqual(keys.map(() => true));
    const digest = await client.call('DIGEST');
    const reader = new Redis({ port: follower.port });
    try {
      await expect.poll(() => reader.call('DIGEST'), { timeout: 20_000, interval: 100 }).toBe(digest);
      expect(await values(keys, reader)).toEqual(onPrimary);
    } finally {
      reader.disconnect();
    }
  });

  it('survive a checkpoint, more writes after it, and a restart', async () => {
    await client.call('SAVE');
    await client.setbit('bm', SPAN * 8 + 77, 1);
    await client.append('large', 'after the checkpoint');
    await client.call('BITFIELD', 'copy{bm}', 'SET', 'u16', '#3', '4660');
    const keys = ['bm', 'copy{bm}', 'large', 'plain'];
    const before = await values(keys);
    expect(before.map((value) => (value?.length ?? 0) > 4096)).toEqual(keys.map(() => true));
    const digest = await client.call('DIGEST');
    client.disconnect();
    await eddy.kill('SIGTERM');
    await eddy.launch();
    client = new Redis({ port: eddy.port });
    expect(await client.call('DIGEST')).toBe(digest);
    expect(await values(keys)).toEqual(before);
    // Loaded from the log as a JS string, it is written in place again on its next write.
    await client.setrange('bm', 2, 'again');
    expect((await client.getBuffer('bm'))?.subarray(2, 7).toString()).toBe('again');
    expect(await client.strlen('bm')).toBe((before[0] as Buffer).length);
  });

  // Last: it flushes what the tests above built.
  it('notify the keyspace events Redis notifies', async () => {
    const commands = [
      ['SETRANGE', 'big', '5000', 'x'],
      ['APPEND', 'big', 'appended'],
      ['SETBIT', 'big', '100000', '1'],
      ['SETBIT', 'big', '100000', '1'],
      ['BITFIELD', 'big', 'SET', 'u8', '#10', '7'],
      ['COPY', 'big', 'copy{big}'],
      ['SETBIT', 'copy{big}', '0', '1'],
    ];
    const [expected, actual] = await Promise.all([keyEventsOf(redis.port, commands), keyEventsOf(eddy.port, commands)]);
    // No event for the SETBIT that changes nothing.
    expect(expected).toEqual(['setrange big', 'append big', 'setbit big', 'setbit big', 'copy_to copy{big}', 'setbit copy{big}']);
    expect(actual).toEqual(expected);
  });
});
