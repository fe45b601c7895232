import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { EddyProcess } from './eddy-process.js';
import { freePort } from './redis-server-process.js';

/** Eddy cluster nodes of a test, and the plain connections it opened to them: all stopped at the end. */
export class ClusterNodes {
  readonly nodes: EddyProcess[] = [];
  readonly clients: Redis[] = [];

  /** A connection that fails fast (no retries): a test sees every refusal. */
  connect(port: number): Redis {
    const client = new Redis({ port, maxRetriesPerRequest: 1, retryStrategy: () => null });
    client.on('error', () => undefined);
    this.clients.push(client);
    return client;
  }

  /** A node of the cluster kept under `prefix` in the etcd at `endpoint`. */
  async start(endpoint: string, prefix: string, timeoutMs = 2000): Promise<EddyProcess> {
    const node = new EddyProcess(mkdtempSync(join(tmpdir(), 'eddy-cluster-')), [
      '--cluster-enabled',
      'yes',
      '--cluster-etcd-endpoints',
      endpoint,
      '--cluster-etcd-prefix',
      prefix,
      '--cluster-node-timeout',
      String(timeoutMs),
    ]);
    node.port = await freePort();
    await node.launch();
    this.nodes.push(node);
    return node;
  }

  /**
   * Three primaries under a new etcd prefix (and `replicas` followers of each after them), made a
   * cluster by `redis-cli --cluster create` (slots 0-5460, 5461-10922, 10923-16383 in that order);
   * resolves once the first node sees it up and every follower streams from its primary.
   */
  async created(endpoint: string, replicas = 0): Promise<{ prefix: string; nodes: EddyProcess[]; admins: Redis[]; ids: string[] }> {
    const prefix = `/eddy-test-${randomBytes(4).toString('hex')}/`;
    const nodes: EddyProcess[] = [];
    for (let i = 0; i < 3 * (1 + replicas); i++) nodes.push(await this.start(endpoint, prefix));
    const admins = nodes.map((node) => this.connect(node.port));
    const ids = await Promise.all(admins.map((admin) => admin.call('CLUSTER', 'MYID') as Promise<string>));
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    execFileSync('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'], { encoding: 'utf8' });
    await until('the cluster is up', async () => infoField(String(await admins[0].call('CLUSTER', 'INFO')), 'cluster_state') === 'ok');
    await until('every follower streams from its primary', async () => {
      for (const admin of admins.slice(3)) if (infoField(await admin.info('replication'), 'master_link_status') !== 'up') return false;
      return true;
    });
    return { prefix, nodes, admins, ids };
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.disconnect();
    await Promise.all(this.nodes.map((node) => node.stop()));
  }
}

/** A field of an INFO or CLUSTER INFO text. */
export const infoField = (info: string, field: string): string | undefined => new RegExp(`^${field}:(.*?)\r?$`, 'm').exec(info)?.[1];

/** Polls `check` until it holds, for at most 30 s. */
export async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
