import type { CollectionSnapshot } from '../log/record.js';
import { INTSET_MOST_ENTRIES, type EncodingLimits } from './encoding-limits.js';
import { isIntegerString, type Collection } from './value.js';

/**
 * A set: members in a Map (member -> slot) plus an array of members, so that a random member (SPOP,
 * SRANDMEMBER) is O(1); removal swaps the last member into the hole.
 */
export class SetValue implements Collection {
  readonly type = 'set';
  private readonly slots = new Map<string, number>();
  private readonly members: string[] = [];
  /** Redis 7.0 converts an intset to a hashtable once and never back (listpack sets came with 7.2). */
  private wide = false;

  get size(): number {
    return this.members.length;
  }

  has(member: string): boolean {
    return this.slots.has(member);
  }

  /** Adds a member; a member that is not an integer, or one past the intset limit, makes the set a hashtable. */
  add(member: string, limits: EncodingLimits): boolean {
    if (this.slots.has(member)) return false;
    this.insert(member);
    if (!this.wide && (!isIntegerString(member) || this.size > Math.min(limits.intsetEntries, INTSET_MOST_ENTRIES))) this.wide = true;
    return true;
  }

  remove(member: string): boolean {
    const slot = this.slots.get(member);
    if (slot === undefined) return false;
    const last = this.members.pop() as string;
    if (last !== member) {
      this.members[slot] = last;
      this.slots.set(last, slot);
    }
    this.slots.delete(member);
    return true;
  }

  /** Member at a slot, for random picks: `Math.floor(Math.random() * size)`. */
  memberAt(slot: number): string {
    return this.members[slot];
  }

  /** Members in a stable order that survives changes during SSCAN. */
  keys(): IterableIterator<string> {
    return this.slots.keys();
  }

  encoding(): string {
    return this.wide ? 'hashtable' : 'intset';
  }

  /** A copy in the same encoding, as Redis's COPY duplicates a set. */
  clone(): SetValue {
    const copy = new SetValue();
    for (const member of this.members) copy.insert(member);
    copy.wide = this.wide;
    return copy;
  }

  snapshot(): CollectionSnapshot {
    return ['set', ...this.members];
  }

  private insert(member: string): void {
    this.slots.set(member, this.members.length);
    this.members.push(member);
  }
}
