import { globMatcher } from '../formats/glob.js';
import type { Change } from '../log/change-events.js';
import { slotOf } from '../shards/slot.js';

/** Who reads a tail, when its keys are limited (an ACL user): a change to a key it may not read is skipped. */
export interface KeyReader {
  readonly name: string;
  mayRead(key: string): boolean;
}

/** Which changes a tail wants: some keys and/or key patterns (none: every key), optionally one db. */
export interface ChangeFilterSpec {
  keys: string[];
  patterns: string[];
  db: number | undefined;
  reader?: KeyReader;
}

export class ChangeFilter {
  private readonly keys: Set<string>;
  private readonly matchers: ((key: string) => boolean)[];

  constructor(readonly spec: ChangeFilterSpec) {
    this.keys = new Set(spec.keys);
    this.matchers = spec.patterns.map(sharedMatcher);
  }

  /**
   * A database-wide change (FLUSHDB, SWAPDB) touches every key: it passes whatever the keys. Slots
   * that moved to another cluster node pass when a key named is in them, or a pattern may match
   * one (a pattern can match keys of any slot); their keys' `migrated` deletes that follow never
   * pass: the keys live on, on the other node.
   */
  accepts(change: Change): boolean {
    if (this.spec.db !== undefined && change.db !== this.spec.db) return false;
    if (change.event === 'migrated') return false;
    if (change.slots !== undefined && this.keys.size > 0 && this.matchers.length === 0) return this.namesKeyIn(change.slots);
    // Never shown, not even as a gap: the revisions after it still resume exactly.
    if (change.key !== null && this.spec.reader !== undefined && !this.spec.reader.mayRead(change.key)) return false;
    if (change.key === null || (this.keys.size === 0 && this.matchers.length === 0)) return true;
    if (this.keys.has(change.key)) return true;
    for (const matches of this.matchers) if (matches(change.key)) return true;
    return false;
  }

  private namesKeyIn([start, end]: readonly [number, number]): boolean {
    for (const key of this.keys) {
      const slot = slotOf(key);
      if (slot >= start && slot <= end) return true;
    }
    return false;
  }
}

const matchers = new Map<string, (key: string) => boolean>();

/**
 * One matcher per pattern for all tails, remembering its last answer: every tail on `user:*` is
 * offered the same change in turn, so the pattern is matched once per change, not once per tail.
 */
function sharedMatcher(pattern: string): (key: string) => boolean {
  let shared = matchers.get(pattern);
  if (shared === undefined) {
    const matches = globMatcher(pattern);
    let lastKey: string | undefined;
    let lastResult = false;
    shared = (key) => {
      if (key !== lastKey) {
        lastResult = matches(key);
        lastKey = key;
      }
      return lastResult;
    };
    // Bounded: an application with ever-new patterns must not grow this forever.
    if (matchers.size > 10_000) matchers.clear();
    matchers.set(pattern, shared);
  }
  return shared;
}
