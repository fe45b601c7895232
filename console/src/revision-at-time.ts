/** The first change at or after a revision: its revision and time, or undefined past the end of the log. */
export type FirstChangeFrom = (rev: number) => Promise<{ rev: number; ts: number } | undefined>;

/**
 * The first revision whose record was written at or after `time` (ms), by binary search over
 * [oldest, next): records' times follow their revisions, so log2(n) one-change reads find it.
 * `next` (the revision after the newest) when every record is older.
 */
export async function revisionAtTime(time: number, oldest: number, next: number, firstFrom: FirstChangeFrom): Promise<number> {
  let low = oldest;
  let high = next;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    const found = await firstFrom(middle);
    if (found === undefined) high = middle;
    // No record lies between `middle` and `found.rev`: starting at either is the same.
    else if (found.ts >= time) high = middle;
    else low = found.rev + 1;
  }
  return low;
}
