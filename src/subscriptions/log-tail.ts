import type { PushReply } from '../replies/reply.js';
import { changesOf, changesOfRecord } from '../log/change-events.js';
import type { Log } from '../log/log.js';
import type { LogRecord } from '../log/record.js';
import { applyEffect } from '../projections/apply.js';
import { emptyShardState, type ShardState } from '../projections/shard-state.js';
import { valueFromSnapshot } from '../projections/value-snapshot.js';
import { ChangeFilter, type ChangeFilterSpec } from './change-filter.js';
import { changeReply, sharedChangeReply } from './change-reply.js';
import type { HubEvent, TailHub } from './tail-hub.js';

export interface TailRequest {
  /** First revision wanted. */
  from: number;
  filter: ChangeFilterSpec;
  /** Shards whose records can match (those of the KEYS; undefined: all). */
  shards: readonly number[] | undefined;
  withValues: boolean;
}

/** Where a tail sends its events. */
export interface EventReceiver {
  /**
   * Sends one event; false when the receiver could not keep up and is cut off. The limit is checked
   * at a record's first event only (`continuesRecord` false): a record's changes go all or none, so
   * that a resume at its revision sends nothing twice.
   */
  send(event: PushReply, continuesRecord: boolean): boolean;
  /** True while sent events pile up unread: the tail stops sending and reads the log again later. */
  readonly congested: boolean;
  /** Resolves once the pile has drained, or the receiver is gone. */
  drained(): Promise<void>;
}

/** A request for revisions the log no longer holds (etcd's compaction error). */
export function compactedError(log: Log, from: number): string | undefined {
  return from < log.oldestRev ? `COMPACTED oldest available revision is ${log.oldestRev}` : undefined;
}

/**
 * One log-tail subscription: the committed changes matching a filter, from a revision on — caught up
 * from the stored log, then followed live with no gap or duplicate.
 * `nextRev` is always where a client that loses the connection resumes.
 */
export class LogTail {
  nextRev: number;
  private readonly stopper = new AbortController();
  private readonly filter: ChangeFilter;
  /** WITHVALUES: the matching keys' values, replayed from the start of the log, one state per shard. */
  private readonly states: Map<number, ShardState> | undefined;

  constructor(
    private readonly log: Log,
    private readonly hub: TailHub,
    private readonly request: TailRequest,
    private readonly receiver: EventReceiver,
    /** Called once when the tail ends because its receiver was too slow. */
    private readonly onOverflow: (resumeRev: number) => void,
  ) {
    this.nextRev = request.from;
    this.filter = new ChangeFilter(request.filter);
    this.states = request.withValues ? new Map() : undefined;
  }

  start(): void {
    void this.follow();
  }

  stop(): void {
    this.stopper.abort();
  }

  get stopped(): boolean {
    return this.stopper.signal.aborted;
  }

  private async follow(): Promise<void> {
    if (this.states === undefined) return this.catchUpThenJoin();
    // Values after each change need the keys' state before it: each shard starts from its newest
    // checkpoint before the first revision wanted (the matching keys), then replays silently.
    try {
      const seeded = await this.seedValues();
      const start = Math.max(this.log.oldestRev, Math.min(...seeded.values()) + 1);
      for await (const batch of this.log.readBatches(start, { shards: this.request.shards, follow: true, signal: this.stopper.signal }))
        for (const record of batch) if (record.rev > (seeded.get(record.shard) ?? 0) && !this.deliver(record)) return this.overflow();
    } catch {
      // The log closed under the reader (shutdown): the connection goes with it.
      this.stop();
    }
  }

  /**
   * Without values, a tail reads the stored log up to the present, then the hub hands it each commit
   * with every other tail of the same filter. When its client stops reading, it leaves the hub and
   * waits: once the client drains what it was sent, the tail catches up from the log again. A slow
   * reader costs writers nothing; that is what a log is for.
   */
  private async catchUpThenJoin(): Promise<void> {
    while ((await this.followOnce()) === 'congested') {
      await this.receiver.drained();
      if (this.stopped) return;
      if (this.nextRev < this.log.oldestRev) return this.overflow();
    }
  }

  /**
   * One pass: the stored log up to the present, then live commits from the hub, until the tail stops
   * or its receiver is congested. It joins the hub first and holds what the hub sends until the
   * stored read is done, so no commit falls between the two and none is sent twice.
   */
  private followOnce(): Promise<'stopped' | 'congested'> {
    return new Promise((resolve) => {
      let held: { events: readonly HubEvent[]; lastRev: number }[] | undefined = [];
      let ended = false;
      const end = (outcome: 'stopped' | 'congested', overflow = false): void => {
        if (ended) return;
        ended = true;
        leave();
        this.stopper.signal.removeEventListener('abort', onAbort);
        if (overflow) this.overflow();
        resolve(outcome);
      };
      const onAbort = (): void => end('stopped');
      const leave = this.hub.join(this.request.filter, {
        receive: (events, lastRev) => {
          if (held !== undefined) held.push({ events, lastRev });
          else {
            const outcome = this.sendLive(events, lastRev);
            if (outcome === 'sent') return true;
            // Told after the hub is done with this commit.
            queueMicrotask(() => (outcome === 'congested' ? end('congested') : end('stopped', true)));
            return false;
          }
          return true;
        },
      });
      this.stopper.signal.addEventListener('abort', onAbort, { once: true });
      // Commits up to here are stored; later ones reach the hub (see Log.readBatches).
      const bound = this.log.committedRev;
      void (async () => {
        try {
          reading: for await (const batch of this.log.readBatches(this.nextRev, { shards: this.request.shards, signal: this.stopper.signal })) {
            for (const record of batch) {
              if (record.rev > bound) break reading;
              if (!this.deliver(record)) return end('stopped', true);
              // A run of stored records can be far larger than the output limit: look after each.
              if (this.receiver.congested) return end('congested');
            }
          }
        } catch {
          // The log closed under the reader (shutdown): the connection goes with it.
          this.stop();
          return end('stopped');
        }
        if (ended) return;
        this.nextRev = Math.max(this.nextRev, bound + 1);
        const caughtUp = held as { events: readonly HubEvent[]; lastRev: number }[];
        held = undefined;
        for (const { events, lastRev } of caughtUp) {
          const outcome = this.sendLive(events, lastRev);
          if (outcome !== 'sent') return outcome === 'congested' ? end('congested') : end('stopped', true);
        }
      })();
    });
  }

  /**
   * A commit's events from the hub; those the stored read already sent are skipped. A receiver that
   * becomes congested between two records stops it there: the rest is read from the log later.
   */
  private sendLive(events: readonly HubEvent[], lastRev: number): 'sent' | 'congested' | 'overflow' {
    const start = this.nextRev;
    if (this.stopped || lastRev < start) return 'sent';
    let recordRev = -1;
    for (const { rev, event } of events) {
      if (rev < start) continue;
      const continuesRecord = rev === recordRev;
      if (!continuesRecord && this.receiver.congested) {
        this.nextRev = rev;
        return 'congested';
      }
      recordRev = rev;
      if (!this.receiver.send(event, continuesRecord)) {
        // Nothing of this record went out: resume at it.
        this.nextRev = rev;
        return 'overflow';
      }
    }
    this.nextRev = lastRev + 1;
    return 'sent';
  }

  private overflow(): void {
    this.stop();
    this.onOverflow(this.nextRev);
  }

  /** Sends the record's matching changes; false when the receiver was cut off. */
  private deliver(record: LogRecord): boolean {
    const changes = changesOfRecord(record);
    let matched = false;
    let sent = false;
    for (let i = 0; i < changes.length; i++) {
      const change = changes[i];
      if (!this.filter.accepts(change)) continue;
      if (!matched && this.states !== undefined) this.applyToValues(record);
      matched = true;
      if (record.rev < this.request.from) continue;
      const event =
        this.states === undefined
          ? sharedChangeReply(record, change, i)
          : changeReply(record, change, change.key === null ? null : (this.states.get(record.shard)?.dbs[change.db].data.get(change.key) ?? null));
      if (!this.receiver.send(event, sent)) return false;
      sent = true;
    }
    if (record.rev >= this.request.from) this.nextRev = record.rev + 1;
    return true;
  }

  /** Loads the matching keys of each shard's newest checkpoint before `from`; the revision each shard starts after. */
  private async seedValues(): Promise<Map<number, number>> {
    const states = this.states as Map<number, ShardState>;
    const shards = this.request.shards ?? Array.from({ length: this.log.shardCount }, (_, i) => i);
    const seeded = new Map<number, number>();
    for (const shard of shards) {
      const checkpoints = await this.log.checkpoints.list(shard);
      const checkpoint = checkpoints.filter((manifest) => manifest.rev < this.request.from).pop();
      seeded.set(shard, checkpoint?.rev ?? 0);
      if (checkpoint === undefined) continue;
      const state = emptyShardState();
      states.set(shard, state);
      for await (const rows of this.log.checkpoints.rows(shard, checkpoint.rev))
        for (const [db, key, snapshot, expireAt] of rows)
          if (this.filter.accepts({ db, key, event: 'set' })) state.dbs[db].set(key, valueFromSnapshot(snapshot, state.limits), expireAt);
    }
    return seeded;
  }

  private applyToValues(record: LogRecord): void {
    const states = this.states as Map<number, ShardState>;
    let state = states.get(record.shard);
    if (state === undefined) states.set(record.shard, (state = emptyShardState()));
    try {
      applyEffect(state, record.db, record.effect, record.rev);
    } catch {
      // Only the watched keys' history is replayed: a key moved in from an unwatched one (RENAME,
      // COPY) has no known value, and an effect on it cannot apply. Its value shows as null.
      for (const change of changesOf(record.db, record.effect)) if (change.key !== null) state.dbs[change.db].delete(change.key);
    }
  }
}
