import type { Logger } from 'pino';
import type { ClusterMembership } from '../cluster/cluster-membership.js';
import type { SlotLayout } from '../cluster/slot-layout.js';
import type { ServerContext } from '../session/server-context.js';
import { redirectBlockedClients, tidySlotMoves } from './cluster-slot-moves.js';

/**
 * How long the replicas of a failed primary wait, once each has offered its revision, before the
 * most up-to-date one takes over: long enough for every offer to reach etcd (a few ms on one
 * machine), short beside cluster-node-timeout.
 */
const ELECTION_WAIT_MS = 300;
/** How often a replica taking over (CLUSTER FAILOVER) looks whether it holds its primary's whole log. */
const HANDOFF_POLL_MS = 20;

/**
 * Keeps this node's role what the cluster layout says: a replica follows its primary (Eddy's log
 * replication), a node the layout no longer names a replica is promoted. When a replica's primary
 * has lost its lease, the replicas offer their revisions in etcd and the one with the highest
 * (then the lowest replica-priority, then the lowest id; 0 never stands) writes the failover into the layout by compare-and-swap: the layout's
 * revision check is what keeps two replicas from both taking the slots.
 */
export function followClusterRoles(membership: ClusterMembership, context: ServerContext, logger: Logger, nodeTimeoutMs: number): void {
  const self = membership.self.id;
  let electing: string | undefined;

  const elect = async (primary: string): Promise<void> => {
    // replica-priority 0: this replica is never promoted, as in Redis; it does not stand.
    const priority = context.config.int('replica-priority');
    if (priority === 0) return;
    await membership.offerRevision(context.store.log.lastRev, priority);
    await new Promise((resolve) => setTimeout(resolve, ELECTION_WAIT_MS));
    if (membership.alive.has(primary) || membership.layout.primaries.get(self) !== primary) return;
    const offered = await membership.offeredRevisions();
    const candidates = membership.layout.replicasOf(primary).filter((id) => membership.alive.has(id) && offered.has(id));
    const offer = (id: string) => offered.get(id) as { rev: number; priority: number };
    candidates.sort((a, b) => offer(b).rev - offer(a).rev || offer(a).priority - offer(b).priority || (a < b ? -1 : 1));
    if (candidates[0] !== self) return;
    await membership.changeLayout((layout) => (layout.primaries.get(self) === primary && !membership.alive.has(primary) ? layout.withFailover(self) : layout.document));
    logger.warn({ event: 'cluster-failover', failed: primary, revision: context.store.log.lastRev }, "took over a failed primary's slots");
  };

  let handingOff: number | undefined;
  let takingOver: number | undefined;

  /** The primary's side of a handoff: once every write it took is in its log, it says where the log ends. */
  const handOver = async (epoch: number): Promise<void> => {
    const store = context.store;
    // Writes let in before the handoff may still wait in a shard's queue: their records come first.
    while (!store.shards.every((shard) => shard.queue.free) || context.scripts.running !== undefined) await new Promise((resolve) => setTimeout(resolve, 1));
    const final = store.log.lastRev;
    await store.log.committed(final);
    await membership.announceFinalRevision(epoch, final);
    // A replica that died during the handoff cannot end it: after twice its time, the primary does.
    await new Promise((resolve) => setTimeout(resolve, 2 * nodeTimeoutMs));
    const stillHanding = (layout: SlotLayout) => layout.document.handoff?.[0] === self && layout.document.epoch === epoch;
    if (stillHanding(membership.layout)) {
      const to = membership.layout.document.handoff?.[1];
      await membership.changeLayout((current) => (stillHanding(current) ? current.withoutHandoff() : current.document));
      logger.warn({ event: 'cluster-failover', manual: true, to }, 'CLUSTER FAILOVER did not complete: taking writes again');
    }
  };

  /** The replica's side: it waits until it holds the primary's whole log, then takes the slots (or gives up after a node timeout). */
  const takeOver = async (primary: string, epoch: number): Promise<void> => {
    const deadline = Date.now() + nodeTimeoutMs;
    while (Date.now() < deadline) {
      const layout = membership.layout;
      if (layout.document.epoch !== epoch || layout.document.handoff?.[1] !== self) return;
      const final = await membership.finalRevisionOf(primary, epoch);
      if (final !== undefined && context.store.log.lastRev >= final) {
        await membership.changeLayout((current) => (current.document.handoff?.[1] === self && current.document.epoch === epoch ? current.withFailover(self) : current.document));
        logger.info({ event: 'cluster-failover', manual: true, from: primary, revision: final }, "took over the primary's slots (CLUSTER FAILOVER)");
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, HANDOFF_POLL_MS));
    }
    await membership.changeLayout((current) => (current.document.handoff?.[1] === self && current.document.epoch === epoch ? current.withoutHandoff() : current.document));
    logger.warn({ event: 'cluster-failover', manual: true, from: primary }, 'CLUSTER FAILOVER timed out: the primary keeps its slots');
  };

  let previous = membership.layout;
  const reconcile = (): void => {
    const layout = membership.layout;
    if (layout !== previous) {
      tidySlotMoves(previous, layout, membership, context, logger);
      redirectBlockedClients(membership, context);
    }
    previous = layout;
    const handoff = layout.document.handoff;
    const epoch = layout.document.epoch;
    if (handoff?.[0] === self && handingOff !== epoch) {
      handingOff = epoch;
      void handOver(epoch).catch((error: Error) => logger.warn({ event: 'cluster' }, `handoff: ${error.message}`));
    }
    if (handoff?.[1] === self && takingOver !== epoch) {
      takingOver = epoch;
      void takeOver(handoff[0], epoch).catch((error: Error) => logger.warn({ event: 'cluster' }, `manual failover: ${error.message}`));
    }
    const replication = context.replication;
    const primary = layout.primaries.get(self);
    if (primary === undefined) {
      if (replication.isReplica) void replication.promote().catch((error: Error) => logger.warn({ event: 'cluster' }, `promotion failed: ${error.message}`));
      return;
    }
    const node = membership.nodes.get(primary);
    const link = replication.link;
    if (node !== undefined && (link === undefined || link.host !== node.host || link.port !== node.port)) replication.follow(node.host, node.port);
    if (!membership.alive.has(primary) && electing !== primary) {
      electing = primary;
      void elect(primary)
        .catch((error: Error) => logger.warn({ event: 'cluster' }, `failover election: ${error.message}`))
        .finally(() => (electing = undefined));
    }
  };

  context.replication.resyncWhenDiverged = true;
  membership.onChange = reconcile;
  reconcile();
}
