import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * How much memory this process uses, as Redis's used_memory means it: what the dataset and the
 * server hold, read from V8 (the heap's old, code and large-object spaces, plus memory outside the
 * heap that V8 is told of: Buffers, LevelDB's pending batches). The young generation is left out: it
 * is at most a few semispaces of short-lived garbage and would make the figure jump at every
 * scavenge. V8 frees nothing until a major GC, so keys this process deleted to make room are
 * subtracted until the next one (`noteFreed`), and a major GC is forced when the figure may be
 * mostly garbage (`collect`). Measuring costs about a microsecond: it is done at most once per
 * millisecond of command time.
 */
export class MemoryGauge {
  /** The heap's hard limit (V8 aborts the process past it): --max-old-space-size plus the young generation. */
  readonly heapLimit = getHeapStatistics().heap_size_limit;
  /** used() right after start-up (MEMORY STATS startup.allocated). */
  startup = 0;
  peak = 0;
  /**
   * Bytes a checkpoint holds of keys as they were when it began (its copy-on-write rows): not
   * counted, as Redis does not count its fork's copy-on-write pages. Counted, every key evicted
   * during a checkpoint looked unfreed after the next GC, and eviction went on taking more.
   */
  private heldAside = 0;
  /** Every byte noted freed, and that sum as of the end of the last major GC accounted for. */
  private freedTotal = 0;
  private freedAtLastGc = 0;
  /**
   * freedTotal as it stood at moments (performance.now()) since that GC, oldest first. V8 reports
   * a GC some time after it ran: only what was deleted before it ended was collected by it, so
   * forgetting everything noted until the report came made the figure jump up and eviction take
   * far more keys than it had to (all of them, on a busy machine).
   */
  private freedMarks: { at: number; total: number }[] = [];
  /** When the last major GC accounted for ended: a forced one is reported again later, and ignored then. */
  private lastGcEnd = 0;
  /** Bytes of deleted keys that V8 has not collected yet (estimated; see memory-estimate.ts). */
  private get freedSinceGc(): number {
    return this.freedTotal - this.freedAtLastGc;
  }
  /** measured() right after the last major GC: what is live. */
  private liveAfterGc = 0;
  private measuredAt = -1;
  private lastMeasured = 0;
  private lastHeapUsed = 0;
  private lastOldHeap = 0;
  private readonly gcObserver: PerformanceObserver;
  private forceGc: ((options?: { type: 'minor' | 'major' }) => void) | undefined;

  constructor() {
    this.gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) this.afterMajorGc(entry.startTime + entry.duration);
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
    this.liveAfterGc = this.measure(0);
  }

  /** Used memory at `now` (ms): measured again only when the millisecond has changed. */
  used(now: number): number {
    if (now !== this.measuredAt) this.measure(now);
    return Math.max(0, this.lastMeasured - this.freedSinceGc - this.heldAside);
  }

  /** The whole heap in use, young generation included. */
  heapUsed(now: number): number {
    if (now !== this.measuredAt) this.measure(now);
    return this.lastHeapUsed;
  }

  /** The heap outside the young generation, less what was deleted since the last major GC: what fills up to V8's limit. */
  oldHeapUsed(now: number): number {
    if (now !== this.measuredAt) this.measure(now);
    return Math.max(0, this.lastOldHeap - this.freedSinceGc);
  }

  /** Keys worth `bytes` were deleted: they count as freed at once, as in Redis, though V8 frees them later. */
  noteFreed(bytes: number): void {
    this.freedTotal += bytes;
    const at = performance.now();
    const last = this.freedMarks.at(-1);
    if (last !== undefined && at - last.at < 1) last.total = this.freedTotal;
    else this.freedMarks.push({ at, total: this.freedTotal });
  }

  /** A checkpoint keeps `bytes` more of the dataset as it was (see heldAside). */
  holdAside(bytes: number): void {
    this.heldAside += bytes;
  }

  /** The checkpoint ended: what it held aside is garbage now, freed like deleted keys until the next major GC. */
  releaseHeld(bytes: number): void {
    this.heldAside -= bytes;
    this.noteFreed(bytes);
  }

  /**
   * Whether garbage may be a large part of the figure: more than `slack` bytes have been allocated
   * (and not accounted as freed) since the last major GC.
   */
  mayBeGarbage(now: number, slack: number): boolean {
    return this.used(now) - this.liveAfterGc > slack;
  }

  /**
   * A major GC now, so that the figure is what is live. It stops the process for as long as V8's
   * own would (tens of ms for 100 MB): the callers do it only when they are about to refuse a write
   * or evict keys on a figure that may be garbage. Node exposes gc() only behind a flag, which V8
   * takes at run time too.
   */
  collect(now: number): void {
    if (this.forceGc === undefined) {
      setFlagsFromString('--expose-gc');
      this.forceGc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;
    }
    this.forceGc();
    // V8 releases the Buffers a major GC found dead on another thread, and external_memory drops
    // only once it has: read now, it still counts them, and eviction took megabytes of keys for
    // Buffers already dead. The next GC of any kind waits for that release first; a minor one is cheap.
    this.forceGc({ type: 'minor' });
    this.afterMajorGc(performance.now());
    this.measure(now);
  }

  stop(): void {
    this.gcObserver.disconnect();
  }

  private afterMajorGc(endedAt: number): void {
    if (endedAt <= this.lastGcEnd) return;
    this.lastGcEnd = endedAt;
    while (this.freedMarks.length > 0 && this.freedMarks[0].at <= endedAt) this.freedAtLastGc = (this.freedMarks.shift() as { total: number }).total;
    this.measuredAt = -1;
    this.liveAfterGc = this.measure(this.measuredAt);
  }

  private measure(now: number): number {
    let used = 0;
    for (const space of getHeapSpaceStatistics()) if (space.space_name !== 'new_space') used += space.space_used_size;
    const heap = getHeapStatistics();
    this.lastOldHeap = used;
    used += heap.external_memory;
    this.lastHeapUsed = heap.used_heap_size;
    this.lastMeasured = used;
    this.measuredAt = now;
    if (used > this.peak) this.peak = used;
    return used;
  }
}
