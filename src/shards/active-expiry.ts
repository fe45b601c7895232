import type { Store } from './store.js';

/** Redis's ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP, ..._ACCEPTABLE_STALE and ..._SLOW_TIME_PERC. */
const KEYS_PER_LOOP = 20;
const ACCEPTABLE_STALE_PERCENT = 10;
const SLOW_TIME_PERCENT = 25;

/** `hz` and `active-expire-effort`, kept current by the composition root on CONFIG SET. */
export interface ExpirySettings {
  hz: number;
  effort: number;
}

/**
 * Active expiry, as Redis's slow expire cycle: `hz` times a second, sample expiring keys in every
 * keyspace and delete those past their time; while more than a tenth of a sample had expired, go
 * again, within a quarter of the cycle's time. `active-expire-effort` (1..10) samples more keys,
 * tolerates fewer stale ones and spends more time, each as Redis scales them. DEBUG
 * SET-ACTIVE-EXPIRE 0 turns it off (lazy expiry on access still deletes).
 */
export class ActiveExpiry {
  enabled = true;
  /** Told how long each cycle held the event loop (LATENCY's expire-cycle). */
  noteLatency: ((event: string, ms: number) => void) | undefined = undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly store: Store,
    readonly settings: ExpirySettings,
  ) {}

  start(): void {
    this.stop();
    this.running = true;
    this.timer = setInterval(() => this.cycle(), 1000 / this.settings.hz);
    this.timer.unref();
  }

  /** At a changed `hz`: a running cycle takes the new pace. */
  restart(): void {
    if (this.running) this.start();
  }

  stop(): void {
    clearInterval(this.timer);
    this.running = false;
  }

  /** One cycle; returns how many keys went. */
  cycle(now = Date.now()): number {
    if (!this.enabled) return 0;
    const effort = this.settings.effort - 1;
    const keysPerLoop = KEYS_PER_LOOP + (KEYS_PER_LOOP / 4) * effort;
    const acceptableStale = ACCEPTABLE_STALE_PERCENT - effort;
    const budgetMs = ((1000 / this.settings.hz) * (SLOW_TIME_PERCENT + 2 * effort)) / 100;
    const started = performance.now();
    let expired = 0;
    for (;;) {
      const pass = this.store.expireSome(now, keysPerLoop);
      expired += pass.expired;
      if (pass.sampled === 0 || pass.expired * 100 <= pass.sampled * acceptableStale || performance.now() - started >= budgetMs) break;
    }
    this.noteLatency?.('expire-cycle', performance.now() - started);
    return expired;
  }
}
