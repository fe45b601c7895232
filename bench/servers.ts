import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ensureDebianPackages } from '../tools/debian-packages.js';

/**
 * Starting and stopping the servers a benchmark compares: Eddy, a real redis-server, and the bare
 * framework servers of bench/bare-servers.ts, on loopback.
 */

const EDDY_ENTRY = resolve(import.meta.dirname, '../src/server/main.js');
const BARE_SERVERS_ENTRY = resolve(import.meta.dirname, 'bare-servers.js');

export interface BenchServer {
  readonly name: string;
  readonly port: number;
  readonly dir: string;
  readonly process: ChildProcess;
  /** Stops the server; `keepData` leaves its directory for a restart. */
  stop(keepData?: boolean): Promise<void>;
}

/** Makes sure redis-server and redis-benchmark are installed (Debian packages), installing them when root. */
export function ensureRedisTools(): void {
  ensureDebianPackages({ 'redis-server': 'redis-server', 'redis-benchmark': 'redis-tools' });
}

export async function waitForPing(port: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('error', () => done(false));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        done(data.toString().startsWith('+PONG'));
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`no PONG on port ${port}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function stopper(child: ChildProcess, dir?: string) {
  return async (keepData = false): Promise<void> => {
    // A child killed by a signal (a benchmark's SIGKILL) has no exit code, and its exit has been.
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    if (!keepData && dir !== undefined) rmSync(dir, { recursive: true, force: true });
  };
}

/**
 * Reads a child's stdout line by line until `pick` returns a value for one. Reading goes on after
 * that, so that the child never blocks on a full pipe.
 */
function waitForLine<T>(child: ChildProcess, pick: (line: string) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    if (child.stdout === null) throw new Error("the child's stdout is not piped");
    let found = false;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (found) return;
      try {
        const value = pick(line);
        if (value === undefined) return;
        found = true;
        resolve(value);
      } catch (error) {
        found = true;
        child.kill();
        reject(error);
      }
    });
    child.once('exit', (code) => {
      if (!found) reject(new Error(`${child.spawnfile} exited (${code}) before it was ready`));
    });
  });
}

/** Eddy and Redis started the same way, so that a benchmark can treat them alike. */
export type StartServer = (port: number, fsync: string, dir?: string) => Promise<BenchServer>;

/** The ports of Eddy's HTTP, gRPC and WebSocket listeners. */
export interface ProtocolPorts {
  readonly http: number;
  readonly grpc: number;
  readonly ws: number;
}

export interface EddyServer extends BenchServer {
  /** Set when Eddy was started with `protocols`. */
  readonly protocolPorts: ProtocolPorts | undefined;
}

export interface EddyOptions {
  /** Also listen for HTTP, gRPC and WebSocket, each on a port the system picks. */
  readonly protocols?: boolean;
  /** More options (`--replicaof`, ...). */
  readonly args?: readonly string[];
}

export async function startEddy(port: number, fsync: string, dir = mkdtempSync(join(tmpdir(), 'bench-eddy-')), options: EddyOptions = {}): Promise<EddyServer> {
  // No checkpoints unless a benchmark asks (SAVE): Redis runs with `--save ''` too.
  const args = [EDDY_ENTRY, '--port', String(port), '--dir', dir, '--appendfsync', fsync, '--save', '', ...(options.args ?? [])];
  if (options.protocols !== true) {
    const child = spawn(process.execPath, [...args, '--loglevel', 'warning'], { stdio: 'ignore' });
    await waitForPing(port);
    return { name: 'eddy', port, dir, process: child, stop: stopper(child, dir), protocolPorts: undefined };
  }
  // Ports 0 are only known from the ready line, which Eddy logs at notice level (pino JSON).
  const child = spawn(process.execPath, [...args, '--http-port', '0', '--grpc-port', '0', '--ws-port', '0', '--loglevel', 'notice'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const protocolPorts = await waitForLine(child, protocolPortsOfReadyLine);
  return { name: 'eddy', port, dir, process: child, stop: stopper(child, dir), protocolPorts };
}

function protocolPortsOfReadyLine(line: string): ProtocolPorts | undefined {
  let entry: { msg?: string; httpPort?: number; grpcPort?: number; wsPort?: number };
  try {
    entry = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (entry.msg !== 'ready to accept connections') return undefined;
  if (entry.httpPort === undefined || entry.grpcPort === undefined || entry.wsPort === undefined) throw new Error(`ports missing from the ready line: ${line}`);
  return { http: entry.httpPort, grpc: entry.grpcPort, ws: entry.wsPort };
}

export async function startRedis(port: number, fsync: string, dir = mkdtempSync(join(tmpdir(), 'bench-redis-')), extraArgs: readonly string[] = []): Promise<BenchServer> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      fsync,
      '--save',
      '',
      '--auto-aof-rewrite-percentage',
      '0',
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
      ...extraArgs,
    ],
    { stdio: 'ignore' },
  );
  await waitForPing(port);
  return { name: 'redis', port, dir, process: child, stop: stopper(child, dir) };
}

/** The frameworks Eddy's protocols are built on, each serving constants (bench/bare-servers.ts). */
export type BareKind = 'http' | 'grpc' | 'ws';

export interface BareServer {
  readonly kind: BareKind;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts a bare framework server in its own process, as Eddy is, so neither shares the load generator's CPU. */
export async function startBareServer(kind: BareKind): Promise<BareServer> {
  const child = spawn(process.execPath, [BARE_SERVERS_ENTRY, kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await waitForLine(child, (line) => (/^\d+$/.test(line) ? Number(line) : undefined));
  return { kind, port, stop: stopper(child) };
}

/** Resident memory of a process, in bytes (Linux /proc). */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb * 1024;
}
