import { Redis } from 'ioredis';
import { constants } from 'node:buffer';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { requestSizeLimit } from '../../src/protocols/protocol.js';
import { EddyProcess } from '../support/eddy-process.js';
import { RespStream } from '../support/resp-stream.js';

/** Findings of a review of tails, sessions and notifications; each stays fixed. */

/** ['change', rev, ts, db, key, event, effect] */
type ChangeEvent = [string, number, number, number, string | null, string, unknown[]];

describe('tails, sessions and notifications after review', () => {
  let server: EddyProcess;
  let redis: Redis;
  const streams: RespStream[] = [];
  const open = async () => {
    const stream = await RespStream.open(server.port, 3);
    streams.push(stream);
    return stream;
  };
  const liveTail = async (...filter: string[]) => {
    const tail = await open();
    tail.send('TAIL', 'FROM', '$', ...filter);
    expect((await tail.next()) as unknown[]).toHaveLength(2);
    return tail;
  };
  const keyAndEvent = (event: unknown) => [(event as ChangeEvent)[4], (event as ChangeEvent)[5]];

  beforeAll(async () => {
    server = await EddyProcess.start(['--ws-port', '0', '--shards', '2']);
    redis = new Redis({ port: server.port });
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    redis.disconnect();
    await server.stop();
  });
  beforeEach(async () => {
    await redis.flushall();
    await redis.config('SET', 'notify-keyspace-events', '');
  });

  test('a live tail gets every change of a record that changes several keys', async () => {
    const tail = await liveTail('MATCH', '{t}*');
    await redis.mset('{t}a', '1', '{t}b', '2');
    await redis.rename('{t}a', '{t}c');
    await redis.rpush('{t}l', 'x', 'y');
    await redis.lmove('{t}l', '{t}l', 'LEFT', 'RIGHT');
    expect((await tail.take(7)).map(keyAndEvent)).toEqual([
      ['{t}a', 'set'],
      ['{t}b', 'set'],
      ['{t}a', 'rename_from'],
      ['{t}c', 'rename_to'],
      ['{t}l', 'rpush'],
      ['{t}l', 'lpop'],
      ['{t}l', 'rpush'],
    ]);
  });

  test('ZMPOP MAX notifies zpopmax and ZADD INCR zincr, as Redis does', async () => {
    await redis.zadd('z', 1, 'a', 2, 'b', 3, 'c');
    const tail = await liveTail('KEYS', 'z');
    await redis.call('ZMPOP', '1', 'z', 'MAX');
    await redis.call('ZMPOP', '1', 'z', 'MIN');
    await redis.zadd('z', 'INCR', 5, 'b');
    await redis.zincrby('z', 1, 'b');
    expect((await tail.take(4)).map(keyAndEvent)).toEqual([
      ['z', 'zpopmax'],
      ['z', 'zpopmin'],
      ['z', 'zincr'],
      ['z', 'zincr'],
    ]);
  });

  test('a key named like a TAIL option is followed as a key (KEYS before it)', async () => {
    const tail = await liveTail('KEYS', 'db', 'KEYS', 'FROM');
    await redis.set('db', '1');
    await redis.set('FROM', '2');
    await redis.set('other', '3');
    expect((await tail.take(2)).map(keyAndEvent)).toEqual([
      ['db', 'set'],
      ['FROM', 'set'],
    ]);
  });

  test('a WebSocket tail takes its keys as keys, never as options', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.wsPort}/`);
    await new Promise((resolve) => socket.once('open', resolve));
    const frames: Record<string, unknown>[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
    await redis.set('before', 'x');
    const [rev] = (await redis.call('LOGREAD', 'FROM', '$')) as [number];
    // Were 'FROM' '1' taken as an option, the tail would replay `before` from revision 1.
    socket.send(JSON.stringify({ id: 1, op: 'tail', keys: ['a', 'FROM', '1'] }));
    await expect.poll(() => frames.length).toBeGreaterThan(0);
    expect(frames[0]).toEqual({ id: 1, result: ['tail', rev] });
    await redis.set('FROM', 'v');
    await redis.set('1', 'w');
    await expect.poll(() => frames.length).toBe(3);
    expect(frames.slice(1).map((frame) => (frame.push as unknown[])[4])).toEqual(['FROM', '1']);
    socket.terminate();
  });

  test('a WebSocket tail whose client stops reading is paused, not cut off, and loses nothing', async () => {
    await redis.config('SET', 'client-output-buffer-limit', 'pubsub 512kb 0 0');
    const socket = new WebSocket(`ws://127.0.0.1:${server.wsPort}/`);
    await new Promise((resolve) => socket.once('open', resolve));
    const frames: Record<string, unknown>[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
    socket.send(JSON.stringify({ id: 1, op: 'tail', match: ['slow:*'] }));
    await expect.poll(() => frames.length).toBe(1);
    socket.pause();
    const value = 'v'.repeat(10_000);
    const pipeline = redis.pipeline();
    for (let i = 0; i < 2000; i++) pipeline.set(`slow:${i}`, value);
    await pipeline.exec();
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.resume();
    await expect.poll(() => frames.length, { timeout: 10_000 }).toBe(2001);
    expect(frames.slice(1).map((frame) => (frame.push as unknown[])[4])).toEqual(Array.from({ length: 2000 }, (_, i) => `slow:${i}`));
    socket.terminate();
    await redis.config('SET', 'client-output-buffer-limit', 'normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60');
  });

  test('subscribing inside MULTI is refused and the transaction aborts, the stream stays in step', async () => {
    for (const command of [['SUBSCRIBE', 'c'], ['PSUBSCRIBE', 'p*'], ['TAIL'], ['LOGREAD', 'FROM', '1']]) {
      const client = await open();
      client.send('MULTI');
      expect(await client.next()).toBe('OK');
      client.send(...command);
      expect(await client.next()).toEqual({ error: 'ERR Command not allowed inside a transaction' });
      client.send('EXEC');
      expect(await client.next()).toEqual({ error: 'EXECABORT Transaction discarded because of previous errors.' });
      client.send('PING');
      expect(await client.next()).toBe('PONG');
    }
  });

  test('notify-keyspace-events is checked and shown in Redis\'s normal form', async () => {
    await expect(redis.config('SET', 'notify-keyspace-events', 'KEQ')).rejects.toThrow('Invalid event class character');
    await redis.config('SET', 'notify-keyspace-events', 'KEA');
    expect(await redis.config('GET', 'notify-keyspace-events')).toEqual(['notify-keyspace-events', 'AKE']);
    await redis.config('SET', 'notify-keyspace-events', 'Elg');
    expect(await redis.config('GET', 'notify-keyspace-events')).toEqual(['notify-keyspace-events', 'glE']);
  });

  test('a blocking pop queued behind another on a closed WebSocket takes nothing', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.wsPort}/`);
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ id: 1, cmd: ['BLPOP', 'first', '0'] }));
    socket.send(JSON.stringify({ id: 2, cmd: ['BLPOP', 'second', '0'] }));
    await expect.poll(async () => Number(/blocked_clients:(\d+)/.exec(await redis.info('clients'))?.[1])).toBe(1);
    socket.terminate();
    await expect.poll(async () => Number(/connected_clients:(\d+)/.exec(await redis.info('clients'))?.[1])).toBe(1 + streams.length);
    await redis.rpush('first', 'a');
    await redis.rpush('second', 'b');
    expect(await redis.lrange('first', 0, -1)).toEqual(['a']);
    expect(await redis.lrange('second', 0, -1)).toEqual(['b']);
  });
});

test('request bodies stay below the longest string V8 can parse', () => {
  expect(requestSizeLimit(512 * 1024 * 1024)).toBeLessThan(constants.MAX_STRING_LENGTH);
  expect(requestSizeLimit(1024)).toBe(3072);
});
