import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawRespClient } from './raw-resp-client.js';

/** A free loopback port: bound, read, released (redis-server has no `--port 0`). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });
}

/** A real redis-server (Debian's) on loopback, without persistence, in its own temporary directory. */
export class RedisServerProcess {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    readonly dir: string,
  ) {}

  /** `options`: more redis-server arguments (`--enable-debug-command yes`). */
  static async start(options: readonly string[] = []): Promise<RedisServerProcess> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'redis-reference-'));
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...options], { stdio: 'ignore' });
    const server = new RedisServerProcess(port, child, dir);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        // A later --bind in `options` wins over the loopback default, as in redis-server.
        const bind = options.lastIndexOf('--bind');
        const client = await RawRespClient.open(port, bind === -1 ? '127.0.0.1' : options[bind + 1]);
        await client.call('PING');
        client.close();
        return server;
      } catch (error) {
        if (Date.now() > deadline || child.exitCode !== null) {
          await server.stop();
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
