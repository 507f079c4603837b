/** DLQ contract on every backend: list, replay (one / bulk by filter) with the current config, discard, all audited. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordDeadLetter } from '../../src/engine/dead-letters.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { PermanentError } from '../../src/engine/errors.js';
import type { JobContext, JsonObject, QueueBackend } from '../../src/engine/queue/queue-backend.js';
import { queueBackends } from '../helpers/backends.js';
import { createTestStore, type TestStore } from '../helpers/db.js';
import { waitFor } from './wait.js';

const backends = await queueBackends();

describe.each(backends)('dlq contract ($name)', (factory) => {
  let t: TestStore;
  let backend: QueueBackend;
  let engine: Engine;
  let configVersion = 'v1';

  beforeEach(async () => {
    t = await createTestStore(factory.name);
    backend = await factory.create(t);
    configVersion = 'v1';
    engine = createEngine({ store: t.store, backend, currentConfigVersion: () => configVersion });
  });
  afterEach(async () => {
    await engine.stop(1_000);
    await t.dispose();
  });

  const seed = (
    n: number,
    fields: { task?: string; code?: string; at?: number; connectionId?: string } = {},
  ) =>
    recordDeadLetter(t.store.db, {
      connectionId: fields.connectionId ?? 'c1',
      task: fields.task ?? 'orders.sync',
      entityKey: `bc:order:${n}`,
      payload: { orderId: n },
      attempts: 3,
      configVersion: 'v1',
      error: new PermanentError({ code: fields.code ?? 'HB_ERR_MAP_UNKNOWN_SKU', message: `failed ${n}` }),
      now: fields.at ?? 1_000,
    });

  it('replays a flow from its trigger with the current config, and audits it', async () => {
    const runs: { payload: JsonObject; ctx: JobContext }[] = [];
    let fixed = false;
    await engine.startWorkers(
      {
        'orders.sync': async (payload, ctx) => {
          runs.push({ payload, ctx });
          if (!fixed) throw new PermanentError({ code: 'HB_ERR_MAP_UNKNOWN_SKU', message: 'no such SKU' });
        },
      },
      { concurrency: 2 },
    );
    const ingested = await engine.inbox.ingest({
      connectionId: 'c1',
      source: 'bigcommerce',
      dedupeKey: 'hook-1',
      topic: 'store/order/created',
      entityKey: 'bc:order:1',
      payload: { orderId: 1 },
      job: { task: 'orders.sync', configVersion: 'v1' },
    });
    await waitFor(async () => (await engine.dlq.list()).length === 1, 'dead letter');
    const [dl] = await engine.dlq.list();
    expect(dl).toMatchObject({
      status: 'open',
      configVersion: 'v1',
      inboxId: ingested.inboxId,
      errorCode: 'HB_ERR_MAP_UNKNOWN_SKU',
    });

    fixed = true;
    configVersion = 'v2';
    const result = await engine.dlq.replay(dl?.id as number, 'cli:alice');
    expect(result.replayed).toHaveLength(1);
    await waitFor(() => runs.length === 2, 'replayed run');
    const replay = runs[1];
    expect(replay?.payload).toEqual({ orderId: 1 });
    expect(replay?.ctx.configVersion).toBe('v2');
    expect(replay?.ctx.inboxId).toBe(ingested.inboxId);
    expect(replay?.ctx.attempt).toBe(1);
    expect((await engine.dlq.get(dl?.id as number))?.status).toBe('replayed');

    const [entry] = await engine.audit.list({ action: 'dlq.' });
    expect(entry).toMatchObject({
      actor: 'cli:alice',
      action: 'dlq.replay',
      target: `dead_letter:${dl?.id}`,
    });
    expect(entry?.detail).toMatchObject({ failedConfigVersion: 'v1', configVersion: 'v2' });

    // Replaying it again does nothing: it is no longer open.
    expect(await engine.dlq.replay(dl?.id as number, 'cli:alice')).toEqual({
      replayed: [],
      skipped: [dl?.id],
    });
  });

  it('replays in bulk by task, error code and time range; each replay audited', async () => {
    await seed(1, { task: 'orders.sync', code: 'HB_ERR_A', at: 1_000 });
    await seed(2, { task: 'orders.sync', code: 'HB_ERR_A', at: 2_000 });
    await seed(3, { task: 'orders.sync', code: 'HB_ERR_B', at: 2_500 });
    await seed(4, { task: 'inventory.push', code: 'HB_ERR_A', at: 2_000 });
    await seed(5, { task: 'orders.sync', code: 'HB_ERR_A', at: 9_000 });

    const result = await engine.dlq.replay(
      { task: 'orders.sync', errorCode: 'HB_ERR_A', since: 1_500, until: 5_000 },
      'api:bob',
    );
    expect(result.replayed).toHaveLength(1);
    const byCode = await engine.dlq.replay({ errorCode: 'HB_ERR_B' }, 'api:bob');
    expect(byCode.replayed).toHaveLength(1);
    const open = await engine.dlq.list({ status: 'open' });
    expect(open.map((d) => d.entityKey).sort()).toEqual(['bc:order:1', 'bc:order:4', 'bc:order:5']);
    const jobs = await engine.queue.listJobs({ task: 'orders.sync' });
    expect(jobs.map((j) => j.entityKey).sort()).toEqual(['bc:order:2', 'bc:order:3']);
    expect(await engine.audit.list({ action: 'dlq.replay' })).toHaveLength(2);
  });

  it('lists with filters and discards (one and by filter), audited with the reason', async () => {
    await seed(1, { code: 'HB_ERR_A' });
    await seed(2, { code: 'HB_ERR_A', connectionId: 'c2' });
    await seed(3, { code: 'HB_ERR_B' });
    expect(await engine.dlq.list({ connectionId: 'c2' })).toHaveLength(1);
    expect(await engine.dlq.list({ errorCode: 'HB_ERR_A' })).toHaveLength(2);
    const third = (await engine.dlq.list({ errorCode: 'HB_ERR_B' }))[0];
    expect(third?.errorChain[0]?.message).toBe('failed 3');

    const one = await engine.dlq.discard(third?.id as number, 'cli:alice', 'test order');
    expect(one.discarded).toEqual([third?.id]);
    const bulk = await engine.dlq.discard({ errorCode: 'HB_ERR_A', connectionId: 'c1' }, 'cli:alice');
    expect(bulk.discarded).toHaveLength(1);
    expect((await engine.dlq.list({ status: 'open' })).map((d) => d.connectionId)).toEqual(['c2']);
    const audit = await engine.audit.list({ action: 'dlq.discard' });
    expect(audit).toHaveLength(2);
    expect(audit.find((a) => a.target === `dead_letter:${third?.id}`)?.detail).toMatchObject({
      reason: 'test order',
    });
    expect(await engine.queue.listJobs({})).toHaveLength(0);
  });
});
