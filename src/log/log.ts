import type { CheckpointStore } from './checkpoints.js';
import { CorruptFrameError, encodeFrame } from './frame.js';
import type { FsyncPolicy } from './fsync-policy.js';
import type { MetaName } from './keys.js';
import type { Effect, LogRecord } from './record.js';
import { replayShard, type ReplaySink } from './replay.js';
import { applyRetention, type RetentionPolicy } from './retention.js';
import { LogStorage } from './storage.js';

/** Something waiting until the log has made a revision safe to acknowledge (a client's held replies). */
export interface AckWaiter {
  /** The revision this waiter needs acknowledged. */
  readonly ackRev: number;
  acknowledged(): void;
}

export interface ReadOptions {
  shards?: readonly number[];
  follow?: boolean;
  signal?: AbortSignal;
}

const DEFAULT_SEGMENT_REVISIONS = 65_536;

/** The operating system's reason (ENOSPC's "No space left on device"), not LevelDB's wrapping. */
function writeErrorText(error: unknown): string {
  const text = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
  return /no space/i.test(text) ? 'No space left on device' : text.replace(/\s+/g, ' ');
}

/** Stored records are handed to batch readers in runs of this many. */
const STORED_RUN = 512;

export type CommitListener = (records: readonly LogRecord[]) => void;

/** Told of each group commit written (metrics, LATENCY): once per batch, never per record. */
export interface CommitObserver {
  /**
   * `seconds`: the write (and its sync when `synced`); `sinceAppendSeconds`: from the append of the
   * batch's first record to the end of that write, the time a reply waited on the log.
   */
  written(records: number, bytes: number, seconds: number, synced: boolean, sinceAppendSeconds: number): void;
}

export interface LogOptions {
  shards: number;
  fsync: FsyncPolicy;
  /** Revisions per segment, the unit retention drops. */
  segmentRevisions?: number;
  /** Called when a commit listener (a tail, a notifier) throws; the log goes on. */
  onListenerError?: (error: unknown) => void;
  /** Called when a group commit fails; the batch is retried until it succeeds. */
  onWriteError?: (error: unknown) => void;
}

const RETRY_AFTER_FAILURE_MS = 1000;
const EVERYSEC_MS = 1000;
const MAX_GATHER_TURNS = 2;

/**
 * The write-ahead log of every shard, kept in one LevelDB so that a batch spanning shards commits
 * all-or-nothing. Records appended during a tick are written as one LevelDB batch holding one frame
 * per shard (group commit); replies are released per the fsync policy.
 */
export class Log {
  /** Highest revision appended (applied to projections, maybe not yet written). */
  lastRev: number;
  /**
   * The oldest revision the log still holds for every shard: readers asking for anything older are
   * told so (etcd's compaction error), never given a silent gap. Retention raises it.
   */
  oldestRev: number;
  readonly checkpoints: CheckpointStore;
  /** Revisions per segment (see segments.ts). */
  readonly segmentRevisions: number;
  /** Segments and their bytes held, as of the last retention pass (INFO). */
  segmentStats = { segments: 0, bytes: 0 };
  /** Highest revision written to LevelDB (and synced in `always`). */
  committedRev: number;
  fsync: FsyncPolicy;
  /** Time of the last successful sync or write, for INFO persistence. */
  lastWriteOk = true;
  /** Why the last write failed (ENOSPC, an I/O error), while it does. */
  lastWriteError = '';
  bytesWritten = 0;
  /** Group commits written (LevelDB batches), for INFO. */
  batches = 0;
  /** The last group commit written: its start and end (performance.now()), records, and whether it synced (traces). */
  readonly lastWrite = { startedAt: 0, endedAt: 0, records: 0, synced: false };
  /** Records written by those commits (a follower's too), for metrics. */
  recordsWritten = 0;
  /** Who is told of each commit (metrics, the latency monitor); none: nothing is timed. */
  readonly commitObservers: CommitObserver[] = [];
  /** When the first record still pending was appended (performance.now()), while someone observes commits. */
  private firstPendingAt = 0;

  private pending: LogRecord[][];
  private pendingCount = 0;
  private waiters: AckWaiter[] = [];
  /** committed(): callers waiting for a revision to be written, lowest first. */
  private commitWaiters: { rev: number; resolve: () => void }[] = [];
  private listeners = new Set<CommitListener>();
  private scheduled = false;
  private pendingAtLastTurn = 0;
  private gatherTurns = 0;
  private writing = false;
  private syncRequested = false;
  private unsyncedWrites = false;
  private closed = false;
  private everysecTimer: NodeJS.Timeout;
  private idle: (() => void)[] = [];

  readonly shardCount: number;

  private constructor(
    private readonly storage: LogStorage,
    lastRev: number,
    private readonly held: number[],
    private readonly options: LogOptions,
  ) {
    this.shardCount = storage.shardCount;
    this.lastRev = lastRev;
    this.oldestRev = Math.max(1, ...held);
    this.segmentRevisions = options.segmentRevisions ?? DEFAULT_SEGMENT_REVISIONS;
    this.checkpoints = storage.checkpoints;
    this.committedRev = lastRev;
    this.fsync = options.fsync;
    this.pending = Array.from({ length: this.shardCount }, () => []);
    this.everysecTimer = setInterval(() => this.syncEverySecond(), EVERYSEC_MS);
    this.everysecTimer.unref();
  }

  /** Opens the log in `dir` (a new directory gets `options.shards`; an existing one keeps its own count). */
  static async open(dir: string, options: LogOptions): Promise<Log> {
    const storage = await LogStorage.open(dir, { create: { shards: options.shards } });
    const held = await Promise.all(storage.shardIds.map((shard) => storage.heldFrom(shard)));
    // Chunks of a checkpoint that never completed (a crash while writing) are of no use to anyone.
    for (const shard of storage.shardIds) for (const rev of await storage.checkpoints.abandoned(shard)) await storage.checkpoints.remove(shard, rev);
    return new Log(storage, await storage.lastRev(), held, { ...options, shards: storage.shardCount });
  }

  /**
   * Whether a frame that failed to decode is a torn tail (the newest group commit, cut short by a
   * crash) rather than damage within the log, which must never be loaded past silently.
   */
  isTornTail(error: CorruptFrameError): Promise<boolean> {
    return this.storage.isInLastBatch(error.shard, error.firstRev);
  }

  /**
   * Cuts a torn tail at start: the frames holding `fromRev` and later go, and the revision sequence
   * goes on from what remains. Only before the server takes writes.
   */
  async cutTailFrom(fromRev: number): Promise<number> {
    const removed = await this.storage.cutFrom(fromRev);
    this.lastRev = await this.storage.lastRev();
    this.committedRev = this.lastRev;
    return removed;
  }

  /** One shard's newest checkpoint, then its frames after it, into `sink` (recovery; see replay.ts). */
  replayShard(shard: number, sink: ReplaySink): Promise<{ records: number; checkpointRev: number }> {
    return replayShard(this.storage, shard, sink);
  }

  /** Drops the history `policy` no longer keeps (whole segments covered by a checkpoint); the segments dropped. */
  applyRetention(policy: RetentionPolicy, now = Date.now()): Promise<number> {
    return applyRetention(this.storage, this, policy, now);
  }

  readMeta(name: MetaName): Promise<Buffer | undefined> {
    return this.storage.readMeta(name);
  }

  writeMeta(name: MetaName, value: Buffer): Promise<void> {
    return this.storage.writeMeta(name, value);
  }

  /** Retention dropped a shard's log before `from`: readers asking for less are told it is gone. */
  shardHeldFrom(shard: number, from: number): void {
    this.held[shard] = from;
    this.oldestRev = Math.max(1, ...this.held);
  }

  /** What only a follower does with its log: its primary decides the records and the revisions. */
  readonly replica = {
    /**
     * Appends a record another node decided (a follower's copy of its primary's log): it keeps the
     * primary's revision, timestamp and transaction id. One revision may be several records here, on
     * different shards (a record the follower's slot map places on several of its shards).
     */
    append: (record: LogRecord): void => {
      if (record.rev < this.lastRev) throw new Error(`replicated revision ${record.rev} is before ${this.lastRev}`);
      this.lastRev = record.rev;
      this.enqueue(record);
    },
    /**
     * Moves the revision on to `rev` without a record: a follower loading a checkpoint skips the
     * primary's records that the checkpoint already holds, yet stands at their revision.
     */
    advanceTo: (rev: number): void => {
      if (rev <= this.lastRev) return;
      this.lastRev = rev;
      if (!this.writing && this.pendingCount === 0) this.committedRev = rev;
      // A commit under way or scheduled ends at the old revision: one more commits up to this one.
      else this.syncRequested = true;
    },
    /**
     * Empties the log (a follower's full resync): every frame, checkpoint and meta entry but `keep`
     * goes, and the revision sequence goes on after `rev`, where the copy that replaces it starts.
     */
    reset: async (rev: number, keep: readonly MetaName[]): Promise<void> => {
      await this.flush();
      await this.storage.clear(keep, rev + 1);
      this.lastRev = rev;
      this.committedRev = rev;
      this.held.fill(rev + 1);
      this.oldestRev = rev + 1;
    },
  };

  /** The stored record at `rev`, if the log still holds it. */
  async recordAt(rev: number): Promise<LogRecord | undefined> {
    if (rev < 1) return undefined;
    for await (const record of this.storage.read(this.storage.shardIds, rev)) return record.rev === rev ? record : undefined;
    return undefined;
  }

  /** Appends an effect to a shard's pending frame; it is written by the next group commit. */
  append(shard: number, db: number, txn: number, effect: Effect, ts: number, event?: string): LogRecord {
    const record: LogRecord = { rev: ++this.lastRev, ts, shard, db, txn, effect, event };
    this.enqueue(record);
    return record;
  }

  /** Puts a record in its shard's pending frame, for the next group commit. */
  private enqueue(record: LogRecord): void {
    this.pending[record.shard].push(record);
    // Once per batch: the time its first record has waited is what log-commit reports.
    if (this.pendingCount === 0 && this.commitObservers.length > 0) this.firstPendingAt = performance.now();
    this.pendingCount++;
    if (!this.writing) this.schedule();
  }

  /** The revision up to which replies may be sent now. */
  get ackedRev(): number {
    return this.fsync === 'no' ? this.lastRev : this.committedRev;
  }

  /** Calls `waiter.acknowledged()` once `waiter.ackRev` is acknowledged. */
  waitForAck(waiter: AckWaiter): void {
    this.waiters.push(waiter);
  }

  /**
   * Resolves once every record up to `rev` is written to LevelDB, whatever the fsync policy. Unlike
   * flush(), it does not wait for the log to go idle, which under a steady load it never does.
   */
  committed(rev: number): Promise<void> {
    // Anything appended is either being written or scheduled (or retried after a failed write).
    if (rev <= this.committedRev) return Promise.resolve();
    return new Promise((resolve) => {
      this.commitWaiters.push({ rev, resolve });
      this.commitWaiters.sort((a, b) => a.rev - b.rev);
    });
  }

  /** Listens to every committed batch, in revision order (tailers, followers). */
  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Records of `shards` (default: all) from `fromRev` on, in revision order; with `follow`, then every
   * record committed afterwards, with no gap or duplicate at the switch. `signal` ends a follower.
   */
  async *read(fromRev: number, options: ReadOptions = {}): AsyncGenerator<LogRecord> {
    for await (const batch of this.readBatches(fromRev, options)) yield* batch;
  }

  /** `read` a batch at a time: stored records in runs, then each commit's records together (tailers). */
  async *readBatches(fromRev: number, options: ReadOptions = {}): AsyncGenerator<readonly LogRecord[]> {
    const signal = options.signal;
    const shards = options.shards ?? this.storage.shardIds;
    const wanted = new Set(shards);
    const everyShard = wanted.size === this.shardCount;
    // Committed batches as the log hands them out, shared by every reader (never copied per reader).
    let live: (readonly LogRecord[])[] = [];
    let wake: (() => void) | undefined;
    // Listen before reading the stored log, so nothing committed in between is missed.
    const stopListening = options.follow
      ? this.onCommit((records) => {
          live.push(records);
          wake?.();
        })
      : undefined;
    // Every commit up to here is stored; every later one reaches the listener. The stored read stops
    // at this bound, so that a commit never comes both ways, nor half each way.
    const bound = options.follow ? this.committedRev : Infinity;
    try {
      let run: LogRecord[] = [];
      for await (const record of this.storage.read(shards, fromRev)) {
        if (signal?.aborted) return;
        if (record.rev > bound) break;
        run.push(record);
        if (run.length === STORED_RUN) {
          yield run;
          run = [];
        }
      }
      if (run.length > 0) yield run;
      if (!options.follow) return;
      // A follower waiting for the next commit is woken to end when its reader stops.
      signal?.addEventListener('abort', () => wake?.(), { once: true });
      while (!signal?.aborted) {
        const batches = live;
        live = [];
        for (let batch of batches) {
          if (batch[0].rev < fromRev) batch = batch.filter((record) => record.rev >= fromRev);
          if (!everyShard) batch = batch.filter((record) => wanted.has(record.shard));
          if (batch.length === 0) continue;
          yield batch;
          if (signal?.aborted) return;
        }
        if (live.length === 0 && !signal?.aborted) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      stopListening?.();
    }
  }

  /** Writes and syncs everything appended so far. */
  async flush(): Promise<void> {
    this.syncRequested = true;
    if (!this.writing) await this.commit();
    while (this.writing || this.pendingCount > 0 || this.syncRequested) {
      await new Promise<void>((resolve) => this.idle.push(resolve));
      if (!this.writing && (this.pendingCount > 0 || this.syncRequested)) await this.commit();
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    clearInterval(this.everysecTimer);
    await this.storage.close();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.commitNow);
  }

  /**
   * Group commit: while requests keep arriving from one event-loop turn to the next, wait a few turns
   * more, so that the clients released by the last commit join this batch instead of the next one.
   */
  private readonly commitNow = (): void => {
    if (this.pendingCount > this.pendingAtLastTurn && this.gatherTurns < MAX_GATHER_TURNS) {
      this.pendingAtLastTurn = this.pendingCount;
      this.gatherTurns++;
      setImmediate(this.commitNow);
      return;
    }
    this.scheduled = false;
    this.pendingAtLastTurn = 0;
    this.gatherTurns = 0;
    void this.commit();
  };

  private syncEverySecond(): void {
    if (this.fsync !== 'everysec' || !this.unsyncedWrites || this.closed) return;
    this.syncRequested = true;
    if (!this.writing && !this.scheduled) void this.commit();
  }

  private async commit(): Promise<void> {
    if (this.writing || this.closed) return;
    if (this.pendingCount === 0 && !this.syncRequested) return this.wakeIdle();
    this.writing = true;
    const batch: LogRecord[] = [];
    const frames: { shard: number; firstRev: number; value: Buffer }[] = [];
    let bytes = 0;
    for (let shard = 0; shard < this.shardCount; shard++) {
      const records = this.pending[shard];
      if (records.length === 0) continue;
      const value = encodeFrame(records);
      bytes += value.length;
      this.bytesWritten += value.length;
      frames.push({ shard, firstRev: records[0].rev, value });
      for (const record of records) batch.push(record);
      this.pending[shard] = [];
    }
    this.pendingCount = 0;
    // Every appended record is in this batch: it commits up to the last revision handed out.
    const upTo = this.lastRev;
    if (frames.length > 1) batch.sort((a, b) => a.rev - b.rev);
    const sync = this.fsync === 'always' || this.syncRequested;
    this.syncRequested = false;
    const appendedAt = this.firstPendingAt;
    const startedAt = performance.now();
    try {
      await this.storage.writeFrames(frames, sync);
      this.noteWrite(startedAt, batch.length, sync);
      this.lastWriteOk = true;
      this.lastWriteError = '';
      this.batches++;
      this.recordsWritten += batch.length;
      if (this.commitObservers.length > 0) this.tellObservers(batch.length, bytes, startedAt, appendedAt, sync);
    } catch (error) {
      this.lastWriteOk = false;
      this.lastWriteError = writeErrorText(error);
      this.requeue(batch);
      this.options.onWriteError?.(error);
      setTimeout(() => void this.retryAfterFailure(), RETRY_AFTER_FAILURE_MS).unref();
      return;
    }
    this.unsyncedWrites = !sync;
    this.committedRev = upTo;
    this.writing = false;
    this.releaseWaiters();
    if (batch.length > 0) this.announce(batch);
    if (this.pendingCount > 0 || this.syncRequested) this.schedule();
    else this.wakeIdle();
  }

  private tellObservers(records: number, bytes: number, startedAt: number, appendedAt: number, synced: boolean): void {
    const endedAt = this.lastWrite.endedAt;
    // A sync without records (everysec's) waited on nothing appended.
    const sinceAppend = records === 0 || appendedAt === 0 ? endedAt - startedAt : endedAt - appendedAt;
    for (const observer of this.commitObservers) observer.written(records, bytes, (endedAt - startedAt) / 1000, synced, sinceAppend / 1000);
  }

  private noteWrite(startedAt: number, records: number, synced: boolean): void {
    const write = this.lastWrite;
    write.startedAt = startedAt;
    write.endedAt = performance.now();
    write.records = records;
    write.synced = synced;
  }

  /**
   * After a failed write the storage is reopened before the batch is tried again: once space is
   * back, writing resumes by itself. The batch stays in memory meanwhile, its replies held: nothing
   * acknowledged is lost.
   */
  private async retryAfterFailure(): Promise<void> {
    if (this.closed) return;
    try {
      await this.storage.reopen();
    } catch (error) {
      this.lastWriteError = writeErrorText(error);
      setTimeout(() => void this.retryAfterFailure(), RETRY_AFTER_FAILURE_MS).unref();
      return;
    }
    this.writing = false;
    await this.commit();
  }

  /** Hands a committed batch to every listener; one that throws (a bug) must not stop the log. */
  private announce(batch: readonly LogRecord[]): void {
    for (const listener of this.listeners)
      try {
        listener(batch);
      } catch (error) {
        this.options.onListenerError?.(error);
      }
  }

  /** Puts a failed batch back in front of what was appended since, keeping revision order. */
  private requeue(batch: LogRecord[]): void {
    const appendedSince = this.pending;
    this.pending = Array.from({ length: this.shardCount }, () => []);
    for (const record of batch) this.pending[record.shard].push(record);
    for (let shard = 0; shard < this.shardCount; shard++) for (const record of appendedSince[shard]) this.pending[shard].push(record);
    this.pendingCount += batch.length;
  }

  /** A waiter that throws (a bug) must not fail the commit that released it. */
  private tell(waiter: AckWaiter): void {
    try {
      waiter.acknowledged();
    } catch (error) {
      this.options.onListenerError?.(error);
    }
  }

  private releaseWaiters(): void {
    const committed = this.committedRev;
    if (this.commitWaiters.length > 0 && this.commitWaiters[0].rev <= committed) {
      const ready = this.commitWaiters.filter((waiter) => waiter.rev <= committed);
      this.commitWaiters = this.commitWaiters.filter((waiter) => waiter.rev > committed);
      for (const waiter of ready) waiter.resolve();
    }
    const acked = this.ackedRev;
    const waiters = this.waiters;
    let kept = 0;
    for (let i = 0; i < waiters.length; i++) {
      const waiter = waiters[i];
      if (waiter.ackRev <= acked) this.tell(waiter);
      else waiters[kept++] = waiter;
    }
    waiters.length = kept;
  }

  private wakeIdle(): void {
    const idle = this.idle;
    this.idle = [];
    for (const resolve of idle) resolve();
  }
}
