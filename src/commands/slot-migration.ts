import type { ClusterMembership } from '../cluster/cluster-membership.js';
import type { SlotMigration } from '../cluster/slot-migrations.js';
import type { ClusterNodeAddress } from '../cluster/slot-layout.js';
import { changesOfRecord } from '../log/change-events.js';
import { errorOf, type RespValue } from '../replication/resp-reply-reader.js';
import { TargetConnection } from '../replication/target-connections.js';
import type { ServerContext } from '../session/server-context.js';
import type { Shard } from '../shards/shard.js';
import type { WriteContext } from '../shards/store.js';
import { inSlotRanges, slotOf } from '../shards/slot.js';
import { dumpSettingsOf, restoreArguments } from './dump-commands.js';

/**
 * CLUSTER MIGRATESLOTS: slots moved to another node by the log, not key by key with MIGRATE. The
 * owner keeps serving the slots while it
 *   1. copies their keys to the target (RESTORE-ASKING ... REPLACE, a chunk at a time between
 *      other commands), having noted the revision it started at;
 *   2. reads its log from that revision and sends again every key of the slots that changed since
 *      (its value now, or a DEL): a key sent twice is the same value twice, so no write is ever
 *      applied twice, and rounds go on until few keys changed;
 *   3. holds the slots' commands (only theirs), waits for the shards' running jobs and the log's
 *      commit, sends the last changes, asks the target where its log is, and writes the new owner
 *      to etcd (compare-and-swap, a new epoch);
 *   4. writes a `slots-moved` record (the target and the revision there from which the slots'
 *      changes continue, for log tails) and deletes the keys (reason `migrated`), then lets the
 *      held commands go on to -MOVED.
 * Any failure before the switch leaves the slots where they were: the move is struck from the
 * layout, and the target drops what it was sent (src/server/cluster-slot-moves.ts).
 */

const KEYS_PER_CALL = 256;
const CATCH_UP_ROUNDS = 16;
/** A round that found fewer changed keys than this is the last before the switch. */
const FEW_CHANGES = 128;
const LINK_TIMEOUT_MS = 10_000;
const DB = 0;

type Ranges = readonly (readonly [number, number])[];

/** Runs a migration that the layout already records as moving; resolves when it is over (rejects with why it failed). */
export async function runSlotMigration(server: ServerContext, membership: ClusterMembership, migration: SlotMigration, target: ClusterNodeAddress): Promise<void> {
  const mover = new SlotMover(server, membership, migration, target);
  try {
    await mover.move();
    mover.close();
    membership.slotMigrations.end(migration);
  } catch (error) {
    // The held commands and shards go first: striking the move waits for etcd, which may be what failed.
    mover.close();
    membership.slotMigrations.end(migration, (error as Error).message);
    await membership.changeLayout((layout) => layout.withoutSlotsMoving(migration.ranges, membership.self.id)).catch(() => undefined);
    throw error;
  }
}

class SlotMover {
  private link: TargetConnection | undefined;
  private readonly held: Shard[] = [];
  private paused = false;
  private pausedAt = 0;
  private readonly ranges: Ranges;
  /** The shards that hold the slots, in id order (the order every job that holds several takes them). */
  private readonly shards: readonly Shard[];

  constructor(
    private readonly server: ServerContext,
    private readonly membership: ClusterMembership,
    private readonly migration: SlotMigration,
    private readonly target: ClusterNodeAddress,
  ) {
    this.ranges = migration.ranges;
    this.shards = [...new Set(this.ranges.flatMap(([start, end]) => server.store.shardsOfSlots(start, end)))].sort((a, b) => a.id - b.id);
  }

  async move(): Promise<void> {
    const store = this.server.store;
    const log = store.log;
    this.link = await TargetConnection.open(this.target.host, this.target.port, LINK_TIMEOUT_MS);
    await this.authenticate();
    await this.targetSeesMove();
    let from = log.lastRev + 1;
    for (const [start, end] of this.ranges) {
      const keys = [...store.keysInSlots(DB, start, end)];
      for (let i = 0; i < keys.length; i += KEYS_PER_CALL) this.migration.keysCopied += await this.send(keys.slice(i, i + KEYS_PER_CALL));
    }
    this.migration.state = 'catching-up';
    for (let round = 0; round < CATCH_UP_ROUNDS; round++) {
      const to = log.committedRev;
      const changed = await this.changedSince(from, to);
      from = to + 1;
      this.migration.keysResent += await this.send([...changed]);
      this.migration.rounds++;
      if (changed.size < FEW_CHANGES) break;
    }
    this.migration.state = 'switching';
    this.membership.slotPause.pause(this.ranges);
    this.paused = true;
    this.pausedAt = performance.now();
    // Commands let in before the pause may still wait for a shard: they come first.
    // In id order: no two jobs wait on each other.
    for (const shard of this.shards) {
      await shard.queue.acquire();
      this.held.push(shard);
    }
    await log.committed(log.lastRev);
    this.migration.keysResent += await this.send([...(await this.changedSince(from, log.lastRev))]);
    const targetFrom = (await this.targetRevision()) + 1;
    const self = this.membership.self.id;
    await this.membership.changeLayout((layout) => layout.withSlotsMoved(this.ranges, self, this.target.id));
    await this.seeSwitch();
    this.migration.targetFrom = targetFrom;
    this.leaveSlots(targetFrom);
  }

  /**
   * The held commands must find the target the owner when they run again, or they would run here
   * on keys about to leave: a read of the layout after the write can fail (etcd going away), so
   * this reads again until it shows the switch, or the node is fenced (it then takes no write).
   */
  private async seeSwitch(): Promise<void> {
    const [start] = this.ranges[0];
    while (this.membership.layout.ownerOf(start) !== this.target.id && !this.membership.fenced) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await this.membership.refresh();
    }
  }

  close(): void {
    for (const shard of this.held.splice(0)) shard.queue.release();
    if (this.paused) {
      this.membership.slotPause.end();
      this.migration.heldMs = performance.now() - this.pausedAt;
    }
    this.paused = false;
    this.link?.close();
  }

  /** The cluster link authenticates as a follower does (masteruser, masterauth). */
  private async authenticate(): Promise<void> {
    const config = this.server.config;
    const password = config.get('masterauth');
    if (password === '') return;
    const user = config.get('masteruser');
    await this.call([user === '' ? ['AUTH', password] : ['AUTH', user, password]]);
  }

  /** The target takes the copy only once its own read of etcd shows the move (its watch lags the write by a moment). */
  private async targetSeesMove(): Promise<void> {
    const [start, end] = this.ranges[0];
    const deadline = Date.now() + LINK_TIMEOUT_MS;
    for (;;) {
      const [moves] = await this.call([['CLUSTER', 'GETSLOTMIGRATIONS']]);
      const entries = Array.isArray(moves) ? moves.map((entry) => (Array.isArray(entry) ? entry.map(String) : [])) : [];
      if (entries.some((entry) => entry[1] === 'IMPORT' && entry[3] === `${start}-${end}`)) return;
      if (Date.now() > deadline) throw new Error('the target did not see the move in etcd in time');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Sends each key as it is now (a DEL when it is gone); the number of keys sent. */
  private async send(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const store = this.server.store;
    const context: WriteContext = { now: Date.now(), events: undefined, touches: false };
    const settings = dumpSettingsOf(this.server.config);
    const commands: (string | Buffer)[][] = [];
    for (const key of keys) {
      const value = store.lookup(DB, key, context, false);
      if (value === undefined) commands.push(['ASKING'], ['DEL', key]);
      else commands.push(['RESTORE-ASKING', ...restoreArguments(store, DB, key, value, context.now, settings), 'REPLACE']);
    }
    await this.call(commands);
    return keys.length;
  }

  private async call(commands: readonly (readonly (string | Buffer)[])[]): Promise<RespValue[]> {
    const replies = await (this.link as TargetConnection).call(commands, LINK_TIMEOUT_MS);
    for (const reply of replies) {
      const error = errorOf(reply);
      if (error !== undefined) throw new Error(`the target answered: ${error}`);
    }
    return replies;
  }

  /** The keys of the slots that records from..to changed. A whole database emptied or swapped cannot be sent key by key: the move fails. */
  private async changedSince(from: number, to: number): Promise<Set<string>> {
    const changed = new Set<string>();
    if (from > to) return changed;
    const store = this.server.store;
    reading: for await (const batch of store.log.readBatches(from, { shards: this.shards.map((shard) => shard.id) }))
      for (const record of batch) {
        if (record.rev > to) break reading;
        for (const change of changesOfRecord(record)) {
          if (change.db !== DB) continue;
          if (change.key === null) {
            if (change.slots === undefined) throw new Error(`${change.event} during the migration: run it again`);
            continue;
          }
          if (inSlotRanges(slotOf(change.key), this.ranges)) changed.add(change.key);
        }
      }
    return changed;
  }

  /** Where the target's log is now: every key sent is at or before it. */
  private async targetRevision(): Promise<number> {
    const [info] = await this.call([['INFO', 'log']]);
    const text = Buffer.isBuffer(info) ? info.toString('latin1') : String(info);
    const revision = /^log_revision:(\d+)/m.exec(text)?.[1];
    if (revision === undefined) throw new Error('the target did not say where its log is (INFO log)');
    return Number(revision);
  }

  /** The slots are the target's now: a record says where their changes continue, and their keys go. */
  private leaveSlots(targetFrom: number): void {
    const store = this.server.store;
    const context: WriteContext = { now: Date.now(), events: undefined };
    const address = `${this.target.host}:${this.target.port}`;
    store.transaction(() => {
      for (const [start, end] of this.ranges) {
        for (const [shard, first, last] of store.slotRangesByShard(start, end)) store.write(shard, DB, ['slots-moved', first, last, this.target.id, address, targetFrom], context);
        store.dropSlotKeys(DB, start, end, context);
      }
    });
  }
}
