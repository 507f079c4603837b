/**
 * Crash test: a worker process is SIGKILLed repeatedly while 1,000 jobs run; after restarts every job's
 * effect exists exactly once, no job is lost and none is dead (at-least-once delivery + idempotent
 * effect). Runs per backend.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { runQueueTransaction } from '../../src/engine/dlq.js';
import { createQueueBackend } from '../../src/engine/engine.js';
import { availableBackends, createTestStore, type TestStore } from '../helpers/db.js';

const JOBS = 1_000;
const KILLS = 3;
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const backends = await availableBackends();

function startChild(t: TestStore): ChildProcess {
  const args = ['--import', 'tsx', 'test/engine/fixtures/crash-worker.ts', t.dialect, t.url];
  if (t.pgSchema) args.push(t.pgSchema);
  return spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(backends)('crash test (%s)', (dialect) => {
  let t: TestStore | undefined;
  let child: ChildProcess | undefined;

  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await t?.dispose();
  });

  it('SIGKILLed workers lose nothing and duplicate no effect', { timeout: 60_000 }, async () => {
    t = await createTestStore(dialect);
    const db = t.store.db;
    await sql`create table effects (job_key text primary key, runs integer not null)`.execute(db);
    const backend = await createQueueBackend(t.store);
    await runQueueTransaction(db, backend, async (tx) => {
      for (let i = 0; i < JOBS; i++) {
        await tx.enqueue({
          connectionId: 'c1',
          task: 'crash.effect',
          // Entities share keys so per-entity order is exercised under kills too.
          entityKey: `crash:${i % 250}`,
          payload: { key: `job-${i}` },
          maxAttempts: 25,
        });
      }
    });
    const doneCount = async () => (await backend.countsByState()).done;

    let kills = 0;
    let doneAtFirstKill = -1;
    child = startChild(t);
    const deadline = Date.now() + 50_000;
    while ((await doneCount()) < JOBS) {
      if (Date.now() > deadline)
        throw new Error(`only ${await doneCount()} of ${JOBS} jobs done before the deadline`);
      if (kills < KILLS) {
        await sleep(300 + Math.floor(Math.random() * 500));
        if (kills === 0) doneAtFirstKill = await doneCount();
        child.kill('SIGKILL');
        await exited(child);
        kills++;
        child = startChild(t);
      } else {
        await sleep(100);
      }
    }
    child.kill('SIGTERM');
    await exited(child);

    const counts = await backend.countsByState();
    expect(counts).toMatchObject({ done: JOBS, dead: 0, pending: 0, running: 0, retrying: 0 });
    const effects = await sql<{
      n: number;
      total: number;
    }>`select count(*) as n, sum(runs) as total from effects`.execute(db);
    expect(Number(effects.rows[0]?.n)).toBe(JOBS);
    expect(Number(effects.rows[0]?.total)).toBe(JOBS);
    // The kills really hit the run: it was not finished before the first one.
    expect(kills).toBe(KILLS);
    expect(doneAtFirstKill).toBeLessThan(JOBS);
    await backend.close();
  });
});
