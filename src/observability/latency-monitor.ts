/** Redis's LATENCY_TS_LEN: samples kept per event. */
const SAMPLES_KEPT = 160;

export interface LatencySample {
  /** Unix time in seconds. */
  readonly time: number;
  /** Milliseconds. */
  latency: number;
}

/** One event's samples (one per second: the worst of that second), oldest first, and its all-time high. */
export interface LatencySeries {
  readonly samples: LatencySample[];
  max: number;
}

/**
 * Redis's latency monitor: events that took at least `latency-monitor-threshold` ms (0: off) are
 * sampled per event name (`command`, `fast-command`, `log-commit`, `fsync`, `checkpoint`,
 * `expire-cycle`, `eviction-cycle`), for LATENCY LATEST, HISTORY, GRAPH and DOCTOR.
 */
export class LatencyMonitor {
  readonly events = new Map<string, LatencySeries>();
  thresholdMs: number;

  constructor(thresholdMs: number) {
    this.thresholdMs = thresholdMs;
  }

  /** Samples `event` if it took at least the threshold (whole milliseconds, as Redis counts). */
  note(event: string, ms: number, nowMs?: number): void {
    if (this.thresholdMs <= 0 || ms < this.thresholdMs) return;
    const latency = Math.floor(ms);
    // The clock only now, past the threshold: this runs for every command.
    const time = Math.floor((nowMs ?? Date.now()) / 1000);
    let series = this.events.get(event);
    if (series === undefined) {
      series = { samples: [], max: 0 };
      this.events.set(event, series);
    }
    if (latency > series.max) series.max = latency;
    const last = series.samples.at(-1);
    if (last !== undefined && last.time === time) {
      if (latency > last.latency) last.latency = latency;
      return;
    }
    series.samples.push({ time, latency });
    if (series.samples.length > SAMPLES_KEPT) series.samples.shift();
  }

  /** Forgets the named events (all with none named); how many there were. */
  reset(names: readonly string[]): number {
    if (names.length === 0) {
      const count = this.events.size;
      this.events.clear();
      return count;
    }
    let count = 0;
    for (const name of names) if (this.events.delete(name.toLowerCase())) count++;
    return count;
  }
}

const GRAPH_COLUMNS = 80;
const GRAPH_ROWS = 4;

/** LATENCY GRAPH: Redis's title line, a rule, then one column per sample (newest right) and its age below. */
export function latencyGraph(event: string, series: LatencySeries, nowMs: number): string {
  const latencies = series.samples.map((sample) => sample.latency);
  const high = Math.max(...latencies);
  const low = Math.min(...latencies);
  const lines = [`${event} - high ${high} ms, low ${low} ms (all time high ${series.max} ms)`, '-'.repeat(GRAPH_COLUMNS)];
  const shown = series.samples.slice(-GRAPH_COLUMNS);
  const heights = shown.map((sample) => (high === low ? GRAPH_ROWS : 1 + Math.round(((sample.latency - low) / (high - low)) * (GRAPH_ROWS - 1))));
  for (let row = GRAPH_ROWS; row >= 1; row--)
    lines.push(
      heights
        .map((height) => (height >= row ? '#' : ' '))
        .join('')
        .trimEnd(),
    );
  // Each sample's age, written downwards under its column (Redis's labels): 12s, 3m, 2h, 1d.
  const ages = shown.map((sample) => age(Math.max(0, Math.floor(nowMs / 1000) - sample.time)));
  const depth = Math.max(...ages.map((label) => label.length));
  for (let row = 0; row < depth; row++)
    lines.push(
      ages
        .map((label) => label[row] ?? ' ')
        .join('')
        .trimEnd(),
    );
  return `${lines.join('\n')}\n`;
}

function age(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** What each of Eddy's events usually means, for LATENCY DOCTOR. */
const ADVICE: Record<string, string> = {
  command: 'Slow commands: see SLOWLOG GET for which ones; O(N) commands on big keys (KEYS, SMEMBERS, LRANGE 0 -1, DEL of a big value) hold the event loop.',
  'fast-command': "Even O(1) commands were slow: the process was kept from running (CPU contention, a long garbage collection, swapping). Check the machine's load.",
  'log-commit': 'Writing a batch of records to the log was slow: the disk is slow or shared; large values make large batches.',
  fsync: "The log's fsync was slow: use a local SSD, or `appendfsync everysec` if losing up to a second of writes on power loss is acceptable.",
  checkpoint: 'Checkpoints held the event loop: a big dataset takes long to snapshot; fewer `save` points make them rarer.',
  'expire-cycle': 'The active expiry cycle was slow: many keys expire at once, or big values expire; spread their TTLs.',
  'eviction-cycle': 'Evicting keys to stay under maxmemory was slow: a sudden burst of writes, or maxmemory lowered at once.',
};

/** LATENCY DOCTOR: each event's spikes in Redis's figures (average, mean deviation, period), then advice. */
export function latencyReport(monitor: LatencyMonitor, nowMs: number): string {
  if (monitor.events.size === 0) {
    if (monitor.thresholdMs <= 0) return 'Latency monitoring is disabled. Enable it with CONFIG SET latency-monitor-threshold <milliseconds>.\n';
    return `No latency spike of ${monitor.thresholdMs} ms or more was observed since the monitor started or was reset.\n`;
  }
  const lines = ['Latency spikes were observed:', ''];
  const advice: string[] = [];
  let number = 0;
  for (const [event, series] of monitor.events) {
    const latencies = series.samples.map((sample) => sample.latency);
    const average = Math.floor(latencies.reduce((sum, value) => sum + value, 0) / latencies.length);
    const deviation = Math.floor(latencies.reduce((sum, value) => sum + Math.abs(average - value), 0) / latencies.length);
    const oldest = Math.min(...series.samples.map((sample) => sample.time));
    const period = Math.max(1, Math.floor(nowMs / 1000) - oldest) / latencies.length;
    lines.push(
      `${++number}. ${event}: ${latencies.length} latency spikes (average ${average}ms, mean deviation ${deviation}ms, period ${period.toFixed(2)} sec). Worst all time event ${series.max}ms.`,
    );
    if (ADVICE[event] !== undefined) advice.push(`- ${ADVICE[event]}`);
  }
  if (advice.length > 0) lines.push('', 'Advice:', '', ...advice);
  return `${lines.join('\n')}\n`;
}
