/**
 * A log-linear histogram of durations in nanoseconds, as Redis keeps one per command (an HDR
 * histogram): exact below 128 ns, then each power of two split in 64 equal steps (1.6% wide), up to
 * 2^40 ns (18 minutes). One structure answers INFO latencystats' percentiles, LATENCY HISTOGRAM's
 * power-of-two buckets and Prometheus's `le` buckets. Node's own HDR histogram (perf_hooks) gives
 * percentiles but not its buckets, hence this one.
 */
const LINEAR = 128;
const STEPS = 64;
const STEP_BITS = 6;
const TOP_EXPONENT = 40;
const SIZE = LINEAR + (TOP_EXPONENT - 7) * STEPS;

/** LATENCY HISTOGRAM's first bucket ends at 1024 ns; each next one doubles. */
export const FIRST_BUCKET_NS = 1024;

function indexOf(ns: number): number {
  if (ns < LINEAR) return ns < 0 ? 0 : Math.floor(ns);
  // Integer bit tricks below 2^31 ns (2.1 s), the hot case: this runs once per command.
  if (ns < 2 ** 31) {
    const whole = ns | 0;
    const exponent = 31 - Math.clz32(whole);
    return LINEAR + (exponent - 7) * STEPS + ((whole >>> (exponent - STEP_BITS)) - STEPS);
  }
  const exponent = Math.floor(Math.log2(ns));
  if (exponent >= TOP_EXPONENT) return SIZE - 1;
  const step = Math.floor(ns / 2 ** (exponent - STEP_BITS)) - STEPS;
  return LINEAR + (exponent - 7) * STEPS + step;
}

/** The largest duration the bucket at `index` holds (what an HDR histogram reports for it). */
function highestOf(index: number): number {
  if (index < LINEAR) return index;
  const exponent = 7 + Math.floor((index - LINEAR) / STEPS);
  const step = (index - LINEAR) % STEPS;
  return (STEPS + step + 1) * 2 ** (exponent - STEP_BITS) - 1;
}

export class LatencyHistogram {
  private counts = new Float64Array(SIZE);
  count = 0;

  record(ns: number): void {
    this.counts[indexOf(ns)]++;
    this.count++;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
  }

  /** The duration (ns) at or below which `percent` of the samples fall: 0 with no samples. */
  percentile(percent: number): number {
    if (this.count === 0) return 0;
    const wanted = Math.max(1, Math.round((Math.min(percent, 100) / 100) * this.count));
    let seen = 0;
    for (let index = 0; index < SIZE; index++) {
      seen += this.counts[index];
      if (seen >= wanted) return highestOf(index);
    }
    return highestOf(SIZE - 1);
  }

  /**
   * Samples at or below each power-of-two bound (ns), from FIRST_BUCKET_NS up to the bound holding
   * the largest sample: [bound, cumulative count] pairs, every bound included.
   */
  powerOfTwoBuckets(): [number, number][] {
    const buckets: [number, number][] = [];
    if (this.count === 0) return buckets;
    let bound = FIRST_BUCKET_NS;
    let cumulative = 0;
    for (let index = 0; index < SIZE && cumulative < this.count; index++) {
      // Octaves are split evenly, so every power of two is a bucket's upper edge (+1).
      while (highestOf(index) >= bound) {
        buckets.push([bound, cumulative]);
        bound *= 2;
      }
      cumulative += this.counts[index];
    }
    buckets.push([bound, cumulative]);
    return buckets;
  }
}
