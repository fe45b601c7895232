import type { ClusterMembership } from '../cluster/cluster-membership.js';
import { ErrorReply } from '../replies/reply.js';
import { commandKeyPositions } from '../shards/movable-keys.js';
import { slotOf } from '../shards/slot.js';
import type { Client } from './client.js';
import { Flag, type CommandSpec } from './command-spec.js';

const CROSSSLOT = new ErrorReply("CROSSSLOT Keys in request don't hash to the same slot");
const UNBOUND = new ErrorReply('CLUSTERDOWN Hash slot not served');
const DOWN = new ErrorReply('CLUSTERDOWN The cluster is down');

const TRYAGAIN = new ErrorReply('TRYAGAIN Multiple keys request during rehashing of slot');
const HANDING_OFF = new ErrorReply('TRYAGAIN a manual failover is moving this slot to a replica');

const MAY_WRITE = Flag.write | Flag.may_replicate;

/** The command's slot is being switched to another node (CLUSTER MIGRATESLOTS): it waits, then is dispatched again. */
export const HOLD = 'hold';

/**
 * Redis Cluster's getNodeByQuery: a command whose keys are all in one slot runs here when this node
 * serves that slot; otherwise the client is told where to go (-MOVED), that the keys span slots
 * (-CROSSSLOT), or that the slot has no owner or the cluster is down (-CLUSTERDOWN). While a slot
 * moves (CLUSTER SETSLOT), its owner still serves the keys it has and sends the others on with
 * -ASK; the importing node serves a command that follows ASKING (or is RESTORE-ASKING). EXEC is
 * judged on every command it queued, as one request. While CLUSTER MIGRATESLOTS copies slots, their
 * owner serves them all and the node they go to takes only the copy (sent after ASKING); in the
 * moment of the switch, the slots' commands wait (HOLD). Keyless commands always run here. A primary
 * that could not renew its etcd lease lately is fenced: its writes get -CLUSTERDOWN until it has
 * renewed it (reads are served from its last layout).
 */
export function clusterRedirect(cluster: ClusterMembership, client: Client, spec: CommandSpec, args: readonly string[], asking: boolean): ErrorReply | typeof HOLD | undefined {
  const requests: [CommandSpec, readonly string[]][] = spec.name === 'exec' && client.transaction !== null ? client.transaction.queue : [[spec, args]];
  const layout = cluster.layout;
  let slot = -1;
  let keys = 0;
  let missing = 0;
  for (const [queued, queuedArgs] of requests)
    for (const position of commandKeyPositions(queued, queuedArgs)) {
      const key = queuedArgs[position];
      const keySlot = slotOf(key);
      if (slot !== -1 && keySlot !== slot) return CROSSSLOT;
      if (slot === -1 && (layout.ownerOf(keySlot) === undefined || !layout.members.has(cluster.self.id))) return UNBOUND;
      slot = keySlot;
      keys++;
      // Only a slot on the move needs to know whether its keys are here yet.
      if (
        (layout.migrating.has(slot) || layout.importing.has(slot) || layout.movingOf(slot)?.to === cluster.self.id) &&
        client.server.store.lookup(client.db, key, client, false) === undefined
      )
        missing++;
    }
  // A keyless write (FLUSHALL, FLUSHDB) waits out a switch too: it would empty slots whose last state is being sent.
  if (slot === -1) return cluster.slotPause.active && requests.some(([queued]) => (queued.flagBits & MAY_WRITE) !== 0) ? HOLD : undefined;
  if (!cluster.healthy) return DOWN;
  const owner = layout.ownerOf(slot) as string;
  const self = cluster.self.id;
  const migratingTo = layout.migrating.get(slot);
  if (owner === self && migratingTo !== undefined && missing > 0) {
    if (keys > 1 && missing < keys) return TRYAGAIN;
    return redirectTo(cluster, 'ASK', slot, migratingTo);
  }
  const importing = layout.importing.get(slot)?.into === self || layout.movingOf(slot)?.to === self;
  if (importing && (asking || (spec.flagBits & Flag.asking) !== 0)) return keys > 1 && missing > 0 ? TRYAGAIN : undefined;
  if (owner === self) {
    // Fenced (etcd unreachable, or this node stopped a while): reads go on with the last layout, writes wait for a renewed lease.
    if (cluster.fenced && requests.some(([queued]) => (queued.flagBits & MAY_WRITE) !== 0)) return DOWN;
    if (cluster.slotPause.active && cluster.slotPause.holds(slot)) return HOLD;
    // Handing the slots over (CLUSTER FAILOVER): writes wait, retried by the client, until the replica has taken over.
    if (layout.document.handoff?.[0] === self && requests.some(([queued]) => (queued.flagBits & Flag.write) !== 0)) return HANDING_OFF;
    return undefined;
  }
  // READONLY on a replica of the slot's primary: reads are served here (Redis's CLIENT_READONLY).
  if (client.clusterReadonly && layout.primaries.get(self) === owner && requests.every(([queued]) => (queued.flagBits & Flag.readonly) !== 0)) return undefined;
  return redirectTo(cluster, 'MOVED', slot, owner);
}

/** -MOVED or -ASK to the node `id` (its address as registered), or -CLUSTERDOWN when no node serves the slot. */
export function redirectTo(cluster: ClusterMembership, kind: 'MOVED' | 'ASK', slot: number, id: string | undefined): ErrorReply {
  const node = id === undefined ? undefined : cluster.nodes.get(id);
  return node === undefined ? UNBOUND : new ErrorReply(`${kind} ${slot} ${node.host}:${node.port}`);
}
