import { describe, expect, test } from 'vitest';
import { revisionAtTime } from '../../console/src/revision-at-time.js';

describe('revision at a time', () => {
  test('binary search finds the first revision written at or after the time', async () => {
    // Revisions 1..100, revision r written at 10*r ms; revisions 40..49 hold no record.
    const probes: number[] = [];
    const firstFrom = async (rev: number) => {
      probes.push(rev);
      const first = rev >= 40 && rev < 50 ? 50 : rev;
      return first > 100 ? undefined : { rev: first, ts: 10 * first };
    };
    expect(await revisionAtTime(255, 1, 101, firstFrom)).toBe(26);
    expect(await revisionAtTime(420, 1, 101, firstFrom)).toBe(40);
    expect(await revisionAtTime(5, 1, 101, firstFrom)).toBe(1);
    expect(await revisionAtTime(99_999, 1, 101, firstFrom)).toBe(101);
    expect(probes.length).toBeLessThan(40);
  });
});
