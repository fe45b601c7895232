import { durationMs, memoryBytes } from '../formats/units.js';
import type { Log } from './log.js';
import type { Segment } from './segments.js';
import type { LogStorage } from './storage.js';

/** How much history the log keeps: a time window and/or a byte budget (per shard). */
export interface RetentionPolicy {
  ms: number | undefined;
  bytes: number | undefined;
}

/** `24h`, `7d`, `30m`, `1gb`, or both: `24h 10gb`; undefined when malformed. */
export function parseRetention(text: string): RetentionPolicy | undefined {
  const policy: RetentionPolicy = { ms: undefined, bytes: undefined };
  for (const word of text.trim().toLowerCase().split(/\s+/)) {
    // A bare number is ambiguous (seconds? bytes?): each needs its unit.
    if (durationMs(word) !== undefined) policy.ms = durationMs(word);
    else if (/[a-z]$/.test(word) && memoryBytes(word) !== undefined) policy.bytes = memoryBytes(word);
    else return undefined;
  }
  return policy.ms === undefined && policy.bytes === undefined ? undefined : policy;
}

/**
 * Drops whole segments that fall outside the policy (older than the window, or past the byte budget
 * counted from the newest), but only those a checkpoint kept for it covers: the checkpoint older
 * than the window (so point-in-time recovery can reach any moment inside it) or, for the byte
 * budget, the newest. Checkpoints older than the one kept go too. Returns the segments dropped.
 */
export async function applyRetention(storage: LogStorage, log: Log, policy: RetentionPolicy, now = Date.now()): Promise<number> {
  let dropped = 0;
  const held = { segments: 0, bytes: 0 };
  try {
    for (let shard = 0; shard < log.shardCount; shard++) dropped += await retainShard(storage, log, policy, now, shard, held);
  } finally {
    log.segmentStats = held;
  }
  return dropped;
}

/** One shard's pass; adds the segments it keeps to `held`; returns how many it dropped. */
async function retainShard(storage: LogStorage, log: Log, policy: RetentionPolicy, now: number, shard: number, held: { segments: number; bytes: number }): Promise<number> {
  const segments = await storage.segments(shard, log.segmentRevisions);
  const drop = await segmentsToDrop(log, policy, now, shard, segments);
  if (drop.length > 0) log.shardHeldFrom(shard, await storage.dropSegments(shard, drop));
  for (const segment of segments.slice(drop.length)) {
    held.segments++;
    held.bytes += segment.bytes;
  }
  return drop.length;
}

/** The oldest segments the policy lets go, and the checkpoints older than the one kept (removed here). */
async function segmentsToDrop(log: Log, policy: RetentionPolicy, now: number, shard: number, segments: readonly Segment[]): Promise<Segment[]> {
  const checkpoints = await log.checkpoints.list(shard);
  const windowStart = policy.ms === undefined ? -Infinity : now - policy.ms;
  const kept = policy.ms === undefined ? checkpoints.at(-1) : checkpoints.filter((checkpoint) => checkpoint.ts <= windowStart).pop();
  if (kept === undefined) return [];
  let budgetLeft = policy.bytes ?? Infinity;
  const overBudget = new Set<Segment>();
  for (let i = segments.length - 1; i >= 0; i--) {
    budgetLeft -= segments[i].bytes;
    if (budgetLeft < 0) overBudget.add(segments[i]);
  }
  const drop: Segment[] = [];
  for (const segment of segments) {
    const outside = segment.lastTs < windowStart || overBudget.has(segment);
    if (!outside || segment.lastRev > kept.rev) break;
    drop.push(segment);
  }
  for (const checkpoint of checkpoints) if (checkpoint.rev < kept.rev) await log.checkpoints.remove(shard, checkpoint.rev);
  return drop;
}
