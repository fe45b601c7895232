import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ClusterMembership } from '../cluster/cluster-membership.js';
import type { Config } from '../config/config.js';

/** Where a node keeps its cluster id across restarts (Redis keeps it in nodes.conf). */
const NODE_ID_FILE = 'cluster-node-id';
/** The cluster a data directory has joined: it joins no other. */
const CLUSTER_ID_FILE = 'cluster-id';

/** A node's id: made once, 40 hex digits as Redis's, and kept in its data directory. */
function nodeIdOf(dir: string): string {
  const file = join(dir, NODE_ID_FILE);
  if (existsSync(file)) {
    const id = readFileSync(file, 'latin1').trim();
    if (!/^[0-9a-f]{40}$/.test(id)) throw new Error(`${file} does not hold a cluster node id (40 hex digits): remove it to make a new one`);
    return id;
  }
  const id = randomBytes(20).toString('hex');
  writeFileSync(file, `${id}\n`);
  return id;
}

/**
 * `cluster-enabled yes`: joins the cluster kept in etcd at `cluster-etcd-endpoints`, announcing
 * cluster-announce-ip (or the first bind address) and cluster-announce-port (or port); undefined
 * when the node is standalone.
 */
export async function joinClusterIfEnabled(config: Config, dir: string, logger: Logger): Promise<ClusterMembership | undefined> {
  if (config.get('cluster-enabled') !== 'yes') return undefined;
  const endpoints = config
    .get('cluster-etcd-endpoints')
    .split(',')
    .map((endpoint) => endpoint.trim())
    .filter((endpoint) => endpoint !== '');
  if (endpoints.length === 0) throw new Error('cluster-enabled yes needs cluster-etcd-endpoints (http://127.0.0.1:2379[,...]): the cluster configuration lives in etcd');
  const port = config.int('cluster-announce-port') || config.int('port');
  if (port === 0) throw new Error('cluster-enabled yes needs a port (or cluster-announce-port) other nodes and clients can be sent to');
  const host = config.get('cluster-announce-ip') || config.get('bind').split(' ')[0].replace(/^-/, '') || '127.0.0.1';
  const clusterIdFile = join(dir, CLUSTER_ID_FILE);
  const membership = await ClusterMembership.join({
    endpoints,
    prefix: config.get('cluster-etcd-prefix'),
    self: { id: nodeIdOf(dir), host, port },
    nodeTimeoutMs: config.int('cluster-node-timeout'),
    clusterId: existsSync(clusterIdFile) ? readFileSync(clusterIdFile, 'latin1').trim() : undefined,
    onInfo: (message, fields) => logger.info({ event: 'cluster', ...fields }, message),
    onError: (message) => logger.warn({ event: 'cluster' }, message),
  });
  if (!existsSync(clusterIdFile)) writeFileSync(clusterIdFile, `${membership.clusterId}\n`);
  return membership;
}
