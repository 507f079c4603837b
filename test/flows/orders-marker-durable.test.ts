/**
 * The orders flow's one durability point that matters for "never a second Heartland order": on SQLite
 * the flows' writes commit without an fsync (src/store/database.ts), so the `creating` marker must be
 * made durable (engine.durable(): an fdatasync of the -wal) AFTER it is committed and BEFORE the
 * Heartland POST. After a power cut the retry then finds `creating` and looks the order up.
 */
import { afterEach, expect, it } from 'vitest';
import { type Bridge, startBridge } from '../helpers/bridge.js';
import { orderJob } from '../helpers/job-context.js';
import { orderBody, sellableSkus } from './order-fixtures.js';

const bridges: Bridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((b) => b.close()));
});

it('makes the creating marker durable before it POSTs the Heartland order', async () => {
  const b = await startBridge({
    sandbox: { seed: 'marker-durable', products: 10 },
    hooks: false,
    workers: false,
  });
  bridges.push(b);
  const [sku] = sellableSkus(b.sandbox);
  const order = b.sandbox.bc.placeOrder(orderBody({ lines: [{ ...sku!, quantity: 1 }] })) as { id: number };

  const seen: Array<{ marker: unknown; hlOrders: number }> = [];
  const real = b.engine.durable.bind(b.engine);
  b.engine.durable = async () => {
    const link = await b.engine.links.findByBcId('main', 'order', String(order.id));
    seen.push({ marker: link?.data?.state, hlOrders: b.hlOrdersFor(order.id).length });
    await real();
  };
  await b.handlers['orders.sync']!({ orderId: order.id }, orderJob('orders.sync', order.id));
  expect(b.hlOrdersFor(order.id)).toHaveLength(1);
  expect(seen).toContainEqual({ marker: 'creating', hlOrders: 0 });
});
