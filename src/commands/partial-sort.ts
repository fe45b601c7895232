/**
 * Redis's pqsort (pqsort.c, Bentley and McIlroy's quicksort as NetBSD's qsort has it, with ranges
 * outside [first, last] left unsorted). It is no stable sort: which of several equal elements
 * lands in the range depends on its exact sequence of comparisons and swaps, so a search with a
 * COUNT returns the same one of several equidistant members as Redis only by sorting the same way.
 */
export function partialSort<T>(items: T[], compare: (a: T, b: T) => number, first: number, last: number): void {
  const swap = (i: number, j: number) => {
    const kept = items[i];
    items[i] = items[j];
    items[j] = kept;
  };
  const swapRuns = (i: number, j: number, n: number) => {
    for (let k = 0; k < n; k++) swap(i + k, j + k);
  };
  const medianOf3 = (a: number, b: number, c: number) =>
    compare(items[a], items[b]) < 0
      ? compare(items[b], items[c]) < 0
        ? b
        : compare(items[a], items[c]) < 0
          ? c
          : a
      : compare(items[b], items[c]) > 0
        ? b
        : compare(items[a], items[c]) < 0
          ? a
          : c;
  const insertionSort = (start: number, n: number) => {
    for (let m = start + 1; m < start + n; m++) for (let l = m; l > start && compare(items[l - 1], items[l]) > 0; l--) swap(l, l - 1);
  };
  // Whether [start, start + n) holds part of the wanted range.
  const wanted = (start: number, n: number) => !((first < start && last < start) || (first > start + n - 1 && last > start + n - 1));

  const sort = (start: number, n: number): void => {
    for (;;) {
      if (n < 7) return insertionSort(start, n);
      let pivot = start + Math.floor(n / 2);
      if (n > 7) {
        let low = start;
        let high = start + n - 1;
        if (n > 40) {
          const d = Math.floor(n / 8);
          low = medianOf3(low, low + d, low + 2 * d);
          pivot = medianOf3(pivot - d, pivot, pivot + d);
          high = medianOf3(high - 2 * d, high - d, high);
        }
        pivot = medianOf3(low, pivot, high);
      }
      swap(start, pivot);
      // Bentley-McIlroy partitioning: elements equal to the pivot gather at both ends, then move to the middle.
      let a = start + 1;
      let b = a;
      let c = start + n - 1;
      let d = c;
      let swapped = false;
      for (;;) {
        for (let order: number; b <= c && (order = compare(items[b], items[start])) <= 0; b++) {
          if (order === 0) {
            swapped = true;
            swap(a++, b);
          }
        }
        for (let order: number; b <= c && (order = compare(items[c], items[start])) >= 0; c--) {
          if (order === 0) {
            swapped = true;
            swap(c, d--);
          }
        }
        if (b > c) break;
        swap(b++, c--);
        swapped = true;
      }
      // Nothing moved: pqsort takes the slice to be nearly sorted and finishes by insertion.
      if (!swapped) return insertionSort(start, n);
      const end = start + n;
      let r = Math.min(a - start, b - a);
      swapRuns(start, b - r, r);
      r = Math.min(d - c, end - d - 1);
      swapRuns(b, end - r, r);
      if ((r = b - a) > 1 && wanted(start, r)) sort(start, r);
      if ((r = d - c) <= 1) return;
      start = end - r;
      n = r;
      if (!wanted(start, n)) return;
    }
  };
  sort(0, items.length);
}
