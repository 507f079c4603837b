import { describe, expect, it } from 'vitest';
import { HeartlandClient } from '../../src/connectors/heartland/heartland-client.js';
import {
  AdaptiveLimiter,
  type LimitChange,
  type RequestOutcome,
} from '../../src/connectors/shared/adaptive-limiter.js';

/** A task the test ends by hand, so which requests overlap is decided by the test, not by timers. */
function gate() {
  let end!: (outcome: RequestOutcome) => void;
  const done = new Promise<RequestOutcome>((resolve) => {
    end = resolve;
  });
  return { done, end };
}

const byResult = (r: { ok: RequestOutcome } | { error: unknown }): RequestOutcome =>
  'ok' in r ? r.ok : 'other';

/** Starts `n` tasks, returns their gates (in start order) and a counter of the most in flight at once. */
function startMany(limiter: AdaptiveLimiter, n: number) {
  const gates = Array.from({ length: n }, () => gate());
  const started: number[] = [];
  let inFlight = 0;
  let most = 0;
  const runs = gates.map((g, i) =>
    limiter.run(async () => {
      started.push(i);
      most = Math.max(most, ++inFlight);
      const outcome = await g.done;
      inFlight--;
      return outcome;
    }, byResult),
  );
  return { gates, started, runs, most: () => most };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('AdaptiveLimiter: backs off when the server stops answering, not on stray timeouts', () => {
  it('keeps the full limit when 1 request in 20 times out (the sandbox fault rate)', async () => {
    const limiter = new AdaptiveLimiter(4);
    for (let i = 0; i < 200; i++) {
      const outcome: RequestOutcome = i % 20 === 7 ? 'timeout' : 'answered';
      await limiter.run(async () => outcome, byResult);
    }
    expect(limiter.limit).toBe(4);
  });

  it('halves once per wave of timeouts, down to 1, and never lets more than the limit start', async () => {
    const changes: LimitChange[] = [];
    const limiter = new AdaptiveLimiter(16, { onChange: (c) => changes.push(c) });
    const wave = startMany(limiter, 64);
    await tick();
    expect(wave.started).toHaveLength(16);
    // The first 16 all time out: the cluster halves the limit once (their timeouts describe the old limit).
    for (const g of wave.gates.slice(0, 16)) g.end('timeout');
    await tick();
    expect(limiter.limit).toBe(8);
    // Slots freed before the cut went to waiters; after it, no more than the new limit are in flight.
    expect(limiter.inFlight).toBe(8);
    // Each following wave of timeouts halves again.
    const limits: number[] = [];
    for (let round = 0; round < 6; round++) {
      const running = wave.started.slice(-limiter.inFlight);
      for (const i of running) wave.gates[i]?.end('timeout');
      await tick();
      expect(limiter.inFlight).toBeLessThanOrEqual(limiter.limit);
      limits.push(limiter.limit);
    }
    expect(limits).toEqual([4, 2, 1, 1, 1, 1]);
    expect(limits.at(-1)).toBe(1);
    expect(changes.map((c) => c.limit)).toEqual([8, 4, 2, 1]);
    expect(changes.every((c) => c.reason === 'backoff')).toBe(true);
    // At limit 1, one request at a time; its answer grows the limit to 2, so two start.
    const before = wave.started.length;
    wave.gates[wave.started.at(-1) ?? -1]?.end('answered');
    await tick();
    expect(limiter.limit).toBe(2);
    expect(wave.started.length - before).toBe(2);
    for (const g of wave.gates) g.end('answered');
    await Promise.all(wave.runs);
  });

  it('grows back by one per limit answers and reports when it is at full concurrency again', async () => {
    const changes: LimitChange[] = [];
    const limiter = new AdaptiveLimiter(4, { onChange: (c) => changes.push(c) });
    // Drive it down: waves of four timeouts.
    for (let i = 0; i < 3; i++) {
      await Promise.all(
        Array.from({ length: 8 }, () => limiter.run(async () => 'timeout' as const, byResult)),
      );
    }
    expect(limiter.limit).toBe(1);
    const answered = (n: number) =>
      Promise.all(Array.from({ length: n }, () => limiter.run(async () => 'answered' as const, byResult)));
    await answered(1);
    expect(limiter.limit).toBe(2);
    await answered(2);
    expect(limiter.limit).toBe(3);
    // While timeouts still cluster in the window the growth continues only on answers: 3 more → 4.
    await answered(3);
    expect(limiter.limit).toBe(4);
    expect(changes.at(-1)).toEqual({ limit: 4, max: 4, reason: 'recovered' });
  });

  it('does not count errors that are not timeouts (refused, reset, bugs)', async () => {
    const limiter = new AdaptiveLimiter(4);
    for (let i = 0; i < 40; i++) {
      await limiter
        .run(async () => {
          throw new Error('ECONNREFUSED');
        }, byResult)
        .catch(() => {});
    }
    expect(limiter.limit).toBe(4);
  });

  it('lets waiters in first come first served, with no newcomer slipping past the limit', async () => {
    const limiter = new AdaptiveLimiter(2);
    const wave = startMany(limiter, 6);
    await tick();
    expect(wave.started).toEqual([0, 1]);
    wave.gates[0]?.end('answered');
    // A newcomer arriving in the same turn the slot is handed over waits its turn.
    const late = limiter.run(async () => 'answered' as const, byResult);
    await tick();
    expect(wave.started).toEqual([0, 1, 2]);
    for (const g of wave.gates) g.end('answered');
    await Promise.all([...wave.runs, late]);
    expect(wave.most()).toBe(2);
  });
});

describe('HeartlandClient against a server that stops answering', () => {
  it('backs off to one request in flight, then returns to full concurrency once answers come', async () => {
    let hanging = true;
    let inFlight = 0;
    let most = 0;
    const inFlightAtStart: number[] = [];
    const changes: LimitChange[] = [];
    // A fetch that never answers while `hanging` (like a server whose accept queue is full) until the
    // client's timeout aborts it, and answers at once afterwards.
    const fetchFn = async (_url: string, init: RequestInit): Promise<Response> => {
      inFlight++;
      most = Math.max(most, inFlight);
      inFlightAtStart.push(inFlight);
      try {
        if (!hanging) return new Response('{"results":[],"total":0,"pages":0}', { status: 200 });
        return await new Promise<Response>((_resolve, reject) => {
          init.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true });
        });
      } finally {
        inFlight--;
      }
    };
    const client = new HeartlandClient({
      apiUrl: 'http://heartland.invalid/api',
      token: 't',
      fetch: fetchFn,
      concurrency: 8,
      timeoutMs: 30,
      maxGetRetries: 0,
      onConcurrencyChange: (c) => changes.push(c),
    });
    const calls = Array.from({ length: 40 }, () => client.request('GET', '/locations'));
    const settled = await Promise.allSettled(calls);
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    expect(most).toBe(8);
    expect(client.concurrencyLimit).toBe(1);
    // The last requests went one at a time: the bridge stopped opening new connections to a dead server.
    expect(inFlightAtStart.slice(-10).every((n) => n <= 2)).toBe(true);
    expect(changes[0]).toMatchObject({ limit: 4, max: 8, reason: 'backoff' });

    hanging = false;
    for (let i = 0; i < 40; i++) await client.request('GET', '/locations');
    expect(client.concurrencyLimit).toBe(8);
    expect(changes.at(-1)).toEqual({ limit: 8, max: 8, reason: 'recovered' });
  });
});
