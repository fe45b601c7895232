import type { ClusterMembership } from '../cluster/cluster-membership.js';
import { ErrorReply } from '../replies/reply.js';
import { keyPositions } from '../shards/router.js';
import { movableKeyPositions } from '../shards/movable-keys.js';
import { slotOf } from '../shards/slot.js';
import type { Client } from './client.js';
import { Flag, type CommandSpec } from './command-spec.js';

const CROSSSLOT = new ErrorReply("CROSSSLOT Keys in request don't hash to the same slot");
const UNBOUND = new ErrorReply('CLUSTERDOWN Hash slot not served');
const DOWN = new ErrorReply('CLUSTERDOWN The cluster is down');

/** The keys a command names (fixed positions, or found by its key finder: EVAL, ZUNION, XREAD, ...). */
function keysOf(spec: CommandSpec, args: readonly string[]): readonly number[] {
  if (spec.firstKey !== 0) return keyPositions(spec, args.length);
  if ((spec.flagBits & Flag.movablekeys) !== 0) return movableKeyPositions(spec.name, args) ?? [];
  return [];
}

/**
 * Redis Cluster's getNodeByQuery: a command whose keys are all in one slot runs here when this node
 * serves that slot; otherwise the client is told where to go (-MOVED), that the keys span slots
 * (-CROSSSLOT), or that the slot has no owner or the cluster is down (-CLUSTERDOWN). EXEC is judged
 * on every command it queued, as one request. Keyless commands always run here.
 */
export function clusterRedirect(cluster: ClusterMembership, client: Client, spec: CommandSpec, args: readonly string[]): ErrorReply | undefined {
  const requests: [CommandSpec, readonly string[]][] = spec.name === 'exec' && client.transaction !== null ? client.transaction.queue : [[spec, args]];
  let slot = -1;
  for (const [queued, queuedArgs] of requests)
    for (const position of keysOf(queued, queuedArgs)) {
      const keySlot = slotOf(queuedArgs[position]);
      if (slot !== -1 && keySlot !== slot) return CROSSSLOT;
      if (slot === -1 && cluster.layout.ownerOf(keySlot) === undefined) return UNBOUND;
      slot = keySlot;
    }
  if (slot === -1) return undefined;
  if (!cluster.healthy) return DOWN;
  const owner = cluster.layout.ownerOf(slot) as string;
  if (owner === cluster.self.id) return undefined;
  const node = cluster.nodes.get(owner);
  return node === undefined ? UNBOUND : new ErrorReply(`MOVED ${slot} ${node.host}:${node.port}`);
}
