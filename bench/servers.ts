import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Starting and stopping the servers a benchmark compares: Eddy and a real redis-server, on loopback. */

const EDDY_ENTRY = resolve(import.meta.dirname, '../src/server/main.js');

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
  const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
  if (has('redis-server') && has('redis-benchmark')) return;
  if (process.getuid?.() !== 0) throw new Error('redis-server and redis-benchmark are needed: sudo apt-get install redis-server redis-tools');
  console.log('installing redis-server and redis-tools (Debian packages)...');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'redis-server', 'redis-tools'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
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

function stopper(child: ChildProcess, dir: string) {
  return async (keepData = false): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    if (!keepData) rmSync(dir, { recursive: true, force: true });
  };
}

/** Eddy and Redis started the same way, so that a benchmark can treat them alike. */
export type StartServer = (port: number, fsync: string, dir?: string) => Promise<BenchServer>;

export async function startEddy(port: number, fsync: string, dir = mkdtempSync(join(tmpdir(), 'bench-eddy-'))): Promise<BenchServer> {
  const child = spawn(process.execPath, [EDDY_ENTRY, '--port', String(port), '--dir', dir, '--appendfsync', fsync, '--loglevel', 'warning'], { stdio: 'ignore' });
  await waitForPing(port);
  return { name: 'eddy', port, dir, process: child, stop: stopper(child, dir) };
}

export async function startRedis(port: number, fsync: string, dir = mkdtempSync(join(tmpdir(), 'bench-redis-'))): Promise<BenchServer> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', fsync, '--save', '', '--auto-aof-rewrite-percentage', '0', '--daemonize', 'no', '--loglevel', 'warning'],
    { stdio: 'ignore' },
  );
  await waitForPing(port);
  return { name: 'redis', port, dir, process: child, stop: stopper(child, dir) };
}

/** Resident memory of a process, in bytes (Linux /proc). */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb * 1024;
}
