/**
 * At most N tasks in flight, first come first served, never adapting: the {@link AdaptiveLimiter}'s slot
 * handling with every outcome ignored (one queueing mechanism in the project, not two). For fixed fan-outs
 * such as the reservations walk's product reads; API clients that should back off use the adaptive one.
 */
import { AdaptiveLimiter } from './adaptive-limiter.js';

const ignored = () => 'other' as const;

export class ConcurrencyLimiter {
  private readonly slots: AdaptiveLimiter;

  constructor(readonly max: number) {
    this.slots = new AdaptiveLimiter(max);
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.slots.run(fn, ignored);
  }
}
