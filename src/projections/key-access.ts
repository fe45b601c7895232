import type { Keyspace } from './keyspace.js';

/**
 * Per-key access tracking for OBJECT IDLETIME / FREQ and the LRU and LFU eviction policies, kept as
 * Redis keeps its 24 bits of `robj->lru`: one number per key read by the current policy. Under
 * the LRU policies it is a clock of seconds that wraps at 2^24 (194 days); under the LFU ones, the
 * minute of the last decrement (16 bits) above a logarithmic counter (8 bits). Switching policy
 * at run time reads the old numbers the new way until keys are touched again, as in Redis. This is
 * memory-only state, never logged, so it is not part of what a replay rebuilds.
 */

export const LRU_CLOCK_MAX = (1 << 24) - 1;
/** A new key's counter, so that it is not evicted before it has a chance to be read again (Redis's LFU_INIT_VAL). */
export const LFU_INIT_VAL = 5;
const LFU_MINUTES_MAX = 0xffff;

/** Redis's LRU clock at `now` (ms): whole seconds, wrapping. */
export function lruClock(now: number): number {
  return Math.floor(now / 1000) & LRU_CLOCK_MAX;
}

/** Milliseconds since an LRU stamp, across the clock's wrap (Redis's estimateObjectIdleTime). */
export function idleMsOf(lru: number, now: number): number {
  const clock = lruClock(now);
  return (clock >= lru ? clock - lru : clock + (LRU_CLOCK_MAX - lru)) * 1000;
}

function lfuMinutes(now: number): number {
  return Math.floor(now / 60_000) & LFU_MINUTES_MAX;
}

export function lfuPacked(now: number, counter: number): number {
  return (lfuMinutes(now) << 8) | counter;
}

/** The counter after the decay of the minutes since it was last decremented: one per `decayMinutes` (Redis's LFUDecrAndReturn). */
export function lfuDecayed(packed: number, now: number, decayMinutes: number): number {
  const stamp = packed >>> 8;
  const counter = packed & 255;
  const minutes = lfuMinutes(now);
  const elapsed = minutes >= stamp ? minutes - stamp : LFU_MINUTES_MAX - stamp + minutes;
  const periods = decayMinutes > 0 ? Math.floor(elapsed / decayMinutes) : 0;
  return periods > counter ? 0 : counter - periods;
}

/** One access: the counter grows with probability 1 / ((counter - LFU_INIT_VAL) * logFactor + 1), up to 255 (Redis's LFULogIncr). */
export function lfuIncremented(counter: number, logFactor: number, random: number): number {
  if (counter === 255) return 255;
  const base = Math.max(0, counter - LFU_INIT_VAL);
  return random < 1 / (base * logFactor + 1) ? counter + 1 : counter;
}

/** The policy's reading of the numbers, and the server's lfu-log-factor and lfu-decay-time. */
export class KeyAccess {
  lfu = false;
  logFactor = 10;
  decayMinutes = 1;
  /** A key not touched since it was loaded counts as touched at load (Redis stamps objects as it loads them). */
  readonly loadedAt = Date.now();

  /** A command read or wrote an existing key (Redis's lookupKey). */
  touch(ks: Keyspace, key: string, now: number): void {
    if (!this.lfu) ks.access.set(key, lruClock(now));
    else ks.access.set(key, lfuPacked(now, lfuIncremented(this.frequency(ks, key, now), this.logFactor, Math.random())));
  }

  /** A write stored a key: a new one is stamped; an overwritten one keeps its LFU counter, as Redis's dbOverwrite keeps it. */
  written(ks: Keyspace, key: string, now: number): void {
    if (!this.lfu) ks.access.set(key, lruClock(now));
    else if (!ks.access.has(key)) ks.access.set(key, lfuPacked(now, LFU_INIT_VAL));
  }

  /**
   * RESTORE made a new object: under LFU its counter is FREQ's or a new key's, under LRU its clock is
   * IDLETIME seconds back (wrapping, in 24 bits, as objectSetLRUOrLFU does); the other option is ignored.
   */
  restored(ks: Keyspace, key: string, now: number, idleSeconds: number | undefined, frequency: number | undefined): void {
    if (this.lfu) ks.access.set(key, lfuPacked(now, frequency ?? LFU_INIT_VAL));
    else {
      let stamp = lruClock(now) - (idleSeconds ?? 0);
      if (stamp < 0) stamp += LRU_CLOCK_MAX;
      ks.access.set(key, ((stamp % (LRU_CLOCK_MAX + 1)) + LRU_CLOCK_MAX + 1) % (LRU_CLOCK_MAX + 1));
    }
  }

  /** OBJECT IDLETIME's milliseconds; the LRU eviction's score. */
  idleMs(ks: Keyspace, key: string, now: number): number {
    return idleMsOf(ks.access.get(key) ?? lruClock(this.loadedAt), now);
  }

  /** OBJECT FREQ: the decayed counter; the LFU eviction scores 255 minus it. */
  frequency(ks: Keyspace, key: string, now: number): number {
    return lfuDecayed(ks.access.get(key) ?? lfuPacked(this.loadedAt, LFU_INIT_VAL), now, this.decayMinutes);
  }
}
