import type { PushReply } from '../replies/reply.js';
import { changesOfRecord } from '../log/change-events.js';
import type { Log } from '../log/log.js';
import type { LogRecord } from '../log/record.js';
import { ChangeFilter, type ChangeFilterSpec } from './change-filter.js';
import { sharedChangeReply } from './change-reply.js';

/** One matching change of a committed batch, ready to send. */
export interface HubEvent {
  rev: number;
  event: PushReply;
}

/** A live tail as the hub sees it: it takes each commit's matching events; false when cut off. */
export interface HubMember {
  receive(events: readonly HubEvent[], lastRev: number): boolean;
}

interface Group {
  filter: ChangeFilter;
  members: Set<HubMember>;
}

/**
 * Live log tails, grouped by filter, as Redis groups pattern subscribers by pattern: each committed
 * batch is matched once per distinct filter, not once per tail, and every tail of a group gets the
 * same event objects (encoded once per protocol). Tails join when they are caught up.
 */
export class TailHub {
  private readonly groups = new Map<string, Group>();
  private stopListening: (() => void) | undefined;

  constructor(private readonly log: Log) {}

  /** Adds a member for `filter`; commits from now on reach it. Returns how to leave. */
  join(filter: ChangeFilterSpec, member: HubMember): () => void {
    const key = JSON.stringify([filter.keys, filter.patterns, filter.db ?? null, filter.reader?.name ?? null]);
    let group = this.groups.get(key);
    if (group === undefined) this.groups.set(key, (group = { filter: new ChangeFilter(filter), members: new Set() }));
    group.members.add(member);
    this.stopListening ??= this.log.onCommit((records) => this.deliver(records));
    const joined = group;
    return () => {
      joined.members.delete(member);
      if (joined.members.size === 0 && this.groups.get(key) === joined) this.groups.delete(key);
      if (this.groups.size === 0) {
        this.stopListening?.();
        this.stopListening = undefined;
      }
    };
  }

  /** One member failing (a frame it cannot build) must not cost the others this commit. */
  private handTo(member: HubMember, events: readonly HubEvent[], lastRev: number): boolean {
    try {
      return member.receive(events, lastRev);
    } catch {
      return false;
    }
  }

  private deliver(records: readonly LogRecord[]): void {
    const lastRev = records[records.length - 1].rev;
    for (const group of this.groups.values()) {
      const events: HubEvent[] = [];
      for (const record of records) {
        const changes = changesOfRecord(record);
        for (let i = 0; i < changes.length; i++) if (group.filter.accepts(changes[i])) events.push({ rev: record.rev, event: sharedChangeReply(record, changes[i], i) });
      }
      for (const member of [...group.members]) if (!this.handTo(member, events, lastRev)) group.members.delete(member);
    }
  }
}
