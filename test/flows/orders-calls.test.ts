/**
 * API calls per order, counted at the simulators (their own request counters), so that a change which
 * adds a call to the hot path fails here instead of only showing up in a bench run. The numbers are the
 * floor the two APIs force for these shapes (bench/results/orders-2026-11-27.md, "calls per order", was
 * measured with 4 BigCommerce reads):
 *
 * BigCommerce, every order: the order with its consignments embedded (products and shipping addresses)
 * and the transactions = 2 reads, in parallel (fetch-order.ts; its fallback to 4 is in fetch-order.test.ts).
 * Heartland, warm caches (items, payment types, shipping methods already read):
 * - new customer, billing = ship-to: email search, phone search, create customer, create address,
 *   create order with its lines inline, deposit payment, PUT open = 7;
 * - returning customer (linked by a previous order), same address: the customer's addresses (to get
 *   the address id), create order, payment, open = 4.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Bridge, startBridge } from '../helpers/bridge.js';
import { orderJob } from '../helpers/job-context.js';
import { type OrderSpec, orderBody, sellableSkus } from './order-fixtures.js';

const bridges: Bridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((b) => b.close()));
});

/** Places an order, syncs it once and returns the requests each simulator answered meanwhile. */
async function syncCounting(b: Bridge, spec: Partial<OrderSpec>) {
  const skus = sellableSkus(b.sandbox);
  const order = b.sandbox.bc.placeOrder(
    orderBody({
      lines: [
        { ...skus[0]!, quantity: 2 },
        { ...skus[1]!, quantity: 1 },
        { ...skus[2]!, quantity: 1 },
      ],
      ...spec,
    }),
  ) as { id: number };
  const bc0 = b.sandbox.bc.faults.counters.requests;
  const hl0 = b.sandbox.hl.faults.counters.requests;
  const routes0 = new Map(b.sandbox.bc.faults.byRoute);
  await b.handlers['orders.sync']!({ orderId: order.id }, orderJob('orders.sync', order.id));
  const bcRoutes: Record<string, number> = {};
  for (const [route, n] of b.sandbox.bc.faults.byRoute) {
    const d = n - (routes0.get(route) ?? 0);
    if (d > 0) bcRoutes[route] = d;
  }
  const hlOrders = b.hlOrdersFor(order.id);
  expect(hlOrders).toHaveLength(1);
  expect(hlOrders[0]!.status).toBe('open');
  expect(b.sandbox.hl.state.orderLines.where((l) => l.order_id === hlOrders[0]!.id)).toHaveLength(3);
  return {
    bc: b.sandbox.bc.faults.counters.requests - bc0,
    hl: b.sandbox.hl.faults.counters.requests - hl0,
    bcRoutes,
  };
}

describe('orders.sync: API calls per order (warm caches)', () => {
  it('makes 2 BigCommerce + 7 Heartland calls for a new customer and 2 + 4 for a returning one', async () => {
    const b = await startBridge({
      sandbox: { seed: 'orders-calls', products: 30 },
      hooks: false,
      workers: false,
    });
    bridges.push(b);
    // Cold: the first order also reads the items, payment types and shipping methods (cached after it).
    const cold = await syncCounting(b, { email: 'first@example.com', phone: '(512) 555-0101' });
    expect(cold.hl).toBe(7 + 3);

    const fresh = await syncCounting(b, { email: 'newcomer@example.com', phone: '(512) 555-0102' });
    expect(fresh).toMatchObject({ bc: 2, hl: 7 });
    // The two BigCommerce reads: the order (consignments embedded) and its transactions.
    expect(fresh.bcRoutes).toEqual({
      'GET /stores/:hash/v2/orders/:order_id': 1,
      'GET /stores/:hash/v3/orders/:order_id/transactions': 1,
    });

    const again = await syncCounting(b, { email: 'newcomer@example.com', phone: '(512) 555-0102' });
    expect(again).toMatchObject({ bc: 2, hl: 4 });
    expect(again.bcRoutes).toEqual(fresh.bcRoutes);
  });
});

describe('orders.sync: the SKU cache', () => {
  it('does not remember a SKU Heartland lacked: once the item exists, the next run of the order creates it', async () => {
    const b = await startBridge({
      sandbox: { seed: 'orders-calls', products: 30 },
      hooks: false,
      workers: false,
    });
    bridges.push(b);
    const known = sellableSkus(b.sandbox)[0]!;
    const missing = sellableSkus(b.sandbox, { inHeartland: false })[0]!;
    const order = b.sandbox.bc.placeOrder(
      orderBody({
        lines: [
          { ...known, quantity: 1 },
          { ...missing, quantity: 1 },
        ],
      }),
    ) as { id: number };
    await b.handlers['orders.sync']!({ orderId: order.id }, orderJob('orders.sync', order.id));
    expect(b.hlOrdersFor(order.id)).toHaveLength(0);
    expect((await b.engine.dlq.list({ kind: 'quarantine' }))[0]).toMatchObject({
      errorCode: 'HB_ERR_MAP_UNKNOWN_SKU',
    });
    await b.ctx.hl.createItem({
      public_id: missing.sku,
      description: 'Added',
      cost: 1,
      price: missing.price,
    });
    await b.handlers['orders.sync']!({ orderId: order.id }, orderJob('orders.sync', order.id));
    const [hl] = b.hlOrdersFor(order.id);
    expect(hl?.status).toBe('open');
    expect(b.sandbox.hl.state.orderLines.where((l) => l.order_id === hl!.id)).toHaveLength(2);
  });
});
