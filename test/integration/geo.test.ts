import fc from 'fast-check';
import { Redis } from 'ioredis';
import { createClient, type RedisClientType } from 'redis';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { EddyProcess } from '../support/eddy-process.js';
import { RawRespClient } from '../support/raw-resp-client.js';
import { keyEventsOf } from '../support/keyspace-events.js';
import { RedisServerProcess } from '../support/redis-server-process.js';

/**
 * The geo commands against a real redis-server 7.0: the same commands on both, the same reply
 * bytes (scores, coordinates and distances to the digit, results in the same order), then the
 * clients' own calls, keyspace events, and the state after a restart.
 */

let redis: RedisServerProcess;
let eddy: EddyProcess;

beforeAll(() => ensureDebianPackages({ 'redis-server': 'redis-server' }), 300_000);
beforeAll(async () => {
  [redis, eddy] = await Promise.all([RedisServerProcess.start(), EddyProcess.start(['--shards', '2'])]);
});
afterAll(async () => {
  await Promise.all([redis?.stop(), eddy?.stop()]);
});
beforeEach(async () => {
  for (const port of [redis.port, eddy.port]) {
    const client = await RawRespClient.open(port);
    await client.call('FLUSHALL');
    client.close();
  }
});

/** Runs the commands on one server, on one connection (RESP3 after HELLO 3 when asked); each reply's bytes. */
async function repliesOf(port: number, commands: readonly string[][], resp: 2 | 3): Promise<string[]> {
  const client = await RawRespClient.open(port);
  try {
    if (resp === 3) await client.call('HELLO', '3');
    const replies: string[] = [];
    for (const args of commands) replies.push(await client.call(...args));
    return replies;
  } finally {
    client.close();
  }
}

/** Expects Eddy's replies to be redis-server's, command by command; gives Redis's. */
async function expectSameReplies(commands: readonly string[][], resp: 2 | 3 = 2): Promise<string[]> {
  const [expected, actual] = await Promise.all([repliesOf(redis.port, commands, resp), repliesOf(eddy.port, commands, resp)]);
  const labelled = (replies: string[]) => replies.map((reply, i) => `${commands[i].join(' ')} -> ${JSON.stringify(reply)}`);
  expect(labelled(actual)).toEqual(labelled(expected));
  return expected;
}

const words = (line: string) => line.split(' ');
const SICILY = words('GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 12.758489 38.788135 edge1 17.241510 38.788135 edge2');

describe('replies match redis-server 7.0', () => {
  for (const resp of [2, 3] as const) {
    test(`GEOADD, GEOPOS, GEODIST, GEOHASH and the scores behind them (RESP${resp})`, async () => {
      const replies = await expectSameReplies(
        [
          SICILY,
          ...[
            'GEOPOS Sicily Palermo Catania nosuch',
            'GEOPOS nokey a',
            'GEODIST Sicily Palermo Catania',
            'GEODIST Sicily Palermo Catania km',
            'GEODIST Sicily Palermo Catania MI',
            'GEODIST Sicily Palermo Catania ft',
            'GEODIST Sicily Palermo nosuch',
            'GEODIST nokey a b',
            'GEOHASH Sicily Palermo Catania edge1 nosuch',
            'GEOHASH nokey a',
            'ZRANGE Sicily 0 -1 WITHSCORES',
            // The limits: longitude 180 is one past the last cell, and Redis keeps that bit.
            'GEOADD limits 180 85.05112878 top -180 -85.05112878 bottom 0 0 zero -0.000001 0.000001 near',
            'GEOPOS limits top bottom zero near',
            'GEOHASH limits top bottom zero near',
            'ZRANGE limits 0 -1 WITHSCORES',
            // Any score decodes to some point, as C casts it to uint64.
            'ZADD odd -1 a 1.5 b 1e30 c -1e30 d 9223372036854775808 e',
            'GEOPOS odd a b c d e',
            'GEOHASH odd a b c d e',
          ].map(words),
        ],
        resp,
      );
      expect(replies[3]).toBe('$11\r\n166274.1516\r\n');
    });
  }

  test('GEOADD NX, XX and CH update as ZADD does', async () => {
    await expectSameReplies(
      [
        SICILY,
        ...[
          'GEOADD Sicily CH 13.361389 38.115556 Palermo 15 37 Catania 1 1 new',
          'GEOADD Sicily NX 2 2 Palermo 3 3 newer',
          'GEOADD Sicily XX CH 4 4 Palermo 5 5 never',
          'GEOADD Sicily CH NX XX 1 1 a',
          'GEOADD Sicily CH XX 4 4 Palermo',
          'GEOADD Sicily CH 1 1',
          'GEOADD Sicily CH NX CH',
          'GEOADD Sicily GT 1 1 a',
          'ZRANGE Sicily 0 -1 WITHSCORES',
        ].map(words),
      ],
      3,
    );
  });

  test('bad arguments get Redis error texts, in its order, and write nothing', async () => {
    const replies = await expectSameReplies(
      [
        ...[
          'GEOADD x 1 1 a 200 100 b',
          'GEOADD x 1 1 a 1e300 100 b',
          'GEOADD x inf 1 a',
          'GEOADD x nan 1 a',
          'GEOADD x 1 abc a',
          'GEOADD x 1 1',
          'GEOADD x NX XX 1 1 a',
          'GEODIST x a b parsec',
          'GEODIST x a b km extra',
          'EXISTS x',
          'SET text v',
          'GEOADD text 1 1 a',
          'GEOPOS text a',
          'GEODIST text a b',
          'GEOHASH text a',
          'GEOSEARCH text FROMLONLAT 1 1 BYRADIUS 1 km',
          'GEOSEARCH text FROMLONLAT 500 1 BYRADIUS x km',
          'GEORADIUS text 1 1 1 km',
          'GEOSEARCHSTORE dst text FROMLONLAT 1 1 BYRADIUS 1 km',
        ].map(words),
        SICILY,
        ...[
          'GEOSEARCH Sicily FROMLONLAT 15 37 FROMMEMBER Palermo BYRADIUS 1 km',
          'GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 15 37 BYRADIUS 1 km',
          'GEOSEARCH Sicily BYRADIUS 1 km',
          'geosearch Sicily FROMLONLAT 15 37',
          'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km BYBOX 1 1 km',
          'GEOSEARCH Sicily FROMMEMBER nosuch BYRADIUS 1 km',
          'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS -1 km',
          'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS x km',
          'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 parsec',
          'GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX x -1 km',
          'GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 x km',
          'GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 -1 km',
          'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km COUNT 0',
          'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km COUNT -3',
          'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km COUNT x',
          'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km COUNT',
          'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km ANY',
          'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STORE dst',
          'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STOREDIST',
          'GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 1 km WITHDIST',
          'GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 1 km STORE dst',
          'GEORADIUS Sicily 15 37 200 km STORE dst WITHCOORD',
          'GEORADIUS Sicily 15 37 200 km STORE',
          'GEORADIUS Sicily 15 37 200 km FROMLONLAT 1 1',
          'GEORADIUS Sicily 15 200 200 km',
          'GEORADIUS_RO Sicily 15 37 200 km STORE dst',
          'GEORADIUSBYMEMBER_RO Sicily Palermo 200 km STOREDIST dst',
          'GEORADIUSBYMEMBER Sicily nosuch 200 km',
          'GEORADIUSBYMEMBER Sicily Palermo -200 km',
          // A missing source still has its options parsed; its centre member is not looked up.
          'GEORADIUSBYMEMBER nokey nosuch x km',
          'GEORADIUSBYMEMBER nokey nosuch x km BADOPTION',
          'GEOSEARCH nokey FROMMEMBER nosuch BYRADIUS 1 km',
          'GEOSEARCH nokey FROMMEMBER nosuch BYRADIUS x km',
          'EXISTS dst',
          'DBSIZE',
        ].map(words),
      ],
      3,
    );
    expect(replies[0]).toBe('-ERR invalid longitude,latitude pair 200.000000,100.000000\r\n');
    expect(replies.at(-1)).toBe(':2\r\n');
  });

  test('seeded random searches find the same members, in the same order, with the same digits', async () => {
    const point = fc.oneof(
      fc.tuple(fc.double({ min: -180, max: 180, noNaN: true }), fc.double({ min: -85.05112878, max: 85.05112878, noNaN: true })),
      // Near the limits and the antimeridian, where cells wrap and neighbours coincide.
      fc.tuple(fc.constantFrom(-180, 180, 179.9999, -179.9999, 0), fc.double({ min: -85.05112878, max: 85.05112878, noNaN: true })),
      fc.tuple(fc.double({ min: -180, max: 180, noNaN: true }), fc.constantFrom(85.05112878, -85.05112878, 85, -84.9, 0)),
    );
    const text = ([longitude, latitude]: [number, number]) => [String(longitude), String(latitude)];
    // A cluster around a centre as well as points anywhere; 300 members make a skiplist, 60 a listpack.
    const [centre] = fc.sample(point, { seed: 7, numRuns: 1, unbiased: true });
    const near = fc
      .tuple(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }))
      .map(([dx, dy]): [number, number] => [Math.min(180, Math.max(-180, centre[0] + dx)), Math.min(85.05, Math.max(-85.05, centre[1] + dy))]);
    const adds = ['big', 'small'].map((key, k) => {
      const points = fc.sample(fc.oneof(point, near), { seed: 11 + k, numRuns: key === 'big' ? 300 : 60, unbiased: true });
      return ['GEOADD', key, ...points.flatMap((p, i) => [...text(p), `m${i}`])];
    });
    const search = fc.record({
      key: fc.constantFrom('big', 'small'),
      centre: fc.oneof(point, near),
      member: fc.nat(59),
      kind: fc.constantFrom('BYRADIUS', 'BYBOX', 'GEORADIUS', 'GEORADIUSBYMEMBER', 'FROMMEMBER'),
      size: fc.constantFrom(0, 0.5, 10, 100, 1000, 5000, 20000),
      ratio: fc.constantFrom(0.1, 1, 3),
      unit: fc.constantFrom('km', 'mi', 'm', 'ft'),
      order: fc.constantFrom([], ['ASC'], ['DESC'], ['COUNT', '3'], ['COUNT', '4', 'ANY'], ['COUNT', '2', 'DESC']),
      with: fc.constantFrom([], ['WITHDIST'], ['WITHCOORD', 'WITHDIST', 'WITHHASH']),
    });
    const searches = fc.sample(search, { seed: 13, numRuns: 300, unbiased: true }).map((s) => {
      const size = String(s.unit === 'm' ? s.size * 1000 : s.size);
      const area = s.kind === 'BYBOX' ? ['BYBOX', size, String(s.size * s.ratio), s.unit] : ['BYRADIUS', size, s.unit];
      const options = [...s.order, ...s.with];
      if (s.kind === 'GEORADIUS') return ['GEORADIUS', s.key, ...text(s.centre), size, s.unit, ...options];
      if (s.kind === 'GEORADIUSBYMEMBER') return ['GEORADIUSBYMEMBER', s.key, `m${s.member}`, size, s.unit, ...options];
      if (s.kind === 'FROMMEMBER') return ['GEOSEARCH', s.key, 'FROMMEMBER', `m${s.member}`, ...area, ...options];
      return ['GEOSEARCH', s.key, 'FROMLONLAT', ...text(s.centre), ...area, ...options];
    });
    // Members sharing a point tie exactly: which ones a COUNT keeps is down to the sort's order of comparisons.
    const sharing = ['GEOADD', 'same', ...Array.from({ length: 120 }, (_, i) => [i % 3 === 0 ? '13.361389' : '13.5', '38.115556', `s${i}`]).flat()];
    const tied = [
      ['COUNT', '5'],
      ['COUNT', '7', 'DESC', 'WITHDIST'],
      ['ASC', 'WITHDIST'],
      ['COUNT', '50', 'WITHHASH'],
    ].map((options) => ['GEOSEARCH', 'same', 'FROMLONLAT', '13', '38', 'BYRADIUS', '200', 'km', ...options]);
    const replies = await expectSameReplies([...adds, ...searches, sharing, ...tied]);
    expect(replies.slice(0, 2)).toEqual([':300\r\n', ':60\r\n']);
    expect(replies.at(-1)?.startsWith('*50\r\n')).toBe(true);
    // Searches that found something are most of them: the comparison is not of empty replies.
    expect(replies.filter((reply) => reply !== '*0\r\n').length).toBeGreaterThan(150);
  });

  test('STORE, STOREDIST and GEOSEARCHSTORE store the members with their scores or distances', async () => {
    await expectSameReplies([
      SICILY,
      ...[
        'GEORADIUS Sicily 15 37 200 km STORE stored',
        'ZRANGE stored 0 -1 WITHSCORES',
        'GEORADIUS Sicily 15 37 200 km STOREDIST dists COUNT 1 DESC',
        'ZRANGE dists 0 -1 WITHSCORES',
        'GEORADIUSBYMEMBER Sicily Palermo 300 mi STORE s2 STOREDIST s3',
        'ZRANGE s3 0 -1 WITHSCORES',
        'EXISTS s2',
        'GEOSEARCHSTORE gs Sicily FROMMEMBER Catania BYBOX 500 500 km STOREDIST',
        'ZRANGE gs 0 -1 WITHSCORES',
        'GEOSEARCHSTORE gs2 Sicily FROMLONLAT 15 37 BYRADIUS 500 km ASC COUNT 2',
        'ZRANGE gs2 0 -1 WITHSCORES',
        // Nothing found, or no source: the destination is deleted.
        'GEOSEARCHSTORE gs Sicily FROMLONLAT 0 0 BYRADIUS 1 km',
        'GEORADIUS nokey 15 37 200 km STORE gs2',
        'EXISTS gs gs2',
        'GEORADIUS Sicily 15 37 200 km STORE Sicily',
        'ZRANGE Sicily 0 -1 WITHSCORES',
        'COMMAND GETKEYS GEORADIUS k 1 2 3 km STOREDIST a STORE b',
        'COMMAND GETKEYS GEORADIUS k 1 2 3 STORE a',
        'COMMAND GETKEYS GEORADIUSBYMEMBER k m 3 km store a',
        'COMMAND GETKEYS GEOSEARCHSTORE d s FROMLONLAT 1 1 BYRADIUS 1 m',
        'MULTI',
        'GEOADD Sicily 1 1 queued',
        'GEOPOS Sicily queued',
        'EXEC',
      ].map(words),
      // From a script, coordinates are the bulk strings RESP2 carries, or Lua doubles after setresp(3).
      ['EVAL', 'return redis.call("GEOSEARCH", KEYS[1], "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "WITHCOORD", "WITHDIST", "WITHHASH", "ASC")', '1', 'Sicily'],
      ['EVAL', 'redis.setresp(3); return redis.call("GEOPOS", KEYS[1], "Catania")', '1', 'Sicily'],
    ]);
  });

  test('COMMAND INFO: arity, flags, key positions and ACL categories', async () => {
    const names = ['geoadd', 'geodist', 'geohash', 'geopos', 'georadius', 'georadius_ro', 'georadiusbymember', 'georadiusbymember_ro', 'geosearch', 'geosearchstore'];
    const [expected, actual] = await Promise.all(
      [redis.port, eddy.port].map(async (port) => {
        const client = new Redis({ port, protocol: 2 });
        try {
          return ((await client.command('INFO', ...names)) as unknown[][]).map((info) => info.slice(0, 7));
        } finally {
          client.disconnect();
        }
      }),
    );
    expect(actual).toEqual(expected);
  });
});

describe('keyspace events', () => {
  test("GEOADD notifies zadd (it runs ZADD), a store georadiusstore or geosearchstore, as Redis 7.0's geo.c does", async () => {
    const commands = [
      SICILY,
      ...[
        'GEOADD Sicily XX 1 1 Palermo',
        'GEOADD Sicily NX 1 1 Palermo',
        'GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km',
        'GEORADIUS Sicily 15 37 200 km STORE r1',
        'GEORADIUSBYMEMBER Sicily Catania 200 km STOREDIST r2',
        'GEOSEARCHSTORE r3 Sicily FROMLONLAT 15 37 BYRADIUS 200 km',
        'GEOSEARCHSTORE r3 Sicily FROMLONLAT 0 0 BYRADIUS 1 km',
        'GEORADIUS nokey 15 37 200 km STORE r1',
      ].map(words),
    ];
    const [expected, actual] = await Promise.all([keyEventsOf(redis.port, commands), keyEventsOf(eddy.port, commands)]);
    expect(actual).toEqual(expected);
    expect(expected).toContain('zadd Sicily');
    expect(expected).toContain('georadiusstore r2');
    expect(expected).toContain('geosearchstore r3');
  });
});

describe('clients', () => {
  test('ioredis', async () => {
    const client = new Redis({ port: eddy.port, protocol: 2 });
    try {
      expect(await client.geoadd('Sicily', 13.361389, 38.115556, 'Palermo', 15.087269, 37.502669, 'Catania')).toBe(2);
      expect(await client.geopos('Sicily', 'Palermo', 'nosuch')).toEqual([['13.36138933897018433', '38.11555639549629859'], null]);
      expect(await client.geodist('Sicily', 'Palermo', 'Catania', 'KM')).toBe('166.2742');
      expect(await client.geohash('Sicily', 'Palermo', 'Catania')).toEqual(['sqc8b49rny0', 'sqdtr74hyu0']);
      expect(await client.geosearch('Sicily', 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'ASC', 'WITHDIST')).toEqual([
        ['Catania', '56.4413'],
        ['Palermo', '190.4424'],
      ]);
      expect(await client.georadius('Sicily', 15, 37, 100, 'km', 'WITHHASH')).toEqual([['Catania', 3479447370796909]]);
      expect(await client.georadiusbymember('Sicily', 'Palermo', 200, 'km', 'DESC')).toEqual(['Catania', 'Palermo']);
      expect(await client.geosearchstore('near', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', '10', '10', 'km', 'STOREDIST')).toBe(1);
      expect(await client.zrange('near', '0', '-1', 'WITHSCORES')).toEqual(['Palermo', '0']);
    } finally {
      client.disconnect();
    }
  });

  for (const RESP of [2, 3] as const) {
    test(`node-redis (RESP${RESP})`, async () => {
      const client = createClient({ socket: { port: eddy.port }, RESP }) as RedisClientType;
      await client.connect();
      try {
        const members = [
          { longitude: 13.361389, latitude: 38.115556, member: 'Palermo' },
          { longitude: 15.087269, latitude: 37.502669, member: 'Catania' },
        ];
        expect(await client.geoAdd('Sicily', members)).toBe(2);
        expect(await client.geoAdd('Sicily', members[0], { condition: 'XX', CH: true })).toBe(0);
        // RESP3 sends coordinates as doubles, which node-redis reads as numbers.
        const catania = RESP === 3 ? { longitude: 15.087267458438873, latitude: 37.50266842333162 } : { longitude: '15.08726745843887329', latitude: '37.50266842333162032' };
        expect(await client.geoPos('Sicily', ['Catania', 'nosuch'])).toEqual([catania, null]);
        expect(await client.geoDist('Sicily', 'Palermo', 'Catania', 'mi')).toBe(103.3182);
        expect(await client.geoSearch('Sicily', { longitude: 15, latitude: 37 }, { radius: 200, unit: 'km' }, { SORT: 'DESC' })).toEqual(['Palermo', 'Catania']);
        const withCoordinates = await client.geoSearchWith('Sicily', 'Palermo', { width: 400, height: 400, unit: 'km' }, ['WITHDIST', 'WITHCOORD'], { SORT: 'ASC', COUNT: 1 });
        expect(withCoordinates).toEqual([{ member: 'Palermo', distance: 0, coordinates: { longitude: 13.361389338970184, latitude: 38.1155563954963 } }]);
        expect(await client.geoSearchStore('stored', 'Sicily', 'Catania', { radius: 1, unit: 'km' })).toBe(1);
        expect(await client.zScore('stored', 'Catania')).toBe(3479447370796909);
      } finally {
        await client.quit();
      }
    });
  }
});

describe('restart', () => {
  test('a restart on the same data directory gives back the same geo sets and search results', async () => {
    const client = await RawRespClient.open(eddy.port);
    const reads = [
      ['ZRANGE', 'Sicily', '0', '-1', 'WITHSCORES'],
      ['GEOPOS', 'Sicily', 'Palermo', 'Catania', 'edge1'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '300', 'km', 'WITHDIST', 'ASC'],
      ['ZRANGE', 'stored', '0', '-1', 'WITHSCORES'],
      ['ZRANGE', 'dists', '0', '-1', 'WITHSCORES'],
      ['EXISTS', 'gone'],
    ];
    let before: string[];
    try {
      for (const args of [
        SICILY,
        words('GEOADD Sicily CH 1 1 Palermo'),
        words('GEORADIUS Sicily 15 37 300 km STORE stored'),
        words('GEOSEARCHSTORE dists Sicily FROMMEMBER Catania BYRADIUS 500 km STOREDIST'),
        words('GEOSEARCHSTORE gone Sicily FROMLONLAT 15 37 BYRADIUS 300 km'),
        words('GEOSEARCHSTORE gone Sicily FROMLONLAT 0 0 BYRADIUS 1 km'),
      ])
        await client.call(...args);
      before = [];
      for (const args of reads) before.push(await client.call(...args));
    } finally {
      client.close();
    }
    expect(before[3]).not.toBe('*0\r\n');
    expect(before[5]).toBe(':0\r\n');
    expect(await eddy.kill('SIGTERM')).toBe(0);
    await eddy.launch();
    expect(await repliesOf(eddy.port, reads, 2)).toEqual(before);
  });
});
