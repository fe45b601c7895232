import { spawn } from 'node:child_process';
import { ensureDebianPackages } from './debian-packages.js';

/** A single-member etcd on loopback, as the local cluster and the cluster tests run it. */
export interface LocalEtcd {
  readonly endpoint: string;
  stop(): Promise<void>;
  /** Sends a signal (SIGSTOP and SIGCONT: etcd unreachable for a while). */
  signal(signal: NodeJS.Signals): void;
}

/**
 * Starts Debian's etcd (installed when missing) on 127.0.0.1 with its data in `dir`; resolves once
 * its /health answers, rejects when it exits first or stays unhealthy for 30 s.
 */
export async function startLocalEtcd(dir: string, clientPort: number, peerPort: number): Promise<LocalEtcd> {
  ensureDebianPackages({ etcd: 'etcd-server' });
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    'etcd',
    [
      '--name',
      'eddy',
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
      `eddy=${peerUrl}`,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const healthy = await fetch(`${endpoint}/health`)
      .then(async (response) => (await response.json()) as { health?: string })
      .then((body) => body.health === 'true')
      .catch(() => false);
    if (healthy) return { endpoint, stop, signal: (signal) => void child.kill(signal) };
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`etcd did not become healthy on ${endpoint}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
