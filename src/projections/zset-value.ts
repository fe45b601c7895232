import type { CollectionSnapshot } from '../log/record.js';
import type { EncodingLimits } from './encoding-limits.js';
import { SkipList, type SkipNode } from './skiplist.js';
import type { Collection } from './value.js';

/** A sorted set: member -> score, and the members ordered by (score, member) in a skiplist. */
export class ZSetValue implements Collection {
  readonly type = 'zset';
  readonly scores = new Map<string, number>();
  readonly order = new SkipList();
  private wide = false;

  get size(): number {
    return this.scores.size;
  }

  /**
   * Adds or moves a member to `score`. A new member past the listpack limits (in entries, or its
   * bytes) makes the sorted set a skiplist; a moved one does not (Redis checks only what it inserts).
   */
  set(member: string, score: number, limits: EncodingLimits): void {
    const old = this.scores.get(member);
    if (old !== undefined) {
      if (old === score) return;
      this.order.delete(old, member);
    } else if (!this.wide && (this.scores.size >= limits.zsetEntries || member.length > limits.zsetValue)) this.wide = true;
    this.scores.set(member, score);
    this.order.insert(score, member);
  }

  remove(member: string): boolean {
    const score = this.scores.get(member);
    if (score === undefined) return false;
    this.scores.delete(member);
    this.order.delete(score, member);
    return true;
  }

  /** 0-based rank in ascending order, or undefined. */
  rankOf(member: string): number | undefined {
    const score = this.scores.get(member);
    return score === undefined ? undefined : this.order.rank(score, member) - 1;
  }

  /** The node at a 0-based rank. */
  nodeAt(rank: number): SkipNode | null {
    return this.order.at(rank + 1);
  }

  /** Removes ranks [start, stop] (0-based, inclusive, already clamped). */
  removeRanks(start: number, stop: number): void {
    const doomed: string[] = [];
    for (let node = this.nodeAt(start), i = start; node !== null && i <= stop; node = node.next, i++) doomed.push(node.member);
    for (const member of doomed) this.remove(member);
  }

  encoding(): string {
    return this.wide ? 'skiplist' : 'listpack';
  }

  /** A copy in the same encoding, as Redis's COPY duplicates a sorted set. */
  clone(): ZSetValue {
    const copy = new ZSetValue();
    for (let node = this.order.first; node !== null; node = node.next) {
      copy.scores.set(node.member, node.score);
      copy.order.insert(node.score, node.member);
    }
    copy.wide = this.wide;
    return copy;
  }

  snapshot(): CollectionSnapshot {
    const flat: [type: 'zset', ...scoresAndMembers: (number | string)[]] = ['zset'];
    for (let node = this.order.first; node !== null; node = node.next) flat.push(node.score, node.member);
    return flat;
  }
}
