import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partialSort } from '../../src/commands/partial-sort.js';

describe("partialSort (Redis's pqsort)", () => {
  const byValue = (a: { value: number }, b: { value: number }): number => (a.value > b.value ? 1 : a.value === b.value ? 0 : -1);

  it('puts the smallest elements, in order, in the wanted range and keeps every element', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 300 }), fc.nat(), (values, wanted) => {
        const items = values.map((value, id) => ({ value, id }));
        const last = values.length === 0 ? 0 : wanted % values.length;
        partialSort(items, byValue, 0, last);
        const sorted = [...values].sort((a, b) => a - b);
        expect(items.slice(0, last + 1).map((item) => item.value)).toEqual(sorted.slice(0, last + 1));
        expect(items.map((item) => item.id).sort((a, b) => a - b)).toEqual(values.map((_, id) => id));
      }),
    );
  });

  // Expected orders are those of Redis's pqsort.c compiled and run on the same input.
  it('leaves equal elements where pqsort leaves them: it is no stable sort', () => {
    const ids = (values: number[], last: number, compare = byValue) => {
      const items = values.map((value, id) => ({ value, id }));
      partialSort(items, compare, 0, last);
      return items.map((item) => item.id);
    };
    expect(ids([1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1], 2)).toEqual([6, 3, 2, 4, 5, 7, 8, 9, 10, 0, 11, 1]);
    const descending = (a: { value: number }, b: { value: number }) => -byValue(a, b);
    expect(
      ids(
        Array.from({ length: 45 }, (_, i) => i % 3),
        4,
        descending,
      ).slice(0, 5),
    ).toEqual([14, 41, 17, 29, 44]);
  });
});
