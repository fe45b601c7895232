import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { EddyProcess } from '../support/eddy-process.js';
import { RawConnection } from '../support/raw-connection.js';
import { RedisServerProcess } from '../support/redis-server-process.js';

/**
 * SLOWLOG, LATENCY, MONITOR and INFO against a real redis-server 7.0: the same commands on both,
 * then the replies compared in what does not legitimately differ (times, ids, ports, durations).
 */

let redis: RedisServerProcess;
let eddy: EddyProcess;
const clients: Redis[] = [];

beforeAll(() => ensureDebianPackages({ 'redis-server': 'redis-server' }), 300_000);
beforeAll(async () => {
  [redis, eddy] = await Promise.all([RedisServerProcess.start(['--enable-debug-command', 'yes']), EddyProcess.start(['--enable-debug-command', 'yes', '--shards', '2'])]);
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await Promise.all([redis?.stop(), eddy?.stop()]);
});

/** Without ioredis's CLIENT SETINFO (Redis 7.2's: 7.0 refuses it, Eddy takes it), so both servers see the same commands. */
function connect(port: number): Redis {
  const client = new Redis({ port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 0, disableClientInfo: true });
  clients.push(client);
  return client;
}

/** Runs `scenario` on a fresh connection to each server (redis-server first); both results. */
async function onBoth<T>(scenario: (client: Redis, port: number) => Promise<T>): Promise<[T, T]> {
  const results: T[] = [];
  for (const port of [redis.port, eddy.port]) {
    const client = connect(port);
    try {
      results.push(await scenario(client, port));
    } finally {
      client.disconnect();
    }
  }
  return [results[0], results[1]];
}

type Entry = [number, number, number, string[], string, string];

beforeEach(async () => {
  for (const port of [redis.port, eddy.port]) {
    const client = connect(port);
    await client.flushall();
    await client.config('SET', 'slowlog-log-slower-than', '0');
    await client.config('SET', 'slowlog-max-len', '128');
    await client.config('SET', 'latency-monitor-threshold', '0');
    await client.slowlog('RESET');
    await client.call('LATENCY', 'RESET');
    client.disconnect();
  }
});

describe('SLOWLOG', () => {
  it('logs the same entries: arguments trimmed, secrets redacted, EXEC left out, client names', async () => {
    const [expected, actual] = await onBoth(async (client) => {
      await client.slowlog('RESET');
      await client.client('SETNAME', 'slow-one');
      await client.set('long', 'x'.repeat(300));
      await client.rpush('many', ...Array.from({ length: 40 }, (_, i) => String(i)));
      await client.call('AUTH', 'not-the-password').catch(() => undefined);
      await client.config('SET', 'masterauth', '');
      await client.multi().incr('n').get('n').exec();
      await client.call('HELLO', '2', 'AUTH', 'someone', 'secret').catch(() => undefined);
      await client.config('SET', 'slowlog-log-slower-than', '-1');
      const entries = (await client.slowlog('GET', '-1')) as Entry[];
      const now = Math.floor(Date.now() / 1000);
      for (const [id, time, duration, , peer] of entries) {
        expect(id).toBeTypeOf('number');
        expect(Math.abs(time - now)).toBeLessThanOrEqual(5);
        expect(duration).toBeGreaterThanOrEqual(0);
        expect(peer).toMatch(/^127\.0\.0\.1:\d+$/);
      }
      // Ids count up, newest first.
      expect(entries.map(([id]) => id)).toEqual([...entries.map(([id]) => id)].sort((a, b) => b - a));
      return { args: entries.map(([, , , args, , name]) => [args, name]), length: await client.slowlog('LEN') };
    });
    expect(actual).toEqual(expected);
    expect(JSON.stringify(expected)).toContain('(redacted)');
  });

  it('GET takes a count (-1: all), LEN and RESET, max-len keeps the newest; errors as Redis', async () => {
    const [expected, actual] = await onBoth(async (client) => {
      await client.slowlog('RESET');
      for (let i = 0; i < 5; i++) await client.set(`k${i}`, 'v');
      const two = ((await client.slowlog('GET', '2')) as Entry[]).map(([, , , args]) => args);
      const all = ((await client.slowlog('GET', '-1')) as Entry[]).length;
      const byDefault = ((await client.slowlog('GET')) as Entry[]).length;
      await client.config('SET', 'slowlog-max-len', '3');
      const trimmed = ((await client.slowlog('GET', '-1')) as Entry[]).map(([, , , args]) => args);
      const badCount = await client.slowlog('GET', '-2').catch((error: Error) => error.message);
      const notANumber = await client.slowlog('GET', 'x').catch((error: Error) => error.message);
      const help = await client.slowlog('HELP');
      const unknown = await client.call('SLOWLOG', 'NOPE').catch((error: Error) => error.message);
      await client.slowlog('RESET');
      const afterReset = await client.slowlog('LEN');
      await client.config('SET', 'slowlog-max-len', '0');
      await client.set('x', 'y');
      return { two, all, byDefault, trimmed, badCount, notANumber, help, unknown, afterReset, zero: await client.slowlog('LEN') };
    });
    expect(actual).toEqual(expected);
  });

  it('logs a blocked command once it is served, not while it waits', async () => {
    const [expected, actual] = await onBoth(async (client, port) => {
      await client.slowlog('RESET');
      const blocked = connect(port);
      const popped = blocked.blpop('queue', 0);
      await expect.poll(async () => /blocked_clients:(\d+)/.exec(await client.info('clients'))?.[1]).toBe('1');
      const whileBlocked = JSON.stringify(await client.slowlog('GET', '-1')).includes('blpop');
      await client.rpush('queue', 'job');
      await popped;
      blocked.disconnect();
      const entries = (await client.slowlog('GET', '-1')) as Entry[];
      return { whileBlocked, logged: entries.filter(([, , , args]) => args[0].toLowerCase() === 'blpop').map(([, , , args]) => args) };
    });
    expect(actual).toEqual(expected);
    expect(expected.logged).toHaveLength(1);
  });
});

describe('LATENCY', () => {
  it('samples slow commands as `command` events: LATEST, HISTORY, GRAPH, DOCTOR, RESET', async () => {
    const [expected, actual] = await onBoth(async (client) => {
      await client.config('SET', 'latency-monitor-threshold', '20');
      await client.call('DEBUG', 'SLEEP', '0.05');
      await client.config('SET', 'latency-monitor-threshold', '0');
      const latest = (await client.call('LATENCY', 'LATEST')) as [string, number, number, number][];
      expect(latest).toHaveLength(1);
      const [event, time, last, max] = latest[0];
      expect(Math.abs(time - Date.now() / 1000)).toBeLessThan(5);
      expect(last).toBeGreaterThanOrEqual(50);
      expect(max).toBe(last);
      const history = (await client.call('LATENCY', 'HISTORY', 'command')) as [number, number][];
      expect(history).toEqual([[time, last]]);
      const graph = (await client.call('LATENCY', 'GRAPH', 'command')) as string;
      expect(graph).toMatch(new RegExp(`^command - high ${last} ms, low ${last} ms \\(all time high ${max} ms\\)\\n-{80}\\n`));
      expect(((await client.call('LATENCY', 'DOCTOR')) as string).length).toBeGreaterThan(0);
      return {
        event,
        historyLength: history.length,
        unknownHistory: await client.call('LATENCY', 'HISTORY', 'blabla'),
        unknownGraph: await client.call('LATENCY', 'GRAPH', 'blabla').catch((error: Error) => error.message),
        unknownReset: await client.call('LATENCY', 'RESET', 'blabla'),
        reset: await client.call('LATENCY', 'RESET'),
        afterReset: await client.call('LATENCY', 'LATEST'),
        helpArity: await client.call('LATENCY', 'HELP', 'xxx').catch((error: Error) => error.message),
        help: await client.call('LATENCY', 'HELP'),
      };
    });
    expect(actual).toEqual(expected);
  });

  it('samples the active expiry cycle as `expire-cycle` when many keys expire at once', async () => {
    const client = connect(eddy.port);
    await client.config('SET', 'latency-monitor-threshold', '1');
    const pipeline = client.pipeline();
    for (let i = 0; i < 50_000; i++) pipeline.set(`expiring:${i}`, 'v', 'PX', 100);
    await pipeline.exec();
    await expect.poll(() => client.dbsize(), { timeout: 20_000 }).toBe(0);
    await client.config('SET', 'latency-monitor-threshold', '0');
    const events = ((await client.call('LATENCY', 'LATEST')) as [string][]).map(([event]) => event);
    expect(events).toContain('expire-cycle');
    expect(await client.call('LATENCY', 'GRAPH', 'expire-cycle')).toMatch(/^expire-cycle - high \d+ ms, low \d+ ms/);
  });

  it('HISTOGRAM: calls per command, containers stand for their subcommands, unknown names skipped', async () => {
    type Histogram = Record<string, { calls: number; buckets: number[][] }>;
    const histograms = async (client: Redis, ...names: string[]): Promise<Histogram> => {
      const flat = (await client.call('LATENCY', 'HISTOGRAM', ...names)) as (string | unknown[])[];
      const result: Histogram = {};
      for (let i = 0; i < flat.length; i += 2) {
        const [, calls, , points] = flat[i + 1] as [string, number, string, number[]];
        const buckets: number[][] = [];
        for (let j = 0; j < points.length; j += 2) buckets.push([points[j], points[j + 1]]);
        result[flat[i] as string] = { calls, buckets };
      }
      return result;
    };
    const [expected, actual] = await onBoth(async (client) => {
      await client.config('RESETSTAT');
      const empty = Object.keys(await histograms(client));
      await client.set('a', 'b');
      await client.set('c', 'd');
      await client.get('a');
      await client.client('ID');
      await client.client('GETNAME');
      const all = await histograms(client);
      for (const { calls, buckets } of Object.values(all)) {
        // Cumulative counts at growing power-of-two bounds, ending at the calls.
        expect(buckets.at(-1)?.[1]).toBe(calls);
        for (let j = 1; j < buckets.length; j++) {
          expect(buckets[j][0]).toBeGreaterThan(buckets[j - 1][0]);
          expect(buckets[j][1]).toBeGreaterThan(buckets[j - 1][1]);
        }
      }
      const calls = (histogram: Histogram) => Object.fromEntries(Object.entries(histogram).map(([name, { calls }]) => [name, calls]));
      return {
        empty,
        all: calls(all),
        some: calls(await histograms(client, 'set', 'blabla', 'GET', 'zadd')),
        container: calls(await histograms(client, 'client')),
        sub: calls(await histograms(client, 'client|id')),
      };
    });
    expect(actual).toEqual(expected);
  });
});

/** INFO's text as sections: header -> [field, value] pairs. */
function sectionsOf(text: string): Map<string, [string, string][]> {
  const sections = new Map<string, [string, string][]>();
  let current: [string, string][] = [];
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) sections.set(line.slice(2), (current = []));
    else if (line !== '') {
      const colon = line.indexOf(':');
      current.push([line.slice(0, colon), line.slice(colon + 1)]);
    }
  }
  return sections;
}

describe('INFO', () => {
  it('has the same sections as redis-server for no argument, default, all, everything and several names', async () => {
    const [expected, actual] = await onBoth(async (client) => {
      const headers = async (...sections: string[]) => [...sectionsOf((await client.call('INFO', ...sections)) as string).keys()];
      return {
        none: await headers(),
        default: await headers('default'),
        all: await headers('all'),
        everything: await headers('everything'),
        several: await headers('CLIENTS', 'server', 'nosuchsection', 'commandstats'),
        defaultAndMore: await headers('default', 'latencystats'),
      };
    });
    // Eddy's log section is its own, after Redis's.
    const withoutLog = (names: string[]) => names.filter((name) => name !== 'Log');
    expect(Object.fromEntries(Object.entries(actual).map(([call, names]) => [call, withoutLog(names)]))).toEqual(expected);
    expect(actual.everything.at(-1)).toBe('Log');
  });

  it('commandstats, latencystats and errorstats count as Redis counts: calls, rejected and failed calls, after RESETSTAT', async () => {
    const [expected, actual] = await onBoth(async (client) => {
      await client.config('RESETSTAT');
      await client.set('s', 'v');
      await client.set('s', 'v', 'XX');
      await client.call('SET', 's').catch(() => undefined); // wrong arity: rejected
      await client.lpush('s', 'x').catch(() => undefined); // WRONGTYPE: failed
      await client.call('NOSUCHCOMMAND').catch(() => undefined);
      await client.client('ID');
      const info = sectionsOf((await client.call('INFO', 'commandstats', 'latencystats', 'errorstats')) as string);
      const commandstats = Object.fromEntries((info.get('Commandstats') ?? []).map(([field, value]) => [field, value.replace(/usec=\d+,usec_per_call=[\d.]+/, 'usec=…')]));
      const latencystats = Object.fromEntries((info.get('Latencystats') ?? []).map(([field, value]) => [field, value.replace(/=[\d.]+/g, '=…')]));
      for (const [, value] of info.get('Latencystats') ?? []) expect(value).toMatch(/^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$/);
      return { commandstats, latencystats, errorstats: Object.fromEntries(info.get('Errorstats') ?? []) };
    });
    expect(actual).toEqual(expected);
    expect(expected.commandstats.cmdstat_set).toBe('calls=2,usec=…,rejected_calls=1,failed_calls=0');
  });

  it("has redis-server's fields in the sections exporters and tools read", async () => {
    const [expected, actual] = await onBoth(async (client) => {
      const info = sectionsOf((await client.call('INFO', 'everything')) as string);
      return Object.fromEntries([...info].map(([name, fields]) => [name, fields.map(([field]) => field)]));
    });
    // Sections Eddy fills in full: the same fields, in the same order.
    for (const section of ['CPU', 'Cluster', 'Modules', 'Keyspace', 'Errorstats']) expect(actual[section]).toEqual(expected[section]);
    // Sections where Redis reports its allocator, fork and I/O thread internals: the fields tools read are there.
    const read = {
      Server: [
        'redis_version',
        'redis_mode',
        'os',
        'arch_bits',
        'multiplexing_api',
        'process_id',
        'run_id',
        'tcp_port',
        'server_time_usec',
        'uptime_in_seconds',
        'uptime_in_days',
        'hz',
        'lru_clock',
        'executable',
        'config_file',
      ],
      Clients: ['connected_clients', 'cluster_connections', 'maxclients', 'blocked_clients', 'tracking_clients'],
      Memory: [
        'used_memory',
        'used_memory_human',
        'used_memory_rss',
        'used_memory_peak',
        'used_memory_startup',
        'total_system_memory',
        'maxmemory',
        'maxmemory_human',
        'maxmemory_policy',
        'mem_fragmentation_ratio',
        'mem_allocator',
      ],
      Persistence: [
        'loading',
        'rdb_changes_since_last_save',
        'rdb_bgsave_in_progress',
        'rdb_last_save_time',
        'rdb_last_bgsave_status',
        'aof_enabled',
        'aof_rewrite_in_progress',
        'aof_last_write_status',
      ],
      Stats: [
        'total_connections_received',
        'total_commands_processed',
        'rejected_connections',
        'expired_keys',
        'evicted_keys',
        'keyspace_hits',
        'keyspace_misses',
        'pubsub_channels',
        'pubsub_patterns',
        'latest_fork_usec',
        'total_error_replies',
      ],
      Replication: ['role', 'connected_slaves', 'master_replid', 'master_repl_offset'],
    };
    for (const [section, fields] of Object.entries(read)) {
      expect(expected[section], section).toEqual(expect.arrayContaining(fields));
      expect(actual[section], section).toEqual(expect.arrayContaining(fields));
    }
  });
});

describe('MONITOR', () => {
  it('shows the same lines as redis-server: database, address, arguments quoted, scripts as lua', async () => {
    const lines = async (port: number): Promise<string[]> => {
      const monitor = await RawConnection.open(port);
      monitor.write('MONITOR\r\n');
      await monitor.readUntil((text) => text.startsWith('+OK\r\n'));
      const client = connect(port);
      await client.select(3);
      await client.set('k', 'a "b"\n\x01');
      await client.eval("return redis.call('get', KEYS[1])", 1, 'k');
      await client.multi().incr('n').exec();
      await client.call('PING', 'end');
      await monitor.readUntil((text) => text.includes('"end"'));
      monitor.close();
      client.disconnect();
      const all = monitor.text.split('\r\n').slice(1);
      // From the SELECT on (ioredis's own handshake comes first); time and port differ.
      return all
        .slice(all.findIndex((line) => line.includes('"select"')))
        .filter((line) => line !== '')
        .map((line) => line.replace(/^\+\d+\.\d{6} /, '+T ').replace(/127\.0\.0\.1:\d+/, 'ADDR'));
    };
    const expected = await lines(redis.port);
    expect(await lines(eddy.port)).toEqual(expected);
    expect(expected).toContain('+T [3 lua] "get" "k"');
  });
});
