import { execFileSync } from 'node:child_process';
import { pipelined, ratio, redisBenchmarkCommand } from './pipeline.js';
import { ensureRedisTools, residentBytes, startEddy, startRedis, type BenchServer } from './servers.js';

/**
 * Streams, bitmaps, HyperLogLog and geo, Eddy beside redis-server (both everysec): redis-benchmark
 * -c 50 with each command of issue 14 at -P 1 and -P 16; SETBIT at random offsets of a 64 MB bitmap
 * pipelined over one connection (redis-benchmark pads __rand_int__ with zeros, and Redis refuses a
 * bit offset written so); then the resident memory of a stream of 1 M entries of two small fields.
 * `--streams-only` runs the stream rows and the memory table, `--memory-only` the memory table alone;
 * `--port N` runs Eddy on N and Redis on N + 1 (beside other runs of this benchmark).
 */
const portAt = process.argv.indexOf('--port');
const EDDY_PORT = portAt === -1 ? 7394 : Number(process.argv[portAt + 1]);
const REDIS_PORT = EDDY_PORT + 1;
const quick = process.argv.includes('--quick');
const memoryOnly = process.argv.includes('--memory-only');
const streamsOnly = process.argv.includes('--streams-only');

interface Row {
  label: string;
  command: string[];
  /** redis-benchmark's -r: the range of __rand_int__. */
  keyspace?: number;
  /** Run before the row on each server (its data). */
  setup?: string[][];
}

const STREAM_ENTRIES = quick ? 200_000 : 2_000_000;

const ROWS: Row[] = [
  { label: 'XADD s * f v', command: ['XADD', 's', '*', 'f', 'v'] },
  { label: 'XRANGE s - + COUNT 10', command: ['XRANGE', 's', '-', '+', 'COUNT', '10'] },
  { label: 'XREADGROUP COUNT 10 >', command: ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '10', 'STREAMS', 'r', '>'], setup: [['XGROUP', 'CREATE', 'r', 'g', '0', 'MKSTREAM']] },
  // Acknowledges entries the row above delivered (r holds IDs 1-0 .. n-0).
  { label: 'XACK r g <random delivered ID>', command: ['XACK', 'r', 'g', '__rand_int__-0'], keyspace: STREAM_ENTRIES / 20 },
  { label: 'BITCOUNT bm (64 MB)', command: ['BITCOUNT', 'bm'] },
  { label: 'PFADD hll <random>', command: ['PFADD', 'hll', '__rand_int__'] },
  { label: 'PFCOUNT hll', command: ['PFCOUNT', 'hll'] },
  // A thousand members: with 100 k at one point, GEOSEARCH would sort them all on both servers.
  { label: 'GEOADD g lon lat <random>', command: ['GEOADD', 'geo', '13.361389', '38.115556', '__rand_int__'], keyspace: 1000 },
  { label: 'GEOSEARCH FROMLONLAT 13 38 BYRADIUS 200 km COUNT 10', command: ['GEOSEARCH', 'geo', 'FROMLONLAT', '13', '38', 'BYRADIUS', '200', 'km', 'COUNT', '10'] },
];

/** The stream XREADGROUP reads: entries 1-0 .. n-0, so that XACK's random IDs name delivered ones. */
async function fillReadStream(server: BenchServer): Promise<void> {
  await pipelined(server.port, STREAM_ENTRIES, (i) => ['XADD', 'r', `${i + 1}-0`, 'f', 'v'], 2);
}

async function throughput(): Promise<void> {
  const eddy = await startEddy(EDDY_PORT, 'everysec');
  const redis = await startRedis(REDIS_PORT, 'everysec');
  try {
    for (const server of [eddy, redis]) {
      await fillReadStream(server);
      // The 64 MB bitmap BITCOUNT counts.
      await pipelined(server.port, 1, () => ['SETBIT', 'bm', String(2 ** 29 - 1), '1']);
    }
    console.log('\n| -P | command | Eddy req/s | Redis req/s | Eddy/Redis |');
    console.log('|---|---|---|---|---|');
    for (const pipeline of [1, 16]) {
      const requests = quick ? 20_000 : pipeline === 1 ? 100_000 : 400_000;
      for (const row of streamsOnly ? ROWS.filter((row) => row.label.startsWith('X')) : ROWS) {
        for (const server of [eddy, redis]) for (const setup of row.setup ?? []) await pipelined(server.port, 1, () => setup);
        // BITCOUNT of 64 MB and XREADGROUP are slow per call: fewer requests keep the run short.
        const n = row.label.startsWith('BITCOUNT') ? Math.min(requests, 2_000) : row.label.startsWith('XREADGROUP') ? Math.min(requests, STREAM_ENTRIES / 20) : requests;
        const ours = redisBenchmarkCommand(EDDY_PORT, row.command, pipeline, n, 50, row.keyspace).rps;
        const theirs = redisBenchmarkCommand(REDIS_PORT, row.command, pipeline, n, 50, row.keyspace).rps;
        console.log(`| ${pipeline} | ${row.label} | ${Math.round(ours)} | ${Math.round(theirs)} | ${ratio(ours, theirs)} |`);
      }
    }
  } finally {
    await eddy.stop();
    await redis.stop();
  }
}

/** SETBIT at random offsets below 2^29 (the same seeded offsets on both servers), pipelined in batches of 10 k. */
async function randomSetbits(): Promise<void> {
  const count = quick ? 50_000 : 500_000;
  const rates: number[] = [];
  for (const start of [startEddy, startRedis]) {
    const server = await start(start === startEddy ? EDDY_PORT : REDIS_PORT, 'everysec');
    try {
      await pipelined(server.port, 1, () => ['SETBIT', 'bm', String(2 ** 29 - 1), '1']);
      let seed = 42;
      const offset = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 2 ** 29;
      rates.push(count / (await pipelined(server.port, count, () => ['SETBIT', 'bm', String(offset()), '1'])));
    } finally {
      await server.stop();
    }
  }
  console.log(`\n| ${count} SETBIT at random offsets of a 64 MB bitmap, pipelined | Eddy ops/s | Redis ops/s | Eddy/Redis |`);
  console.log('|---|---|---|---|');
  console.log(`| SETBIT bm <random> 1 | ${Math.round(rates[0])} | ${Math.round(rates[1])} | ${ratio(rates[0], rates[1])} |`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resident memory each server adds for one stream of `entries` entries of two small fields: once
 * the load's checkpoint (if any) has ended and MEMORY PURGE has run (Redis: jemalloc returns dirty
 * pages; Eddy: a major GC), then 20 s later, once V8's memory reducer has handed back the pages the
 * load's garbage left (it does so on its own timer after allocation stops, whatever PURGE did).
 */
async function streamMemory(): Promise<void> {
  const entries = quick ? 100_000 : 1_000_000;
  const added: { purged: number; settled: number }[] = [];
  for (const start of [startEddy, startRedis]) {
    const server = await start(start === startEddy ? EDDY_PORT : REDIS_PORT, 'everysec');
    const cli = (...args: string[]) => execFileSync('redis-cli', ['-p', String(server.port), ...args], { encoding: 'utf8' });
    try {
      const pid = server.process.pid as number;
      const before = residentBytes(pid);
      await pipelined(server.port, entries, (i) => ['XADD', 'big', `${i + 1}-0`, 'name', `user${i % 1000}`, 'n', String(i)], 2);
      await sleep(2000);
      while (cli('INFO', 'persistence').includes('rdb_bgsave_in_progress:1')) await sleep(200);
      cli('MEMORY', 'PURGE');
      await sleep(1000);
      const purged = residentBytes(pid) - before;
      await sleep(20_000);
      added.push({ purged, settled: residentBytes(pid) - before });
    } finally {
      await server.stop();
    }
  }
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  const [eddy, redis] = added;
  console.log(`\n| stream of ${entries} entries (2 fields), resident memory added (MiB) | Eddy | Redis | Eddy/Redis |`);
  console.log('|---|---|---|---|');
  console.log(`| after the load and MEMORY PURGE | ${mib(eddy.purged)} | ${mib(redis.purged)} | ${ratio(eddy.purged, redis.purged)} |`);
  console.log(`| 20 s later | ${mib(eddy.settled)} | ${mib(redis.settled)} | ${ratio(eddy.settled, redis.settled)} |`);
}

ensureRedisTools();
console.log(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim());
if (!memoryOnly) await throughput();
if (!memoryOnly && !streamsOnly) await randomSetbits();
await streamMemory();
