/**
 * Which work runs first when the queue holds a backlog (src/flows/routing.ts PRIORITY): a scheduled poll
 * runs before an older backlog of real-time jobs, and orders run before older stock hints. In the full
 * chaos run, with polls at real-time priority and hints beside orders, the fulfilment poll waited ten
 * minutes behind 17,000 older jobs and no shipment came back meanwhile.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, createQueueBackend, type Engine } from '../../src/engine/engine.js';
import type { IngestJob } from '../../src/engine/inbox.js';
import { flowSchedules, routeTopic } from '../../src/flows/index.js';
import { inventoryTopicRoute } from '../../src/flows/inventory/routing.js';
import { availableBackends, createTestStore, type TestStore } from '../helpers/db.js';

const backends = await availableBackends();
let t: TestStore | undefined;
let engine: Engine | undefined;
afterEach(async () => {
  await engine?.stop(1_000);
  engine = undefined;
  await t?.dispose();
  t = undefined;
});

describe.each(backends)('job priorities under a backlog (%s)', (dialect) => {
  it('runs the fulfilment poll before an older backlog, and orders before older stock hints', async () => {
    t = await createTestStore(dialect);
    const backend = await createQueueBackend(t.store);
    await backend.prepare?.();
    engine = createEngine({ store: t.store, backend });
    const old = Date.now() - 60_000;
    // What the webhook route would enqueue for this topic, made older than the poll below.
    const enqueueRouted = async (job: IngestJob | undefined, entityKey: string, runAt: number) => {
      await engine?.queue.enqueue({
        connectionId: 'c1',
        task: job?.task ?? '',
        entityKey,
        coalesceKey: job?.coalesceKey,
        priority: job?.priority,
        runAt,
        payload: {},
      });
    };
    for (let i = 0; i < 30; i++) {
      const key = `bc:sku:${i}`;
      await enqueueRouted(inventoryTopicRoute('store/sku/inventory/updated', key), key, old + i);
    }
    for (let i = 0; i < 10; i++) {
      const key = `bc:order:${i}`;
      await enqueueRouted(routeTopic('store/order/created', key), key, old + 100 + i);
    }
    const fulfilment = flowSchedules({
      engine,
      connectionIds: ['c1'],
      fulfilmentEvery: '1h',
      ordersEvery: '1h',
    }).find((s) => s.name.startsWith('fulfilment.poll'));
    await fulfilment?.run(0);

    const ran: string[] = [];
    const record = (task: string) => async () => {
      ran.push(task);
    };
    await engine.startWorkers(
      {
        'inventory.bc_hint': record('hint'),
        'orders.sync': record('order'),
        'fulfilment.poll': record('poll'),
      },
      { concurrency: 1, pollIntervalMs: 10 },
    );
    const deadline = Date.now() + 20_000;
    while (ran.length < 41 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(ran).toHaveLength(41);
    expect(ran[0]).toBe('poll');
    expect(ran.slice(1, 11)).toEqual(Array(10).fill('order'));
    expect(ran.slice(11)).toEqual(Array(30).fill('hint'));
  });
});
