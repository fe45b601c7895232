import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RdbFileError, readRdbFile, type RdbFileEvent } from '../../src/projections/rdb/rdb-file-reader.js';
import { RedisServerProcess } from '../support/redis-server-process.js';

/** The RDB file a real redis-server SAVEs, read whole, in small chunks, cut short and bit-flipped. */

let redis: RedisServerProcess;
let file: Buffer;

async function eventsOf(source: Buffer | Buffer[]): Promise<RdbFileEvent[]> {
  const events: RdbFileEvent[] = [];
  for await (const event of readRdbFile(source)) events.push(event);
  return events;
}

function keysOf(events: RdbFileEvent[]): Map<string, RdbFileEvent & { kind: 'key' }> {
  const keys = new Map<string, RdbFileEvent & { kind: 'key' }>();
  for (const event of events) if (event.kind === 'key') keys.set(`${event.db}:${event.key}`, event);
  return keys;
}

beforeAll(async () => {
  redis = await RedisServerProcess.start();
  const client = new Redis({ port: redis.port, host: '127.0.0.1' });
  await client.set('string', 'hello');
  await client.set('integer', '-12345');
  await client.set('long', 'x'.repeat(300));
  await client.set('expiring', 'v', 'PX', 3_600_000);
  await client.rpush('list', 'a', 'b', 'c');
  await client.sadd('set', 'x', 'y');
  await client.sadd('intset', '1', '2', '3');
  await client.hset('hash', 'f', 'v', 'g', 'w');
  await client.zadd('zset', 1, 'a', 2.5, 'b');
  await client.xadd('stream', '1-1', 'f', 'v');
  await client.xgroup('CREATE', 'stream', 'group', '0');
  await client.xreadgroup('GROUP', 'group', 'consumer', 'COUNT', '1', 'STREAMS', 'stream', '>');
  await client.function('LOAD', "#!lua name=library\nredis.register_function('one', function() return 1 end)");
  await client.select(5);
  await client.set('elsewhere', '1');
  await client.save();
  client.disconnect();
  file = readFileSync(join(redis.dir, 'dump.rdb'));
});

afterAll(async () => redis?.stop());

describe('reading an RDB file', () => {
  it('gives the AUX fields, the function library, every key with its database, value and expiry', async () => {
    const events = await eventsOf(file);
    expect(events).toContainEqual({ kind: 'aux', name: 'redis-ver', value: expect.stringMatching(/^7\./) as string });
    expect(events).toContainEqual({ kind: 'function', code: "#!lua name=library\nredis.register_function('one', function() return 1 end)" });
    expect(events).toContainEqual({ kind: 'resizedb', db: 5, keys: 1, expires: 0 });
    const keys = keysOf(events);
    expect(keys.size).toBe(11);
    expect(keys.get('0:string')?.snapshot).toBe('hello');
    expect(keys.get('0:integer')?.snapshot).toBe('-12345');
    expect(keys.get('0:long')?.snapshot).toBe('x'.repeat(300));
    expect(keys.get('0:list')?.snapshot).toEqual(['list', 'a', 'b', 'c']);
    expect(keys.get('0:intset')?.snapshot).toEqual(['set', '1', '2', '3']);
    expect(keys.get('0:zset')?.snapshot).toEqual(['zset', 1, 'a', 2.5, 'b']);
    expect(keys.get('0:hash')?.snapshot).toEqual(['hash', 'f', 'v', 'g', 'w']);
    expect(keys.get('0:stream')?.snapshot[0]).toBe('stream');
    expect(keys.get('5:elsewhere')?.snapshot).toBe('1');
    expect(keys.get('0:expiring')?.expireAtMs).toBeGreaterThan(Date.now());
    expect(keys.get('0:string')?.expireAtMs).toBe(0);
  });

  it('reads the same events from chunks of any size', async () => {
    const whole = await eventsOf(file);
    for (const size of [1, 7, 64]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < file.length; at += size) chunks.push(file.subarray(at, at + size));
      expect(await eventsOf(chunks)).toEqual(whole);
    }
  });

  it('refuses a file cut anywhere, a flipped bit, another version, and garbage, with RdbFileError', async () => {
    for (let length = 0; length < file.length; length += 13) {
      await expect(eventsOf(file.subarray(0, length))).rejects.toThrow(RdbFileError);
    }
    for (let at = 9; at < file.length - 8; at += 11) {
      const flipped = Buffer.from(file);
      flipped[at] ^= 1 << (at % 8);
      await expect(eventsOf(flipped)).rejects.toThrow(RdbFileError);
    }
    const version11 = Buffer.from(file);
    version11.write('0011', 5, 'latin1');
    await expect(eventsOf(version11)).rejects.toThrow('RDB version 11 is not supported');
    await expect(eventsOf(Buffer.from('GET / HTTP/1.1\r\n'))).rejects.toThrow('not an RDB file');
  });

  it('does not check a checksum of 0 (rdbchecksum no), and refuses module types', async () => {
    const unchecked = Buffer.from(file);
    unchecked.fill(0, file.length - 8);
    expect(keysOf(await eventsOf(unchecked)).size).toBe(11);
    const moduleValue = Buffer.concat([Buffer.from('REDIS0010', 'latin1'), Buffer.from([7, 1, 0x6b, 0, 0, 0, 0, 0, 0, 0, 0])]);
    await expect(eventsOf(moduleValue)).rejects.toThrow('module type');
  });
});
