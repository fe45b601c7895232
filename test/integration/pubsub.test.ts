import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';
import { RespStream } from '../support/resp-stream.js';

describe('pub/sub', () => {
  let server: EddyProcess;
  let publisher: Redis;
  const opened: { disconnect?: () => void; close?: () => void }[] = [];
  const stream = async (resp: 2 | 3 = 2) => {
    const connection = await RespStream.open(server.port, resp);
    opened.push(connection);
    return connection;
  };

  beforeAll(async () => {
    server = await EddyProcess.start([]);
    publisher = new Redis({ port: server.port, protocol: 2 });
  });
  afterAll(async () => {
    for (const connection of opened) (connection.close ?? connection.disconnect)?.call(connection);
    publisher.disconnect();
    await server.stop();
  });

  test('ioredis (RESP2): SUBSCRIBE and PSUBSCRIBE receive what PUBLISH sends', async () => {
    const subscriber = new Redis({ port: server.port, protocol: 2 });
    opened.push(subscriber);
    const received: string[][] = [];
    subscriber.on('message', (channel: string, message: string) => received.push(['message', channel, message]));
    subscriber.on('pmessage', (pattern: string, channel: string, message: string) => received.push(['pmessage', pattern, channel, message]));
    expect(await subscriber.subscribe('news', 'sport')).toBe(2);
    expect(await subscriber.psubscribe('n*')).toBe(3);
    expect(await publisher.publish('news', 'hello')).toBe(2);
    expect(await publisher.publish('nothing-here', 'x')).toBe(1);
    expect(await publisher.publish('other', 'x')).toBe(0);
    await expect.poll(() => received.length).toBe(3);
    expect(received).toEqual([
      ['message', 'news', 'hello'],
      ['pmessage', 'n*', 'news', 'hello'],
      ['pmessage', 'n*', 'nothing-here', 'x'],
    ]);
    expect(await publisher.pubsub('CHANNELS')).toEqual(expect.arrayContaining(['news', 'sport']));
    expect(await publisher.pubsub('CHANNELS', 'n*')).toEqual(['news']);
    expect(await publisher.pubsub('NUMSUB', 'news', 'none')).toEqual(['news', 1, 'none', 0]);
    expect(await publisher.pubsub('NUMPAT')).toBe(1);
    await subscriber.unsubscribe('news');
    expect(await publisher.pubsub('NUMSUB', 'news')).toEqual(['news', 0]);
    subscriber.disconnect();
    await expect.poll(async () => publisher.pubsub('NUMPAT')).toBe(0);
  });

  test('ioredis (RESP3): messages arrive as pushes, with ordinary commands in between', async () => {
    const subscriber = new Redis({ port: server.port, protocol: 3 });
    opened.push(subscriber);
    const received: string[] = [];
    subscriber.on('message', (_channel: string, message: string) => received.push(message));
    await subscriber.subscribe('resp3');
    await publisher.set('plain', 'value');
    expect(await subscriber.get('plain')).toBe('value');
    await publisher.publish('resp3', 'one');
    expect(await subscriber.ping()).toBe('PONG');
    await publisher.publish('resp3', 'two');
    await expect.poll(() => received).toEqual(['one', 'two']);
  });

  test('node-redis: RESP2 and RESP3 subscribers', async () => {
    for (const RESP of [2, 3] as const) {
      const client = createClient({ socket: { port: server.port }, RESP });
      await client.connect();
      const received: string[] = [];
      await client.subscribe(`node-${RESP}`, (message) => received.push(message));
      await client.pSubscribe('node-*', (message, channel) => received.push(`${channel}:${message}`));
      expect(await publisher.publish(`node-${RESP}`, 'hi')).toBe(2);
      await expect.poll(() => received.sort()).toEqual(['hi', `node-${RESP}:hi`].sort());
      await client.quit();
    }
  });

  test('RESP2 subscribed mode: only pub/sub commands, PING answers in message shape, RESET leaves it', async () => {
    const connection = await stream(2);
    connection.send('SUBSCRIBE', 'a', 'b');
    expect(await connection.take(2)).toEqual([
      ['subscribe', 'a', 1],
      ['subscribe', 'b', 2],
    ]);
    connection.send('GET', 'x');
    expect(await connection.next()).toEqual({ error: "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context" });
    connection.send('PING');
    expect(await connection.next()).toEqual(['pong', '']);
    connection.send('PING', 'hey');
    expect(await connection.next()).toEqual(['pong', 'hey']);
    connection.send('UNSUBSCRIBE');
    expect(await connection.take(2)).toEqual([
      ['unsubscribe', 'a', 1],
      ['unsubscribe', 'b', 0],
    ]);
    connection.send('UNSUBSCRIBE');
    expect(await connection.next()).toEqual(['unsubscribe', null, 0]);
    connection.send('PSUBSCRIBE', 'p*');
    expect(await connection.next()).toEqual(['psubscribe', 'p*', 1]);
    connection.send('RESET');
    expect(await connection.next()).toBe('RESET');
    connection.send('GET', 'x');
    expect(await connection.next()).toBe(null);
    expect(await publisher.pubsub('NUMPAT')).toBe(0);
  });

  test('shard channels: SSUBSCRIBE, SPUBLISH, PUBSUB SHARDCHANNELS and SHARDNUMSUB', async () => {
    const connection = await stream(3);
    connection.send('SSUBSCRIBE', 'orders');
    expect(await connection.next()).toEqual(['ssubscribe', 'orders', 1]);
    expect(await publisher.call('SPUBLISH', 'orders', 'o1')).toBe(1);
    expect(await connection.next()).toEqual(['smessage', 'orders', 'o1']);
    expect(await publisher.publish('orders', 'not a shard message')).toBe(0);
    expect(await publisher.call('PUBSUB', 'SHARDCHANNELS')).toEqual(['orders']);
    expect(await publisher.call('PUBSUB', 'SHARDNUMSUB', 'orders')).toEqual(['orders', 1]);
    connection.send('SUNSUBSCRIBE');
    expect(await connection.next()).toEqual(['sunsubscribe', 'orders', 0]);
  });

  test('a subscriber that does not read is cut off at client-output-buffer-limit; publishers go on', async () => {
    await publisher.config('SET', 'client-output-buffer-limit', 'pubsub 256kb 0 0');
    const stalled = await stream(2);
    stalled.send('SUBSCRIBE', 'firehose');
    await stalled.next();
    stalled.socket.pause();
    const payload = 'x'.repeat(10_000);
    // Loopback's socket buffers take some megabytes before the server's own output starts to grow.
    for (let i = 0; i < 5000 && (await publisher.pubsub('NUMSUB', 'firehose'))[1] === 1; i++) await publisher.publish('firehose', payload);
    expect(await publisher.pubsub('NUMSUB', 'firehose')).toEqual(['firehose', 0]);
    expect(await publisher.ping()).toBe('PONG');
    await publisher.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
  });
});

describe('keyspace notifications', () => {
  let server: EddyProcess;
  let redis: Redis;

  beforeAll(async () => {
    server = await EddyProcess.start(['--notify-keyspace-events', 'KEA']);
    redis = new Redis({ port: server.port, protocol: 2 });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  /** Runs `commands`, then returns the keyevent notifications they caused, in order. */
  async function eventsOf(commands: string[][], expected: number, pattern = '__keyevent@0__:*'): Promise<string[]> {
    const listener = await RespStream.open(server.port, 2);
    listener.send('PSUBSCRIBE', pattern);
    await listener.next();
    for (const command of commands) await redis.call(command[0], ...command.slice(1));
    const messages = (await listener.take(expected)) as string[][];
    listener.close();
    return messages.map((message) => `${message[2].replace(/^__key(space|event)@0__:/, '')} ${message[3]}`);
  }

  test('every write names its event as Redis does', async () => {
    const events = await eventsOf(
      [
        ['SET', 's', '1'],
        ['INCR', 's'],
        ['INCRBYFLOAT', 's', '1.5'],
        ['APPEND', 's', 'x'],
        ['SETRANGE', 's', '0', 'y'],
        ['EXPIRE', 's', '100'],
        ['PERSIST', 's'],
        ['RENAME', 's', 't'],
        ['DEL', 't'],
        ['LPUSH', 'l', 'a', 'b'],
        ['RPOP', 'l'],
        ['HSET', 'h', 'f', '1'],
        ['HINCRBY', 'h', 'f', '2'],
        ['HDEL', 'h', 'f'],
        ['SADD', 'st', 'a', 'b'],
        ['SREM', 'st', 'a'],
        ['ZADD', 'z', '1', 'a', '2', 'b'],
        ['ZINCRBY', 'z', '1', 'a'],
        ['ZPOPMIN', 'z'],
        ['SET', 'e', 'v', 'EX', '100'],
        ['SETEX', 'e2', '100', 'v'],
        ['RPOP', 'l'],
      ],
      27,
    );
    expect(events).toEqual([
      'set s',
      'incrby s',
      'incrbyfloat s',
      'append s',
      'setrange s',
      'expire s',
      'persist s',
      'rename_from s',
      'rename_to t',
      'del t',
      'lpush l',
      'rpop l',
      'hset h',
      'hincrby h',
      'hdel h',
      'del h',
      'sadd st',
      'srem st',
      'zadd z',
      'zincr z',
      'zpopmin z',
      'set e',
      'expire e',
      'set e2',
      'expire e2',
      'rpop l',
      'del l',
    ]);
  });

  test('ioredis (RESP2 and RESP3) and node-redis (RESP2 and RESP3) receive notifications', async () => {
    const received: string[] = [];
    const clients: { close: () => Promise<unknown> }[] = [];
    for (const protocol of [2, 3] as const) {
      const subscriber = new Redis({ port: server.port, protocol });
      subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => received.push(`ioredis${protocol} ${channel} ${message}`));
      await subscriber.psubscribe('__keyevent@0__:hset');
      clients.push({ close: async () => subscriber.disconnect() });
      const nodeRedis = createClient({ socket: { port: server.port }, RESP: protocol });
      await nodeRedis.connect();
      await nodeRedis.subscribe('__keyspace@0__:notified', (message, channel) => received.push(`node-redis${protocol} ${channel} ${message}`));
      clients.push({ close: () => nodeRedis.quit() });
    }
    await redis.hset('notified', 'f', 'v');
    await expect
      .poll(() => received.sort())
      .toEqual(
        [
          'ioredis2 __keyevent@0__:hset notified',
          'ioredis3 __keyevent@0__:hset notified',
          'node-redis2 __keyspace@0__:notified hset',
          'node-redis3 __keyspace@0__:notified hset',
        ].sort(),
      );
    for (const client of clients) await client.close();
  });

  test('keyspace channel carries the event; expiry is `expired`; classes filter', async () => {
    const keyspace = await eventsOf([['SET', 'gone', 'v', 'PX', '20']], 3, '__keyspace@0__:gone');
    expect(keyspace).toEqual(['gone set', 'gone expire', 'gone expired']);
    await redis.config('SET', 'notify-keyspace-events', 'Eg');
    expect(await redis.config('GET', 'notify-keyspace-events')).toEqual(['notify-keyspace-events', 'gE']);
    // Only generic events now: the SET is not announced, the DEL is.
    expect(
      await eventsOf(
        [
          ['SET', 'k', 'v'],
          ['DEL', 'k'],
        ],
        1,
      ),
    ).toEqual(['del k']);
    await redis.config('SET', 'notify-keyspace-events', 'KEA');
  });
});

describe('notify-keyspace-events', () => {
  let server: EddyProcess;
  let redis: Redis;
  beforeAll(async () => {
    server = await EddyProcess.start([]);
    redis = new Redis({ port: server.port });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  test("notify-keyspace-events is checked and shown in Redis's normal form", async () => {
    await expect(redis.config('SET', 'notify-keyspace-events', 'KEQ')).rejects.toThrow('Invalid event class character');
    await redis.config('SET', 'notify-keyspace-events', 'KEA');
    expect(await redis.config('GET', 'notify-keyspace-events')).toEqual(['notify-keyspace-events', 'AKE']);
    await redis.config('SET', 'notify-keyspace-events', 'Elg');
    expect(await redis.config('GET', 'notify-keyspace-events')).toEqual(['notify-keyspace-events', 'glE']);
  });
});
