import { afterEach, describe, expect, it } from 'vitest';
import { fullSync } from '../../src/flows/inventory/full-sync.js';
import {
  createInventoryHandlers,
  inventorySchedules,
  toScheduleDefinition,
} from '../../src/flows/inventory/handlers.js';
import { INVENTORY_TASKS, inventoryTopicRoute } from '../../src/flows/inventory/routing.js';
import { pollLedger } from '../../src/flows/inventory/stock-sync.js';
import { type Harness, hlAvailable, sharedSkus, startHarness } from './inventory-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('inventory handlers, schedules and routing', () => {
  it('routes BigCommerce inventory topics to a delayed, coalesced hint and ignores the rest', () => {
    const job = inventoryTopicRoute('store/sku/inventory/updated', 'bc:sku:77', 1_000);
    expect(job).toEqual({
      task: INVENTORY_TASKS.bcHint,
      coalesceKey: 'inventory.bc_hint:bc:sku:77',
      priority: 8,
      runAt: 3_000,
    });
    expect(inventoryTopicRoute('store/product/inventory/order/updated', 'bc:product:5')?.task).toBe(
      INVENTORY_TASKS.bcHint,
    );
    expect(inventoryTopicRoute('store/order/created', 'bc:order:1')).toBeUndefined();
    expect(inventoryTopicRoute('hl/item', 'hl:item:100001')?.task).toBe('catalog.item');
  });

  it('a scheduled poll run through the queue moves an in-store sale to BigCommerce', async () => {
    h = await startHarness();
    await fullSync(h.ctx);
    await pollLedger(h.ctx);
    const sku = sharedSkus(h).find((s) => hlAvailable(h as Harness, s, 100001) >= 2) as string;
    const before = h.bcLevel(sku, 1);
    await h.hlPost('/__sandbox/heartland/sale', { location_id: 100001, lines: [{ sku, qty: 1 }] });

    const schedules = inventorySchedules(h.ctx.inventory);
    expect(schedules.map((s) => s.task)).toEqual([
      'inventory.poll',
      'inventory.reservations',
      'inventory.reconcile',
    ]);
    const poll = toScheduleDefinition(schedules[0] as (typeof schedules)[number], h.engine, 'test');
    await poll.run(Date.now());
    await poll.run(Date.now()); // a second slot while one is pending coalesces into it
    const worker = await h.engine.startWorkers(createInventoryHandlers(h.ctx), {
      concurrency: 2,
      pollIntervalMs: 10,
    });
    await until(() => (h as Harness).bcLevel(sku, 1) === before - 1);
    await until(async () => (await (h as Harness).engine.queue.countsByState()).pending === 0);
    await worker.stop(1000);
    const done = await h.engine.queue.listJobs({ task: 'inventory.poll' });
    expect(done).toHaveLength(1);
  });

  it('the initial full sync runs while real-time work keeps arriving (a busy store never starves it)', async () => {
    h = await startHarness();
    const hh = h;
    // A busy store: every real-time job brings another one (orders, hints), forever.
    const busy = (n: number) =>
      hh.engine.queue.enqueue({
        connectionId: 'test',
        task: 'busy',
        entityKey: `busy:${n}`,
        payload: { n },
        priority: 10,
      });
    for (let i = 0; i < 5; i++) await busy(i);
    const inventory = createInventoryHandlers(h.ctx);
    const worker = await h.engine.startWorkers(
      {
        ...inventory,
        async busy(payload) {
          await new Promise((r) => setTimeout(r, 5));
          await busy(Number(payload.n) + 5);
        },
      },
      { concurrency: 1, pollIntervalMs: 10 },
    );
    // The first ledger poll finds no cursor: it queues the initial full sync.
    await hh.engine.queue.enqueue({
      connectionId: 'test',
      task: INVENTORY_TASKS.poll,
      entityKey: 'inventory.poll:test',
      payload: {},
      priority: 10,
    });
    await until(
      async () =>
        (await hh.engine.queue.listJobs({ task: INVENTORY_TASKS.full, state: 'done' })).length === 1,
      20_000,
    );
    await worker.stop(1000);
    const sku = sharedSkus(hh).find((s) => hlAvailable(hh, s, 100001) > 0) as string;
    expect(hh.bcLevel(sku, 1)).toBe(hlAvailable(hh, sku, 100001));
  }, 30_000);
});
