/**
 * The queue contract, run against every backend (BACKENDS=sqlite narrows it; PostgreSQL is skipped with
 * a message when unreachable, and required under CI=true).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError, RetryableError } from '../../src/engine/errors.js';
import {
  DEFAULT_MAX_ATTEMPTS,
  type JobContext,
  type QueueBackend,
  type RunningWorker,
} from '../../src/engine/queue/queue-backend.js';
import { queueBackends } from '../helpers/backends.js';
import { createTestStore, type TestStore } from '../helpers/db.js';
import { deferred, waitFor } from './wait.js';

const backends = await queueBackends();

describe.each(backends)('queue contract ($name)', (factory) => {
  let t: TestStore;
  let backend: QueueBackend;
  const workers: RunningWorker[] = [];

  beforeEach(async () => {
    t = await createTestStore(factory.name);
    backend = await factory.create(t, { maxAttempts: 5 });
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop(1_000);
    await backend.close();
    await t.dispose();
  });

  const start = async (opts: Parameters<QueueBackend['startWorker']>[0]) => {
    const w = await backend.startWorker(opts);
    workers.push(w);
    return w;
  };
  const deadLetters = () => t.store.db.selectFrom('dead_letters').selectAll().orderBy('id').execute();
  const allDone = async (n: number) => (await backend.countsByState()).done === n;

  it('runs one entity at a time, in enqueue order, while many entities run concurrently', async () => {
    const entities = 12;
    const perEntity = 8;
    const active = new Map<string, number>();
    const seen = new Map<string, number[]>();
    let overlaps = 0;
    let maxParallel = 0;
    let parallel = 0;
    for (let i = 0; i < perEntity; i++) {
      for (let e = 0; e < entities; e++) {
        await backend.enqueue({
          connectionId: 'c1',
          task: 'step',
          entityKey: `bc:order:${e}`,
          payload: { seq: i },
        });
      }
    }
    await start({
      concurrency: 6,
      handlers: {
        step: async (payload, ctx: JobContext) => {
          const now = (active.get(ctx.entityKey) ?? 0) + 1;
          active.set(ctx.entityKey, now);
          if (now > 1) overlaps++;
          maxParallel = Math.max(maxParallel, ++parallel);
          await new Promise((r) => setTimeout(r, 2 + Math.floor(Math.random() * 4)));
          seen.set(ctx.entityKey, [...(seen.get(ctx.entityKey) ?? []), payload.seq as number]);
          parallel--;
          active.set(ctx.entityKey, now - 1);
        },
      },
    });
    await waitFor(() => allDone(entities * perEntity), 'all jobs done', 20_000);
    expect(overlaps).toBe(0);
    expect(maxParallel).toBeGreaterThan(1);
    for (let e = 0; e < entities; e++) {
      expect(seen.get(`bc:order:${e}`)).toEqual([...Array(perEntity).keys()]);
    }
  });

  it('a coalesce key replaces a pending job, but never a running one', async () => {
    for (let qty = 1; qty <= 3; qty++) {
      await backend.enqueue({
        connectionId: 'c1',
        task: 'stock',
        entityKey: 'hl:item:1@loc:1',
        coalesceKey: 'stock:SKU-1@1',
        payload: { qty },
      });
    }
    const pending = await backend.listJobs({ task: 'stock' });
    expect(pending).toHaveLength(1);
    expect(pending[0]?.payload).toEqual({ qty: 3 });

    const release = deferred();
    const runs: number[] = [];
    await start({
      concurrency: 2,
      handlers: {
        stock: async (payload) => {
          runs.push(payload.qty as number);
          if (runs.length === 1) await release.promise;
        },
      },
    });
    await waitFor(() => runs.length === 1, 'first stock job running');
    const during = await backend.enqueue({
      connectionId: 'c1',
      task: 'stock',
      entityKey: 'hl:item:1@loc:1',
      coalesceKey: 'stock:SKU-1@1',
      payload: { qty: 4 },
    });
    expect(during.coalesced).toBe(false);
    release.resolve();
    await waitFor(() => allDone(2), 'both stock jobs done');
    expect(runs).toEqual([3, 4]);
  });

  it("recovers a dead worker's job when its lease expires", async () => {
    const hung = deferred();
    const dying = await start({
      concurrency: 1,
      leaseMs: 200,
      handlers: {
        sync: async () => {
          hung.resolve();
          await new Promise(() => {}); // never finishes: the process "dies" mid-job
        },
      },
    });
    const { jobId } = await backend.enqueue({
      connectionId: 'c1',
      task: 'sync',
      entityKey: 'bc:order:9',
      payload: {},
    });
    await hung.promise;
    expect(dying.abandon, 'backend must implement RunningWorker.abandon for this test').toBeTypeOf(
      'function',
    );
    await dying.abandon?.();
    const attempts: number[] = [];
    await start({
      concurrency: 1,
      leaseMs: 200,
      handlers: { sync: async (_p, ctx) => void attempts.push(ctx.attempt) },
    });
    await waitFor(async () => (await backend.getJob(jobId))?.state === 'done', 'job recovered and done');
    expect(attempts).toEqual([2]);
  });

  it('retries with backoff and never before the error’s notBefore', async () => {
    const notBefore = Date.now() + 400;
    const retryAts: number[] = [];
    const attempts: number[] = [];
    const { jobId } = await backend.enqueue({
      connectionId: 'c1',
      task: 'push',
      entityKey: 'bc:product:1',
      payload: {},
    });
    await start({
      concurrency: 1,
      events: { 'job:error': (_job, _err, retryAt) => void retryAts.push(retryAt) },
      handlers: {
        push: async (_p, ctx) => {
          attempts.push(ctx.attempt);
          if (ctx.attempt === 1) {
            throw new RetryableError({ code: 'HB_ERR_BC_RATE_LIMITED', message: '429', notBefore });
          }
        },
      },
    });
    await waitFor(() => retryAts.length === 1, 'first attempt failed');
    const waiting = await backend.getJob(jobId);
    expect(waiting?.state).toBe('retrying');
    expect(waiting?.runAt).toBeGreaterThanOrEqual(notBefore);
    expect(waiting?.lastError?.[0]?.code).toBe('HB_ERR_BC_RATE_LIMITED');
    expect(retryAts[0]).toBeGreaterThanOrEqual(notBefore);
    await waitFor(async () => (await backend.getJob(jobId))?.state === 'done', 'retried job done');
    expect(attempts).toEqual([1, 2]);
  });

  it('dead-letters a permanent failure at once, with the full error chain and suggested fix', async () => {
    const { jobId } = await backend.enqueue({
      connectionId: 'c1',
      task: 'orders.sync',
      entityKey: 'bc:order:77',
      payload: { orderId: 77 },
      configVersion: 'v1',
    });
    const runs: number[] = [];
    await start({
      concurrency: 1,
      handlers: {
        'orders.sync': async (_p, ctx) => {
          runs.push(ctx.attempt);
          throw new PermanentError({
            code: 'HB_ERR_MAP_UNKNOWN_SKU',
            message: 'SKU ABC-1 has no Heartland item',
            suggestedFix: 'Create item ABC-1 in Heartland, then replay.',
            cause: new Error('lookup returned 0 rows'),
          });
        },
      },
    });
    await waitFor(async () => (await backend.getJob(jobId))?.state === 'dead', 'job dead');
    expect(runs).toEqual([1]);
    const [dl] = await deadLetters();
    expect(dl).toMatchObject({
      task: 'orders.sync',
      entity_key: 'bc:order:77',
      error_code: 'HB_ERR_MAP_UNKNOWN_SKU',
      suggested_fix: 'Create item ABC-1 in Heartland, then replay.',
      attempts: 1,
      config_version: 'v1',
      status: 'open',
    });
    expect(JSON.parse(dl?.payload_json ?? '{}')).toEqual({ orderId: 77 });
    const chain = JSON.parse(dl?.error_chain_json ?? '[]') as { message: string }[];
    expect(chain.map((c) => c.message)).toEqual([
      'SKU ABC-1 has no Heartland item',
      'lookup returned 0 rows',
    ]);
  });

  it('dead-letters a job whose retries are exhausted', async () => {
    const { jobId } = await backend.enqueue({
      connectionId: 'c1',
      task: 'flaky',
      entityKey: 'bc:customer:5',
      payload: {},
      maxAttempts: 3,
    });
    let runs = 0;
    await start({
      concurrency: 1,
      handlers: {
        flaky: async () => {
          runs++;
          throw new RetryableError({ code: 'HB_ERR_HL_UNAVAILABLE', message: `503 (run ${runs})` });
        },
      },
    });
    await waitFor(async () => (await backend.getJob(jobId))?.state === 'dead', 'job dead after retries');
    expect(runs).toBe(3);
    const [dl] = await deadLetters();
    expect(dl).toMatchObject({
      error_code: 'HB_ERR_HL_UNAVAILABLE',
      attempts: 3,
      error_message: '503 (run 3)',
    });
  });

  it('a later job of an entity waits behind its retrying head', async () => {
    const order: string[] = [];
    await backend.enqueue({
      connectionId: 'c1',
      task: 't',
      entityKey: 'bc:order:1',
      payload: { n: 'first' },
    });
    await backend.enqueue({
      connectionId: 'c1',
      task: 't',
      entityKey: 'bc:order:1',
      payload: { n: 'second' },
    });
    await start({
      concurrency: 4,
      handlers: {
        t: async (p, ctx) => {
          order.push(`${p.n}#${ctx.attempt}`);
          if (p.n === 'first' && ctx.attempt === 1)
            throw new RetryableError({ code: 'HB_ERR_T', message: 'later' });
        },
      },
    });
    await waitFor(() => allDone(2), 'both done');
    expect(order).toEqual(['first#1', 'first#2', 'second#1']);
  });

  it('gives a job DEFAULT_MAX_ATTEMPTS when neither the enqueue nor the backend says', async () => {
    const unset = await factory.create(t, {});
    try {
      const seen: number[] = [];
      await unset.enqueue({ connectionId: 'c1', task: 't', entityKey: 'bc:order:9', payload: {} });
      const w = await unset.startWorker({
        concurrency: 1,
        handlers: {
          t: async (_p, ctx) => {
            seen.push(ctx.maxAttempts);
          },
        },
      });
      await waitFor(async () => (await unset.countsByState()).done === 1, 'job done');
      await w.stop(1_000);
      expect(seen).toEqual([DEFAULT_MAX_ATTEMPTS]);
      expect(DEFAULT_MAX_ATTEMPTS).toBeGreaterThanOrEqual(20);
    } finally {
      await unset.close();
    }
  });
});
