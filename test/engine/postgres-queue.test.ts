/**
 * PostgreSQL-only queue behaviour (graphile-worker underneath): our retry/dead-letter policy over graphile's,
 * per-entity order across retries, coalescing vs a running job, several worker pools on one database, and
 * lease recovery after a worker process is SIGKILLed. Each test gets its own store schema and graphile schema.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError, RetryableError } from '../../src/engine/errors.js';
import { createPostgresQueue } from '../../src/engine/queue/postgres/index.js';
import type { JsonObject, QueueBackend, RunningWorker } from '../../src/engine/queue/queue-backend.js';
import { openStore } from '../../src/store/database.js';
import { createTestStore, dropSchema, postgresAvailable, type TestStore } from '../helpers/db.js';

const pgUp = await postgresAvailable();
if (!pgUp && process.env.CI === 'true') throw new Error('PostgreSQL is required under CI=true');

const here = dirname(fileURLToPath(import.meta.url));

async function until(cond: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition') {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!pgUp)('postgres queue (graphile-worker)', () => {
  let t: TestStore;
  let gwSchema: string;
  let queue: QueueBackend;
  const workers: RunningWorker[] = [];

  const logged: string[] = [];
  const make = (over: { leaseMs?: number } = {}) =>
    createPostgresQueue({
      store: t.store,
      schema: gwSchema,
      log: (_level, message) => logged.push(message),
      defaults: {
        maxAttempts: 5,
        backoff: { baseMs: 5, maxMs: 40, jitter: 'equal' },
        leaseMs: over.leaseMs ?? 1_000,
        heartbeatMs: 200,
        sweepIntervalMs: 50,
        pollIntervalMs: 100,
      },
    });

  // One store and one graphile schema per file (installing graphile's schema is 19 migrations of DDL);
  // tests empty the queue between them.
  beforeAll(async () => {
    t = await createTestStore('postgres');
    gwSchema = `${t.pgSchema}_gw`;
  });
  afterAll(async () => {
    await t?.dispose();
    await dropSchema(gwSchema);
  });
  beforeEach(async () => {
    queue = make();
    await queue.prepare();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop(1_000)));
    await queue.close();
    await sql`truncate ${sql.id(gwSchema, '_private_jobs')}, ${sql.id(gwSchema, '_private_job_queues')}`.execute(
      t.store.db,
    );
    await sql`truncate dead_letters, worker_heartbeats`.execute(t.store.db);
  });

  const enqueue = (
    entityKey: string,
    payload: JsonObject,
    extra: { coalesceKey?: string; priority?: number } = {},
  ) => queue.enqueue({ connectionId: 'c1', task: 'work', entityKey, payload, ...extra });

  it('runs jobs of one entity in order even while the head retries, without blocking other entities', async () => {
    const seen: string[] = [];
    let failures = 0;
    for (let i = 1; i <= 5; i++) await enqueue('bc:order:1', { n: `a${i}` });
    await enqueue('bc:order:2', { n: 'b1' });
    workers.push(
      await queue.startWorker({
        concurrency: 4,
        handlers: {
          async work(p) {
            if (p.n === 'a1' && failures < 2) {
              failures++;
              throw new RetryableError({ code: 'HB_ERR_TEST_FLAKY', message: 'flaky' });
            }
            seen.push(String(p.n));
          },
        },
      }),
    );
    await until(() => seen.length === 6, 10_000, 'all jobs');
    expect(seen.filter((n) => n.startsWith('a'))).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(failures).toBe(2);
    // b1 was not held back by entity 1's retries.
    expect(seen.indexOf('b1')).toBeLessThan(seen.indexOf('a1'));
  });

  it('keeps the logical job id across retries and honours notBefore', async () => {
    const notBefore = Date.now() + 60_000;
    const { jobId } = await enqueue('hl:item:1', { n: 1 });
    const errors: number[] = [];
    workers.push(
      await queue.startWorker({
        concurrency: 1,
        handlers: {
          async work() {
            throw new RetryableError({ code: 'HB_ERR_TEST_RATE', message: 'rate limited', notBefore });
          },
        },
        events: { 'job:error': (_j, _e, retryAt) => errors.push(retryAt) },
      }),
    );
    await until(() => errors.length === 1, 10_000, 'first failure');
    // Backoff is 5–40 ms here: only notBefore can be holding it back.
    await new Promise((r) => setTimeout(r, 400));
    expect(errors).toHaveLength(1);
    const job = await queue.getJob(jobId);
    expect(job?.state).toBe('retrying');
    expect(job?.attempts).toBe(1);
    expect(job?.runAt).toBeGreaterThanOrEqual(notBefore);
    expect(job?.lastError?.[0]?.code).toBe('HB_ERR_TEST_RATE');
    expect(errors[0]).toBeGreaterThanOrEqual(notBefore);
    expect(await queue.oldestPendingAgeMs()).toBe(0);
  });

  it('dead-letters a permanent failure at once with its error chain, and does not retry it', async () => {
    const { jobId } = await enqueue('bc:order:9', { n: 1 });
    let runs = 0;
    const dead: string[] = [];
    workers.push(
      await queue.startWorker({
        concurrency: 1,
        handlers: {
          async work() {
            runs++;
            throw new PermanentError({
              code: 'HB_ERR_TEST_INVALID',
              message: 'bad sku',
              cause: new Error('root cause'),
            });
          },
        },
        events: { 'job:dead': (j) => dead.push(j.id) },
      }),
    );
    await until(() => dead.length === 1, 10_000, 'dead letter');
    await new Promise((r) => setTimeout(r, 300));
    expect(runs).toBe(1);
    expect(dead).toEqual([jobId]);
    const job = await queue.getJob(jobId);
    expect(job?.state).toBe('dead');
    const letters = await t.store.db.selectFrom('dead_letters').selectAll().execute();
    expect(letters).toHaveLength(1);
    expect(letters[0]?.error_code).toBe('HB_ERR_TEST_INVALID');
    const chain = JSON.parse(letters[0]?.error_chain_json ?? '[]') as { message: string }[];
    expect(chain.map((e) => e.message)).toEqual(['bad sku', 'root cause']);
    expect((await queue.countsByState()).dead).toBe(1);
  });

  it('dead-letters after the last attempt of a retryable failure', async () => {
    const { jobId } = await queue.enqueue({
      connectionId: 'c1',
      task: 'work',
      entityKey: 'e',
      payload: {},
      maxAttempts: 3,
    });
    let runs = 0;
    workers.push(
      await queue.startWorker({
        concurrency: 1,
        handlers: {
          async work() {
            runs++;
            throw new Error('boom');
          },
        },
      }),
    );
    await until(async () => (await queue.getJob(jobId))?.state === 'dead', 10_000, 'dead');
    expect(runs).toBe(3);
    const letters = await t.store.db.selectFrom('dead_letters').selectAll().execute();
    expect(letters.map((l) => l.attempts)).toEqual([3]);
  });

  it('coalesces into a pending job but never replaces a running one', async () => {
    const first = await enqueue('stock:1', { v: 1 }, { coalesceKey: 'stock:SKU-1' });
    const second = await enqueue('stock:1', { v: 2 }, { coalesceKey: 'stock:SKU-1' });
    expect(second).toEqual({ jobId: first.jobId, coalesced: true });
    expect((await queue.listJobs({})).map((j) => j.payload)).toEqual([{ v: 2 }]);

    const seen: number[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    workers.push(
      await queue.startWorker({
        concurrency: 2,
        handlers: {
          async work(p) {
            seen.push(Number(p.v));
            if (p.v === 2) await gate;
          },
        },
      }),
    );
    await until(async () => (await queue.listJobs({ state: 'running' })).length === 1, 10_000, 'running');
    const third = await enqueue('stock:1', { v: 3 }, { coalesceKey: 'stock:SKU-1' });
    expect(third.coalesced).toBe(false);
    release();
    await until(() => seen.length === 2, 10_000, 'both runs');
    expect(seen).toEqual([2, 3]);
  });

  it('lets several worker pools share one database without running a job twice', async () => {
    const N = 120;
    const runs = new Map<number, number>();
    const byPool = [0, 0];
    const handlers = (pool: number) => ({
      async work(p: JsonObject) {
        byPool[pool] = (byPool[pool] ?? 0) + 1;
        runs.set(Number(p.n), (runs.get(Number(p.n)) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 5));
      },
    });
    const other = make();
    for (let i = 0; i < N; i++) await enqueue(`e:${i % 20}`, { n: i });
    workers.push(await queue.startWorker({ concurrency: 3, handlers: handlers(0) }));
    workers.push(await other.startWorker({ concurrency: 3, handlers: handlers(1) }));
    await until(() => runs.size === N, 20_000, `${N} jobs`);
    await new Promise((r) => setTimeout(r, 200));
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(byPool.every((n) => n > 0)).toBe(true);
    expect(await queue.countsByState()).toEqual({ pending: 0, running: 0, retrying: 0, dead: 0, done: N });
    // Finished jobs are kept for `jobs list` until retention removes them.
    expect(await queue.deleteDoneBefore?.(Date.now() + 60_000)).toBe(N);
    expect(await queue.listJobs({})).toEqual([]);
  });

  it('never hands on the jobs of a live worker whose connection pool is busy with its jobs', async () => {
    // Seen in a full chaos run: jobs waiting on the store's pool delayed the heartbeat past the lease, the
    // other processes judged the busy (alive) one dead and ran its jobs a second time: orders twice.
    const N = 14;
    const runs = new Map<number, number>();
    const busy = {
      async work(p: JsonObject) {
        runs.set(Number(p.n), (runs.get(Number(p.n)) ?? 0) + 1);
        // Holds a pooled connection for longer than the lease (1 s): 14 of these queue on 10 connections.
        await sql`select pg_sleep(1.5)`.execute(t.store.db);
      },
    };
    // The other worker process, with its own pool: it sweeps and would take over what looks abandoned.
    const otherStore = openStore(t.url, { pgSchema: t.pgSchema });
    const other = createPostgresQueue({
      store: otherStore,
      schema: gwSchema,
      log: (_level, message) => logged.push(message),
      defaults: {
        maxAttempts: 5,
        leaseMs: 1_000,
        heartbeatMs: 200,
        sweepIntervalMs: 50,
        pollIntervalMs: 100,
      },
    });
    try {
      for (let i = 0; i < N; i++) await enqueue(`e:${i}`, { n: i });
      workers.push(await queue.startWorker({ concurrency: N, handlers: busy }));
      await until(() => runs.size === N, 10_000, 'all jobs started');
      const idle = await other.startWorker({ concurrency: 4, handlers: busy });
      await until(async () => (await queue.countsByState()).done === N, 30_000, `${N} jobs done`).catch(
        async (e) => {
          console.log(await queue.countsByState(), runs, logged);
          throw e;
        },
      );
      await idle.stop(1_000);
      expect(logged.filter((m) => m.includes('HB_WARN_QUEUE_LEASE'))).toEqual([]);
      expect([...runs.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await other.close();
      await otherStore.close();
    }
  }, 60_000);

  it('keeps a job that was handed on while it ran when the first run ends after all', async () => {
    // A worker whose heartbeat is late (here: every 10 s, while the others judge by a 1 s lease).
    const late = createPostgresQueue({
      store: t.store,
      schema: gwSchema,
      log: (_level, message) => logged.push(message),
      defaults: {
        maxAttempts: 5,
        leaseMs: 60_000,
        heartbeatMs: 10_000,
        sweepIntervalMs: 50,
        pollIntervalMs: 100,
      },
    });
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    const attempts: number[] = [];
    try {
      const { jobId } = await enqueue('bc:order:9', { n: 9 });
      workers.push(
        await late.startWorker({
          concurrency: 1,
          handlers: {
            async work(_p, ctx) {
              attempts.push(ctx.attempt);
              await released;
            },
          },
        }),
      );
      await until(() => attempts.length === 1, 5_000, 'first run');
      // Another process sweeps (it runs other tasks only, so it does not pick the job up itself).
      workers.push(await queue.startWorker({ concurrency: 1, handlers: { other: async () => {} } }));
      await until(() => logged.some((m) => m.includes('HB_WARN_QUEUE_LEASE_TAKEN')), 5_000, 'takeover');
      // The first run ends now. Its outcome is the new holder's to record, and the job must still be
      // there to be run again (graphile's own completion would delete the row whoever holds it).
      release();
      await until(async () => (await queue.getJob(jobId))?.state === 'done', 5_000, 'the job done');
      expect(logged.filter((m) => m.includes('HB_WARN_QUEUE_LEASE_LOST'))).toHaveLength(1);
      expect(attempts).toEqual([1, 2]);
    } finally {
      release();
      await late.close();
    }
  });

  it('recovers the lease of a worker process killed mid-job, on its last attempt too', async () => {
    const { jobId } = await enqueue('bc:order:77', { n: 1 });
    const last = await queue.enqueue({
      connectionId: 'c1',
      task: 'work',
      entityKey: 'bc:order:78',
      payload: {},
      maxAttempts: 1,
    });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'fixtures', 'pg-hang-worker.ts'), t.url, t.pgSchema ?? '', gwSchema],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      let started = 0;
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (b: Buffer) => {
          started += b.toString().split('started').length - 1;
          if (started >= 2) resolve();
        });
        child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
      });
      expect((await queue.getJob(jobId))?.state).toBe('running');
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((r) => child.once('exit', r));
    const done: string[] = [];
    workers.push(
      await queue.startWorker({
        concurrency: 1,
        handlers: {
          async work(_p, ctx) {
            expect(ctx.attempt).toBe(2);
            done.push(ctx.jobId);
          },
        },
      }),
    );
    // Both run again (attempt 2): a crash on the last attempt raises the limit instead of dead-lettering.
    await until(() => done.length === 2, 15_000, 'recovered jobs');
    expect(done.sort()).toEqual([jobId, last.jobId].sort());
    expect(await t.store.db.selectFrom('dead_letters').selectAll().execute()).toEqual([]);
    // The on-call engineer sees each takeover, and why: the dead pool's heartbeat had stopped.
    const takeover = logged.find((m) => m.includes('HB_WARN_QUEUE_LEASE_TAKEN') && m.includes(jobId));
    expect(takeover).toMatch(
      /bc:order:77, attempt 1\) taken from worker pool \S+ after \d+ ms: its last heartbeat is \d+ s old/,
    );
  });
});
