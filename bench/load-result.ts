/** What a load run measured: throughput and the latency every request saw. */
export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Summarises the latencies (ms) of the requests completed in `seconds`; percentiles by nearest rank. */
export function loadResult(latenciesMs: ArrayLike<number>, seconds: number): LoadResult {
  const sorted = Float64Array.from(latenciesMs).sort();
  if (sorted.length === 0) throw new Error('no request completed');
  const percentile = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return { requestsPerSecond: sorted.length / seconds, p50Ms: percentile(50), p99Ms: percentile(99) };
}
