import { total, type Sample } from './prometheus-text.js';

/** The figures the health view charts, from one /metrics scrape and the one before it. */
export interface HealthPoint {
  /** Seconds (Unix time) of the scrape. */
  time: number;
  opsPerSecond: number | undefined;
  memoryBytes: number | undefined;
  clients: number | undefined;
  revision: number | undefined;
  /** Mean write+fsync time of the group commits between the two scrapes (seconds); undefined when none synced. */
  fsyncSeconds: number | undefined;
  /** Mean time to write a group commit, synced or not (with appendfsync everysec most are not). */
  writeSeconds: number | undefined;
  tailSubscribers: number | undefined;
  /** Lag in revisions per follower. */
  followers: Record<string, number>;
}

export interface Scrape {
  time: number;
  samples: readonly Sample[];
}

/** Counters become rates over the interval; a reset counter (CONFIG RESETSTAT, a restart) gives no rate. */
function rate(now: Scrape, before: Scrape | undefined, name: string): number | undefined {
  const a = before === undefined ? undefined : total(before.samples, name);
  const b = total(now.samples, name);
  if (a === undefined || b === undefined || before === undefined || b < a || now.time <= before.time) return undefined;
  return (b - a) / (now.time - before.time);
}

function delta(now: Scrape, before: Scrape | undefined, name: string): number | undefined {
  const a = before === undefined ? undefined : total(before.samples, name);
  const b = total(now.samples, name);
  return a === undefined || b === undefined || b < a ? undefined : b - a;
}

/** A histogram's mean over the interval: its sum's growth over its count's. */
function meanOver(now: Scrape, before: Scrape | undefined, histogram: string): number | undefined {
  const count = delta(now, before, `${histogram}_count`);
  const sum = delta(now, before, `${histogram}_sum`);
  return count === undefined || count === 0 || sum === undefined ? undefined : sum / count;
}

export function healthPoint(now: Scrape, before: Scrape | undefined): HealthPoint {
  const followers: Record<string, number> = {};
  for (const sample of now.samples) if (sample.name === 'eddy_follower_lag_revisions') followers[sample.labels.follower ?? '?'] = sample.value;
  return {
    time: now.time,
    opsPerSecond: rate(now, before, 'redis_commands_processed_total'),
    memoryBytes: total(now.samples, 'redis_memory_used_bytes'),
    clients: total(now.samples, 'redis_connected_clients'),
    revision: total(now.samples, 'eddy_log_revision'),
    fsyncSeconds: meanOver(now, before, 'eddy_log_fsync_duration_seconds'),
    writeSeconds: meanOver(now, before, 'eddy_log_write_duration_seconds'),
    tailSubscribers: total(now.samples, 'eddy_tail_subscribers'),
    followers,
  };
}
