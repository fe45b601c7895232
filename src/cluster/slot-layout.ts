import { SLOTS } from '../shards/slot.js';

/**
 * Which node serves which hash slot: the cluster's layout as etcd holds it (one document, changed
 * only by compare-and-swap on its revision), and the lookups a node makes from it. Pure: no etcd,
 * no sockets.
 */

/** A node as the cluster knows it: its 40-hex id and the address clients reach it at. */
export interface ClusterNodeAddress {
  readonly id: string;
  readonly host: string;
  readonly port: number;
}

/**
 * The layout document: the epoch it was written at, slot ranges (inclusive) with their owner, and
 * the slots being moved (CLUSTER SETSLOT): migrating from their owner to a node, importing into a
 * node from their owner.
 */
export interface SlotLayoutDocument {
  readonly epoch: number;
  /**
   * The nodes that have joined (CLUSTER MEET, or taking slots): only they know each other. A node
   * registered in etcd but not met knows itself alone, as a fresh Redis node does, so that
   * `redis-cli --cluster create` finds it empty.
   */
  readonly members?: readonly string[];
  /** Which node follows which: [replica, primary] (CLUSTER REPLICATE); a failover turns a pair around. */
  readonly replicas?: readonly (readonly [replica: string, primary: string])[];
  /**
   * A manual failover in progress (CLUSTER FAILOVER on a replica): the primary stops taking writes
   * and says where its log ends; the replica takes over once it holds all of it.
   */
  readonly handoff?: readonly [primary: string, replica: string];
  readonly ranges: readonly (readonly [start: number, end: number, owner: string])[];
  readonly migrating?: readonly (readonly [slot: number, to: string])[];
  readonly importing?: readonly (readonly [slot: number, from: string, into: string])[];
  /**
   * Slot ranges being copied by the log (CLUSTER MIGRATESLOTS): their owner serves them all until
   * the switch, and the node they go to takes the copy (RESTORE-ASKING, or a command after ASKING).
   */
  readonly moving?: readonly (readonly [start: number, end: number, from: string, to: string])[];
}

export const EMPTY_LAYOUT: SlotLayoutDocument = { epoch: 0, ranges: [] };

/** A layout change refused, with Redis's text (the command answers it as an error). */
export class SlotLayoutError extends Error {}

export class SlotLayout {
  /** Owner id per slot; undefined for a slot no node serves. */
  private readonly owners: (string | undefined)[] = new Array(SLOTS).fill(undefined);

  /** Slots migrating away from their owner, to the node named (SETSLOT MIGRATING). */
  readonly migrating: ReadonlyMap<number, string>;
  /** Slots a node is importing from their owner (SETSLOT IMPORTING on that node). */
  readonly importing: ReadonlyMap<number, { readonly from: string; readonly into: string }>;

  /** The nodes that have joined the cluster (see SlotLayoutDocument.members); a slot's owner always has. */
  readonly members: ReadonlySet<string>;

  /** Each replica's primary. */
  readonly primaries: ReadonlyMap<string, string>;

  /** The slot ranges on the move by the log (see SlotLayoutDocument.moving). */
  readonly moving: readonly (readonly [start: number, end: number, from: string, to: string])[];

  constructor(readonly document: SlotLayoutDocument) {
    this.primaries = new Map(document.replicas ?? []);
    for (const [start, end, owner] of document.ranges) for (let slot = start; slot <= end; slot++) this.owners[slot] = owner;
    this.members = new Set([...(document.members ?? []), ...document.ranges.map(([, , owner]) => owner)]);
    this.migrating = new Map(document.migrating ?? []);
    this.importing = new Map((document.importing ?? []).map(([slot, from, into]) => [slot, { from, into }]));
    this.moving = document.moving ?? [];
  }

  /** The move by the log that `slot` is in, if any. */
  movingOf(slot: number): { readonly from: string; readonly to: string } | undefined {
    for (const [start, end, from, to] of this.moving) if (slot >= start && slot <= end) return { from, to };
    return undefined;
  }

  /**
   * CLUSTER MIGRATESLOTS begins: `from` owns every slot of the ranges, none of them is moving in
   * any way, and `to` is a primary member other than `from`.
   */
  withSlotsMoving(ranges: readonly (readonly [number, number])[], from: string, to: string): SlotLayoutDocument {
    if (to === from) throw new SlotLayoutError('Target node can not be this node');
    if (!this.members.has(to) || this.primaries.has(to)) throw new SlotLayoutError(`Target node ${to} is not a known primary`);
    for (const [start, end] of ranges)
      for (let slot = start; slot <= end; slot++) {
        if (this.owners[slot] !== from) throw new SlotLayoutError(`I'm not the owner of hash slot ${slot}`);
        if (this.migrating.has(slot) || this.importing.has(slot) || this.movingOf(slot) !== undefined) throw new SlotLayoutError(`Slot ${slot} is already being migrated`);
      }
    return { ...this.document, moving: [...this.moving, ...ranges.map(([start, end]) => [start, end, from, to] as const)] };
  }

  /** A move by the log that ended without a switch (failed, or its node restarted): its slots stay where they are. */
  withoutSlotsMoving(ranges: readonly (readonly [number, number])[], from: string): SlotLayoutDocument {
    const moving = this.moving.filter(([start, end, mover]) => !(mover === from && ranges.some(([s, e]) => s === start && e === end)));
    return moving.length === this.moving.length ? this.document : { ...this.document, moving };
  }

  /**
   * The switch at the end of CLUSTER MIGRATESLOTS: the ranges are `to`'s from now on, at a new
   * epoch, and no longer moving. Already so (a write whose reply was lost, retried): nothing to do.
   * Refused when the move was struck, the slots changed hands, or the target is no primary now.
   */
  withSlotsMoved(ranges: readonly (readonly [number, number])[], from: string, to: string): SlotLayoutDocument {
    if (ranges.every(([start, end]) => this.owners.slice(start, end + 1).every((owner) => owner === to) && this.movingOf(start) === undefined)) return this.document;
    if (!this.members.has(to) || this.primaries.has(to)) throw new SlotLayoutError(`Target node ${to} is not a primary any more`);
    const owners = [...this.owners];
    for (const [start, end] of ranges)
      for (let slot = start; slot <= end; slot++) {
        if (this.movingOf(slot)?.to !== to) throw new SlotLayoutError(`Slot ${slot} is not moving to ${to} any more`);
        if (this.owners[slot] !== from) throw new SlotLayoutError(`Slot ${slot} is not served by ${from} any more`);
        owners[slot] = to;
      }
    const rest = new SlotLayout(this.withoutSlotsMoving(ranges, from));
    return { ...rest.document, ...documentOf(owners, this.document.epoch + 1), members: [...this.members], moving: rest.moving };
  }

  ownerOf(slot: number): string | undefined {
    return this.owners[slot];
  }

  /** How many slots have an owner. */
  assigned(): number {
    let count = 0;
    for (const owner of this.owners) if (owner !== undefined) count++;
    return count;
  }

  /** A node's slots as inclusive ranges, in slot order. */
  rangesOf(id: string): [number, number][] {
    const ranges: [number, number][] = [];
    for (let slot = 0; slot < SLOTS; slot++) {
      if (this.owners[slot] !== id) continue;
      const last = ranges.at(-1);
      if (last !== undefined && last[1] === slot - 1) last[1] = slot;
      else ranges.push([slot, slot]);
    }
    return ranges;
  }

  /** The ids of the nodes that serve at least one slot, in slot order of their first one. */
  owningNodes(): string[] {
    return [...new Set(this.owners.filter((owner): owner is string => owner !== undefined))];
  }

  /** CLUSTER ADDSLOTS: every slot unassigned and named once, checked in Redis's order before any is taken. */
  withAdded(id: string, slots: readonly number[]): SlotLayoutDocument {
    return { ...this.changed(slots, id), members: [...new Set([...this.members, id])] };
  }

  /** The replicas of `primary`, in the order they were set. */
  replicasOf(primary: string): string[] {
    return [...this.primaries].filter(([, of]) => of === primary).map(([replica]) => replica);
  }

  /** CLUSTER REPLICATE: `replica` follows `primary` from now on. */
  withReplica(replica: string, primary: string): SlotLayoutDocument {
    const replicas = new Map(this.primaries);
    replicas.set(replica, primary);
    return { ...this.document, members: [...new Set([...this.members, replica, primary])], replicas: [...replicas] };
  }

  /**
   * A failover: `replica` takes its primary's slots at a new epoch, and the old primary and the
   * primary's other replicas follow it from now on (the old one when it comes back), as in Redis.
   */
  withFailover(replica: string): SlotLayoutDocument {
    const primary = this.primaries.get(replica);
    if (primary === undefined) throw new SlotLayoutError('You should send CLUSTER FAILOVER to a replica');
    const owners = this.owners.map((owner) => (owner === primary ? replica : owner));
    const replicas = new Map<string, string>();
    for (const [node, of] of this.primaries) if (node !== replica) replicas.set(node, of === primary ? replica : of);
    replicas.set(primary, replica);
    // A move by the log from the failed primary ends with it: the copy was its work.
    const moving = this.moving.filter(([, , from]) => from !== primary);
    return { ...this.document, ...documentOf(owners, this.document.epoch + 1), replicas: [...replicas], handoff: undefined, moving };
  }

  /** CLUSTER FAILOVER (without FORCE): `replica`'s primary is to hand its slots over, losing nothing. */
  withHandoff(replica: string): SlotLayoutDocument {
    const primary = this.primaries.get(replica);
    if (primary === undefined) throw new SlotLayoutError('You should send CLUSTER FAILOVER to a replica');
    return { ...this.document, epoch: this.document.epoch + 1, handoff: [primary, replica] };
  }

  /** A manual failover that did not complete in time: the primary takes writes again. */
  withoutHandoff(): SlotLayoutDocument {
    return { ...this.document, handoff: undefined };
  }

  /** CLUSTER MEET: the nodes named have joined (and know every other member from now on). */
  withMembers(ids: readonly string[]): SlotLayoutDocument {
    return { ...this.document, members: [...new Set([...this.members, ...ids])] };
  }

  /** CLUSTER FORGET: the node leaves the members (and follows no one); a node still serving slots is refused. */
  withoutMember(id: string): SlotLayoutDocument {
    if (this.owners.includes(id)) throw new SlotLayoutError(`Node ${id} still serves slots: move them away first`);
    return this.left(id);
  }

  /** CLUSTER RESET on `id`: it leaves the cluster, its slots unassigned. */
  withReset(id: string): SlotLayoutDocument {
    const owners = this.owners.map((owner) => (owner === id ? undefined : owner));
    return { ...this.left(id), ...documentOf(owners, this.document.epoch + 1) };
  }

  /** CLUSTER BUMPEPOCH: the same layout at a new epoch. */
  withNewEpoch(): SlotLayoutDocument {
    return { ...this.document, epoch: this.document.epoch + 1 };
  }

  private left(id: string): SlotLayoutDocument {
    const members = [...this.members].filter((member) => member !== id);
    const replicas = [...this.primaries].filter(([replica, primary]) => replica !== id && primary !== id);
    return { ...this.document, members, replicas };
  }

  /** CLUSTER DELSLOTS: every slot assigned and named once. */
  withRemoved(slots: readonly number[]): SlotLayoutDocument {
    return this.changed(slots, undefined);
  }

  /** SETSLOT MIGRATING / IMPORTING / STABLE: a slot's move in progress noted, or forgotten. */
  withMove(slot: number, move: { migratingTo?: string; importing?: { from: string; into: string } }): SlotLayoutDocument {
    const migrating = new Map(this.migrating);
    const importing = new Map(this.importing);
    if (move.migratingTo !== undefined) migrating.set(slot, move.migratingTo);
    if (move.importing !== undefined) importing.set(slot, move.importing);
    if (move.migratingTo === undefined && move.importing === undefined) {
      migrating.delete(slot);
      importing.delete(slot);
    }
    return { ...this.document, migrating: [...migrating], importing: importingList(importing) };
  }

  /** SETSLOT NODE: the slot is `owner`'s from now on, at a new epoch; its move, if any, is over. */
  withOwner(slot: number, owner: string): SlotLayoutDocument {
    const owners = [...this.owners];
    owners[slot] = owner;
    const migrating = [...this.migrating].filter(([moving]) => moving !== slot);
    const importing = new Map(this.importing);
    importing.delete(slot);
    return { ...this.document, ...documentOf(owners, this.document.epoch + 1), members: [...new Set([...this.members, owner])], migrating, importing: importingList(importing) };
  }

  private changed(slots: readonly number[], owner: string | undefined): SlotLayoutDocument {
    const owners = [...this.owners];
    const named = new Set<number>();
    for (const slot of slots) {
      if (owner === undefined && this.owners[slot] === undefined) throw new SlotLayoutError(`Slot ${slot} is already unassigned`);
      if (owner !== undefined && this.owners[slot] !== undefined) throw new SlotLayoutError(`Slot ${slot} is already busy`);
      if (named.has(slot)) throw new SlotLayoutError(`Slot ${slot} specified multiple times`);
      named.add(slot);
      owners[slot] = owner;
    }
    return { ...this.document, ...documentOf(owners, this.document.epoch + 1), members: [...this.members] };
  }
}

function importingList(importing: ReadonlyMap<number, { from: string; into: string }>): [number, string, string][] {
  return [...importing].map(([slot, { from, into }]) => [slot, from, into]);
}

function documentOf(owners: readonly (string | undefined)[], epoch: number): SlotLayoutDocument {
  const ranges: [number, number, string][] = [];
  for (let slot = 0; slot < SLOTS; slot++) {
    const owner = owners[slot];
    if (owner === undefined) continue;
    const last = ranges.at(-1);
    if (last !== undefined && last[2] === owner && last[1] === slot - 1) last[1] = slot;
    else ranges.push([slot, slot, owner]);
  }
  return { epoch, ranges };
}

/** `[start, end, ...ids]`: an inclusive slot range followed by `ids` node ids (a range's owner; a move's source and target). */
function isRangeWithIds(value: unknown, ids: number): boolean {
  if (!Array.isArray(value) || value.length !== 2 + ids) return false;
  const [start, end, ...rest] = value as unknown[];
  return (
    Number.isInteger(start) &&
    Number.isInteger(end) &&
    (start as number) >= 0 &&
    (start as number) <= (end as number) &&
    (end as number) < SLOTS &&
    rest.every((id) => typeof id === 'string')
  );
}

/** A layout document read from etcd: anything not of its shape is refused rather than half-applied. */
export function parseLayoutDocument(text: string): SlotLayoutDocument {
  const value = JSON.parse(text) as unknown;
  const shaped =
    typeof value === 'object' &&
    value !== null &&
    Number.isSafeInteger((value as SlotLayoutDocument).epoch) &&
    Array.isArray((value as SlotLayoutDocument).ranges) &&
    (value as SlotLayoutDocument).ranges.every((range) => isRangeWithIds(range, 1));
  const moves = (list: unknown) =>
    list === undefined ||
    (Array.isArray(list) &&
      list.every((move) => Array.isArray(move) && move.length === 2 && Number.isInteger(move[0]) && move[0] >= 0 && move[0] < SLOTS && typeof move[1] === 'string'));
  const imports = (list: unknown) =>
    list === undefined ||
    (Array.isArray(list) &&
      list.every(
        (move) =>
          Array.isArray(move) && move.length === 3 && Number.isInteger(move[0]) && move[0] >= 0 && move[0] < SLOTS && typeof move[1] === 'string' && typeof move[2] === 'string',
      ));
  const members = (value as SlotLayoutDocument).members;
  const membersShaped = members === undefined || (Array.isArray(members) && members.every((id) => typeof id === 'string'));
  const pairs = (value as SlotLayoutDocument).replicas;
  const pairsShaped =
    pairs === undefined || (Array.isArray(pairs) && pairs.every((pair) => Array.isArray(pair) && pair.length === 2 && pair.every((id) => typeof id === 'string')));
  const moving = (value as SlotLayoutDocument).moving;
  const movingShaped = moving === undefined || (Array.isArray(moving) && moving.every((move) => isRangeWithIds(move, 2)));
  const handoff = (value as SlotLayoutDocument).handoff;
  const handoffShaped = handoff === undefined || (Array.isArray(handoff) && handoff.length === 2 && handoff.every((id) => typeof id === 'string'));
  if (
    !shaped ||
    !movingShaped ||
    !membersShaped ||
    !pairsShaped ||
    !handoffShaped ||
    !moves((value as SlotLayoutDocument).migrating) ||
    !imports((value as SlotLayoutDocument).importing)
  )
    throw new Error('the cluster layout in etcd is not a layout document');
  return value as SlotLayoutDocument;
}
