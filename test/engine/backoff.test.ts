import { describe, expect, it } from 'vitest';
import { backoffCapMs, nextRunAt } from '../../src/engine/queue/backoff.js';

describe('nextRunAt', () => {
  const now = 1_000_000;

  it('grows exponentially up to the maximum', () => {
    const delays = [1, 2, 3, 4, 12, 40].map(
      (attempt) => nextRunAt({ attempt, now, random: () => 1, jitter: 'full' }) - now,
    );
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 900_000, 900_000]);
    expect(backoffCapMs(1_000)).toBe(900_000);
  });

  it('full jitter spreads over [0, cap], equal jitter over [cap/2, cap]', () => {
    expect(nextRunAt({ attempt: 3, now, random: () => 0, jitter: 'full' })).toBe(now);
    expect(nextRunAt({ attempt: 3, now, random: () => 0, jitter: 'equal' })).toBe(now + 2_000);
    expect(nextRunAt({ attempt: 3, now, random: () => 0.5, jitter: 'equal' })).toBe(now + 3_000);
  });

  it('never returns a time before notBefore, and keeps a longer backoff', () => {
    expect(nextRunAt({ attempt: 1, now, notBefore: now + 60_000, random: () => 0.3 })).toBe(now + 60_000);
    expect(nextRunAt({ attempt: 5, now, notBefore: now + 10, random: () => 1, baseMs: 1_000 })).toBe(
      now + 16_000,
    );
  });

  it('respects custom base and max', () => {
    expect(nextRunAt({ attempt: 2, now, baseMs: 5, maxMs: 8, random: () => 1, jitter: 'full' })).toBe(
      now + 8,
    );
  });
});
