import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackages } from '../../tools/debian-packages.js';
import { freePort } from './redis-server-process.js';

/** A real single-member etcd on loopback (Debian's etcd-server), in a scratch directory. */
export class EtcdProcess {
  private constructor(
    readonly endpoint: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(): Promise<EtcdProcess> {
    ensureDebianPackages({ etcd: 'etcd-server' });
    const [client, peer] = [await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), 'etcd-test-'));
    const endpoint = `http://127.0.0.1:${client}`;
    const peerUrl = `http://127.0.0.1:${peer}`;
    const child = spawn(
      'etcd',
      [
        '--name',
        'test',
        '--data-dir',
        dir,
        '--listen-client-urls',
        endpoint,
        '--advertise-client-urls',
        endpoint,
        '--listen-peer-urls',
        peerUrl,
        '--initial-advertise-peer-urls',
        peerUrl,
        '--initial-cluster',
        `test=${peerUrl}`,
      ],
      { stdio: 'ignore' },
    );
    const etcd = new EtcdProcess(endpoint, child, dir);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const healthy = await fetch(`${endpoint}/health`)
        .then(async (response) => (await response.json()) as { health?: string })
        .then((body) => body.health === 'true')
        .catch(() => false);
      if (healthy) return etcd;
      if (Date.now() > deadline || child.exitCode !== null) {
        await etcd.stop();
        throw new Error('etcd did not become healthy');
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
