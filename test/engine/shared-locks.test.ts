/**
 * Shared locks (src/engine/shared-locks.ts) on each backend. Two `SharedLocks` on one store stand for two
 * worker processes: each has its own in-process queue, so they meet only through the store's lease rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetryableError } from '../../src/engine/errors.js';
import { createSharedLocks, type SharedLocks } from '../../src/engine/shared-locks.js';
import { createLocksRepository, type LocksRepository } from '../../src/store/repositories/locks.js';
import { availableBackends, createTestStore, type TestStore } from '../helpers/db.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(await availableBackends())('shared locks on %s', (dialect) => {
  let t: TestStore;
  let repo: LocksRepository;
  let processA: SharedLocks;
  let processB: SharedLocks;
  beforeAll(async () => {
    t = await createTestStore(dialect);
    repo = createLocksRepository(t.store.db);
    processA = createSharedLocks({ repo: createLocksRepository(t.store.db) });
    processB = createSharedLocks({ repo: createLocksRepository(t.store.db) });
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('two processes never hold a key at once; the second sees what the first recorded', async () => {
    const spans: Array<{ who: string; from: number; to: number }> = [];
    const first = processA.run('customer:c1:id:7', async (held) => {
      const from = Date.now();
      expect(held).toMatchObject({ waited: false, last: null });
      await sleep(150);
      held.setResult('4242');
      spans.push({ who: 'A', from, to: Date.now() });
    });
    await sleep(20);
    const second = processB.run('customer:c1:id:7', async (held) => {
      spans.push({ who: 'B', from: Date.now(), to: Date.now() });
      return held;
    });
    const [, seen] = await Promise.all([first, second]);
    expect(spans.map((s) => s.who)).toEqual(['A', 'B']);
    expect(spans[1]!.from).toBeGreaterThanOrEqual(spans[0]!.to);
    expect(seen.waited).toBe(true);
    expect(seen.last?.result).toBe('4242');
    // Other keys are not held up by it.
    expect(await processB.run('customer:c1:id:8', async (held) => held.last)).toBeNull();
  });

  it('work that throws still releases the key at once', async () => {
    await expect(
      processA.run('stock:c1', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const started = Date.now();
    const held = await processB.run('stock:c1', async (h) => h, { maxWaitMs: 1_000 });
    expect(held.waited).toBe(false);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('a holder that died (never released) loses the key when its lease ends', async () => {
    const dead = await repo.tryAcquire('stock:c2', 'killed-process', 300);
    expect(dead.acquired).toBe(true);
    const started = Date.now();
    const held = await processB.run('stock:c2', async (h) => h, { maxWaitMs: 5_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(held.waited).toBe(true);
  });

  it('a long holder keeps its lease alive; a waiter gives up with a retryable error, then gets it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    // Renewed every 200 ms (a third of the lease, at least 100 ms): 400 ms of slack for a busy machine.
    // B waits 2.5 leases, so a lease that was not renewed would have let it in.
    const long = processA.run('stock:c3', () => gate, { ttlMs: 600 });
    await sleep(20);
    const err = await processB
      .run('stock:c3', async () => 'ran', { maxWaitMs: 1_500 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'HB_ERR_LOCK_BUSY' });
    release();
    await long;
    expect(await processB.run('stock:c3', async () => 'ran', { maxWaitMs: 600 })).toBe('ran');
  });

  it('old released rows are pruned; held ones are not', async () => {
    await processA.run('customer:c1:old', async (h) => h.setResult('1'));
    const live = await repo.tryAcquire('customer:c1:live', 'holder', 60_000);
    expect(live.acquired).toBe(true);
    expect(await repo.prune(Date.now() + 1)).toBeGreaterThanOrEqual(1);
    const again = await repo.tryAcquire('customer:c1:old', 'next', 1_000);
    expect(again).toEqual({ acquired: true, last: null });
    expect((await repo.tryAcquire('customer:c1:live', 'other', 1_000)).acquired).toBe(false);
  });
});
