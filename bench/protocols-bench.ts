import { execFileSync } from 'node:child_process';
import { closedLoop } from './closed-loop.js';
import { EddyGrpcClient } from './grpc-client.js';
import { httpLoad } from './http-load.js';
import type { LoadResult } from './load-result.js';
import { pipelined, ratio, redisBenchmarkColumns } from './pipeline.js';
import { ensureRedisTools, startBareServer, startEddy, startRedis, type BareKind } from './servers.js';
import { WebSocketCommandClient } from './ws-client.js';

/**
 * GET and SET over each of Eddy's protocols, each beside its ceiling in the same run: RESP beside a
 * real redis-server (redis-benchmark -c 50), HTTP, gRPC and WebSocket beside the bare framework the
 * adapter is built on answering a constant (bench/bare-servers.ts: fastify, grpc-js, ws). 50
 * requests in flight throughout, one key with a 3-byte value (redis-benchmark's default size), both
 * stores at appendfsync everysec.
 */
const EDDY_PORT = 7394;
const REDIS_PORT = 7395;
const quick = process.argv.includes('--quick');
const SECONDS = quick ? 2 : 5;
const WARM_UP_SECONDS = quick ? 1 : 2;
const RESP_REQUESTS = quick ? 50_000 : 200_000;
const IN_FLIGHT = 50;
const KEY = 'bench:key';
const VALUE = 'xxx';

type Op = 'SET' | 'GET';
const OPS: readonly Op[] = ['SET', 'GET'];

interface Row {
  protocol: string;
  op: Op;
  target: 'eddy' | 'bare' | 'redis';
  result: LoadResult;
}

/** `seconds` of one op over one protocol against the server on `port`. */
type Load = (port: number, op: Op, seconds: number) => Promise<LoadResult>;

/** autocannon, one connection per request in flight. */
const overHttp: Load = (port, op, seconds) =>
  httpLoad(
    port,
    op === 'GET' ? { method: 'GET', path: `/get?key=${encodeURIComponent(KEY)}` } : { method: 'POST', path: '/set', body: { key: KEY, value: VALUE } },
    IN_FLIGHT,
    seconds,
  );

/** Every call in flight on one channel, as gRPC clients are meant to be used. */
const overGrpc: Load = async (port, op, seconds) => {
  const client = new EddyGrpcClient(port);
  const [method, request] = op === 'GET' ? ['Get', { key: Buffer.from(KEY) }] : ['Set', { key: Buffer.from(KEY), value: Buffer.from(VALUE) }];
  try {
    await client.call(method, request); // connects before the clock starts
    return await closedLoop(IN_FLIGHT, seconds, () => client.call(method, request));
  } finally {
    client.close();
  }
};

/** Every frame in flight on one connection, matched by id. */
const overWebSocket: Load = async (port, op, seconds) => {
  const client = await WebSocketCommandClient.connect(port);
  const cmd = op === 'GET' ? ['GET', KEY] : ['SET', KEY, VALUE];
  try {
    return await closedLoop(IN_FLIGHT, seconds, () => client.send(cmd));
  } finally {
    client.close();
  }
};

/**
 * Eddy and the bare server alternate op by op, so that machine noise falls on both alike. Every op
 * runs against both before anything is measured: V8 takes seconds of load to optimise the servers'
 * and the load generator's hot paths (grpc-js's client most of all), and the first op measured
 * would otherwise pay for it.
 */
async function againstBare(protocol: string, load: Load, eddyPort: number, bareKind: BareKind): Promise<Row[]> {
  const bare = await startBareServer(bareKind);
  const runs = OPS.flatMap((op) => [
    { op, target: 'eddy' as const, port: eddyPort },
    { op, target: 'bare' as const, port: bare.port },
  ]);
  const rows: Row[] = [];
  try {
    for (const { op, port } of runs) await load(port, op, WARM_UP_SECONDS);
    for (const { op, target, port } of runs) rows.push({ protocol, op, target, result: await load(port, op, SECONDS) });
  } finally {
    await bare.stop();
  }
  return rows;
}

/** redis-benchmark -t set,get -c 50 against Eddy, then against Redis. */
function respAgainstRedis(): Row[] {
  redisBenchmarkColumns(EDDY_PORT, 'set,get', 1, Math.min(RESP_REQUESTS, 50_000)); // warm-up
  const byTarget = [
    ['eddy', redisBenchmarkColumns(EDDY_PORT, 'set,get', 1, RESP_REQUESTS)],
    ['redis', redisBenchmarkColumns(REDIS_PORT, 'set,get', 1, RESP_REQUESTS)],
  ] as const;
  const rows: Row[] = [];
  for (const op of OPS)
    for (const [target, results] of byTarget) {
      const columns = results.get(op);
      if (columns === undefined) throw new Error(`redis-benchmark reported no ${op}`);
      rows.push({ protocol: 'RESP', op, target, result: { requestsPerSecond: columns.rps, p50Ms: columns.p50_latency_ms, p99Ms: columns.p99_latency_ms } });
    }
  return rows;
}

function printTable(rows: readonly Row[]): void {
  console.log('\n| protocol | op | target | req/s | p50 ms | p99 ms | eddy/bare |');
  console.log('|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const reference = rows.find((other) => other.protocol === row.protocol && other.op === row.op && other.target !== 'eddy');
    const eddyOverReference = row.target === 'eddy' && reference !== undefined ? ratio(row.result.requestsPerSecond, reference.result.requestsPerSecond) : '';
    const { requestsPerSecond, p50Ms, p99Ms } = row.result;
    console.log(`| ${row.protocol} | ${row.op} | ${row.target} | ${Math.round(requestsPerSecond)} | ${p50Ms.toFixed(3)} | ${p99Ms.toFixed(3)} | ${eddyOverReference} |`);
  }
  console.log('\nRESP has no bare framework: its eddy/bare is Eddy over redis-server. Target (HTTP, gRPC, WebSocket): at least 0.80.');
}

async function main(): Promise<void> {
  ensureRedisTools();
  console.log(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim());
  const eddy = await startEddy(EDDY_PORT, 'everysec', undefined, { protocols: true });
  const redis = await startRedis(REDIS_PORT, 'everysec');
  try {
    const ports = eddy.protocolPorts;
    if (ports === undefined) throw new Error('Eddy was started without its HTTP, gRPC and WebSocket ports');
    await pipelined(EDDY_PORT, 1, () => ['SET', KEY, VALUE]); // the GETs find the key, whichever protocol runs first
    const rows = [
      ...respAgainstRedis(),
      ...(await againstBare('HTTP', overHttp, ports.http, 'http')),
      ...(await againstBare('gRPC', overGrpc, ports.grpc, 'grpc')),
      ...(await againstBare('WebSocket', overWebSocket, ports.ws, 'ws')),
    ];
    printTable(rows);
  } finally {
    await eddy.stop();
    await redis.stop();
  }
}

await main();
