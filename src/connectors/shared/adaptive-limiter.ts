/**
 * A concurrency limit that backs off when the server stops answering: at most `limit` requests in flight,
 * where `limit` is halved when requests time out in a cluster and grows back by one for every `limit`
 * answers (additive increase, multiplicative decrease — TCP's congestion rule, applied to requests).
 *
 * Why: a server whose accept queue is full never answers a new connection. With a fixed limit, every
 * slot times out, the transport abandons the connection, and the next request opens another: a full chaos
 * run kept ~30 handshakes in flight and ~26 new ones a second against a queue that drained 5 a second, so
 * the server could not recover while the bridge ran (stopping the bridge emptied the queue in under 2 s;
 * bench/results/chaos-full-postgres-2026-11-28-reset.md). Requests that wait in a queue that long are also
 * the ones that land after their retry (payments recorded twice). Halving per cluster of timeouts lets
 * the server drain; the bridge still makes progress at limit 1.
 *
 * Two rules keep a healthy server at full speed:
 * - A cut needs a cluster: at least {@link CLUSTER} of the last {@link WINDOW} outcomes are timeouts. A
 *   server that times out 5 % of requests at random (the sandbox's fault profile) almost never has 5 in
 *   20 (p ≈ 0.3 %), an overloaded one has nearly all.
 * - One cut per generation: a timeout only cuts when its request started after the previous cut. The
 *   timeouts of requests sent under the old limit describe the old limit (like TCP's one cut per window),
 *   so a burst of them halves once, not down to 1. No clock: deterministic to test.
 *
 * Network errors (refused, reset) neither cut nor grow: they fail fast and cost the server nothing.
 * Hand-written: p-limit and friends have fixed limits; the adaptive ones (Netflix concurrency-limits) are
 * Java. This is ~80 lines.
 */

/** How one request ended, for the limit. */
export type RequestOutcome = 'answered' | 'timeout' | 'other';

export interface LimitChange {
  limit: number;
  max: number;
  /** `backoff`: halved after timeouts; `recovered`: back at max. Growth between is not reported. */
  reason: 'backoff' | 'recovered';
}

export interface AdaptiveLimiterOptions {
  /** Called when the limit is cut and when it is back at max (to log and export it). */
  onChange?: (change: LimitChange) => void;
}

/** Outcomes looked at when deciding whether timeouts cluster. */
export const WINDOW = 20;
/** Timeouts among the last {@link WINDOW} outcomes that make a cluster. */
export const CLUSTER = 5;

export class AdaptiveLimiter {
  private current: number;
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** Bumped on every cut; a request remembers the generation it started in. */
  private generation = 0;
  private readonly recent: boolean[] = [];
  private answeredSinceChange = 0;

  constructor(
    readonly max: number,
    private readonly options: AdaptiveLimiterOptions = {},
  ) {
    if (!Number.isInteger(max) || max < 1)
      throw new Error(`concurrency must be a positive integer, got ${max}`);
    this.current = max;
  }

  /** Requests allowed in flight now. */
  get limit(): number {
    return this.current;
  }

  /** Requests in flight now (may exceed `limit` just after a cut: those already sent are not stopped). */
  get inFlight(): number {
    return this.active;
  }

  /** Runs `fn` when a slot is free; `classify` tells the limit how it ended (a throw is classified too). */
  async run<T>(
    fn: () => Promise<T>,
    classify: (result: { ok: T } | { error: unknown }) => RequestOutcome,
  ): Promise<T> {
    // A slot is counted when granted: here, or by admit() for a waiter, so a newcomer cannot slip past.
    if (this.active < this.current && this.waiting.length === 0) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    const startedIn = this.generation;
    let outcome: RequestOutcome = 'other';
    try {
      const ok = await fn();
      outcome = classify({ ok });
      return ok;
    } catch (error) {
      outcome = classify({ error });
      throw error;
    } finally {
      this.active--;
      this.record(outcome, startedIn);
      this.admit();
    }
  }

  private record(outcome: RequestOutcome, startedIn: number): void {
    if (outcome === 'other') return;
    this.recent.push(outcome === 'timeout');
    if (this.recent.length > WINDOW) this.recent.shift();
    if (outcome === 'timeout') {
      const clustered = this.recent.filter(Boolean).length >= CLUSTER;
      if (clustered && startedIn === this.generation && this.current > 1) {
        this.generation++;
        this.current = Math.max(1, Math.floor(this.current / 2));
        this.answeredSinceChange = 0;
        this.options.onChange?.({ limit: this.current, max: this.max, reason: 'backoff' });
      }
      return;
    }
    if (this.current >= this.max) return;
    if (++this.answeredSinceChange >= this.current) {
      this.current++;
      this.answeredSinceChange = 0;
      if (this.current === this.max)
        this.options.onChange?.({ limit: this.current, max: this.max, reason: 'recovered' });
    }
  }

  /** Lets waiters in while there is room under the (possibly changed) limit, first come first served. */
  private admit(): void {
    while (this.active < this.current && this.waiting.length > 0) {
      this.active++;
      this.waiting.shift()?.();
    }
  }
}
