import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SkipList, type ScoreRange } from '../../src/projections/skiplist.js';

/** The skiplist against a sorted array of (score, member): every answer must agree after any inserts and deletes. */
type Pair = [score: number, member: string];
const byRank = (a: Pair, b: Pair) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);

const operation = fc.oneof(
  fc.record({ insert: fc.tuple(fc.integer({ min: -5, max: 5 }), fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g')) }),
  fc.record({ remove: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g') }),
);

describe('SkipList', () => {
  it('ranks, selects and finds score and lex ranges as a sorted array would', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 80 }), fc.integer({ min: -6, max: 6 }), fc.integer({ min: -6, max: 6 }), fc.boolean(), (operations, low, high, exclusive) => {
        const list = new SkipList();
        let model: Pair[] = [];
        for (const op of operations) {
          const member = 'insert' in op ? op.insert[1] : op.remove;
          const existing = model.find((pair) => pair[1] === member);
          if (existing !== undefined) {
            expect(list.delete(existing[0], member)).toBe(true);
            model = model.filter((pair) => pair !== existing);
          } else if ('remove' in op) expect(list.delete(0, member)).toBe(false);
          if ('insert' in op) {
            list.insert(op.insert[0], member);
            model.push([op.insert[0], member]);
          }
        }
        model.sort(byRank);
        expect(list.length).toBe(model.length);
        model.forEach(([score, member], i) => {
          expect(list.rank(score, member)).toBe(i + 1);
          expect([list.at(i + 1)?.score, list.at(i + 1)?.member]).toEqual([score, member]);
        });
        expect(list.at(0)).toBeNull();
        expect(list.at(model.length + 1)).toBeNull();
        const range: ScoreRange = { min: low, max: high, minExclusive: exclusive, maxExclusive: !exclusive };
        const inRange = model.filter(([score]) => (exclusive ? score > low : score >= low) && (!exclusive ? score < high : score <= high));
        expect(list.firstInRange(range)?.member ?? null).toBe(inRange[0]?.[1] ?? null);
        expect(list.lastInRange(range)?.member ?? null).toBe(inRange.at(-1)?.[1] ?? null);
      }),
      { numRuns: 400 },
    );
  });

  it('finds lex ranges among equal scores, with open and exclusive ends', () => {
    const list = new SkipList();
    for (const member of ['a', 'b', 'c', 'd']) list.insert(0, member);
    expect(list.firstInLexRange({ min: 'b', max: null, minExclusive: true, maxExclusive: false })?.member).toBe('c');
    expect(list.lastInLexRange({ min: null, max: 'c', minExclusive: false, maxExclusive: true })?.member).toBe('b');
    expect(list.firstInLexRange({ min: 'e', max: null, minExclusive: false, maxExclusive: false })).toBeNull();
  });
});
