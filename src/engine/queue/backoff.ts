/**
 * When a failed job may run again: exponential backoff with jitter, never before `notBefore`.
 *
 * Jitter spreads retries of many jobs that failed together (an upstream outage) so they do not all
 * come back in the same instant ("thundering herd"):
 * - `full`:  delay = random(0, cap)          — best spread, may retry almost at once;
 * - `equal`: delay = cap/2 + random(0, cap/2) — keeps at least half the exponential wait.
 * where cap = min(maxMs, baseMs · 2^(attempt−1)).
 *
 * `notBefore` (e.g. a rate-limit reset the upstream announced) always wins over a shorter backoff:
 * retrying before it only burns the shared quota.
 */

export type JitterMode = 'full' | 'equal';

export interface BackoffPolicy {
  /** Delay cap of the first retry, ms. Default 1,000. */
  baseMs?: number;
  /** Largest delay, ms. Default 15 minutes. */
  maxMs?: number;
  /** Default `equal`. */
  jitter?: JitterMode;
}

export interface NextRunAtInput extends BackoffPolicy {
  /** The attempt that just failed, 1-based. */
  attempt: number;
  /** Epoch ms. */
  now: number;
  /** Epoch ms; the result is never earlier. */
  notBefore?: number;
  /** Uniform [0, 1); injectable so tests are deterministic. Default Math.random. */
  random?: () => number;
}

export const DEFAULT_BACKOFF: Required<BackoffPolicy> = {
  baseMs: 1_000,
  maxMs: 15 * 60_000,
  jitter: 'equal',
};

/** The uncapped-by-jitter ceiling for an attempt: min(maxMs, baseMs · 2^(attempt−1)). */
export function backoffCapMs(
  attempt: number,
  baseMs = DEFAULT_BACKOFF.baseMs,
  maxMs = DEFAULT_BACKOFF.maxMs,
) {
  // Exponent clamped so 2^n stays finite for absurd attempt counts.
  const exp = Math.min(Math.max(attempt, 1) - 1, 40);
  return Math.min(maxMs, baseMs * 2 ** exp);
}

export function nextRunAt(input: NextRunAtInput): number {
  const { attempt, now, notBefore } = input;
  const cap = backoffCapMs(
    attempt,
    input.baseMs ?? DEFAULT_BACKOFF.baseMs,
    input.maxMs ?? DEFAULT_BACKOFF.maxMs,
  );
  const r = Math.min(Math.max((input.random ?? Math.random)(), 0), 1);
  const delay = (input.jitter ?? DEFAULT_BACKOFF.jitter) === 'full' ? r * cap : cap / 2 + (r * cap) / 2;
  const at = now + Math.round(delay);
  return notBefore !== undefined && notBefore > at ? notBefore : at;
}
