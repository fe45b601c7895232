import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';

/** Load generators shared by the benchmarks. */

/** Encodes one command as a RESP multibulk. */
export function resp(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

/** The command that makes key number `i` of a mixed dataset: strings, small hashes, lists and sorted sets in turn. */
export function mixedKey(i: number): string[] {
  switch (i % 4) {
    case 0:
      return ['SET', `key:${i}`, `value-${i}`];
    case 1:
      return ['HSET', `key:${i}`, 'a', String(i), 'b', 'bee'];
    case 2:
      return ['RPUSH', `key:${i}`, 'one', 'two', String(i)];
    default:
      return ['ZADD', `key:${i}`, '1', 'one', String(i), 'two'];
  }
}

/**
 * Sends `count` commands made by `command(i)` over one connection, `batch` at a time (each batch
 * waits for its replies); returns the seconds taken. Replies are counted, not parsed: every command
 * given here must answer with exactly one line (status, integer or error) or a bulk/array whose
 * line count `linesPerReply` states.
 */
export async function pipelined(port: number, count: number, command: (i: number) => string[], linesPerReply = 1, batch = 10_000): Promise<number> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let pendingLines = 0;
  let drained: (() => void) | undefined;
  socket.on('data', (data: Buffer) => {
    for (const byte of data) if (byte === 10) pendingLines--;
    if (pendingLines <= 0) drained?.();
  });
  const started = performance.now();
  for (let start = 0; start < count; start += batch) {
    let request = '';
    const end = Math.min(start + batch, count);
    for (let i = start; i < end; i++) request += resp(command(i));
    pendingLines += (end - start) * linesPerReply;
    const done = new Promise<void>((resolve) => (drained = resolve));
    socket.write(request);
    await done;
  }
  const seconds = (performance.now() - started) / 1000;
  socket.destroy();
  return seconds;
}

/** Runs redis-benchmark in CSV mode; returns requests/s per test name. */
export function redisBenchmark(port: number, tests: string, pipeline: number, requests: number, extra: string[] = [], core?: number): Map<string, number> {
  const results = new Map<string, number>();
  for (const [test, columns] of redisBenchmarkColumns(port, tests, pipeline, requests, extra, core)) results.set(test, columns.rps);
  return results;
}

/** Runs redis-benchmark in CSV mode; returns every column (`rps`, `p50_latency_ms`, `p99_latency_ms`, ...) per test name. */
/** `core`: run redis-benchmark on that core only (taskset), the server being pinned to the other (pinToCore). */
export function redisBenchmarkColumns(port: number, tests: string, pipeline: number, requests: number, extra: string[] = [], core?: number): Map<string, Record<string, number>> {
  const args = ['-p', String(port), '-t', tests, '-c', '50', '-n', String(requests), '-P', String(pipeline), '--csv', ...extra];
  const csv =
    core === undefined
      ? execFileSync('redis-benchmark', args, { encoding: 'utf8' })
      : execFileSync('taskset', ['-c', String(core), 'redis-benchmark', ...args], { encoding: 'utf8' });
  const rows = csv
    .trim()
    .split('\n')
    .map((line) => line.split(',').map((cell) => cell.replace(/"/g, '')));
  // With --cluster, redis-benchmark first lists the primaries it found: the CSV starts at its header.
  const [header, ...lines] = rows.slice(
    Math.max(
      0,
      rows.findIndex((row) => row[0] === 'test'),
    ),
  );
  const results = new Map<string, Record<string, number>>();
  for (const [test, ...cells] of lines) results.set(test, Object.fromEntries(cells.map((cell, i) => [header[i + 1], Number(cell)])));
  return results;
}

/** Pins a running process and all its threads (libuv's pool too) to one core: less run-to-run spread on two cores. */
export function pinToCore(pid: number, core: number): void {
  execFileSync('taskset', ['-apc', String(core), String(pid)], { stdio: 'ignore' });
}

export function ratio(a: number, b: number): string {
  return (a / b).toFixed(2);
}

/** redis-benchmark of one given command (`__rand_int__` is replaced per request by one of `keyspace` numbers): its rps and latencies. */
export function redisBenchmarkCommand(port: number, command: readonly string[], pipeline: number, requests: number, clients = 50, keyspace = 100_000): Record<string, number> {
  const csv = execFileSync(
    'redis-benchmark',
    ['-p', String(port), '-c', String(clients), '-n', String(requests), '-P', String(pipeline), '-r', String(keyspace), '--csv', ...command],
    {
      encoding: 'utf8',
    },
  );
  const [header, line] = csv
    .trim()
    .split('\n')
    .map((row) => row.split(',').map((cell) => cell.replace(/"/g, '')));
  return Object.fromEntries(line.slice(1).map((cell, i) => [header[i + 1], Number(cell)]));
}
