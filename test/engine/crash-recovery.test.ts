/**
 * A crash does not use up a job's attempts; a job in flight at MAX_CRASH_RECOVERIES crashes is taken for
 * one that kills its worker and dead-lettered (src/engine/queue/crash-recovery.ts). SQLite's sweep is
 * driven directly here with leases that ran out; the kill -9 versions on both backends are in
 * sqlite-heartbeat.test.ts and postgres-queue.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createQueueBackend } from '../../src/engine/engine.js';
import { errorChain } from '../../src/engine/errors.js';
import { crashesIn, crashVerdict, MAX_CRASH_RECOVERIES } from '../../src/engine/queue/crash-recovery.js';
import { sweepSync } from '../../src/engine/queue/sqlite/sweep.js';
import { createTestStore, type TestStore } from '../helpers/db.js';

let t: TestStore | undefined;
afterEach(async () => {
  await t?.dispose();
  t = undefined;
});

describe('crash recovery', () => {
  it('counts crashes in the last error and only dead-letters at the limit', () => {
    const base = { attempts: 3, maxAttempts: 3, worker: 'w', why: 'died', jobId: 1, entityKey: 'bc:order:1' };
    const first = crashVerdict({ ...base, previousCrashes: 0 });
    expect(first).toMatchObject({ kind: 'retry', crashes: 1, extendLimit: true });
    expect(crashesIn(errorChain(first.error))).toBe(1);
    expect(crashesIn([{ name: 'Error', code: 'HB_ERR_HL_SERVER_ERROR', message: 'x' }])).toBe(0);
    expect(crashVerdict({ ...base, attempts: 1, previousCrashes: 4 })).toMatchObject({
      kind: 'retry',
      extendLimit: true,
    });
    expect(crashVerdict({ ...base, previousCrashes: MAX_CRASH_RECOVERIES - 1 }).kind).toBe('dead');
  });

  it('SQLite: a job crashed on every attempt keeps running until the crash limit, then is dead-lettered', async () => {
    t = await createTestStore('sqlite');
    const raw = t.store.sqlite!;
    const backend = await createQueueBackend(t.store);
    const { jobId } = await backend.enqueue({
      connectionId: 'c1',
      task: 'work',
      entityKey: 'bc:order:9',
      payload: {},
      maxAttempts: 3,
    });
    const crashOnce = () => {
      // What a claim does (attempt counted, lease taken) by a worker that then dies: the lease runs out.
      raw
        .prepare(
          `update jobs set state = 'running', attempts = attempts + 1, locked_by = 'gone', locked_until = ?
           where id = ?`,
        )
        .run(Date.now() - 1, Number(jobId));
      return sweepSync(raw, Date.now());
    };
    for (let i = 1; i < MAX_CRASH_RECOVERIES; i++) {
      expect(crashOnce()).toEqual({ recovered: 1, dead: 0 });
      const job = await backend.getJob(jobId);
      expect(job).toMatchObject({ state: 'retrying', attempts: i, maxAttempts: 3 + i });
      expect(job?.lastError?.[0]).toMatchObject({
        code: 'HB_ERR_QUEUE_LEASE_EXPIRED',
        context: { crashes: i },
      });
    }
    expect(crashOnce()).toEqual({ recovered: 0, dead: 1 });
    expect((await backend.getJob(jobId))?.state).toBe('dead');
    const letters = await t.store.db.selectFrom('dead_letters').selectAll().execute();
    expect(letters.map((l) => [l.entity_key, l.error_code])).toEqual([
      ['bc:order:9', 'HB_ERR_QUEUE_LEASE_EXPIRED'],
    ]);
    await backend.close();
  });
});
