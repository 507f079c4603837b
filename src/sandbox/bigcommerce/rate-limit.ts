/**
 * Per-store request quota in fixed windows, as BigCommerce documents it: every response carries
 * X-Rate-Limit-Time-Window-Ms / -Time-Reset-Ms / -Requests-Quota / -Requests-Left; past the quota the
 * answer is 429 with X-Retry-After (whole seconds until the window refills).
 */
export type RateLimitOption = 'standard' | 'pro' | 'off' | { quota: number; windowMs: number };

export interface RateDecision {
  allowed: boolean;
  quota: number;
  left: number;
  windowMs: number;
  resetMs: number;
}

export class RateLimiter {
  readonly quota: number;
  readonly windowMs: number;
  readonly enabled: boolean;
  private windowStart = -1;
  private used = 0;

  constructor(
    option: RateLimitOption = 'standard',
    private readonly now: () => number = Date.now,
  ) {
    // 'off' still sends the headers (the real API always does) but advertises a quota nobody reaches, so
    // a client that honours the headers is not held to the Standard plan by a sandbox that never refuses.
    const resolved =
      option === 'off'
        ? { quota: 1_000_000, windowMs: 30_000 }
        : option === 'standard'
          ? { quota: 150, windowMs: 30_000 }
          : option === 'pro'
            ? { quota: 450, windowMs: 30_000 }
            : option;
    this.quota = resolved.quota;
    this.windowMs = resolved.windowMs;
    this.enabled = option !== 'off';
  }

  take(): RateDecision {
    const t = this.now();
    if (this.windowStart < 0 || t >= this.windowStart + this.windowMs) {
      this.windowStart = t;
      this.used = 0;
    }
    const resetMs = Math.max(0, this.windowStart + this.windowMs - t);
    if (!this.enabled)
      return { allowed: true, quota: this.quota, left: this.quota, windowMs: this.windowMs, resetMs };
    if (this.used >= this.quota)
      return { allowed: false, quota: this.quota, left: 0, windowMs: this.windowMs, resetMs };
    this.used++;
    return {
      allowed: true,
      quota: this.quota,
      left: this.quota - this.used,
      windowMs: this.windowMs,
      resetMs,
    };
  }
}
