import type { Log } from '../log/log.js';
import { changesOf, defaultEventOf } from '../log/change-events.js';
import { CorruptFrameError } from '../log/frame.js';
import type { CheckpointRow } from '../log/checkpoints.js';
import type { Effect, LogRecord, ValueSnapshot } from '../log/record.js';
import { applyEffect } from '../projections/apply.js';
import { defaultEncodingLimits, type EncodingLimits } from '../projections/encoding-limits.js';
import { loadCheckpointRows, shardStateSink } from '../projections/replay-sink.js';
import { DATABASES } from '../projections/shard-state.js';
import type { Keyspace } from '../projections/keyspace.js';
import type { Value } from '../projections/value.js';
import { snapshotOf } from '../projections/value-snapshot.js';
import { KeyAccess } from '../projections/key-access.js';
import { placeReplicated, type PlacementTarget } from './replicated-placement.js';
import { Shard } from './shard.js';
import { shardOfSlot, slotOf } from './slot.js';

/** The key of an effect that removes elements from a collection, and so may empty it; else undefined. */
function shrunkKeyOf(effect: Effect): string | undefined {
  switch (effect[0]) {
    case 'hdel':
    case 'lpop':
    case 'rpop':
    case 'lrem':
    case 'ltrim':
    case 'srem':
    case 'zrem':
    case 'zremrange':
      return effect[1];
    default:
      return undefined;
  }
}

/** Told of every change to a key or database (WATCH, blocked clients waiting for a key). */
export interface ChangeListener {
  keyChanged(db: number, key: string): void;
  /**
   * One shard's share of `db` is about to be emptied (FLUSHDB, FLUSHALL) or replaced by `replacement`'s
   * (SWAPDB); the shard still holds the old contents. `now` is the writing command's time.
   */
  dbChanged(shard: Shard, db: number, replacement: number, now: number): void;
}

/**
 * The command a write belongs to: its time, read once (Redis's command time snapshot: EXEC and a
 * script run keep one for all their commands), and the event names its row gives its effects.
 */
export interface WriteContext {
  /** The command's time (ms): expiry is judged and relative expiries counted from it, and its records carry it. */
  readonly now: number;
  /** Redis's keyspace event names of its effects where they differ from the effect's own (INCR: put -> incrby). */
  readonly events: Readonly<Record<string, string>> | undefined;
  /**
   * False when the command's reads must not count as accesses (CLIENT NO-TOUCH, Redis's
   * LOOKUP_NOTOUCH): OBJECT IDLETIME and the LRU/LFU policies then do not see them. Unset: true.
   */
  readonly touches?: boolean;
}

/** What a RESTORE payload or command says of a key's accesses: seconds idle (LRU) or its LFU counter. */
export interface RestoredAccess {
  readonly idleSeconds: number | undefined;
  readonly frequency: number | undefined;
}

export interface RecoveryReport {
  records: number;
  keys: number;
  /** The oldest of the shards' checkpoints recovery started from (0: none). */
  checkpointRev: number;
  /** A torn tail that was cut: from which revision, how many frames, why. */
  cut: { fromRev: number; frames: number; reason: string } | undefined;
  ms: number;
}

/** What recovery tells as it goes, between batches of a shard's replay. */
export interface RecoveryWatch {
  /** Told how many rows and records a shard has loaded so far; throws when the heap would not hold them. */
  fits?(loaded: number): void;
  /** A shard replayed `records` more log records, up to revision `rev` (progress lines). */
  replayed?(shard: number, records: number, rev: number): void;
}

/** Damage inside the log (not at its tail): the server refuses to start rather than load it. */
export class LogDamagedError extends Error {
  constructor(readonly corruption: CorruptFrameError) {
    super(`${corruption.message}, with later frames after it: the log is damaged within, not torn at its end`);
  }
}

/**
 * The sharded store: routes keys to shards, reads projections (expiring keys lazily), and turns each
 * decided effect into a log record applied to its shard's projection.
 */
export class Store {
  readonly shards: Shard[];
  expiredKeys = 0;
  /** INFO's evicted_keys. */
  evictedKeys = 0;
  /** Per-key access clocks and counters (OBJECT IDLETIME/FREQ, LRU and LFU eviction): the policy's settings. */
  readonly access = new KeyAccess();
  private readonly changeListeners: ChangeListener[] = [];
  private txn = 0;
  private capture: { shards: Set<Shard>; writes: { shard: number; db: number; effect: Effect; now: number; event: string | undefined }[] } | undefined;
  private whenNotCapturing: (() => void) | undefined;
  private lastKey = '';
  private lastShard: Shard;
  /**
   * A follower's store: only its primary's records change it. A key past its expiry reads as
   * missing but stays until the primary's deletion arrives, as on a Redis replica.
   */
  replica = false;
  /** CLIENT PAUSE: keys past their time read as missing but are not deleted (nor evicted) meanwhile, as in Redis. */
  deletionsPaused = false;

  /** The encoding thresholds every shard's projection applies writes with (the server follows CONFIG SET). */
  constructor(
    readonly log: Log,
    readonly encodingLimits: EncodingLimits = defaultEncodingLimits(),
  ) {
    this.shards = Array.from({ length: log.shardCount }, (_, i) => new Shard(i, encodingLimits));
    this.lastShard = this.shards[shardOfSlot(slotOf(''), this.shards.length)];
    this.placement = { shardCount: this.shards.length, shardOf: (key) => this.shardOf(key).id, keyspaceOf: (db, key) => this.keyspace(db, key) };
  }

  shardOf(key: string): Shard {
    // Most commands route the same key twice (read, then write): remember the last answer.
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.lastShard = this.shards[shardOfSlot(slotOf(key), this.shards.length)];
    }
    return this.lastShard;
  }

  keyspace(db: number, key: string): Keyspace {
    return this.shardOf(key).state.dbs[db];
  }

  /** The shards that hold slots start..end (inclusive): slots are spread over shards in contiguous ranges. */
  shardsOfSlots(start: number, end: number): Shard[] {
    return this.shards.slice(shardOfSlot(start, this.shards.length), shardOfSlot(end, this.shards.length) + 1);
  }

  /**
   * Deletes the keys of `db` in slots start..end (those `keep` does not spare) as keys whose slot
   * went to another cluster node: reason `migrated`. How many went.
   */
  dropSlotKeys(db: number, start: number, end: number, context: WriteContext, keep: (slot: number) => boolean = () => false): number {
    let dropped = 0;
    for (const key of [...this.keysInSlots(db, start, end)])
      if (!keep(slotOf(key))) {
        this.write(this.shardOf(key), db, ['del', key, 'migrated'], context);
        dropped++;
      }
    return dropped;
  }

  /** Slots start..end cut at shard boundaries: each shard's part of the range. */
  slotRangesByShard(start: number, end: number): [shard: Shard, start: number, end: number][] {
    const parts: [Shard, number, number][] = [];
    for (let slot = start; slot <= end; slot++) {
      const shard = this.shards[shardOfSlot(slot, this.shards.length)];
      const last = parts.at(-1);
      if (last !== undefined && last[0] === shard) last[2] = slot;
      else parts.push([shard, slot, slot]);
    }
    return parts;
  }

  /** The keys of `db` in slots start..end (a cluster's keys live in database 0), from the shards that hold them. */
  *keysInSlots(db: number, start: number, end: number): Generator<string> {
    for (const shard of this.shardsOfSlots(start, end))
      for (const key of shard.state.dbs[db].data.keys()) {
        const slot = slotOf(key);
        if (slot >= start && slot <= end) yield key;
      }
  }

  /**
   * The live value of a key at the context's time, or undefined; an expired key is deleted (and
   * logged) on the way. `touch` false is Redis's LOOKUP_NOTOUCH (EXISTS, TYPE): no access is counted.
   */
  lookup(db: number, key: string, context: WriteContext, touch = true): Value | undefined {
    const shard = this.shardOf(key);
    const ks = shard.state.dbs[db];
    const value = ks.data.get(key);
    if (value === undefined) return value;
    if (ks.expires.size !== 0) {
      const expireAt = ks.expires.get(key);
      if (expireAt !== undefined && expireAt <= context.now) {
        if (!this.replica && !this.deletionsPaused) this.expire(shard, db, key, context);
        return undefined;
      }
    }
    if (touch && context.touches !== false) this.access.touch(ks, key, context.now);
    return value;
  }

  /**
   * Applies records from the primary, in revision order, and appends them to this node's log: the
   * same projection code as any write, with the primary's revisions, each placed by this node's own
   * slot map (the primary has `sourceShards`; see replicated-placement.ts).
   */
  applyReplicated(records: readonly LogRecord[], sourceShards: number): void {
    const now = Date.now();
    for (const record of records) {
      if (!this.isNewReplicated(record)) continue;
      const placed = placeReplicated(record, sourceShards, this.placement);
      for (const part of placed) {
        const shard = this.shards[part.shard];
        if (this.changeListeners.length > 0) this.announce(shard, part.db, part.effect, now);
        applyEffect(shard.state, part.db, part.effect, part.rev);
        this.stampWritten(shard, part.db, part.effect, now);
        this.log.replica.append(part);
      }
      // A record with nothing to do here (a whole-database record of a shard this node lacks) still moves the revision on.
      if (placed.length === 0) this.log.replica.advanceTo(record.rev);
    }
  }

  /**
   * Whether a record from the primary is not applied yet. A record resent after a reconnect must
   * not apply twice; a revision may come as several records (a chained follower's primary placed
   * one record on several shards), told apart by the shard they came from.
   */
  private isNewReplicated(record: LogRecord): boolean {
    const last = this.replicatedAt;
    if (record.rev > this.log.lastRev) {
      last.rev = record.rev;
      last.sourceShards.length = 0;
    } else if (record.rev !== last.rev || last.sourceShards.includes(record.shard)) return false;
    last.sourceShards.push(record.shard);
    return true;
  }

  private readonly replicatedAt = { rev: -1, sourceShards: [] as number[] };

  private readonly placement: PlacementTarget;

  /** Empties every shard's projection (a follower about to load its primary's copy). */
  clearAll(): void {
    for (const shard of this.shards) for (const ks of shard.state.dbs) ks.clear();
  }

  /** Loads checkpoint rows into the projections, each on its key's shard (rows may come from a node with another shard count). */
  loadRows(rows: readonly CheckpointRow[]): void {
    for (const row of rows) loadCheckpointRows(this.shardOf(row[1]).state, [row]);
  }

  /**
   * Decides an effect: appends it to the shard's log and applies it to the shard's projection. Its
   * event is the one its command's row gives it, or `event` where an option names it (SET EX, ZADD
   * INCR, a ZPOP's end).
   */
  write(shard: Shard, db: number, effect: Effect, context: WriteContext, event = context.events?.[effect[0]]): void {
    // Apply before appending: an effect that cannot apply (a bug) must never reach the log, where
    // it would fail every later recovery too.
    // Listeners hear before the change, so that they can still see what FLUSHDB or SWAPDB replaces.
    if (this.changeListeners.length > 0) this.announce(shard, db, effect, context.now);
    applyEffect(shard.state, db, effect, this.log.lastRev + 1);
    this.stampWritten(shard, db, effect, context.now);
    // Redis notifies `del` after the event that took a collection's last element (the key goes too).
    const shrunk = shrunkKeyOf(effect);
    if (shrunk !== undefined && !shard.state.dbs[db].data.has(shrunk)) event = `${event ?? defaultEventOf(effect[0])},del`;
    if (this.capture !== undefined && this.capture.shards.has(shard)) this.capture.writes.push({ shard: shard.id, db, effect, now: context.now, event });
    else this.log.append(shard.id, db, this.txn, effect, context.now, event);
  }

  /**
   * From now until appendCaptured(), effects on `shards` are applied at once but held back from the
   * log: a script that runs across event-loop turns still commits as one transaction, in one batch.
   * The script holds those shards meanwhile, so no one else reads the writes before they are logged.
   */
  captureWrites(shards: readonly Shard[]): void {
    this.capture = { shards: new Set(shards), writes: [] };
  }

  get capturing(): boolean {
    return this.capture !== undefined;
  }

  /** How many effects are held back now. */
  get capturedWrites(): number {
    return this.capture?.writes.length ?? 0;
  }

  /** Appends the held-back effects as one transaction and stops capturing. */
  appendCaptured(): void {
    const capture = this.capture;
    this.capture = undefined;
    this.whenNotCapturing?.();
    this.whenNotCapturing = undefined;
    if (capture === undefined || capture.writes.length === 0) return;
    this.transaction(() => {
      for (const write of capture.writes) this.log.append(write.shard, write.db, this.txn, write.effect, write.now, write.event);
    });
  }

  /**
   * Resolves when no effects are held back: a checkpoint must not start with a projection holding
   * writes whose records will get later revisions than its own.
   */
  notCapturing(): Promise<void> {
    if (this.capture === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      const before = this.whenNotCapturing;
      this.whenNotCapturing = () => {
        before?.();
        resolve();
      };
    });
  }

  private announce(shard: Shard, db: number, effect: Effect, now: number): void {
    const changes = changesOf(db, effect);
    for (const listener of this.changeListeners)
      for (const change of changes) {
        if (change.key !== null) listener.keyChanged(change.db, change.key);
        // A moved slot's keys are told of by their own deletes, which follow.
        else if (change.slots !== undefined) continue;
        else if (change.event === 'flushall') for (let each = 0; each < DATABASES; each++) listener.dbChanged(shard, each, each, now);
        else if (effect[0] === 'swapdb') listener.dbChanged(shard, change.db, change.db === effect[1] ? effect[2] : effect[1], now);
        else listener.dbChanged(shard, change.db, change.db, now);
      }
  }

  listen(listener: ChangeListener): void {
    if (!this.changeListeners.includes(listener)) this.changeListeners.push(listener);
  }

  unlisten(listener: ChangeListener): void {
    const index = this.changeListeners.indexOf(listener);
    if (index !== -1) this.changeListeners.splice(index, 1);
  }

  /** Writes an effect on `key` to the key's shard. */
  writeKey(db: number, key: string, effect: Effect, context: WriteContext, event?: string): void {
    this.write(this.shardOf(key), db, effect, context, event);
  }

  /** Replaces a key's value; collections go to the log as immutable snapshots. */
  put(db: number, key: string, value: Value, expireAt: number, context: WriteContext, event?: string): void {
    this.write(this.shardOf(key), db, ['put', key, snapshotOf(value), expireAt], context, event);
  }

  delete(db: number, key: string, context: WriteContext): void {
    this.write(this.shardOf(key), db, ['del', key, 'del'], context);
  }

  /**
   * Stores a key as RESTORE does (and a full resync from a redis-server, which sends each key as
   * RESTORE would): the snapshot, then its idle time or LFU counter as the payload said.
   */
  restoreKey(db: number, key: string, snapshot: ValueSnapshot, expireAt: number, context: WriteContext, access: RestoredAccess, event?: string): void {
    this.writeKey(db, key, ['put', key, snapshot, expireAt], context, event);
    this.access.restored(this.keyspace(db, key), key, context.now, access.idleSeconds, access.frequency);
  }

  /**
   * Runs `decide` as one transaction: every record it writes carries the same transaction id, so
   * that they are committed in one batch and a point-in-time restore takes all or none of them.
   */
  transaction<T>(decide: () => T): T {
    if (this.txn !== 0) return decide();
    this.txn = this.log.lastRev + 1;
    try {
      return decide();
    } finally {
      this.txn = 0;
    }
  }

  dbSize(db: number): number {
    let size = 0;
    for (const shard of this.shards) size += shard.state.dbs[db].size;
    return size;
  }

  /** Every shard's keyspace of `db`, for commands that walk all keys (KEYS, SCAN, RANDOMKEY). */
  keyspaces(db: number): Keyspace[] {
    return this.shards.map((shard) => shard.state.dbs[db]);
  }

  /**
   * Deletes keys whose time has passed, sampling at most `budget` expiring keys per keyspace
   * (resuming where the last pass stopped). Returns how many it looked at and how many went.
   */
  expireSome(now: number, budget: number): { sampled: number; expired: number } {
    let expired = 0;
    let sampled = 0;
    if (this.replica || this.deletionsPaused) return { sampled, expired };
    // Active expiry belongs to no command: its deletions are named by their reason.
    const context: WriteContext = { now, events: undefined };
    for (const shard of this.shards) {
      // A held shard belongs to its job (a paused script): its keys wait for the next pass.
      if (!shard.queue.free) continue;
      shard.state.dbs.forEach((ks, db) => {
        if (ks.expires.size === 0) return;
        let seen = 0;
        for (const [key, expireAt] of this.expiryCursor(ks)) {
          if (expireAt <= now) {
            this.expire(shard, db, key, context);
            expired++;
          }
          sampled++;
          if (++seen >= budget) return;
        }
        this.cursors.delete(ks); // walked to the end: start over next time
      });
    }
    return { sampled, expired };
  }

  /**
   * Loads the projections: each shard's newest complete checkpoint, then its frames after it. A
   * corrupt newest frame is a torn tail: the log is cut back to the last whole frame (whole group
   * commits, never half a transaction) and loading starts over. Damage before later frames is
   * never loaded silently: LogDamagedError.
   */
  async recover(watch: RecoveryWatch = {}): Promise<RecoveryReport> {
    const started = performance.now();
    let cut: RecoveryReport['cut'];
    for (;;) {
      try {
        return { ...(await this.load(watch)), cut, ms: performance.now() - started };
      } catch (error) {
        if (!(error instanceof CorruptFrameError) || error.shard < 0) throw error;
        if (!(await this.log.isTornTail(error))) throw new LogDamagedError(error);
        cut = { fromRev: error.firstRev, frames: (cut?.frames ?? 0) + (await this.log.cutTailFrom(error.firstRev)), reason: error.reason };
        for (const shard of this.shards) for (const ks of shard.state.dbs) ks.clear();
      }
    }
  }

  private async load(watch: RecoveryWatch): Promise<Omit<RecoveryReport, 'ms' | 'cut'>> {
    // Shards load side by side: one shard's reads from LevelDB overlap another's decoding. All of
    // them finish before a failure is reported, so that a retry never races a load still running.
    const results = await Promise.allSettled(this.shards.map((shard) => this.loadShard(shard, watch)));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const loaded = results.map((result) => (result as PromiseFulfilledResult<{ records: number; checkpointRev: number }>).value);
    let keys = 0;
    for (const shard of this.shards) for (const ks of shard.state.dbs) keys += ks.size;
    return {
      records: loaded.reduce((sum, shard) => sum + shard.records, 0),
      keys,
      checkpointRev: loaded.length === 0 ? 0 : Math.min(...loaded.map((shard) => shard.checkpointRev)),
    };
  }

  /** One shard: its newest complete checkpoint, then its frames after it; `watch` hears of every batch. */
  private loadShard(shard: Shard, watch: RecoveryWatch): Promise<{ records: number; checkpointRev: number }> {
    const sink = shardStateSink(shard.state);
    if (watch.fits === undefined && watch.replayed === undefined) return this.log.replayShard(shard.id, sink);
    let loaded = 0;
    return this.log.replayShard(shard.id, {
      rows: (rows) => {
        watch.fits?.((loaded += rows.length));
        sink.rows(rows);
      },
      records: (rows) => {
        watch.fits?.((loaded += rows.length));
        sink.records(rows);
        const last = rows.at(-1);
        if (last !== undefined) watch.replayed?.(shard.id, rows.length, last[0]);
      },
    });
  }

  private readonly cursors = new Map<Keyspace, { map: Map<string, number>; entries: Iterator<[string, number]> }>();

  /** A resumable walk over a keyspace's expiry entries, as Redis's active expiry resumes its scan. */
  private *expiryCursor(ks: Keyspace): Generator<[string, number]> {
    let cursor = this.cursors.get(ks);
    if (cursor === undefined || cursor.map !== ks.expires) {
      cursor = { map: ks.expires, entries: ks.expires.entries() };
      this.cursors.set(ks, cursor);
    }
    for (let next = cursor.entries.next(); !next.done; next = cursor.entries.next()) yield next.value;
  }

  /** Stamps the keys an effect stored as accessed (their LRU clock, a new key's LFU counter). */
  private stampWritten(shard: Shard, db: number, effect: Effect, now: number): void {
    const dbs = shard.state.dbs;
    switch (effect[0]) {
      case 'del':
      case 'flushdb':
      case 'flushall':
      case 'swapdb':
      case 'slots-moved':
        return;
      case 'mset':
        for (let i = 1; i < effect.length; i += 2) this.access.written(dbs[db], effect[i], now);
        return;
      case 'rename':
      case 'copy':
        this.access.written(dbs[effect[0] === 'copy' ? effect[3] : db], effect[2], now);
        return;
      case 'move':
        this.access.written(dbs[effect[2]], effect[1], now);
        return;
      case 'put':
      case 'append':
      case 'setrange':
      case 'hset':
      case 'lpush':
      case 'rpush':
      case 'sadd':
      case 'zadd':
        // The key is there after these: no need to look (a SET is the hot path).
        this.access.written(dbs[db], effect[1], now);
        return;
      default:
        // Every other effect names its one key first; a shrinking one may have removed it.
        if (dbs[db].data.has(effect[1])) this.access.written(dbs[db], effect[1], now);
    }
  }

  /** Deletes a key to make room under maxmemory: logged as an eviction, so followers, tails and restores see why it went. */
  evict(shard: Shard, db: number, key: string, now: number): void {
    this.evictedKeys++;
    this.write(shard, db, ['del', key, 'evicted'], { now, events: undefined });
  }

  private expire(shard: Shard, db: number, key: string, context: WriteContext): void {
    this.expiredKeys++;
    this.write(shard, db, ['del', key, 'expired'], context);
  }
}
