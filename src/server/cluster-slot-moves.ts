import type { Logger } from 'pino';
import type { ClusterMembership } from '../cluster/cluster-membership.js';
import type { SlotLayout } from '../cluster/slot-layout.js';
import type { ServerContext } from '../session/server-context.js';
import { slotOf } from '../shards/slot.js';
import { redirectTo } from '../session/cluster-redirect.js';

/**
 * Loose ends of CLUSTER MIGRATESLOTS, seen at each change of the layout:
 * - a move into this node that ended without giving it the slots (the source failed, or
 *   restarted): the keys it was sent are dropped, as they belong to a slot another node serves;
 *   so are any it holds in those slots when a move into it begins;
 * - a move out of this node that no running migration here stands behind (this node restarted
 *   during it): it is struck from the layout, and the slots stay here.
 * A replica does neither: its primary's log does it for it.
 */
export function tidySlotMoves(previous: SlotLayout, layout: SlotLayout, membership: ClusterMembership, context: ServerContext, logger: Logger): void {
  const self = membership.self.id;
  if (layout.primaries.has(self)) return;
  const store = context.store;
  type Move = SlotLayout['moving'][number];
  /** The moves into this node in `moves` that `others` does not have. */
  const intoSelfOnlyIn = (moves: readonly Move[], others: readonly Move[]) =>
    moves.filter((move) => move[3] === self && !others.some((other) => other.every((part, i) => part === move[i])));
  /** Drops this node's keys in the move's slots that it does not serve. */
  const dropUnserved = ([start, end, from]: Move, why: string) => {
    const dropped = store.transaction(() => store.dropSlotKeys(0, start, end, { now: Date.now(), events: undefined }, (slot) => layout.ownerOf(slot) === self));
    if (dropped > 0) logger.warn({ event: 'cluster-slot-migration', from, slots: `${start}-${end}`, dropped }, why);
  };
  for (const move of intoSelfOnlyIn(previous.moving, layout.moving)) dropUnserved(move, 'a slot migration into this node ended without a switch: dropped the keys it had sent');
  // A move into this node begins: keys it holds in those slots are leftovers (of a move that failed
  // while this node was down) that must not mix with the copy.
  for (const move of intoSelfOnlyIn(layout.moving, previous.moving)) dropUnserved(move, 'dropped leftover keys of slots this node does not serve before a migration into it');
  const stale = layout.moving.filter(([start, end, from]) => from === self && !membership.slotMigrations.running(start, end)).map(([start, end]) => [start, end] as const);
  if (stale.length > 0)
    void membership
      // Judged again on the layout being changed: a migration of the same range may have begun since.
      .changeLayout((current) =>
        current.withoutSlotsMoving(
          stale.filter(([start, end]) => !membership.slotMigrations.running(start, end)),
          self,
        ),
      )
      .then(() =>
        logger.warn({ event: 'cluster-slot-migration', slots: stale.map(([start, end]) => `${start}-${end}`) }, 'a slot migration from this node was not running: struck it'),
      )
      .catch((error: Error) => logger.warn({ event: 'cluster' }, `slot migration cleanup: ${error.message}`));
}

/**
 * Clients blocked (BLPOP, XREAD BLOCK, ...) on a key whose slot this node no longer serves (moved
 * away, or this node became a replica) are told where it went: -MOVED, as Redis does.
 */
export function redirectBlockedClients(membership: ClusterMembership, context: ServerContext): void {
  const self = membership.self.id;
  const layout = membership.layout;
  context.blocking.redirectAway((_db, key) => {
    const slot = slotOf(key);
    const owner = layout.ownerOf(slot);
    if (owner === self) return undefined;
    return redirectTo(membership, 'MOVED', slot, owner);
  });
}
