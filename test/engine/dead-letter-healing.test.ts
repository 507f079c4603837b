/**
 * A state-sync job that succeeds closes its entity's earlier dead letters of the same task, and only
 * those (src/engine/dead-letter-healing.ts), on both store dialects. The wiring through `serve` is in
 * test/app/serve-sync.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAudit } from '../../src/engine/audit.js';
import { withDeadLetterHealing } from '../../src/engine/dead-letter-healing.js';
import { recordDeadLetter } from '../../src/engine/dead-letters.js';
import { PermanentError, RetryableError } from '../../src/engine/errors.js';
import type { JobContext } from '../../src/engine/queue/queue-backend.js';
import { availableBackends, createTestStore, type TestStore } from '../helpers/db.js';

const backends = await availableBackends();
let t: TestStore | undefined;
afterEach(async () => {
  await t?.dispose();
  t = undefined;
});

const job = (task: string, entityKey: string): JobContext => ({
  jobId: '42',
  connectionId: 'c1',
  task,
  entityKey,
  attempt: 1,
  maxAttempts: 25,
  inboxId: null,
  configVersion: null,
  signal: new AbortController().signal,
});

describe.each(backends)('dead-letter healing (%s)', (dialect) => {
  it('closes only the earlier open dead letters of the same task and entity, after a success', async () => {
    t = await createTestStore(dialect);
    const db = t.store.db;
    const audit = createAudit(db);
    const outage = new RetryableError({ code: 'HB_ERR_HL_SERVER_ERROR', message: 'Heartland 503' });
    const at = Date.now() - 10_000;
    const letter = (task: string, entityKey: string, extra: { kind?: 'quarantine'; now?: number } = {}) =>
      recordDeadLetter(db, {
        connectionId: 'c1',
        task,
        entityKey,
        payload: {},
        attempts: 25,
        error: extra.kind ? new PermanentError({ code: 'HB_ERR_SKU', message: 'unknown SKU' }) : outage,
        kind: extra.kind,
        now: extra.now ?? at,
      });
    const same = [await letter('orders.sync', 'bc:order:1'), await letter('orders.sync', 'bc:order:1')];
    const otherEntity = await letter('orders.sync', 'bc:order:2');
    const otherTask = await letter('fulfilment.apply', 'bc:order:1');
    const quarantined = await letter('orders.sync', 'bc:order:1', { kind: 'quarantine' });
    const unlisted = await letter('orders.custom', 'bc:order:1');

    let fail = true;
    const handlers = withDeadLetterHealing(
      {
        'orders.sync': async () => {
          if (fail) throw new RetryableError({ code: 'HB_ERR_HL_TIMEOUT', message: 'still down' });
        },
        'orders.custom': async () => {},
      },
      { db, audit, tasks: new Set(['orders.sync', 'fulfilment.apply']) },
    );
    const status = async (id: number) =>
      (await db.selectFrom('dead_letters').select('status').where('id', '=', id).executeTakeFirstOrThrow())
        .status;

    // A run that fails closes nothing.
    await expect(handlers['orders.sync']?.({}, job('orders.sync', 'bc:order:1'))).rejects.toThrow(
      'still down',
    );
    expect(await status(same[0] ?? 0)).toBe('open');

    fail = false;
    await handlers['orders.sync']?.({}, job('orders.sync', 'bc:order:1'));
    await handlers['orders.custom']?.({}, job('orders.custom', 'bc:order:1'));
    for (const id of same) expect(await status(id)).toBe('resolved');
    expect(await status(otherEntity)).toBe('open');
    expect(await status(otherTask)).toBe('open');
    expect(await status(quarantined)).toBe('open');
    expect(await status(unlisted)).toBe('open');
    const entries = await audit.list({ action: 'dlq.resolve' });
    expect(entries.map((e) => e.target).sort()).toEqual(same.map((id) => `dead_letter:${id}`).sort());
    expect(entries[0]?.detail).toMatchObject({ supersededByJob: '42', task: 'orders.sync' });
  });

  it('leaves a dead letter written while the run was going (it is not superseded by it)', async () => {
    t = await createTestStore(dialect);
    const db = t.store.db;
    const audit = createAudit(db);
    let lateId = 0;
    const handlers = withDeadLetterHealing(
      {
        'orders.sync': async () => {
          lateId = await recordDeadLetter(db, {
            connectionId: 'c1',
            task: 'orders.sync',
            entityKey: 'bc:order:7',
            payload: {},
            attempts: 1,
            error: new Error('written during the run'),
            now: Date.now() + 1_000,
          });
        },
      },
      { db, audit, tasks: new Set(['orders.sync']) },
    );
    await handlers['orders.sync']?.({}, job('orders.sync', 'bc:order:7'));
    const row = await db
      .selectFrom('dead_letters')
      .select('status')
      .where('id', '=', lateId)
      .executeTakeFirst();
    expect(row?.status).toBe('open');
  });
});
