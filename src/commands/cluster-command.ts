import type { ClusterMembership } from '../cluster/cluster-membership.js';
import { SlotLayoutError, type ClusterNodeAddress } from '../cluster/slot-layout.js';
import { PendingReply } from '../replies/pending-reply.js';
import { ErrorReply, MapReply, OK, StatusReply, VerbatimReply, helpReply, type Reply } from '../replies/reply.js';
import { SYNTAX_ERROR, wrongArity } from '../replies/errors.js';
import { runSlotMigration } from './slot-migration.js';
import type { Client } from '../session/client.js';
import { SLOTS, slotOf } from '../shards/slot.js';
import { parseInt64 } from '../formats/number-parsing.js';

/**
 * CLUSTER (Redis 7.0's cluster.c) over a configuration kept in etcd: the read subcommands answer
 * from this node's copy of it, in Redis's formats; ADDSLOTS and DELSLOTS write the layout to etcd
 * by compare-and-swap, and the reply waits for etcd. MEET makes two registered nodes members of
 * the cluster (only members know each other), SETSLOT notes a slot's move.
 */

const DISABLED = new ErrorReply('ERR This instance has cluster support disabled');
const INVALID_SLOT = new ErrorReply('ERR Invalid or out of range slot');

export function cluster(client: Client, args: string[]): Reply | PendingReply {
  const membership = client.server.cluster;
  if (membership === undefined) return DISABLED;
  switch (args[1].toUpperCase()) {
    case 'INFO':
      return new VerbatimReply(info(membership));
    case 'MYID':
      return membership.self.id;
    case 'NODES':
      return new VerbatimReply(nodesText(membership));
    case 'SLOTS':
      return slots(membership);
    case 'SHARDS':
      return shards(membership);
    case 'KEYSLOT':
      return slotOf(args[2]);
    case 'COUNTKEYSINSLOT':
      return countKeysInSlot(client, args[2]);
    case 'GETKEYSINSLOT':
      return getKeysInSlot(client, args[2], args[3]);
    case 'ADDSLOTS':
    case 'DELSLOTS':
      return changeSlots(membership, args[1].toUpperCase() === 'ADDSLOTS', slotArguments(args.slice(2)));
    case 'ADDSLOTSRANGE':
    case 'DELSLOTSRANGE':
      return changeSlots(membership, args[1].toUpperCase() === 'ADDSLOTSRANGE', slotRanges(args));
    case 'MEET':
      return meet(membership, args);
    case 'SETSLOT':
      return setSlot(client, membership, args);
    case 'REPLICATE':
      return replicate(client, membership, args[2]);
    case 'FAILOVER':
      return failover(membership, args);
    case 'REPLICAS':
      return replicas(membership, args[2]);
    case 'SET-CONFIG-EPOCH':
      return parseInt64(args[2]) === null ? new ErrorReply('ERR value is not an integer or out of range') : OK;
    case 'MIGRATESLOTS':
      return migrateSlots(client, membership, args);
    case 'GETSLOTMIGRATIONS':
      return slotMigrations(membership);
    case 'FORGET':
      return forget(membership, args[2]);
    case 'RESET':
      return reset(client, membership, args);
    case 'BUMPEPOCH':
      return bumpEpoch(membership);
    case 'SAVECONFIG':
      // The configuration is in etcd, written by every change: nothing is left to save.
      return OK;
    case 'LINKS':
      return links(membership);
    case 'COUNT-FAILURE-REPORTS':
      // Liveness is an etcd lease, not failure reports gossiped between nodes: there are none to count.
      return knows(membership, args[2]) ? 0 : new ErrorReply(`ERR Unknown node ${args[2]}`);
    case 'MYSHARDID':
      return membership.layout.primaries.get(membership.self.id) ?? membership.self.id;
    default:
      return helpReply('CLUSTER', [
        'ADDSLOTS <slot> [<slot> ...]',
        '    Assign slots to current node.',
        'ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
        '    Assign slots which are between <start-slot> and <end-slot> to current node.',
        'BUMPEPOCH',
        '    Advance the cluster config epoch.',
        'COUNT-FAILURE-REPORTS <node-id>',
        '    Return number of failure reports for <node-id> (always 0: liveness is an etcd lease).',
        'COUNTKEYSINSLOT <slot>',
        '    Return the number of keys in <slot>.',
        'DELSLOTS <slot> [<slot> ...]',
        '    Delete slots information from current node.',
        'DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
        '    Delete slots information which are between <start-slot> and <end-slot> from current node.',
        'FORGET <node-id>',
        '    Remove a node from the cluster.',
        'GETKEYSINSLOT <slot> <count>',
        '    Return key names stored by current node in a slot.',
        'GETSLOTMIGRATIONS',
        '    Return the slot migrations (MIGRATESLOTS) of this node, running and recently over.',
        'INFO',
        '    Return information about the cluster.',
        'KEYSLOT <key>',
        '    Return the hash slot for <key>.',
        'LINKS',
        '    Return information about all network links between this node and its peers.',
        'MIGRATESLOTS SLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...] NODE <node-id>',
        '    Move the slots to the node by the log: a copy, then the changes since, then a switch of milliseconds.',
        'MEET <ip> <port> [<bus-port>]',
        '    Connect nodes into a working cluster (the other node must be registered under the same etcd prefix).',
        'MYID',
        '    Return the node id.',
        'MYSHARDID',
        "    Return the node shard id (its primary's id).",
        'NODES',
        '    Return cluster configuration seen by node. Output format:',
        '    <id> <ip:port@bus-port[,hostname]> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...',
        'RESET [HARD|SOFT]',
        '    Leave the cluster: this node forgets the others and its slots are unassigned.',
        'SAVECONFIG',
        '    Save current config to disk (a no-op: the configuration lives in etcd).',
        'SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)',
        '    Set slot state.',
        'SET-CONFIG-EPOCH <epoch>',
        '    Set config epoch of current node.',
        'SHARDS',
        '    Return information about slot range mappings and the nodes associated with them.',
        'SLOTS',
        '    Return information about slots range mappings. Each range is made of:',
        '    start, end, master and replicas IP addresses, ports and ids',
      ]);
  }
}

/** READONLY, READWRITE: whether this connection's reads may be served by a replica of the slot's primary. */
export function clusterClientFlag(client: Client, args: string[]): Reply {
  if (client.server.cluster === undefined) return DISABLED;
  client.clusterReadonly = args[0].toLowerCase() === 'readonly';
  return OK;
}

/** ASKING: the next command may be for a slot this node is importing. */
export function asking(client: Client): Reply {
  if (client.server.cluster === undefined) return DISABLED;
  client.asking = true;
  return OK;
}

function info(membership: ClusterMembership): string {
  const layout = membership.layout;
  // A node outside the cluster (not met yet, or RESET) knows no slots, as a fresh Redis node.
  const member = layout.members.has(membership.self.id);
  const owners = member ? layout.owningNodes() : [];
  let ok = 0;
  for (const id of owners) if (membership.alive.has(id)) for (const [start, end] of layout.rangesOf(id)) ok += end - start + 1;
  const assigned = member ? layout.assigned() : 0;
  const fields: [string, string | number][] = [
    ['cluster_state', membership.healthy ? 'ok' : 'fail'],
    ['cluster_slots_assigned', assigned],
    ['cluster_slots_ok', ok],
    ['cluster_slots_pfail', 0],
    ['cluster_slots_fail', assigned - ok],
    ['cluster_known_nodes', membership.known.length],
    ['cluster_size', owners.length],
    ['cluster_current_epoch', layout.document.epoch],
    ['cluster_my_epoch', layout.document.epoch],
    ['cluster_stats_messages_sent', 0],
    ['cluster_stats_messages_received', 0],
    ['total_cluster_links_buffer_limit_exceeded', 0],
  ];
  return fields.map(([name, value]) => `${name}:${value}\r\n`).join('');
}

/** Redis's clusterGenNodeDescription, one line per node: the bus port is the client port + 10000, as Redis's default. */
function nodesText(membership: ClusterMembership): string {
  const now = Date.now();
  return membership.known
    .map((node) => {
      const myself = node.id === membership.self.id;
      const alive = membership.alive.has(node.id);
      const primary = membership.layout.primaries.get(node.id);
      const flags = `${myself ? 'myself,' : ''}${primary === undefined ? 'master' : 'slave'}${alive ? '' : ',fail'}`;
      const ranges = membership.layout.rangesOf(node.id).map(([start, end]) => (start === end ? `${start}` : `${start}-${end}`));
      // Redis shows the slots this node is moving on its own line only: [slot->-to] and [slot-<-from].
      if (myself) {
        for (const [slot, to] of membership.layout.migrating) if (membership.layout.ownerOf(slot) === node.id) ranges.push(`[${slot}->-${to}]`);
        for (const [slot, { from, into }] of membership.layout.importing) if (into === node.id) ranges.push(`[${slot}-<-${from}]`);
      }
      const epoch = membership.layout.document.epoch;
      return (
        [node.id, `${node.host}:${node.port}@${node.port + 10000}`, flags, primary ?? '-', 0, myself ? 0 : now, epoch, alive ? 'connected' : 'disconnected', ...ranges].join(' ') +
        '\n'
      );
    })
    .join('');
}

function nodeEntry(node: ClusterNodeAddress): Reply[] {
  return [node.host, node.port, node.id, []];
}

/** CLUSTER SLOTS: [start, end, [ip, port, id, metadata]] per range, in slot order. */
function slots(membership: ClusterMembership): Reply {
  const known = new Map(membership.known.map((node) => [node.id, node]));
  return membership.layout.document.ranges.flatMap(([start, end, owner]) => {
    const node = known.get(owner);
    if (node === undefined) return [];
    const replicas = membership.layout.replicasOf(owner).flatMap((id) => {
      const replica = known.get(id);
      return replica !== undefined && membership.alive.has(id) ? [nodeEntry(replica)] : [];
    });
    return [[start, end, nodeEntry(node), ...replicas]];
  });
}

/** CLUSTER SHARDS (7.0): one shard per primary, its slot ranges flat, its nodes as maps. */
function shards(membership: ClusterMembership): Reply {
  const layout = membership.layout;
  const known = new Map(membership.known.map((node) => [node.id, node]));
  const entry = (node: ClusterNodeAddress, role: 'master' | 'replica') =>
    new MapReply([
      ['id', node.id],
      ['port', node.port],
      ['ip', node.host],
      ['endpoint', node.host],
      ['role', role],
      ['replication-offset', 0],
      ['health', membership.alive.has(node.id) ? 'online' : 'failed'],
    ]);
  return membership.known
    .filter((node) => !layout.primaries.has(node.id) && (layout.rangesOf(node.id).length > 0 || membership.alive.has(node.id)))
    .map(
      (node) =>
        new MapReply([
          ['slots', layout.rangesOf(node.id).flat()],
          [
            'nodes',
            [
              entry(node, 'master'),
              ...layout.replicasOf(node.id).flatMap((id) => {
                const replica = known.get(id);
                return replica === undefined ? [] : [entry(replica, 'replica')];
              }),
            ],
          ],
        ]),
    );
}

/** CLUSTER REPLICATE id: this node, empty and without slots, follows the primary `id` (Redis's checks and texts). */
function replicate(client: Client, membership: ClusterMembership, id: string): Reply | PendingReply {
  const self = membership.self.id;
  const layout = membership.layout;
  if (!knows(membership, id)) return new ErrorReply(`ERR Unknown node ${id}`);
  if (id === self) return new ErrorReply("ERR Can't replicate myself");
  if (layout.primaries.has(id)) return new ErrorReply('ERR I can only replicate a master, not a replica.');
  if (layout.primaries.get(self) === id) return OK;
  if (layout.rangesOf(self).length > 0 || client.server.store.dbSize(0) > 0) return new ErrorReply('ERR To set a master the node must be empty and without assigned slots.');
  return write(membership, (current) => current.withReplica(self, id));
}

/**
 * CLUSTER FAILOVER [FORCE|TAKEOVER] on a replica. Without an option nothing is lost: the primary
 * stops taking writes (-TRYAGAIN), says where its log ends, and the replica takes over once it
 * holds it all (src/server/cluster-roles.ts). FORCE and TAKEOVER take the slots at once, as when
 * the primary is down. The reply comes when the request is in etcd, as Redis replies at once.
 */
function failover(membership: ClusterMembership, args: readonly string[]): Reply | PendingReply {
  const option = args[2]?.toUpperCase();
  if (args.length > 3 || (option !== undefined && option !== 'FORCE' && option !== 'TAKEOVER')) return new ErrorReply('ERR syntax error');
  const self = membership.self.id;
  const primary = membership.layout.primaries.get(self);
  if (primary === undefined) return new ErrorReply('ERR You should send CLUSTER FAILOVER to a replica');
  if (option === undefined && !membership.alive.has(primary)) return new ErrorReply('ERR Master is down or failed, please use CLUSTER FAILOVER FORCE');
  return write(membership, (layout) => (option === undefined ? layout.withHandoff(self) : layout.withFailover(self)));
}

/** CLUSTER REPLICAS id: the replicas' CLUSTER NODES lines. */
function replicas(membership: ClusterMembership, id: string): Reply {
  if (!knows(membership, id)) return new ErrorReply(`ERR Unknown node ${id}`);
  if (membership.layout.primaries.has(id)) return new ErrorReply('ERR The specified node is not a master');
  const lines = nodesText(membership).split('\n');
  return membership.layout.replicasOf(id).flatMap((replica) => lines.filter((line) => line.startsWith(`${replica} `)));
}

function slotNumber(text: string): number | undefined {
  const value = parseInt64(text);
  return value === null || value < 0n || value >= BigInt(SLOTS) ? undefined : Number(value);
}

/** ADDSLOTS/DELSLOTS' slots (Redis's getSlotOrReply); the layout checks that each is named once. */
function slotArguments(texts: readonly string[]): number[] | ErrorReply {
  const slots: number[] = [];
  for (const text of texts) {
    const slot = slotNumber(text);
    if (slot === undefined) return INVALID_SLOT;
    slots.push(slot);
  }
  return slots;
}

/** ADDSLOTSRANGE/DELSLOTSRANGE's start-end pairs, expanded. */
function slotRanges(args: readonly string[]): number[] | ErrorReply {
  if (args.length % 2 === 1) return wrongArity(`cluster|${args[1].toLowerCase()}`);
  const slots: number[] = [];
  for (let i = 2; i < args.length; i += 2) {
    const [start, end] = [slotNumber(args[i]), slotNumber(args[i + 1])];
    if (start === undefined || end === undefined) return INVALID_SLOT;
    if (start > end) return new ErrorReply(`ERR start slot number ${start} is greater than end slot number ${end}`);
    for (let slot = start; slot <= end; slot++) slots.push(slot);
  }
  return slots;
}

function changeSlots(membership: ClusterMembership, add: boolean, slots: number[] | ErrorReply): Reply | PendingReply {
  if (slots instanceof ErrorReply) return slots;
  return write(membership, (layout) => (add ? layout.withAdded(membership.self.id, slots) : layout.withRemoved(slots)));
}

/** A layout change written to etcd; the reply waits for it (Redis's texts for a change refused). */
function write(membership: ClusterMembership, change: Parameters<ClusterMembership['changeLayout']>[0]): PendingReply {
  const pending = new PendingReply();
  membership.changeLayout(change).then(
    () => pending.resolve(OK),
    (error: Error) => pending.resolve(new ErrorReply(error instanceof SlotLayoutError ? `ERR ${error.message}` : `ERR cluster configuration not written: ${error.message}`)),
  );
  return pending;
}

const SETSLOT_SYNTAX = new ErrorReply('ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP');

/** CLUSTER SETSLOT slot MIGRATING|IMPORTING|NODE id, or STABLE: checked here as Redis does, then written to etcd. */
function setSlot(client: Client, membership: ClusterMembership, args: readonly string[]): Reply | PendingReply {
  const slot = slotNumber(args[2]);
  if (slot === undefined) return INVALID_SLOT;
  const action = args[3].toUpperCase();
  const id = args[4];
  const self = membership.self.id;
  const layout = membership.layout;
  if (action === 'STABLE' ? args.length !== 4 : args.length !== 5 || !['MIGRATING', 'IMPORTING', 'NODE'].includes(action)) return SETSLOT_SYNTAX;
  switch (action) {
    case 'MIGRATING':
      if (layout.ownerOf(slot) !== self) return new ErrorReply(`ERR I'm not the owner of hash slot ${slot}`);
      if (!knows(membership, id)) return new ErrorReply(`ERR I don't know about node ${id}`);
      return write(membership, (current) => current.withMove(slot, { migratingTo: id }));
    case 'IMPORTING':
      if (layout.ownerOf(slot) === self) return new ErrorReply(`ERR I'm already the owner of hash slot ${slot}`);
      if (!knows(membership, id)) return new ErrorReply(`ERR I don't know about node ${id}`);
      return write(membership, (current) => current.withMove(slot, { importing: { from: id, into: self } }));
    case 'STABLE':
      return write(membership, (current) => current.withMove(slot, {}));
    default: {
      if (!knows(membership, id)) return new ErrorReply(`ERR Unknown node ${id}`);
      if (layout.ownerOf(slot) === self && id !== self && keysInSlot(client, slot).next().done !== true)
        return new ErrorReply(`ERR Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`);
      // redis-cli sends NODE to every primary: once the layout says so, the others change nothing.
      if (layout.ownerOf(slot) === id && !layout.migrating.has(slot) && !layout.importing.has(slot)) return OK;
      return write(membership, (current) => current.withOwner(slot, id));
    }
  }
}

/**
 * CLUSTER MIGRATESLOTS SLOTSRANGE start end [start end ...] NODE id (Valkey 9's name): the move is
 * recorded in etcd, answered OK, and runs in the background (src/commands/slot-migration.ts);
 * CLUSTER GETSLOTMIGRATIONS shows how far it is.
 */
function migrateSlots(client: Client, membership: ClusterMembership, args: readonly string[]): Reply | PendingReply {
  const nodeAt = args.findIndex((arg, i) => i > 2 && arg.toUpperCase() === 'NODE');
  if (args[2].toUpperCase() !== 'SLOTSRANGE' || nodeAt === -1 || nodeAt !== args.length - 2 || (nodeAt - 3) % 2 !== 0 || nodeAt === 3) return SYNTAX_ERROR;
  const ranges: [number, number][] = [];
  for (let i = 3; i < nodeAt; i += 2) {
    const [start, end] = [slotNumber(args[i]), slotNumber(args[i + 1])];
    if (start === undefined || end === undefined) return INVALID_SLOT;
    if (start > end) return new ErrorReply(`ERR start slot number ${start} is greater than end slot number ${end}`);
    if (ranges.some(([s, e]) => start <= e && end >= s)) return new ErrorReply('ERR Slot ranges overlap');
    ranges.push([start, end]);
  }
  const id = args[nodeAt + 1];
  const target = membership.nodes.get(id);
  if (target === undefined || !knows(membership, id)) return new ErrorReply(`ERR Unknown node ${id}`);
  if (!membership.alive.has(id)) return new ErrorReply(`ERR Target node ${id} is not reachable`);
  if (membership.slotMigrations.busy) return new ErrorReply('ERR A slot migration from this node is running: wait for it to end (CLUSTER GETSLOTMIGRATIONS)');
  const self = membership.self.id;
  const migration = membership.slotMigrations.begin(ranges, self, id);
  const pending = new PendingReply();
  membership
    .changeLayout((layout) => layout.withSlotsMoving(ranges, self, id))
    .then(
      () => {
        pending.resolve(OK);
        client.server.hooks.background(runSlotMigration(client.server, membership, migration, target), 'CLUSTER MIGRATESLOTS');
      },
      (error: Error) => {
        membership.slotMigrations.discard(migration);
        pending.resolve(new ErrorReply(error instanceof SlotLayoutError ? `ERR ${error.message}` : `ERR cluster configuration not written: ${error.message}`));
      },
    );
  return pending;
}

/** CLUSTER GETSLOTMIGRATIONS: this node's moves out (running and the last ones over), then the moves into it that etcd records. */
function slotMigrations(membership: ClusterMembership): Reply {
  const rangesText = (ranges: readonly (readonly [number, number])[]) => ranges.map(([start, end]) => `${start}-${end}`).join(' ');
  const out = membership.slotMigrations.all.map(
    (migration) =>
      new MapReply([
        ['operation', 'EXPORT'],
        ['slot_ranges', rangesText(migration.ranges)],
        ['source_node', migration.source],
        ['target_node', migration.target],
        ['state', migration.state],
        ['keys_copied', migration.keysCopied],
        ['keys_resent', migration.keysResent],
        ['catch_up_rounds', migration.rounds],
        ['held_ms', migration.heldMs === undefined ? null : migration.heldMs.toFixed(1)],
        ['target_from_revision', migration.targetFrom ?? null],
        ['create_time', migration.startedAt],
        ['end_time', migration.endedAt ?? null],
        ['error', migration.error ?? null],
      ]),
  );
  const self = membership.self.id;
  const into = membership.layout.moving
    .filter(([, , , to]) => to === self)
    .map(
      ([start, end, from]) =>
        new MapReply([
          ['operation', 'IMPORT'],
          ['slot_ranges', rangesText([[start, end]])],
          ['source_node', from],
          ['target_node', self],
          ['state', 'importing'],
        ]),
    );
  return [...out, ...into];
}

/** CLUSTER FORGET: Redis's checks; a node already forgotten (redis-cli del-node asks every node) is OK. */
function forget(membership: ClusterMembership, id: string): Reply | PendingReply {
  const self = membership.self.id;
  if (id === self) return new ErrorReply("ERR I tried hard but I can't forget myself...");
  if (!membership.nodes.has(id)) return new ErrorReply(`ERR Unknown node ${id}`);
  if (membership.layout.primaries.get(self) === id) return new ErrorReply("ERR Can't forget my master!");
  if (!membership.layout.members.has(id)) return OK;
  return write(membership, (layout) => layout.withoutMember(id));
}

/** CLUSTER RESET [HARD|SOFT]: this node leaves the cluster (it keeps its id: etcd knows it by it). */
function reset(client: Client, membership: ClusterMembership, args: readonly string[]): Reply | PendingReply {
  const mode = args[2]?.toUpperCase();
  if (args.length > 3 || (mode !== undefined && mode !== 'HARD' && mode !== 'SOFT')) return SYNTAX_ERROR;
  const self = membership.self.id;
  if (!membership.layout.primaries.has(self) && client.server.store.dbSize(0) > 0) return new ErrorReply("ERR CLUSTER RESET can't be called with master nodes containing keys");
  return write(membership, (layout) => layout.withReset(self));
}

/** CLUSTER BUMPEPOCH: a new epoch in etcd, answered as Redis does. */
function bumpEpoch(membership: ClusterMembership): PendingReply {
  const pending = new PendingReply();
  membership
    .changeLayout((layout) => layout.withNewEpoch())
    .then(
      () => pending.resolve(new StatusReply(`BUMPED ${membership.layout.document.epoch}`)),
      (error: Error) => pending.resolve(new ErrorReply(`ERR cluster configuration not written: ${error.message}`)),
    );
  return pending;
}

/** CLUSTER LINKS: Redis's two links per peer (to and from); here what stands for them is each node's etcd registration. */
function links(membership: ClusterMembership): Reply {
  return membership.known
    .filter((node) => node.id !== membership.self.id && membership.alive.has(node.id))
    .flatMap((node) =>
      (['to', 'from'] as const).map(
        (direction) =>
          new MapReply([
            ['direction', direction],
            ['node', node.id],
            ['create-time', membership.seenSince(node.id)],
            ['events', direction === 'to' ? 'rw' : 'r'],
            ['send-buffer-allocated', 0],
            ['send-buffer-used', 0],
          ]),
      ),
    );
}

function knows(membership: ClusterMembership, id: string): boolean {
  return membership.known.some((node) => node.id === id);
}

/**
 * CLUSTER MEET ip port: this node and the one registered in etcd at that address join (the
 * layout's members), so both know every member from then on. Redis handshakes over its bus; here
 * the other node must be registered under this cluster's etcd prefix, or the meeting is refused.
 */
function meet(membership: ClusterMembership, args: readonly string[]): Reply | PendingReply {
  const port = parseInt64(args[3]);
  if (port === null || port < 0n || port > 65535n) return new ErrorReply(`ERR Invalid base port specified: ${args[3]}`);
  const other = membership.registeredAt(args[2], Number(port));
  if (other === undefined) return new ErrorReply(`ERR Invalid node address specified: ${args[2]}:${args[3]} (no node of this cluster is registered there)`);
  return write(membership, (layout) => layout.withMembers([membership.self.id, other.id]));
}

/** The keys of database 0 (a cluster's only one) in `slot`. */
function keysInSlot(client: Client, slot: number): Generator<string> {
  return client.server.store.keysInSlots(0, slot, slot);
}

function countKeysInSlot(client: Client, text: string): Reply {
  const slot = slotNumber(text);
  if (slot === undefined) return new ErrorReply('ERR Invalid slot');
  let count = 0;
  for (const _ of keysInSlot(client, slot)) count++;
  return count;
}

function getKeysInSlot(client: Client, slotText: string, countText: string): Reply {
  const slot = slotNumber(slotText);
  const count = parseInt64(countText);
  if (slot === undefined || count === null || count < 0n) return new ErrorReply('ERR Invalid slot or number of keys');
  const keys: string[] = [];
  for (const key of keysInSlot(client, slot)) {
    if (keys.length >= count) break;
    keys.push(key);
  }
  return keys;
}
