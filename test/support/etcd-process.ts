import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalEtcd, type LocalEtcd } from '../../tools/local-etcd.js';
import { freePort } from './redis-server-process.js';

/** A real single-member etcd on loopback (Debian's etcd-server), in a scratch directory. */
export class EtcdProcess {
  private constructor(
    private readonly etcd: LocalEtcd,
    private readonly dir: string,
  ) {}

  get endpoint(): string {
    return this.etcd.endpoint;
  }

  static async start(): Promise<EtcdProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'etcd-test-'));
    return new EtcdProcess(await startLocalEtcd(dir, await freePort(), await freePort()), dir);
  }

  /** SIGSTOP, then SIGCONT: etcd unreachable for a while, its data kept. */
  signal(signal: NodeJS.Signals): void {
    this.etcd.signal(signal);
  }

  async stop(): Promise<void> {
    await this.etcd.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
