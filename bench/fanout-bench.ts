import { connect, type Socket } from 'node:net';
import { resp } from './pipeline.js';
import { ensureRedisTools, startEddy, startRedis, type BenchServer } from './servers.js';

/**
 * Fan-out: N subscribers follow every SET on `fan:*` while a writer sends 10 k SET/s. Eddy's TAIL
 * on a pattern (and Eddy's own PSUBSCRIBE of keyspace notifications) beside redis-server's
 * PSUBSCRIBE of keyspace notifications, in the same run. Reported: events delivered per second
 * over all subscribers, and write-to-delivery latency p50/p99 seen by one subscriber.
 */
const quick = process.argv.includes('--quick');
const SECONDS = quick ? 1.5 : 4;
const WRITES_PER_SECOND = 10_000;
const TICK_MS = 10;
const EDDY_PORT = 7410;
const REDIS_PORT = 7411;

type Mode = 'eddy TAIL' | 'eddy PSUBSCRIBE' | 'redis PSUBSCRIBE';

/** What one message of each mode starts with: counting it counts deliveries without parsing. */
const MARKER: Record<Mode, Buffer> = {
  'eddy TAIL': Buffer.from('$6\r\nchange\r\n'),
  'eddy PSUBSCRIBE': Buffer.from('$8\r\npmessage\r\n'),
  'redis PSUBSCRIBE': Buffer.from('$8\r\npmessage\r\n'),
};

function countOf(chunk: Buffer, marker: Buffer): number {
  let count = 0;
  for (let at = chunk.indexOf(marker); at >= 0; at = chunk.indexOf(marker, at + marker.length)) count++;
  return count;
}

async function open(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.setNoDelay(true);
  return socket;
}

interface Result {
  mode: Mode;
  subscribers: number;
  written: number;
  delivered: number;
  seconds: number;
  latencies: number[];
}

async function run(mode: Mode, port: number, subscribers: number): Promise<Result> {
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let delivered = 0;
  const sockets: Socket[] = [];
  const subscribe = mode === 'eddy TAIL' ? ['TAIL', 'FROM', '$', 'MATCH', 'fan:*'] : ['PSUBSCRIBE', '__keyspace@0__:fan:*'];
  for (let i = 0; i < subscribers; i++) {
    const socket = await open(port);
    sockets.push(socket);
    const sample = i === 0;
    const seen = new Set<number>();
    socket.on('data', (chunk: Buffer) => {
      delivered += countOf(chunk, MARKER[mode]);
      if (!sample) return;
      const now = performance.now();
      for (const match of chunk.toString('latin1').matchAll(/fan:(\d+)/g)) {
        const seq = Number(match[1]);
        if (seen.has(seq)) continue; // a TAIL event names its key twice (key, effect)
        seen.add(seq);
        const sent = sentAt.get(seq);
        if (sent !== undefined) latencies.push(now - sent);
      }
    });
    socket.write(resp(subscribe));
  }
  await new Promise((resolve) => setTimeout(resolve, 300)); // every subscription confirmed
  delivered = 0;
  const writer = await open(port);
  writer.on('data', () => undefined);
  let seq = 0;
  const perTick = (WRITES_PER_SECOND * TICK_MS) / 1000;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (performance.now() - started >= SECONDS * 1000) {
        clearInterval(timer);
        resolve();
        return;
      }
      let batch = '';
      const now = performance.now();
      for (let i = 0; i < perTick; i++) {
        sentAt.set(seq, now);
        batch += resp(['SET', `fan:${seq++}`, 'v']);
      }
      writer.write(batch);
    }, TICK_MS);
  });
  await new Promise((resolve) => setTimeout(resolve, 500)); // deliveries still on their way
  const seconds = (performance.now() - started) / 1000;
  for (const socket of [...sockets, writer]) socket.destroy();
  return { mode, subscribers, written: seq, delivered, seconds, latencies };
}

/** SETs per second one pipelining writer gets through in `seconds`. */
async function writerThroughput(port: number, seconds: number): Promise<number> {
  const writer = await open(port);
  let answered = 0;
  writer.on('data', (chunk: Buffer) => (answered += countOf(chunk, OK_REPLY)));
  let sent = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    let batch = '';
    for (let i = 0; i < 100; i++) batch += resp(['SET', `slow:${sent++}`, 'v'.repeat(100)]);
    writer.write(batch);
    while (sent - answered > 1000) await new Promise((resolve) => setImmediate(resolve));
  }
  const rate = answered / ((performance.now() - started) / 1000);
  writer.destroy();
  return rate;
}

const OK_REPLY = Buffer.from('+OK\r\n');

/**
 * A subscriber that never reads must not slow writers: writer throughput alone, then with one TAIL
 * subscriber whose socket is paused (it is cut off at client-output-buffer-limit on the way).
 */
async function slowConsumer(port: number): Promise<Record<string, string | number>> {
  const seconds = quick ? 2 : 5;
  const alone = await writerThroughput(port, seconds);
  const stalled = await open(port);
  stalled.write(resp(['TAIL', 'FROM', '$', 'MATCH', 'slow:*']));
  await new Promise((resolve) => setTimeout(resolve, 100));
  stalled.pause();
  const withStalled = await writerThroughput(port, seconds);
  stalled.destroy();
  return { 'writer SET/s alone': Math.round(alone), 'with a stalled TAIL subscriber': Math.round(withStalled), ratio: (withStalled / alone).toFixed(2) };
}

function percentile(sorted: number[], p: number): string {
  return sorted.length === 0 ? '-' : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(2);
}

async function configure(server: BenchServer): Promise<void> {
  const socket = await open(server.port);
  socket.write(resp(['CONFIG', 'SET', 'notify-keyspace-events', 'K$']));
  await new Promise((resolve) => socket.once('data', resolve));
  socket.destroy();
}

ensureRedisTools();
const eddy = await startEddy(EDDY_PORT, 'everysec');
const redis = await startRedis(REDIS_PORT, 'everysec');
const rows: Record<string, string | number>[] = [];
let slow: Record<string, string | number> = {};
try {
  // First, on a quiet server: the fan-out runs leave it busy with their subscribers for a while.
  slow = await slowConsumer(eddy.port);
  await configure(eddy);
  await configure(redis);
  for (const subscribers of quick ? [1, 100] : [1, 100, 1000]) {
    const results: Result[] = [];
    for (const [mode, server] of [
      ['eddy TAIL', eddy],
      ['eddy PSUBSCRIBE', eddy],
      ['redis PSUBSCRIBE', redis],
    ] as const)
      results.push(await run(mode, server.port, subscribers));
    const redisRate = results[2].delivered / results[2].seconds;
    for (const result of results) {
      const sorted = result.latencies.sort((a, b) => a - b);
      const rate = result.delivered / result.seconds;
      rows.push({
        subscribers,
        mode: result.mode,
        'writes/s': Math.round(result.written / result.seconds),
        'events/s delivered': Math.round(rate),
        'of expected': `${((100 * result.delivered) / (result.written * subscribers)).toFixed(0)}%`,
        'p50 ms': percentile(sorted, 0.5),
        'p99 ms': percentile(sorted, 0.99),
        'vs redis': (rate / redisRate).toFixed(2),
      });
    }
  }
} finally {
  await eddy.stop();
  await redis.stop();
}
console.log('\nSlow consumer: one pipelining writer (100 in flight), alone and beside a TAIL subscriber that never reads');
console.table([slow]);
console.log(`\nFan-out: ${WRITES_PER_SECOND} SET/s for ${SECONDS} s, appendfsync everysec; latency from write to delivery at one subscriber`);
console.table(rows);
