import type { Keyspace } from '../projections/keyspace.js';
import { estimateKeyBytes } from '../projections/memory-estimate.js';
import { MemoryGauge } from './memory-gauge.js';
import type { Shard } from './shard.js';
import type { Store } from './store.js';

export type EvictionPolicy = 'noeviction' | 'allkeys-lru' | 'allkeys-lfu' | 'allkeys-random' | 'volatile-lru' | 'volatile-lfu' | 'volatile-random' | 'volatile-ttl';

/** Redis's EVPOOL_SIZE: the best candidates seen are kept from one eviction to the next. */
const POOL_SIZE = 16;
/** V8's young generation on 64-bit (three 16 MB semispaces): part of heap_size_limit, not of the old space that fills up. */
const YOUNG_GENERATION = 48 * 2 ** 20;
/**
 * Writes are refused once the old space is this full, whatever maxmemory says: V8 aborts the
 * process when a full GC cannot make room, and it starts thrashing well before.
 */
export const HEAP_GUARD = 0.85;
/** A full GC to tell garbage from data, forced at most this often (ms) while the heap guard holds. */
const HEAP_GUARD_GC_MS = 5000;

const MB = 2 ** 20;

function oldSpaceOf(heapLimit: number): number {
  return Math.max(16 * MB, heapLimit - YOUNG_GENERATION);
}

/** The old-space size past which writes are refused, for a V8 heap_size_limit: 15% of it, 16 MB at least, stay free. */
export function heapCeilingOf(heapLimit: number): number {
  const old = oldSpaceOf(heapLimit);
  return Math.max(old / 2, Math.min(HEAP_GUARD * old, old - 16 * MB));
}

/**
 * How full recovery may fill the old space: more than writes may (a dataset that filled the heap
 * up to the guard loads again in the same heap), less than V8's limit by what decoding a batch of
 * frames needs besides.
 */
function replayCeilingOf(heapLimit: number): number {
  const old = oldSpaceOf(heapLimit);
  return Math.max(old / 2, Math.min(0.92 * old, old - 8 * MB));
}

/** Why a maxmemory cannot be had in this process (larger than the heap may hold), or undefined. */
export function maxmemoryBeyondHeap(maxmemory: number, heapLimit: number): string | undefined {
  const ceiling = heapCeilingOf(heapLimit);
  if (maxmemory <= ceiling) return undefined;
  return (
    `maxmemory ${Math.ceil(maxmemory / MB)}mb is more than this process's heap can hold (writes stop at ${Math.floor(ceiling / MB)}mb of a ` +
    `${Math.round(heapLimit / MB)}mb V8 heap): lower maxmemory, or start eddy with a larger heap (bin/eddy.js sizes it from maxmemory; ` +
    `with node directly, NODE_OPTIONS=--max-old-space-size=${Math.ceil((maxmemory / HEAP_GUARD + YOUNG_GENERATION) / MB)} or more)`
  );
}

/** Recovery stopped: the log's dataset does not fit in this process's heap. */
export class DatasetTooLargeError extends Error {}

/** The keys of a keyspace as they were when last taken (randomKey), and how it has changed since. */
interface KeySample {
  keys: string[];
  picks: number;
  /** Keys this eviction took from it since: with the keyspace's size, they tell how many keys are not in `keys`. */
  evicted: number;
}

interface Candidate {
  shard: Shard;
  db: number;
  key: string;
  /** Higher goes first: idle ms (LRU), 255 - frequency (LFU), time left negated (TTL). */
  score: number;
}

/**
 * maxmemory: before a command that may add memory runs over the limit, keys are evicted by
 * `policy`, as Redis's performEvictions does, and the write is refused when that cannot make room
 * (noeviction, or no key the policy may take). The LRU, LFU and TTL policies sample
 * `maxmemory-samples` random keys of every database and keep a pool of the best candidates, as
 * Redis approximates LRU and LFU. An evicted key is a logged deletion with reason `evicted`.
 */
export class Eviction {
  /** Told how long each eviction pass took (LATENCY's eviction-cycle). */
  noteLatency: ((event: string, ms: number) => void) | undefined = undefined;
  maxmemory = 0;
  policy: EvictionPolicy = 'noeviction';
  samples = 5;
  /** maxmemory-eviction-tenacity: how long one command may spend evicting before the rest is left to a timer. */
  tenacity = 10;
  readonly gauge = new MemoryGauge();
  /** The old space's size past which writes are refused (see HEAP_GUARD). */
  readonly heapCeiling = heapCeilingOf(this.gauge.heapLimit);
  private pool: Candidate[] = [];
  private readonly snapshots = new WeakMap<Map<string, unknown>, KeySample>();
  private nextDb = 0;
  private lastGuardGc = -Infinity;
  private lastLimitGc = -Infinity;
  private continuation: NodeJS.Timeout | undefined;

  constructor(private readonly store: Store) {}

  /**
   * Whether a command that may add memory must be refused with -OOM: over maxmemory after evicting
   * what the policy lets it, or the heap near V8's limit.
   */
  refusesWrite(now: number): boolean {
    if (this.maxmemory > 0 && !this.store.replica && this.gauge.used(now) > this.maxmemory && !this.makeRoom(now)) return true;
    return this.heapNearLimit(now);
  }

  /** The old space is near V8's limit: a full GC first (at most every few seconds) shows whether that is garbage. */
  heapNearLimit(now: number): boolean {
    if (this.gauge.oldHeapUsed(now) <= this.heapCeiling) return false;
    if (now - this.lastGuardGc < HEAP_GUARD_GC_MS) return true;
    this.lastGuardGc = now;
    this.gauge.collect(now);
    return this.gauge.oldHeapUsed(now) > this.heapCeiling;
  }

  /**
   * Called as recovery loads the log: throws DatasetTooLargeError, naming what to change, once the
   * projections fill the heap (after a full GC has shown it is not garbage), before V8 would abort.
   */
  checkReplayFits(records: number): void {
    const now = Date.now();
    const ceiling = replayCeilingOf(this.gauge.heapLimit);
    if (this.gauge.oldHeapUsed(now) <= ceiling) return;
    this.gauge.collect(now);
    const used = this.gauge.oldHeapUsed(now);
    if (used <= ceiling) return;
    const limit = this.gauge.heapLimit;
    throw new DatasetTooLargeError(
      `the dataset does not fit in this process's heap: recovery stopped after ${records} records at ${Math.round(used / MB)}mb of a ` +
        `${Math.round(limit / MB)}mb V8 heap. Start eddy with a larger heap (NODE_OPTIONS=--max-old-space-size=${Math.ceil((2 * limit) / MB)}, ` +
        'or on a machine with more memory: bin/eddy.js sizes the heap from it), or restore an earlier, smaller point in time with eddy-pitr',
    );
  }

  /**
   * Evicts until under maxmemory; false when the policy has nothing left to take, and a full GC
   * (at most every second) shows that what is left is no garbage (keys deleted with DEL, a burst
   * of pipelined commands already answered).
   */
  private makeRoom(now: number): boolean {
    if (this.evict(now)) return true;
    if (now - this.lastLimitGc < 1000) return false;
    this.lastLimitGc = now;
    this.gauge.collect(now);
    return this.evict(now);
  }

  private evict(now: number): boolean {
    const gauge = this.gauge;
    // V8 frees nothing until a major GC: what looks used may be garbage, not data.
    if (gauge.mayBeGarbage(now, Math.max(2 ** 20, this.maxmemory / 8))) {
      gauge.collect(now);
      if (gauge.used(now) <= this.maxmemory) return true;
    }
    if (this.policy === 'noeviction') return false;
    const started = performance.now();
    try {
      return this.evictUntilUnder(now, started + this.timeLimitMs());
    } finally {
      this.noteLatency?.('eviction-cycle', performance.now() - started);
    }
  }

  private evictUntilUnder(now: number, deadline: number): boolean {
    const gauge = this.gauge;
    let evicted = 0;
    while (gauge.used(now) > this.maxmemory) {
      const victim = this.policy.endsWith('random') ? this.randomVictim() : this.bestVictim(now);
      if (victim === undefined) return false;
      const ks = victim.shard.state.dbs[victim.db];
      const value = ks.data.get(victim.key);
      if (value === undefined) continue;
      gauge.noteFreed(estimateKeyBytes(victim.key, value, ks.expires.has(victim.key), 5));
      const sample = this.snapshots.get(this.sampled(ks));
      if (sample !== undefined) sample.evicted++;
      this.store.evict(victim.shard, victim.db, victim.key, now);
      // As Redis: past the time limit the rest is evicted on a timer, and this command goes ahead.
      if (++evicted % 16 === 0 && performance.now() > deadline) {
        this.continueLater();
        return true;
      }
    }
    return true;
  }

  /** Redis's evictionTimeLimitUs, in ms: 50 µs per step of tenacity up to 10, then 15% more per step; 100 is no limit. */
  private timeLimitMs(): number {
    if (this.tenacity <= 10) return (50 * this.tenacity) / 1000;
    if (this.tenacity < 100) return (500 * 1.15 ** (this.tenacity - 10)) / 1000;
    return Infinity;
  }

  private continueLater(): void {
    if (this.continuation !== undefined) return;
    this.continuation = setTimeout(() => {
      this.continuation = undefined;
      const now = Date.now();
      if (this.maxmemory > 0 && this.gauge.used(now) > this.maxmemory) this.evict(now);
    }, 0);
    this.continuation.unref();
  }

  /** The keys a policy may take from a keyspace: all of them, or those with a time to live. */
  private sampled(ks: Keyspace): Map<string, unknown> {
    return this.policy.startsWith('volatile') ? ks.expires : ks.data;
  }

  /** Free shards only: a held shard belongs to its job (a paused script), as active expiry leaves it too. */
  private *keyspaces(): Generator<[Shard, number, Keyspace]> {
    for (const shard of this.store.shards) {
      if (!shard.queue.free) continue;
      for (let db = 0; db < shard.state.dbs.length; db++) {
        const ks = shard.state.dbs[db];
        if (this.sampled(ks).size > 0) yield [shard, db, ks];
      }
    }
  }

  /**
   * A key picked at random (Redis's dictGetSomeKeys). A JS Map has no random access, and walking it
   * would sample in insertion order, so picks come from an array of its keys, taken again once half
   * as many picks as it holds have been made, or once a tenth of the keyspace is keys written since
   * (deleted ones are skipped). Without the second rule a keyspace whose keys are evicted and
   * replaced at the same rate is sampled only among its old keys: under LFU, the keys read often
   * went while new ones, never sampled, stayed.
   */
  private randomKey(keys: Map<string, unknown>): string | undefined {
    for (let attempt = 0; attempt < 2; attempt++) {
      let sample = this.snapshots.get(keys);
      if (sample === undefined || sample.picks > sample.keys.length / 2 || keys.size - (sample.keys.length - sample.evicted) > keys.size / 10)
        this.snapshots.set(keys, (sample = { keys: [...keys.keys()], picks: 0, evicted: 0 }));
      for (let tries = 0; tries < 8 && sample.keys.length > 0; tries++) {
        sample.picks++;
        const key = sample.keys[Math.floor(Math.random() * sample.keys.length)];
        if (keys.has(key)) return key;
      }
      // Mostly gone since it was taken: take it again.
      sample.picks = Infinity;
    }
    return undefined;
  }

  private randomVictim(): Candidate | undefined {
    const spaces = [...this.keyspaces()];
    if (spaces.length === 0) return undefined;
    const [shard, db, ks] = spaces[this.nextDb++ % spaces.length];
    const key = this.randomKey(this.sampled(ks));
    return key === undefined ? undefined : { shard, db, key, score: 0 };
  }

  /** Samples every keyspace into the pool, then takes the best candidate that still exists (Redis's evictionPoolPopulate). */
  private bestVictim(now: number): Candidate | undefined {
    for (const [shard, db, ks] of this.keyspaces()) {
      const keys = this.sampled(ks);
      for (let i = 0; i < this.samples && i < keys.size; i++) {
        const key = this.randomKey(keys);
        if (key !== undefined) this.offer({ shard, db, key, score: this.scoreOf(ks, key, now) });
      }
    }
    while (this.pool.length > 0) {
      const best = this.pool.pop() as Candidate;
      if (this.sampled(best.shard.state.dbs[best.db]).has(best.key) && best.shard.queue.free) return best;
    }
    return undefined;
  }

  private scoreOf(ks: Keyspace, key: string, now: number): number {
    const access = this.store.access;
    if (this.policy.endsWith('lru')) return access.idleMs(ks, key, now);
    if (this.policy.endsWith('lfu')) return 255 - access.frequency(ks, key, now);
    return -(ks.expires.get(key) ?? 0);
  }

  /** Keeps the pool sorted by score, ascending, at most POOL_SIZE long; a key already in it is scored anew. */
  private offer(candidate: Candidate): void {
    const pool = this.pool;
    const existing = pool.findIndex((c) => c.key === candidate.key && c.db === candidate.db && c.shard === candidate.shard);
    if (existing !== -1) pool.splice(existing, 1);
    if (pool.length >= POOL_SIZE && candidate.score <= pool[0].score) return;
    let at = pool.length;
    while (at > 0 && pool[at - 1].score > candidate.score) at--;
    pool.splice(at, 0, candidate);
    if (pool.length > POOL_SIZE) pool.shift();
  }

  stop(): void {
    clearTimeout(this.continuation);
    this.gauge.stop();
  }
}
