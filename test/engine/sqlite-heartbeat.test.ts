/**
 * SQLite worker heartbeats: a worker process killed mid-job (SIGKILL) gives its jobs back long before
 * their 30 s lease runs out — at once when the next pool can see the process is gone (same machine),
 * after ~3 heartbeats when it cannot (a pool "on another machine") — and a LIVE pool running a long job
 * keeps it, however eagerly another pool sweeps. The child pools run test/engine/fixtures/
 * sqlite-heartbeat-worker.ts; the bound of 10 s is a behaviour check (recovery did not wait for the
 * lease), not a benchmark.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { QueueBackend, RunningWorker } from '../../src/engine/queue/queue-backend.js';
import { createSqliteQueue, type SqliteQueueOptions } from '../../src/engine/queue/sqlite/sqlite-queue.js';
import { waitFor } from '../contract/wait.js';
import { createTestStore, requestedBackends, type TestStore } from '../helpers/db.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const LEASE_MS = 30_000;
/** Far below the 30 s lease: recovering within it proves the lease was not what freed the job. */
const RECOVERY_BOUND_MS = 10_000;
const OTHER_MACHINE = 'pid-space-of-another-machine';

interface ChildOptions {
  heartbeatMs: number;
  leaseMs: number;
  /** Undefined: this machine's real PID space. */
  pidSpace?: string;
  /** 0 = hold every job until killed. */
  holdMs: number;
}

interface Start {
  job_id: string;
  attempt: number;
  pid: number;
}

describe.skipIf(!requestedBackends().includes('sqlite'))('SQLite worker heartbeats', () => {
  let t: TestStore | undefined;
  let child: ChildProcess | undefined;
  const backends: QueueBackend[] = [];

  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    child = undefined;
    for (const b of backends.splice(0)) await b.close();
    await t?.dispose();
    t = undefined;
  });

  async function setup(): Promise<TestStore> {
    t = await createTestStore('sqlite');
    await sql`create table starts (job_id text not null, attempt integer not null, pid integer not null)`.execute(
      t.store.db,
    );
    return t;
  }

  function startChild(store: TestStore, o: ChildOptions): ChildProcess {
    const args = [
      '--import',
      'tsx',
      'test/engine/fixtures/sqlite-heartbeat-worker.ts',
      store.url,
      String(o.heartbeatMs),
      String(o.leaseMs),
      o.pidSpace ?? '-',
      String(o.holdMs),
    ];
    child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
    return child;
  }

  /** A second pool in this process; its handler records the start and finishes at once. */
  async function startPool(
    store: TestStore,
    queue: SqliteQueueOptions,
    leaseMs = LEASE_MS,
  ): Promise<{ backend: QueueBackend; worker: RunningWorker }> {
    const backend = createSqliteQueue(store.store, { sweepIntervalMs: 15_000, ...queue });
    backends.push(backend);
    const worker = await backend.startWorker({
      concurrency: 4,
      leaseMs,
      pollIntervalMs: 100,
      handlers: {
        'hb.hold': async (_p, ctx) => {
          await sql`insert into starts (job_id, attempt, pid) values (${ctx.jobId}, ${ctx.attempt}, ${process.pid})`.execute(
            store.store.db,
          );
        },
      },
    });
    return { backend, worker };
  }

  async function enqueue(store: TestStore, entityKey: string, maxAttempts = 10): Promise<string> {
    const backend = createSqliteQueue(store.store);
    const { jobId } = await backend.enqueue({
      connectionId: 'c1',
      task: 'hb.hold',
      entityKey,
      payload: {},
      maxAttempts,
    });
    return jobId;
  }

  async function startsOf(store: TestStore, jobId: string): Promise<Start[]> {
    const r =
      await sql<Start>`select job_id, attempt, pid from starts where job_id = ${jobId} order by rowid`.execute(
        store.store.db,
      );
    return r.rows;
  }

  async function stateOf(store: TestStore, jobId: string): Promise<string | undefined> {
    const r = await sql<{ state: string }>`select state from jobs where id = ${Number(jobId)}`.execute(
      store.store.db,
    );
    return r.rows[0]?.state;
  }

  it('a pool started right after a SIGKILL runs the dead worker’s jobs at once, in entity order', async () => {
    const s = await setup();
    const head = await enqueue(s, 'bc:order:1');
    const behind = await enqueue(s, 'bc:order:1');
    const lastTry = await enqueue(s, 'bc:order:2', 1);
    const proc = startChild(s, { heartbeatMs: 2_000, leaseMs: LEASE_MS, holdMs: 0 });
    await waitFor(
      async () => (await startsOf(s, head)).length === 1 && (await startsOf(s, lastTry)).length === 1,
      'child running both heads',
      15_000,
    );
    expect(await stateOf(s, behind)).toBe('pending'); // waits for its entity's head

    proc.kill('SIGKILL');
    await exited(proc);
    const killedAt = Date.now();
    const { backend } = await startPool(s, {});
    await waitFor(
      async () => (await stateOf(s, behind)) === 'done',
      'jobs of the killed worker done',
      RECOVERY_BOUND_MS,
    );
    expect(Date.now() - killedAt).toBeLessThan(RECOVERY_BOUND_MS);
    expect((await startsOf(s, head)).map((r) => [r.attempt, r.pid])).toEqual([
      [1, proc.pid],
      [2, process.pid],
    ]);
    // The entity's second job ran after its head's second run, never before or beside it.
    expect((await startsOf(s, behind)).map((r) => r.attempt)).toEqual([1]);
    const order = await sql<{
      job_id: string;
    }>`select job_id from starts where pid = ${process.pid} order by rowid`.execute(s.store.db);
    const mine = order.rows.map((r) => r.job_id);
    expect(mine.indexOf(head)).toBeLessThan(mine.indexOf(behind));
    // Killed on its last attempt: a crash does not use it up — run again at once, limit raised by one.
    await waitFor(async () => (await stateOf(s, lastTry)) === 'done', 'last-attempt job re-run', 15_000);
    expect((await startsOf(s, lastTry)).map((r) => [r.attempt, r.pid])).toEqual([
      [1, proc.pid],
      [2, process.pid],
    ]);
    expect((await backend.getJob(lastTry))?.maxAttempts).toBe(2);
  });

  it('a killed pool on a machine we cannot check is recovered once its heartbeat goes stale', async () => {
    const s = await setup();
    const jobId = await enqueue(s, 'bc:order:7');
    const proc = startChild(s, { heartbeatMs: 500, leaseMs: LEASE_MS, pidSpace: OTHER_MACHINE, holdMs: 0 });
    await waitFor(async () => (await startsOf(s, jobId)).length === 1, 'child running the job', 15_000);
    proc.kill('SIGKILL');
    await exited(proc);
    const killedAt = Date.now();
    await startPool(s, { heartbeatMs: 500 });
    await waitFor(async () => (await stateOf(s, jobId)) === 'done', 'job recovered', RECOVERY_BOUND_MS);
    expect(Date.now() - killedAt).toBeLessThan(RECOVERY_BOUND_MS);
    expect((await startsOf(s, jobId)).map((r) => [r.attempt, r.pid])).toEqual([
      [1, proc.pid],
      [2, process.pid],
    ]);
  });

  it.each([
    ['on this machine', undefined],
    ['on another machine', OTHER_MACHINE],
  ])('a live pool %s keeps its long job: an eager second pool never runs it', async (_name, pidSpace) => {
    const s = await setup();
    const long = await enqueue(s, 'bc:order:3');
    // Holds 2.5 s = 12 heartbeat intervals, 4 leases: only heartbeats and renewals keep it.
    const proc = startChild(s, { heartbeatMs: 200, leaseMs: 600, pidSpace, holdMs: 2_500 });
    await waitFor(async () => (await startsOf(s, long)).length === 1, 'child running the long job', 15_000);
    await startPool(s, { heartbeatMs: 200, sweepIntervalMs: 100 }, 600);
    // The second pool is up and claiming meanwhile.
    const other = await enqueue(s, 'bc:order:4');
    await waitFor(async () => (await stateOf(s, other)) === 'done', 'another job done meanwhile');
    await waitFor(async () => (await stateOf(s, long)) === 'done', 'long job done by its pool');
    expect((await startsOf(s, long)).map((r) => [r.attempt, r.pid])).toEqual([[1, proc.pid]]);
  });

  it('a stopped pool removes its heartbeat; an abandoned one (as if killed) is recovered without the lease', async () => {
    const s = await setup();
    const heartbeats = async () =>
      (
        await sql<{ worker_id: string }>`select worker_id from worker_heartbeats`.execute(s.store.db)
      ).rows.map((r) => r.worker_id);
    const first = await startPool(s, {});
    const ids = await heartbeats();
    expect(ids).toHaveLength(1);
    await first.worker.stop(1_000);
    expect(await heartbeats()).toEqual([]);

    const backend = createSqliteQueue(s.store);
    backends.push(backend);
    let started = false;
    const dying = await backend.startWorker({
      concurrency: 1,
      leaseMs: LEASE_MS,
      workerId: 'dying-pool',
      handlers: {
        'hb.hold': async (_p, ctx) => {
          started = true;
          await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r()));
        },
      },
    });
    const jobId = await enqueue(s, 'bc:order:5');
    await waitFor(() => started, 'job running in the dying pool');
    await dying.abandon?.();
    expect(await heartbeats()).toEqual(['dying-pool']);
    await startPool(s, {});
    await waitFor(async () => (await stateOf(s, jobId)) === 'done', 'job recovered', RECOVERY_BOUND_MS);
    expect((await startsOf(s, jobId)).map((r) => r.attempt)).toEqual([2]);
  });
});

function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((r) => proc.once('exit', () => r()));
}
