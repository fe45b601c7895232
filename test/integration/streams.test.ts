import { Redis } from 'ioredis';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createClient, type RedisClientType } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { waitForBlockedClients } from '../support/blocked-clients.js';
import { eddyForFile } from '../support/eddy-for-file.js';
import { EddyProcess } from '../support/eddy-process.js';
import { keyEventsOf } from '../support/keyspace-events.js';
import { RedisServerProcess } from '../support/redis-server-process.js';
import { expectSameRepliesOn, type Step } from '../support/same-replies.js';

const eddy = eddyForFile(['--shards', '2']);
const extra: Redis[] = [];

function client(): Redis {
  const connection = new Redis({ port: eddy.server.port, protocol: 2 });
  extra.push(connection);
  return connection;
}
afterEach(() => {
  for (const connection of extra.splice(0)) connection.disconnect();
});

describe('streams through ioredis', () => {
  it('XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XSETID', async () => {
    const redis = eddy.redis;
    expect(await redis.xadd('s', '1-1', 'a', '1')).toBe('1-1');
    expect(await redis.xadd('s', '1-*', 'b', '2')).toBe('1-2');
    expect(await redis.xadd('s', '5', 'c', '3', 'd', '4')).toBe('5-0');
    const auto = (await redis.xadd('s', '*', 'e', '5')) as string;
    expect(Number(auto.split('-')[0])).toBeGreaterThan(5);
    expect(await redis.xlen('s')).toBe(4);
    expect(await redis.xrange('s', '-', '+', 'COUNT', 2)).toEqual([
      ['1-1', ['a', '1']],
      ['1-2', ['b', '2']],
    ]);
    expect(await redis.xrange('s', '(1-1', '(5-0')).toEqual([['1-2', ['b', '2']]]);
    expect((await redis.xrevrange('s', '+', '-', 'COUNT', 1))[0][0]).toBe(auto);
    expect(await redis.xdel('s', '1-2', '9-9')).toBe(1);
    expect(await redis.xtrim('s', 'MAXLEN', 2)).toBe(1);
    expect((await redis.xrange('s', '-', '+')).map(([id]) => id)).toEqual(['5-0', auto]);
    expect(await redis.xtrim('s', 'MINID', auto)).toBe(1);
    expect(await redis.xsetid('s', '99999999999999-0')).toBe('OK');
    await expect(redis.xadd('s', '99999999999999-0', 'f', 'v')).rejects.toThrow('ERR The ID specified in XADD is equal or smaller than the target stream top item');
    expect(await redis.type('s')).toBe('stream');
    expect(await redis.object('ENCODING', 's')).toBe('stream');
    await redis.set('not-a-stream', 'x');
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'TYPE', 'stream');
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    expect(found).toEqual(['s']);
  });

  it('IDs up to 2^64-1 on both halves, and the errors when they run out', async () => {
    const redis = eddy.redis;
    expect(await redis.xadd('big', '18446744073709551615-18446744073709551614', 'f', 'v')).toBe('18446744073709551615-18446744073709551614');
    expect(await redis.xadd('big', '*', 'f', 'v')).toBe('18446744073709551615-18446744073709551615');
    await expect(redis.xadd('big', '*', 'f', 'v')).rejects.toThrow('ERR The stream has exhausted the last possible ID, unable to add more items');
    expect(await redis.xrange('big', '18446744073709551615', '+')).toHaveLength(2);
    await expect(redis.xadd('big2', '18446744073709551616-0', 'f', 'v')).rejects.toThrow('ERR Invalid stream ID specified as stream command argument');
  });

  it('refuses bad input with Redis texts and writes nothing', async () => {
    const redis = eddy.redis;
    await redis.xadd('s', '1-1', 'a', '1');
    await redis.set('str', 'x');
    const revision = async () => ((await redis.call('LOGREAD', 'FROM', '$')) as [number])[0];
    const before = await revision();
    const refusals: [string[], string][] = [
      [['XADD', 's', '0-0', 'f', 'v'], 'ERR The ID specified in XADD must be greater than 0-0'],
      [['XADD', 'new', '0-0', 'f', 'v'], 'ERR The ID specified in XADD must be greater than 0-0'],
      [['XADD', 's', '1-1', 'f', 'v'], 'ERR The ID specified in XADD is equal or smaller than the target stream top item'],
      [['XADD', 's', 'abc', 'f', 'v'], 'ERR Invalid stream ID specified as stream command argument'],
      [['XADD', 's', '*', 'f'], "ERR wrong number of arguments for 'xadd' command"],
      [['XADD', 's', 'MAXLEN', '-1', '*', 'f', 'v'], 'ERR The MAXLEN argument must be >= 0.'],
      [['XADD', 's', 'MAXLEN', '1', 'LIMIT', '1', '*', 'f', 'v'], 'ERR syntax error, LIMIT cannot be used without the special ~ option'],
      [['XADD', 's', 'MAXLEN', '1', 'MINID', '1', '*', 'f', 'v'], 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible'],
      [['XADD', 'str', '*', 'f', 'v'], 'WRONGTYPE Operation against a key holding the wrong kind of value'],
      [['XTRIM', 's', 'LIMIT', '1'], 'ERR syntax error, LIMIT cannot be used without specifying a trimming strategy'],
      [['XDEL', 's', '1-1', 'bad'], 'ERR Invalid stream ID specified as stream command argument'],
      [['XRANGE', 's', '(-', '+'], 'ERR Invalid stream ID specified as stream command argument'],
      [['XRANGE', 's', '(18446744073709551615-18446744073709551615', '+'], 'ERR invalid start ID for the interval'],
      [['XSETID', 's', '0-5'], 'ERR The ID specified in XSETID is smaller than the target stream top item'],
      [['XSETID', 'nokey', '5-5'], 'ERR no such key'],
      [
        ['XGROUP', 'CREATE', 'nokey', 'g', '$'],
        'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
      ],
      [['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'], "NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option"],
      [['XREAD', 'STREAMS', 's', 't', '$'], "ERR Unbalanced 'xread' list of streams: for each stream key an ID or '$' must be specified."],
      [['XREAD', 'BLOCK', '-1', 'STREAMS', 's', '$'], 'ERR timeout is negative'],
      [['XCLAIM', 's', 'g', 'c', '0', '1-1'], "NOGROUP No such key 's' or consumer group 'g'"],
    ];
    for (const [args, error] of refusals) await expect(redis.call(args[0], ...args.slice(1)), args.join(' ')).rejects.toThrow(error);
    expect(await revision()).toBe(before);
    expect(await redis.xlen('s')).toBe(1);
    expect(await redis.exists('new', 'nokey')).toBe(0);
  });

  it('consumer groups: XREADGROUP new and history, XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO', async () => {
    const redis = eddy.redis;
    for (let i = 1; i <= 4; i++) await redis.xadd('s', `${i}-0`, 'n', String(i));
    expect(await redis.xgroup('CREATE', 's', 'g', '0')).toBe('OK');
    await expect(redis.xgroup('CREATE', 's', 'g', '0')).rejects.toThrow('BUSYGROUP Consumer Group name already exists');
    expect(await redis.xreadgroup('GROUP', 'g', 'alice', 'COUNT', 3, 'STREAMS', 's', '>')).toEqual([
      [
        's',
        [
          ['1-0', ['n', '1']],
          ['2-0', ['n', '2']],
          ['3-0', ['n', '3']],
        ],
      ],
    ]);
    expect(await redis.xreadgroup('GROUP', 'g', 'bob', 'NOACK', 'STREAMS', 's', '>')).toEqual([['s', [['4-0', ['n', '4']]]]]);
    await redis.xdel('s', '2-0');
    expect(await redis.xreadgroup('GROUP', 'g', 'alice', 'STREAMS', 's', '0')).toEqual([
      [
        's',
        [
          ['1-0', ['n', '1']],
          ['2-0', null],
          ['3-0', ['n', '3']],
        ],
      ],
    ]);
    expect(await redis.xpending('s', 'g')).toEqual([3, '1-0', '3-0', [['alice', '3']]]);
    const extended = (await redis.xpending('s', 'g', '-', '+', 10)) as [string, string, number, number][];
    expect(extended.map(([id, consumer, , count]) => [id, consumer, count])).toEqual([
      ['1-0', 'alice', 2],
      ['2-0', 'alice', 1],
      ['3-0', 'alice', 2],
    ]);
    expect(await redis.xack('s', 'g', '1-0', '1-0', '9-0')).toBe(1);
    expect(await redis.xclaim('s', 'g', 'carol', 0, '3-0', 'JUSTID')).toEqual(['3-0']);
    // 2-0 was deleted: XAUTOCLAIM drops it from the PEL and says so.
    expect(await redis.xautoclaim('s', 'g', 'dave', 0, '0-0', 'COUNT', 10)).toEqual(['0-0', [['3-0', ['n', '3']]], ['2-0']]);
    expect(await redis.xpending('s', 'g', '-', '+', 10, 'dave')).toHaveLength(1);
    const groups = (await redis.xinfo('GROUPS', 's')) as unknown[][];
    expect(groups[0]).toEqual(['name', 'g', 'consumers', 4, 'pending', 1, 'last-delivered-id', '4-0', 'entries-read', 4, 'lag', 0]);
    const consumers = (await redis.xinfo('CONSUMERS', 's', 'g')) as unknown[][];
    expect(consumers.map((row) => [row[1], row[3]])).toEqual([
      ['alice', 0],
      ['bob', 0],
      ['carol', 0],
      ['dave', 1],
    ]);
    expect(await redis.xgroup('DELCONSUMER', 's', 'g', 'dave')).toBe(1);
    expect(await redis.xgroup('CREATECONSUMER', 's', 'g', 'erin')).toBe(1);
    expect(await redis.xgroup('SETID', 's', 'g', '$')).toBe('OK');
    expect(await redis.xgroup('DESTROY', 's', 'g')).toBe(1);
    expect(await redis.xinfo('GROUPS', 's')).toEqual([]);
  });

  it('XREAD BLOCK serves clients in the order they blocked, woken by an XADD, a MULTI or a script', async () => {
    const redis = eddy.redis;
    await redis.xadd('s', '1-0', 'f', 'v');
    const first = client().xread('BLOCK', 0, 'STREAMS', 's', '$');
    await waitForBlockedClients(redis, 1);
    const second = client().xread('BLOCK', 0, 'STREAMS', 'other', 's', '$', '$');
    await waitForBlockedClients(redis, 2);
    await redis.multi().xadd('s', '2-0', 'a', '1').xadd('s', '3-0', 'b', '2').exec();
    const expected = [
      [
        's',
        [
          ['2-0', ['a', '1']],
          ['3-0', ['b', '2']],
        ],
      ],
    ];
    expect(await first).toEqual(expected);
    expect(await second).toEqual(expected);
    const third = client().xread('BLOCK', 0, 'STREAMS', 's', '$');
    await waitForBlockedClients(redis, 1);
    await redis.eval("return redis.call('XADD', KEYS[1], '4-0', 'c', '3')", 1, 's');
    expect(await third).toEqual([['s', [['4-0', ['c', '3']]]]]);
    // Inside MULTI and scripts a read never blocks: a null reply, as at a timeout.
    expect(await redis.multi().xread('BLOCK', 0, 'STREAMS', 's', '$').exec()).toEqual([[null, null]]);
    expect(await redis.eval("return redis.call('XREAD', 'BLOCK', 0, 'STREAMS', KEYS[1], '$')", 1, 's')).toBeNull();
    expect(await redis.xread('BLOCK', 50, 'STREAMS', 's', '$')).toBeNull();
  });

  it('a blocked XREADGROUP is served by an XADD, and told when its key or group goes', async () => {
    const redis = eddy.redis;
    await redis.xgroup('CREATE', 's', 'g', '$', 'MKSTREAM');
    const reader = client().xreadgroup('GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 's', '>');
    await waitForBlockedClients(redis, 1);
    await redis.xadd('s', '7-0', 'f', 'v');
    expect(await reader).toEqual([['s', [['7-0', ['f', 'v']]]]]);
    expect(((await redis.xpending('s', 'g')) as unknown[])[0]).toBe(1);
    const deleted = client().xreadgroup('GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 's', '>');
    await waitForBlockedClients(redis, 1);
    await redis.del('s');
    await expect(deleted).rejects.toThrow('UNBLOCKED the stream key no longer exists');
    await redis.xgroup('CREATE', 's', 'g', '$', 'MKSTREAM');
    const destroyed = client().xreadgroup('GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 's', '>');
    await waitForBlockedClients(redis, 1);
    await redis.xgroup('DESTROY', 's', 'g');
    await expect(destroyed).rejects.toThrow('NOGROUP the consumer group this client was blocked on no longer exists');
  });

  it('COPY, RENAME (across shards too), MOVE, EXPIRE and DEL take the whole stream, groups and PELs included', async () => {
    const redis = eddy.redis;
    await redis.xadd('s', '1-0', 'f', 'v');
    await redis.xgroup('CREATE', 's', 'g', '0');
    await redis.xreadgroup('GROUP', 'g', 'c', 'STREAMS', 's', '>');
    const full = async (key: string) => redis.call('XINFO', 'STREAM', key, 'FULL');
    const original = await full('s');
    expect(await redis.copy('s', 'copied')).toBe(1);
    await redis.xack('copied', 'g', '1-0');
    expect(await full('s')).toEqual(original);
    for (let i = 0; i < 8; i++) await redis.rename(i === 0 ? 's' : `r${i - 1}`, `r${i}`);
    expect(await full('r7')).toEqual(original);
    expect(await redis.move('r7', 3)).toBe(1);
    await redis.select(3);
    expect(await full('r7')).toEqual(original);
    expect(await redis.pexpire('r7', 50)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await redis.exists('r7')).toBe(0);
    await redis.select(0);
    expect(await redis.sort('copied').catch((error: Error) => error.message)).toBe('WRONGTYPE Operation against a key holding the wrong kind of value');
    expect(await redis.del('copied')).toBe(1);
  });

  it('approximate trims remove whole nodes of stream-node-max-entries, as Redis does', async () => {
    const redis = eddy.redis;
    await redis.config('SET', 'stream-node-max-entries', '10');
    try {
      for (let i = 1; i <= 95; i++) await redis.xadd('s', 'MAXLEN', '~', 50, `${i}-0`, 'f', 'v');
      // Whole nodes of 10 go while at least 50 stay: 55 of 95 stay, as redis-server keeps.
      expect(await redis.xlen('s')).toBe(55);
      expect(await redis.xtrim('s', 'MAXLEN', '~', 20, 'LIMIT', 10)).toBe(10);
      expect(await redis.xtrim('s', 'MAXLEN', '=', 20)).toBe(25);
    } finally {
      await redis.config('SET', 'stream-node-max-entries', '100');
    }
  });
});

describe('streams through node-redis', () => {
  for (const RESP of [2, 3] as const)
    it(`XINFO STREAM FULL, XINFO GROUPS and XREAD in RESP${RESP}`, async () => {
      const node = createClient({ url: `redis://127.0.0.1:${eddy.server.port}`, RESP }) as RedisClientType;
      await node.connect();
      try {
        await node.xAdd('s', '1-0', { f: 'v' });
        await node.xGroupCreate('s', 'g', '0');
        await node.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>']);
        const read = await node.sendCommand(['XREAD', 'STREAMS', 's', '0']);
        // RESP3 answers a map from stream to entries; RESP2 a list of pairs.
        if (RESP === 3) expect(read).toEqual({ s: [['1-0', ['f', 'v']]] });
        else expect(read).toEqual([['s', [['1-0', ['f', 'v']]]]]);
        const full = (await node.sendCommand(['XINFO', 'STREAM', 's', 'FULL'])) as unknown;
        const fields = RESP === 3 ? (full as Record<string, unknown>) : Object.fromEntries(pairs(full as unknown[]));
        expect(fields.length).toBe(1);
        expect(fields['entries-added']).toBe(1);
        expect(fields.entries).toEqual([['1-0', ['f', 'v']]]);
        const [group] = fields.groups as unknown[];
        const groupFields = RESP === 3 ? (group as Record<string, unknown>) : Object.fromEntries(pairs(group as unknown[]));
        expect(groupFields['pel-count']).toBe(1);
        expect(groupFields['lag']).toBe(0);
        const info = await node.xInfoGroups('s');
        expect(info[0]).toMatchObject({ name: 'g', consumers: 1, pending: 1, 'last-delivered-id': '1-0', 'entries-read': 1, lag: 0 });
      } finally {
        await node.flushAll();
        await node.quit();
      }
    });
});

function pairs(flat: unknown[]): [string, unknown][] {
  const result: [string, unknown][] = [];
  for (let i = 0; i < flat.length; i += 2) result.push([flat[i] as string, flat[i + 1]]);
  return result;
}

describe('streams against a real redis-server', () => {
  let redisServer: RedisServerProcess;
  beforeAll(() => ensureDebianPackages({ 'redis-server': 'redis-server' }), 300_000);
  beforeAll(async () => {
    redisServer = await RedisServerProcess.start();
  });
  afterAll(async () => {
    await redisServer?.stop();
  });

  it('the same commands get the same replies, byte for byte', async () => {
    const steps: Step[] = [
      ['CONFIG', 'SET', 'stream-node-max-entries', '4'],
      ...Array.from({ length: 30 }, (_, i): Step => ['XADD', 's', 'MAXLEN', '~', '12', `${i + 1}-${i % 3}`, 'f', `v${i}`, 'g', String(i)]),
      ['XLEN', 's'],
      ['XRANGE', 's', '-', '+', 'COUNT', '3'],
      ['XREVRANGE', 's', '+', '(20-0', 'COUNT', '2'],
      ['XRANGE', 's', '-', '+', 'COUNT', '0'],
      ['XDEL', 's', '20-1', '21-2', '5-0'],
      ['XTRIM', 's', 'MINID', '~', '25'],
      ['XTRIM', 's', 'MINID', '25'],
      ['XGROUP', 'CREATE', 's', 'g', '0', 'ENTRIESREAD', '0'],
      ['XGROUP', 'CREATE', 'm', 'g', '$', 'MKSTREAM'],
      ['XREADGROUP', 'GROUP', 'g', 'a', 'COUNT', '2', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'b', 'STREAMS', 's', 'm', '>', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'a', 'STREAMS', 's', '0'],
      ['XINFO', 'GROUPS', 's'],
      ['XACK', 's', 'g', '25-0', '26-1', '99-0'],
      ['XPENDING', 's', 'g'],
      { args: ['XPENDING', 's', 'g', '-', '+', '3'], masked: /:\d+\r\n:\d+\r\n/g },
      ['XCLAIM', 's', 'g', 'c', '0', '27-2', '28-0', 'JUSTID', 'RETRYCOUNT', '5'],
      ['XAUTOCLAIM', 's', 'g', 'd', '0', '0', 'COUNT', '1', 'JUSTID'],
      ['XADD', 's', '31-0', 'f', 'late'],
      ['XINFO', 'GROUPS', 's'],
      ['XSETID', 's', '40-0', 'ENTRIESADDED', '50', 'MAXDELETEDID', '39-0'],
      ['XINFO', 'GROUPS', 's'],
      { args: ['XINFO', 'STREAM', 's'], masked: /radix-tree-nodes\r\n:\d+/ },
      ['XGROUP', 'SETID', 's', 'g', '0', 'ENTRIESREAD', '-1'],
      ['XINFO', 'GROUPS', 's'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'c'],
      ['XREAD', 'COUNT', '2', 'STREAMS', 's', 'm', '0', '0'],
      ['XSETID', 's', '1-0'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XADD', 's', 'NOMKSTREAM', '*', 'f', 'v'],
      ['XADD', 'nothing', 'NOMKSTREAM', '*', 'f', 'v'],
      ['EXISTS', 'nothing'],
      ['XGROUP', 'HELP'],
      ['XINFO', 'HELP'],
      ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
    ];
    // XADD ... NOMKSTREAM * answers a time-based ID: its own on each server.
    const masked = steps.map((step) => (Array.isArray(step) && step.includes('NOMKSTREAM') && step[1] === 's' ? { args: step, masked: /\d+-0/ } : step));
    await expectSameRepliesOn(redisServer.port, eddy.server.port, masked);
  });

  it('keyspace notifications have the names and order redis-server gives them', async () => {
    const commands: string[][] = [
      ['XADD', 's', 'MAXLEN', '1', '1-0', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '1', '2-0', 'f', 'v'],
      ['XDEL', 's', '2-0'],
      ['XSETID', 's', '5-0'],
      ['XGROUP', 'CREATE', 's', 'g', '$'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c'],
      ['XADD', 's', '6-0', 'f', 'v'],
      ['XREADGROUP', 'GROUP', 'g', 'new', 'STREAMS', 's', '>'],
      ['XACK', 's', 'g', '6-0'],
      ['XGROUP', 'SETID', 's', 'g', '0'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'c'],
      ['XTRIM', 's', 'MAXLEN', '0'],
      ['XGROUP', 'DESTROY', 's', 'g'],
      ['DEL', 's'],
    ];
    const expected = await keyEventsOf(redisServer.port, commands);
    expect(expected).toContain('xgroup-createconsumer s');
    expect(await keyEventsOf(eddy.server.port, commands)).toEqual(expected);
  });
});

describe('streams, bitmaps, HyperLogLogs and geo in the log: restart, point-in-time restore and a follower reproduce them exactly', () => {
  const PITR = resolve(import.meta.dirname, '../../dist/tools/eddy-pitr.js');
  const servers: EddyProcess[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** Streams with trims, deletions, groups, deliveries, acks and claims, and the three other types, on several shards. */
  async function workload(redis: Redis, round: number): Promise<void> {
    for (let k = 0; k < 4; k++) {
      await redis.setbit(`bits:${k}`, 1000 * round + 7 * k, 1);
      await redis.call('BITFIELD', `bits:${k}`, 'INCRBY', 'u8', '#3', String(round + k), 'SET', 'i16', '100', '-5');
      await redis.pfadd(`hll:${k}`, ...Array.from({ length: 50 + 400 * round }, (_, i) => `e${round}:${k}:${i}`));
      await redis.pfcount(`hll:${k}`);
      await redis.geoadd(`geo:${k}`, 13.361389 + k, 38.115556 - round, `m${round}`, 15.087269, 37.502669 + k / 10, `n${round}`);
    }
    await redis.call('BITOP', 'OR', '{b}dest', 'bits:0');
    await redis.pfmerge('{h}merged', 'hll:0');
    await redis.call('GEOSEARCHSTORE', 'geo:stored', 'geo:0', 'FROMLONLAT', '13', '38', 'BYRADIUS', '500', 'km', 'STOREDIST');
    for (let s = 0; s < 6; s++) {
      const key = `stream:${s}`;
      if (round === 0) await redis.xgroup('CREATE', key, 'g', '0', 'MKSTREAM');
      for (let i = 0; i < 40; i++) await redis.xadd(key, 'MAXLEN', '~', 60, '*', 'round', String(round), 'i', String(i));
      await redis.xreadgroup('GROUP', 'g', `c${round % 3}`, 'COUNT', 25, 'STREAMS', key, '>');
      const [first] = (await redis.xrange(key, '-', '+', 'COUNT', 1))[0] ?? [];
      if (first !== undefined) await redis.xdel(key, first);
      const pending = (await redis.xpending(key, 'g', '-', '+', 5)) as [string][];
      if (pending.length > 0) await redis.xack(key, 'g', pending[0][0]);
      await redis.xautoclaim(key, 'g', 'claimer', 0, '0', 'COUNT', 3);
      if (pending.length > 1) await redis.xclaim(key, 'g', 'other', 0, pending[1][0], 'RETRYCOUNT', 7);
    }
  }

  const digest = async (redis: Redis) => (await redis.call('DIGEST')) as string;

  it('DIGEST is the same after a restart, on a follower, and in a restore at a revision', async () => {
    const primary = await EddyProcess.start(['--shards', '3', '--save', '']);
    servers.push(primary);
    const redis = new Redis({ port: primary.port });
    // It reconnects by itself across the restart below.
    redis.on('error', () => undefined);
    extra.push(redis);
    const follower = await EddyProcess.start(['--shards', '2', '--replicaof', '127.0.0.1', String(primary.port)]);
    servers.push(follower);
    const replica = new Redis({ port: follower.port });
    extra.push(replica);
    await workload(redis, 0);
    const revision = ((await redis.call('LOGREAD', 'FROM', '$')) as [number])[0] - 1;
    const atRevision = await digest(redis);
    await workload(redis, 1);
    const final = await digest(redis);
    expect(final).not.toBe(atRevision);
    await expect.poll(() => digest(replica), { timeout: 20_000 }).toBe(final);
    await primary.kill('SIGKILL');
    await primary.launch();
    expect(await digest(redis)).toBe(final);
    const to = join(mkdtempSync(join(tmpdir(), 'eddy-streams-pitr-')), 'restored');
    dirs.push(to);
    execFileSync(process.execPath, [PITR, '--from', primary.dir, '--to', to, '--rev', String(revision)], { encoding: 'utf8' });
    const restored = await EddyProcess.start(['--save', ''], to);
    servers.push(restored);
    const restoredClient = new Redis({ port: restored.port });
    extra.push(restoredClient);
    expect(await digest(restoredClient)).toBe(atRevision);
  });
});
