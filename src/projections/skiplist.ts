/**
 * An order-statistic skiplist over (score, member) pairs, the structure Redis uses for large sorted
 * sets (t_zset.c): each forward link records its span, so rank and select are O(log n) as well as
 * search by score or lex. Written here because no well-kept npm structure offers O(log n) select
 * (js-sdsl's OrderedSet walks the tree: getElementByPos took ~50 ms at 1 M elements).
 *
 * Levels are random, which changes only the shape, never the order or the answers, so replaying the
 * log still yields the same sorted set.
 */
const MAX_LEVEL = 32;
const LEVEL_P = 0.25;

/** A node: per level, the next node (`forward`) and how many ranks that link skips (`span`). */
export class SkipNode {
  backward: SkipNode | null = null;
  // Two flat arrays rather than an object per level: fewer allocations, fewer pointer hops.
  readonly forward: (SkipNode | null)[];
  readonly span: number[];

  constructor(
    readonly member: string,
    readonly score: number,
    height: number,
  ) {
    this.forward = new Array<SkipNode | null>(height).fill(null);
    this.span = new Array<number>(height).fill(0);
  }

  get next(): SkipNode | null {
    return this.forward[0];
  }
}

/** A score interval; `minExclusive`/`maxExclusive` follow ZRANGEBYSCORE's `(` syntax. */
export interface ScoreRange {
  min: number;
  max: number;
  minExclusive: boolean;
  maxExclusive: boolean;
}

/** A lex interval: `-` and `+` are the open ends (`min: null` / `max: null`). */
export interface LexRange {
  min: string | null;
  max: string | null;
  minExclusive: boolean;
  maxExclusive: boolean;
}

function before(node: SkipNode, score: number, member: string): boolean {
  return node.score < score || (node.score === score && node.member < member);
}

export function aboveMin(score: number, range: ScoreRange): boolean {
  return range.minExclusive ? score > range.min : score >= range.min;
}

export function belowMax(score: number, range: ScoreRange): boolean {
  return range.maxExclusive ? score < range.max : score <= range.max;
}

export function lexAboveMin(member: string, range: LexRange): boolean {
  if (range.min === null) return true;
  return range.minExclusive ? member > range.min : member >= range.min;
}

export function lexBelowMax(member: string, range: LexRange): boolean {
  if (range.max === null) return true;
  return range.maxExclusive ? member < range.max : member <= range.max;
}

function randomLevel(): number {
  let level = 1;
  while (level < MAX_LEVEL && Math.random() < LEVEL_P) level++;
  return level;
}

export class SkipList {
  private readonly head = new SkipNode('', -Infinity, MAX_LEVEL);
  private level = 1;
  tail: SkipNode | null = null;
  length = 0;
  /** Scratch space for insert and delete, allocated once (the per-level predecessors and ranks). */
  private readonly update = new Array<SkipNode>(MAX_LEVEL);
  private readonly rankAt = new Array<number>(MAX_LEVEL).fill(0);

  get first(): SkipNode | null {
    return this.head.forward[0];
  }

  insert(score: number, member: string): SkipNode {
    const update = this.update;
    const rank = this.rankAt;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1];
      for (let next = x.forward[i]; next !== null && before(next, score, member); next = x.forward[i]) {
        rank[i] += x.span[i];
        x = next;
      }
      update[i] = x;
    }
    const height = randomLevel();
    if (height > this.level) {
      for (let i = this.level; i < height; i++) {
        rank[i] = 0;
        update[i] = this.head;
        this.head.span[i] = this.length;
      }
      this.level = height;
    }
    const node = new SkipNode(member, score, height);
    for (let i = 0; i < height; i++) {
      const prev = update[i];
      node.forward[i] = prev.forward[i];
      prev.forward[i] = node;
      node.span[i] = prev.span[i] - (rank[0] - rank[i]);
      prev.span[i] = rank[0] - rank[i] + 1;
    }
    for (let i = height; i < this.level; i++) update[i].span[i]++;
    node.backward = update[0] === this.head ? null : update[0];
    if (node.forward[0] !== null) node.forward[0].backward = node;
    else this.tail = node;
    this.length++;
    return node;
  }

  delete(score: number, member: string): boolean {
    const update = this.update;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let next = x.forward[i]; next !== null && before(next, score, member); next = x.forward[i]) x = next;
      update[i] = x;
    }
    const target = x.forward[0];
    if (target === null || target.score !== score || target.member !== member) return false;
    for (let i = 0; i < this.level; i++) {
      const prev = update[i];
      if (prev.forward[i] === target) {
        prev.span[i] += target.span[i] - 1;
        prev.forward[i] = target.forward[i];
      } else prev.span[i]--;
    }
    if (target.forward[0] !== null) target.forward[0].backward = target.backward;
    else this.tail = target.backward;
    while (this.level > 1 && this.head.forward[this.level - 1] === null) this.level--;
    this.length--;
    return true;
  }

  /** 1-based rank of (score, member), or 0 when absent. */
  rank(score: number, member: string): number {
    let x = this.head;
    let rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let next = x.forward[i]; next !== null && (before(next, score, member) || (next.score === score && next.member === member)); next = x.forward[i]) {
        rank += x.span[i];
        x = next;
      }
      if (x !== this.head && x.member === member && x.score === score) return rank;
    }
    return 0;
  }

  /** The node at a 1-based rank, or null. */
  at(rank: number): SkipNode | null {
    if (rank < 1 || rank > this.length) return null;
    let x = this.head;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.forward[i] !== null && traversed + x.span[i] <= rank) {
        traversed += x.span[i];
        x = x.forward[i] as SkipNode;
      }
      if (traversed === rank) return x;
    }
    return null;
  }

  /** The first node whose score is in range, or null. */
  firstInRange(range: ScoreRange): SkipNode | null {
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) for (let next = x.forward[i]; next !== null && !aboveMin(next.score, range); next = x.forward[i]) x = next;
    const first = x.forward[0];
    return first !== null && belowMax(first.score, range) ? first : null;
  }

  /** The last node whose score is in range, or null. */
  lastInRange(range: ScoreRange): SkipNode | null {
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) for (let next = x.forward[i]; next !== null && belowMax(next.score, range); next = x.forward[i]) x = next;
    return x !== this.head && aboveMin(x.score, range) ? x : null;
  }

  /** The first node whose member is in the lex range (members compared as bytes), or null. */
  firstInLexRange(range: LexRange): SkipNode | null {
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) for (let next = x.forward[i]; next !== null && !lexAboveMin(next.member, range); next = x.forward[i]) x = next;
    const first = x.forward[0];
    return first !== null && lexBelowMax(first.member, range) ? first : null;
  }

  lastInLexRange(range: LexRange): SkipNode | null {
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) for (let next = x.forward[i]; next !== null && lexBelowMax(next.member, range); next = x.forward[i]) x = next;
    return x !== this.head && lexAboveMin(x.member, range) ? x : null;
  }
}
