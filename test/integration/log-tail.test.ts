import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { EddyProcess } from '../support/eddy-process.js';
import { RespStream } from '../support/resp-stream.js';

/** ['change', rev, ts, db, key, event, effect, value?] */
type ChangeEvent = [string, number, number, number, string | null, string, unknown[], unknown?];

describe('log tails: TAIL, UNTAIL, LOGREAD', () => {
  let server: EddyProcess;
  let redis: Redis;
  const streams: RespStream[] = [];
  const open = async (resp: 2 | 3 = 3) => {
    const stream = await RespStream.open(server.port, resp);
    streams.push(stream);
    return stream;
  };

  beforeAll(async () => {
    server = await EddyProcess.start(['--appendfsync', 'always']);
    redis = new Redis({ port: server.port, protocol: 2 });
    redis.on('error', () => undefined); // while the restart test has the server down
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    redis.disconnect();
    await server.stop();
  });
  beforeEach(async () => {
    await redis.flushall();
  });

  test('catches up from a revision, then follows live, with Redis event names and the effect', async () => {
    const first = (await logread(0, 'MATCH', 'cu:*')).next;
    await redis.set('cu:a', '1');
    await redis.incr('cu:a');
    await redis.rpush('cu:l', 'x', 'y');
    const tail = await open(3);
    tail.send('TAIL', 'FROM', first, 'MATCH', 'cu:*');
    expect(await tail.next()).toEqual(['tail', first]);
    const caughtUp = (await tail.take(3)) as ChangeEvent[];
    expect(caughtUp.map((event) => [event[0], event[3], event[4], event[5], event[6]])).toEqual([
      ['change', 0, 'cu:a', 'set', ['put', 'cu:a', '1', 0]],
      ['change', 0, 'cu:a', 'incrby', ['put', 'cu:a', '2', 0]],
      ['change', 0, 'cu:l', 'rpush', ['rpush', 'cu:l', 'x', 'y']],
    ]);
    await redis.set('elsewhere', 'ignored');
    await redis.hset('cu:h', 'f', 'v');
    const live = (await tail.next()) as ChangeEvent;
    expect([live[4], live[5]]).toEqual(['cu:h', 'hset']);
    const revisions = [...caughtUp, live].map((event) => event[1]);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(new Set(revisions).size).toBe(4);
    expect(caughtUp[0][2]).toBeGreaterThan(Date.now() - 60_000);
    tail.send('UNTAIL');
    expect(await tail.next()).toEqual(['untail', live[1] + 1]);
    tail.send('GET', 'cu:a');
    expect(await tail.next()).toBe('2');
  });

  test('FROM $, KEYS and DB filters; RESP2 connections are in subscribed mode while tailing', async () => {
    const tail = await open(2);
    tail.send('TAIL', 'FROM', '$', 'KEYS', 'wanted', 'DB', '0');
    expect((await tail.next()) as unknown[]).toEqual(['tail', expect.any(Number)]);
    await redis.set('unwanted', 'x');
    await redis.select(1);
    await redis.set('wanted', 'in db 1');
    await redis.select(0);
    await redis.set('wanted', 'in db 0');
    const event = (await tail.next()) as ChangeEvent;
    expect([event[3], event[4], event[6]]).toEqual([0, 'wanted', ['put', 'wanted', 'in db 0', 0]]);
    tail.send('GET', 'wanted');
    expect(await tail.next()).toEqual({ error: "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context" });
    tail.send('TAIL');
    expect(await tail.next()).toEqual({ error: 'ERR this connection already follows the log; UNTAIL first' });
  });

  test("WITHVALUES gives each key's value after the change, also for history", async () => {
    const from = (await logread(0, 'KEYS', 'wv')).next;
    await redis.set('wv', '1');
    await redis.append('wv', '2');
    await redis.set('other', 'x');
    await redis.del('wv');
    await redis.hset('wv', 'f', 'v');
    const tail = await open(3);
    tail.send('TAIL', 'FROM', from, 'KEYS', 'wv', 'WITHVALUES');
    await tail.next();
    const events = (await tail.take(4)) as ChangeEvent[];
    expect(events.map((event) => [event[5], event[7]])).toEqual([
      ['set', '1'],
      ['append', '12'],
      ['del', null],
      ['hset', { f: 'v' }],
    ]);
  });

  test('LOGREAD pages through the same events, each page saying where the next starts', async () => {
    const from = (await logread(0, 'MATCH', 'page:*')).next;
    for (let i = 0; i < 5; i++) await redis.set(`page:${i}`, String(i));
    const keys: string[] = [];
    let next = from;
    for (let pages = 0; pages < 10; pages++) {
      const page = await logread(next, 'COUNT', '2', 'MATCH', 'page:*');
      if (page.events.length === 0) break;
      keys.push(...page.events.map((event) => event[4] as string));
      next = page.next;
    }
    expect(keys).toEqual(['page:0', 'page:1', 'page:2', 'page:3', 'page:4']);
    await expect(redis.call('LOGREAD', 'FROM', 'x')).rejects.toThrow('ERR value is not an integer or out of range');
    await expect(redis.call('LOGREAD', 'COUNT', '5')).rejects.toThrow('ERR syntax error');
  });

  test('a tail cut mid-stream under a steady write load resumes from its last revision: nothing lost, nothing twice', async () => {
    const from = (await logread(0)).next;
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        const batch = redis.pipeline();
        for (let i = 0; i < 50; i++) batch.set(`load:${written + i}`, String(written + i));
        await batch.exec();
        written += 50;
      }
    })();
    const received: ChangeEvent[] = [];
    let tail = await open(3);
    tail.send('TAIL', 'FROM', from, 'MATCH', 'load:*');
    await tail.next();
    while (received.length < 300) received.push((await tail.next()) as ChangeEvent);
    tail.close(); // the connection drops mid-stream
    const resumeFrom = received[received.length - 1][1] + 1;
    await new Promise((resolve) => setTimeout(resolve, 50));
    tail = await open(3);
    tail.send('TAIL', 'FROM', resumeFrom, 'MATCH', 'load:*');
    expect(await tail.next()).toEqual(['tail', resumeFrom]);
    while (received.length < 1500) received.push((await tail.next()) as ChangeEvent);
    writing = false;
    await writer;
    const end = (await logread(0)).next;
    while (received[received.length - 1][1] < end - 1) received.push((await tail.next()) as ChangeEvent);
    // The union of what the two tails delivered is exactly what the log holds, in order.
    const logged: number[] = [];
    for (let next = from; next < end;) {
      const page = await logread(next, 'COUNT', '1000', 'MATCH', 'load:*');
      logged.push(...page.events.map((event) => event[1]));
      next = page.next;
    }
    expect(received.map((event) => event[1])).toEqual(logged);
    expect(logged.length).toBe(written);
  });

  test('resuming after a server restart continues the revision sequence', async () => {
    await redis.set('restart:a', '1');
    const resumeFrom = (await logread(0)).next;
    expect(await server.kill('SIGTERM')).toBe(0);
    await server.launch();
    await redis.set('restart:b', '2');
    const tail = await open(3);
    tail.send('TAIL', 'FROM', resumeFrom, 'MATCH', 'restart:*');
    expect(await tail.next()).toEqual(['tail', resumeFrom]);
    const event = (await tail.next()) as ChangeEvent;
    expect([event[1], event[4]]).toEqual([resumeFrom, 'restart:b']);
  });

  test('a tail that stops reading is not buffered for: once it reads again, it catches up from the log, nothing lost', async () => {
    const from = (await logread(0)).next;
    const tail = await open(3);
    tail.send('TAIL', 'FROM', '$', 'MATCH', 'slow:*');
    await tail.next();
    tail.socket.pause();
    const value = 'v'.repeat(2000);
    let written = 0;
    for (let round = 0; round < 100; round++) {
      const batch = redis.pipeline();
      for (let i = 0; i < 100; i++) batch.set(`slow:${round}:${i}`, value);
      await batch.exec();
      written += 100;
    }
    // Far more than the socket buffers hold was written; the server kept none of it for this client.
    expect(await redis.client('LIST')).toMatch(/cmd=tail/);
    tail.socket.resume();
    const received: number[] = [];
    while (received.length < written) received.push(((await tail.next()) as ChangeEvent)[1]);
    const logged: number[] = [];
    for (let next = from; logged.length < written;) {
      const page = await logread(next, 'COUNT', '5000', 'MATCH', 'slow:*');
      logged.push(...page.events.map((event) => event[1]));
      next = page.next;
    }
    expect(received).toEqual(logged);
  });

  test('LOGREAD BLOCK waits for the first matching commit, as XREAD BLOCK does, and times out empty', async () => {
    const from = (await logread(0)).next;
    const waiting = redis.duplicate();
    const blocked = waiting.call('LOGREAD', 'FROM', String(from), 'BLOCK', '0', 'MATCH', 'blk:*') as Promise<[number, ChangeEvent[]]>;
    await redis.set('unrelated', 'x');
    await redis.set('blk:1', 'y');
    const [next, events] = await blocked;
    expect(events.map((event) => event[4])).toEqual(['blk:1']);
    expect(next).toBe(events[0][1] + 1);
    expect(await waiting.call('LOGREAD', 'FROM', String(next), 'BLOCK', '50', 'MATCH', 'blk:*')).toEqual([next, []]);
    waiting.disconnect();
  });

  test('LOGREAD carries a score past the integers exactly (as a double)', async () => {
    const { next } = await logread(0);
    await redis.zadd('big', '1e300', 'm', '-1e21', 'n', '2.5', 'o');
    const { events } = await logread(next, 'KEYS', 'big');
    const effect = events[0][6];
    // Doubles print as %.17g (Redis 7.0's form), which reads back to the very same number.
    expect(effect).toEqual(['zadd', 'big', '1.0000000000000001e+300', 'm', '-1e+21', 'n', '2.5', 'o']);
    expect([effect[2], effect[4], effect[6]].map(Number)).toEqual([1e300, -1e21, 2.5]);
  });

  async function logread(from: number, ...options: string[]): Promise<{ next: number; events: ChangeEvent[] }> {
    const [next, events] = (await redis.call('LOGREAD', 'FROM', String(from === 0 ? '$' : from), ...options)) as [number, ChangeEvent[]];
    return { next, events };
  }
});

describe('tails follow every key a record changes, named as Redis names them', () => {
  let server: EddyProcess;
  let redis: Redis;
  const streams: RespStream[] = [];
  const liveTail = async (...filter: string[]) => {
    const tail = await RespStream.open(server.port, 3);
    streams.push(tail);
    tail.send('TAIL', 'FROM', '$', ...filter);
    expect((await tail.next()) as unknown[]).toHaveLength(2);
    return tail;
  };
  const keyAndEvent = (event: unknown) => [(event as ChangeEvent)[4], (event as ChangeEvent)[5]];

  beforeAll(async () => {
    server = await EddyProcess.start(['--shards', '2']);
    redis = new Redis({ port: server.port });
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    redis.disconnect();
    await server.stop();
  });
  beforeEach(async () => {
    await redis.flushall();
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
});
