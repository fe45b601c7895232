import type { OutputLimits } from '../config/option-values.js';

/**
 * Redis's client-output-buffer-limit for one subscriber connection: over the hard limit, or over
 * the soft limit for longer than its seconds, the subscriber is disconnected. 0 disables a limit.
 */
export class OutputLimit {
  private overSoftSince = 0;

  constructor(private readonly limits: () => OutputLimits) {}

  /** Whether `pendingBytes` of unsent output breaks the limit now. */
  exceeded(pendingBytes: number, now = Date.now()): boolean {
    const { hard, soft, softSeconds } = this.limits();
    if (hard > 0 && pendingBytes > hard) return true;
    if (soft === 0 || pendingBytes <= soft) {
      this.overSoftSince = 0;
      return false;
    }
    if (this.overSoftSince === 0) this.overSoftSince = now;
    return now - this.overSoftSince > softSeconds * 1000;
  }
}
