/**
 * Writes that land AFTER their retry (found by the full PostgreSQL chaos run: a create held ~36 s by
 * Heartland landed 200 ms after the retry's own create, longer than the write-settle wait). The
 * simulator holds the POST (processing latency: the handler runs and commits after the client gave up)
 * longer than `writeSettleMs`, so the retry's read cannot see it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { toCents } from '../../src/mapping/money.js';
import { type Bridge, type StartBridgeOptions, startBridge } from '../helpers/bridge.js';
import { orderJob } from '../helpers/job-context.js';
import { orderBody, sellableSkus } from './order-fixtures.js';

const HOLD_MS = 900;
const bridges: Bridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((b) => b.close()));
});

async function bridge(opts: StartBridgeOptions = {}) {
  const b = await startBridge({
    sandbox: { seed: 'orders-late', products: 30 },
    hooks: false,
    workers: false,
    clientTimeoutMs: 300,
    writeSettleMs: 200,
    ...opts,
  });
  bridges.push(b);
  return b;
}

function place(b: Bridge) {
  const skus = sellableSkus(b.sandbox);
  return b.sandbox.bc.placeOrder(
    orderBody({
      lines: [
        { ...skus[0]!, quantity: 2 },
        { ...skus[1]!, quantity: 1 },
      ],
    }),
  ) as { id: number; total_inc_tax: string };
}

function hold(b: Bridge, route: string) {
  b.sandbox.hl.faults.set({
    enabled: true,
    routes: { [route]: { latencyMs: { min: HOLD_MS, max: HOLD_MS } } },
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Places an order and syncs it while Heartland holds `route` longer than the settle wait; waits for every held write to land. */
async function syncWithLateLanding(b: Bridge, route: string) {
  const order = place(b);
  hold(b, route);
  await syncUntilDone(b, order.id);
  await sleep(HOLD_MS + 200);
  b.sandbox.hl.faults.set({ enabled: false });
  return order;
}

/** Runs orders.sync as the queue does: attempt after attempt, each not before the error's `notBefore`. */
async function syncUntilDone(b: Bridge, orderId: number, maxAttempts = 6): Promise<number> {
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      await b.handlers['orders.sync']!({ orderId }, orderJob('orders.sync', orderId, attempt));
      return attempt;
    } catch (err) {
      const e = err as { retryable?: boolean; notBefore?: number };
      if (!e.retryable) throw err;
      await sleep(Math.max(0, (e.notBefore ?? 0) - Date.now()));
    }
  }
  throw new Error('orders.sync did not finish');
}

async function lateWriteJobs(b: Bridge, orderId: number) {
  return b.engine.queue.listJobs({ task: 'orders.late-writes', entityKey: `bc:order:${orderId}` });
}

async function runLateWriteCheck(b: Bridge, orderId: number) {
  await b.handlers['orders.late-writes']!({ orderId }, orderJob('orders.late-writes', orderId, 1));
}

function hlTaxes(b: Bridge, hlOrderId: number) {
  return b.sandbox.hl.state.orderAdjustments.where((a) => a.order_id === hlOrderId && a.kind === 'tax');
}

describe('a create that lands after its retry', () => {
  it('makes no second order: Heartland refuses the order number (orderNumber.from: bigcommerce)', async () => {
    const b = await bridge();
    const order = place(b);
    hold(b, 'POST /api/sales/orders');
    const attempts = await syncUntilDone(b, order.id);
    await sleep(HOLD_MS + 200); // every held POST has landed (or been refused) by now
    expect(attempts).toBeGreaterThan(1);
    const orders = b.hlOrdersFor(order.id);
    expect(orders).toHaveLength(1);
    expect(b.sandbox.hl.state.salesOrders.get(orders[0]!.id)!.public_id).toBe(`BC-${order.id}`);
    expect(orders[0]!.status).toBe('open');
    // A re-run write is checked again later.
    expect(await lateWriteJobs(b, order.id)).toHaveLength(1);
  });

  it('with Heartland numbering, the late copy exists — and the late-write check cancels it', async () => {
    const b = await bridge({ mapping: { orderNumber: { from: 'heartland', prefix: '' } } });
    const order = await syncWithLateLanding(b, 'POST /api/sales/orders');
    // The failure the chaos run found: two Heartland orders for one web order.
    expect(b.hlOrdersFor(order.id).length).toBeGreaterThan(1);
    const link = await b.engine.links.findByBcId('main', 'order', String(order.id));
    await runLateWriteCheck(b, order.id);
    const live = b.hlOrdersFor(order.id).filter((o) => o.status !== 'canceled');
    expect(live).toEqual([expect.objectContaining({ id: Number(link!.hlId), status: 'open' })]);
    expect(await b.engine.audit.list({ action: 'order.late_copy_cancelled' })).not.toHaveLength(0);
    expect(b.alerts.some((a) => a.key === `orders:late-copy:${order.id}`)).toBe(true);
    // Run again: nothing left to do, nothing written.
    const writes = b.sandbox.hl.state.salesOrders.size + b.sandbox.hl.state.orderAdjustments.size;
    await runLateWriteCheck(b, order.id);
    expect(b.sandbox.hl.state.salesOrders.size + b.sandbox.hl.state.orderAdjustments.size).toBe(writes);
  });
});

describe('a tax POST that lands after its retry', () => {
  it('is reversed by the late-write check, so the Heartland total is the web total again', async () => {
    const b = await bridge({ mapping: { taxHandling: { mode: 'order' } } });
    const order = await syncWithLateLanding(b, 'POST /api/sales/orders/:id/taxes');
    const [hl] = b.hlOrdersFor(order.id);
    const before = hlTaxes(b, hl!.id);
    expect(before.length).toBeGreaterThan(1); // written twice: the failure to repair
    await runLateWriteCheck(b, order.id);
    const taxes = hlTaxes(b, hl!.id);
    const net = taxes.reduce((c, t) => c + toCents(String(t.value)), 0);
    expect(net).toBe(toCents(String(before[0]!.value)));
    expect(taxes.at(-1)!.description).toMatch(/duplicate reversed/);
    expect(await b.engine.audit.list({ action: 'order.tax_corrected' })).toHaveLength(1);
    await runLateWriteCheck(b, order.id);
    expect(hlTaxes(b, hl!.id)).toHaveLength(taxes.length);
  });
});

describe('a deposit payment that lands after its retry', () => {
  it('is not undone by a machine: a critical alert names it', async () => {
    const b = await bridge();
    const order = await syncWithLateLanding(b, 'POST /api/sales/orders/:id/payments');
    const [hl] = b.hlOrdersFor(order.id);
    expect(b.sandbox.hl.state.payments.where((p) => p.order_id === hl!.id).length).toBeGreaterThan(1);
    await runLateWriteCheck(b, order.id);
    expect(b.alerts).toContainEqual(
      expect.objectContaining({ key: `orders:payment-twice:${order.id}`, severity: 'critical' }),
    );
    expect(await b.engine.audit.list({ action: 'order.payment_extra_found' })).toHaveLength(1);
  });

  it('an order written in one go schedules no check, and a clean check changes nothing', async () => {
    const b = await bridge();
    const order = place(b);
    expect(await syncUntilDone(b, order.id)).toBe(1);
    expect(await lateWriteJobs(b, order.id)).toHaveLength(0);
    const [hl] = b.hlOrdersFor(order.id);
    await runLateWriteCheck(b, order.id);
    expect(b.hlOrdersFor(order.id)).toEqual([expect.objectContaining({ id: hl!.id, status: 'open' })]);
    expect(b.alerts.filter((a) => a.key.includes(String(order.id)))).toEqual([]);
  });

  it('a re-run whose earlier attempt failed before writing to Heartland schedules no check', async () => {
    const b = await bridge();
    const order = place(b);
    // Attempt 1 failed reading BigCommerce (no link, nothing written): attempt 2 writes the order.
    await b.handlers['orders.sync']!({ orderId: order.id }, orderJob('orders.sync', order.id, 2));
    expect(b.hlOrdersFor(order.id)).toHaveLength(1);
    expect(await lateWriteJobs(b, order.id)).toHaveLength(0);
  });
});

describe('the order number fence', () => {
  it('a create refused because our own order already holds the number continues with that order', async () => {
    // E.g. the link row was lost (a restore from an older backup): nothing says `creating`, so the flow
    // POSTs without looking first — Heartland's "has already been taken" sends it to the lookup.
    const b = await bridge();
    const order = place(b);
    await syncUntilDone(b, order.id);
    const [hl] = b.hlOrdersFor(order.id);
    await b.store.db.deleteFrom('links').where('kind', '=', 'order').execute();
    await b.handlers['orders.sync']!({ orderId: order.id }, orderJob('orders.sync', order.id, 1));
    expect(b.hlOrdersFor(order.id)).toEqual([expect.objectContaining({ id: hl!.id, status: 'open' })]);
    expect(b.sandbox.hl.state.payments.where((p) => p.order_id === hl!.id)).toHaveLength(1);
    const link = await b.engine.links.findByBcId('main', 'order', String(order.id));
    expect(link).toMatchObject({ hlId: String(hl!.id), data: expect.objectContaining({ state: 'synced' }) });
  });

  it('an in-store order already holding the number stops the order with a fix, and makes nothing', async () => {
    const b = await bridge();
    const order = place(b);
    const st = b.sandbox.hl.state;
    const station = st.stations.all()[0]!;
    const res = await fetch(`${b.sandbox.heartland.apiUrl}/sales/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${b.sandbox.heartland.token}` },
      body: JSON.stringify({
        public_id: `BC-${order.id}`,
        source_location_id: station.location_id,
        station_id: station.id,
      }),
    });
    expect(res.status).toBe(201);
    const before = st.salesOrders.size;
    await expect(
      b.handlers['orders.sync']!({ orderId: order.id }, orderJob('orders.sync', order.id, 1)),
    ).rejects.toMatchObject({
      code: 'HB_ERR_ORDER_NUMBER_TAKEN',
      retryable: false,
      suggestedFix: expect.stringMatching(/orderNumber\.prefix/),
    });
    expect(st.salesOrders.size).toBe(before);
  });
});
