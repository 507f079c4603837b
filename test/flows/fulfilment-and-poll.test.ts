import { afterEach, describe, expect, it } from 'vitest';
import { type Bridge, type StartBridgeOptions, startBridge } from '../helpers/bridge.js';
import { orderJob } from '../helpers/job-context.js';
import { orderBody, sellableSkus } from './order-fixtures.js';

const bridges: Bridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((b) => b.close()));
});

async function bridge(opts: StartBridgeOptions = {}) {
  const b = await startBridge({ sandbox: { seed: 'fulfilment-flow', products: 30 }, ...opts });
  bridges.push(b);
  return b;
}

function place(b: Bridge, paymentMethod = 'Credit Card') {
  const skus = sellableSkus(b.sandbox);
  return b.sandbox.bc.placeOrder(
    orderBody({
      paymentMethod,
      lines: [
        { ...skus[0]!, quantity: 2 },
        { ...skus[1]!, quantity: 1 },
      ],
    }),
  ) as { id: number };
}

async function synced(b: Bridge, orderId: number) {
  await b.waitFor(() => b.hlOrdersFor(orderId).some((o) => o.status === 'open'), 10_000, 'the HL order');
  await b.idle();
  return b.hlOrdersFor(orderId)[0]!.id;
}

/** Heartland ships lines: an invoice for the given order lines (all when omitted), completed. */
async function shipInHeartland(b: Bridge, hlOrderId: number, only?: number) {
  const st = b.sandbox.hl.state;
  const lines = st.orderLines.where((l) => l.order_id === hlOrderId).slice(0, only);
  const hl = b.ctx.hl.client;
  const invoiceId = await hl.createAndGetId('/sales/invoices', {
    type: 'Invoice',
    order_id: hlOrderId,
    tracking_number: `1Z999${hlOrderId}`,
    shipping_carrier: 'UPS',
  });
  for (const l of lines) {
    await hl.createAndGetId(`/sales/invoices/${invoiceId}/lines`, {
      type: 'ItemLine',
      item_id: l.item_id,
      order_line_id: l.id,
      qty: l.qty,
    });
  }
  await hl.request('PUT', `/sales/invoices/${invoiceId}`, { body: { status: 'complete' } });
  return invoiceId;
}

function hlWrites(b: Bridge): number {
  const s = b.sandbox.hl.state;
  return (
    s.salesOrders.size + s.orderLines.size + s.payments.size + s.orderAdjustments.size + s.customers.size
  );
}

describe('fulfilment: Heartland invoice → BigCommerce shipment', () => {
  it('ships once with tracking and sets Shipped, even when the poll runs twice; the echoes write nothing', async () => {
    const b = await bridge();
    const order = place(b);
    const hlId = await synced(b, order.id);
    await shipInHeartland(b, hlId);
    const writesBefore = hlWrites(b);
    await b.enqueue('fulfilment.poll');
    await b.idle();
    await b.enqueue('fulfilment.poll');
    await b.idle();
    const bcOrder = b.sandbox.bc.state.orders.get(order.id)!;
    expect(bcOrder.shipments).toHaveLength(1);
    expect(bcOrder.shipments[0]).toMatchObject({ tracking_number: `1Z999${hlId}`, tracking_carrier: 'ups' });
    expect(bcOrder.status_id).toBe(2);
    const shippedQty = bcOrder.shipments[0]!.items.reduce((a, i) => a + i.quantity, 0);
    expect(shippedQty).toBe(3);
    // The shipment fired store/order/updated + statusUpdated webhooks: recognised as echoes.
    expect(hlWrites(b)).toBe(writesBefore);
    expect(b.hlOrdersFor(order.id)[0]!.status).toBe('closed');
  });

  it('a partial fulfilment gives Partially Shipped, the rest later gives Shipped', async () => {
    const b = await bridge();
    const order = place(b);
    const hlId = await synced(b, order.id);
    await shipInHeartland(b, hlId, 1);
    await b.enqueue('fulfilment.poll');
    await b.idle();
    expect(b.sandbox.bc.state.orders.get(order.id)!.status_id).toBe(3);
    const st = b.sandbox.hl.state;
    const left = st.orderLines.where((l) => l.order_id === hlId && l.qty_invoiced < l.qty);
    const inv = await b.ctx.hl.client.createAndGetId('/sales/invoices', {
      order_id: hlId,
      tracking_number: 'T2',
    });
    for (const l of left)
      await b.ctx.hl.client.createAndGetId(`/sales/invoices/${inv}/lines`, {
        item_id: l.item_id,
        order_line_id: l.id,
        qty: l.qty,
      });
    await b.ctx.hl.client.request('PUT', `/sales/invoices/${inv}`, { body: { status: 'complete' } });
    await b.enqueue('fulfilment.poll');
    await b.idle();
    const bcOrder = b.sandbox.bc.state.orders.get(order.id)!;
    expect(bcOrder.shipments).toHaveLength(2);
    expect(bcOrder.status_id).toBe(2);
  });

  it('a shipment whose answer was lost is not created again', async () => {
    const b = await bridge({ workers: false, hooks: false });
    const order = place(b);
    await b.handlers['orders.sync']!({ orderId: order.id }, orderJob('orders.sync', order.id));
    const hlId = b.hlOrdersFor(order.id)[0]!.id;
    const invoiceId = await shipInHeartland(b, hlId);
    b.sandbox.bc.faults.set({
      enabled: true,
      routes: { 'POST /stores/:hash/v2/orders/:order_id/shipments': { commitThenTimeoutRate: 1 } },
    });
    const payload = { invoiceId, hlOrderId: hlId, bcOrderId: order.id };
    await expect(
      b.handlers['fulfilment.apply']!(payload, orderJob('fulfilment.apply', order.id)),
    ).rejects.toMatchObject({
      retryable: true,
    });
    b.sandbox.bc.faults.set({ enabled: false });
    await b.handlers['fulfilment.apply']!(payload, orderJob('fulfilment.apply', order.id, 2));
    expect(b.sandbox.bc.state.orders.get(order.id)!.shipments).toHaveLength(1);
  });

  it('an order the store ships before heartbridge finished it still gets its shipment', async () => {
    // The order sync fails after the Heartland order is made and opened: the link is still
    // `creating`, without the Heartland id, when the store ships. The poll must not skip the invoice as
    // "not ours" (the cursor would move past it for good), and the shipment waits for the order.
    const b = await bridge({ workers: false, hooks: false });
    const order = place(b);
    b.sandbox.hl.faults.set({
      enabled: true,
      // The PUT that opens the order is applied, its answer lost: the job fails after the order is open.
      routes: { 'PUT /api/sales/orders/:id': { commitThenTimeoutRate: 1, commitThenTimeoutDelayMs: 5 } },
    });
    await expect(
      b.handlers['orders.sync']!({ orderId: order.id }, orderJob('orders.sync', order.id)),
    ).rejects.toMatchObject({ retryable: true });
    b.sandbox.hl.faults.set({ enabled: false });
    const hlId = b.hlOrdersFor(order.id)[0]!.id;
    expect((await b.engine.links.findByBcId('main', 'order', String(order.id)))?.data?.state).toBe(
      'creating',
    );
    // As if the process had been killed right after the POST: the link does not know the Heartland id.
    await b.engine.store.db
      .updateTable('links')
      .set({ hl_id: null })
      .where('kind', '=', 'order')
      .where('bc_id', '=', String(order.id))
      .execute();
    const invoiceId = await shipInHeartland(b, hlId);

    await b.handlers['fulfilment.poll']!({}, orderJob('fulfilment.poll', 0));
    const queued = await b.engine.queue.listJobs({ task: 'fulfilment.apply' });
    expect(queued.map((j) => j.entityKey)).toEqual([`bc:order:${order.id}`]);
    const payload = { invoiceId, hlOrderId: hlId, bcOrderId: order.id };
    // Before the order is finished the shipment waits (retryable), it is not dropped.
    await expect(
      b.handlers['fulfilment.apply']!(payload, orderJob('fulfilment.apply', order.id)),
    ).rejects.toMatchObject({ retryable: true, code: 'HB_ERR_FULFILMENT_ORDER_NOT_LINKED' });
    await b.handlers['orders.sync']!({ orderId: order.id }, orderJob('orders.sync', order.id, 2));
    await b.handlers['fulfilment.apply']!(payload, orderJob('fulfilment.apply', order.id, 2));
    expect(b.sandbox.bc.state.orders.get(order.id)!.shipments).toHaveLength(1);
    expect(b.hlOrdersFor(order.id)).toHaveLength(1);
  });

  it('captures an authorised payment on shipment when configured', async () => {
    const b = await bridge({ flowOptions: { captureOnShipment: true }, mapping: {} });
    const order = place(b, 'Card (auth only)');
    const hlId = await synced(b, order.id);
    expect(b.sandbox.bc.state.orders.get(order.id)!.payment_status).toBe('authorized');
    await shipInHeartland(b, hlId);
    await b.enqueue('fulfilment.poll');
    await b.idle();
    expect(b.sandbox.bc.state.orders.get(order.id)!.payment_status).toBe('captured');
  });
});

describe('orders.poll: the backstop for lost webhooks', () => {
  it('finds an order whose webhook was lost, syncs it and counts it as repaired', async () => {
    const b = await bridge();
    const seen = place(b);
    await synced(b, seen.id);
    // Lose the next order's webhooks: deactivate the hooks, place the order, re-activate.
    const hooks = await b.ctx.bc.hooks.list();
    for (const h of hooks) await b.ctx.bc.hooks.update(h.id, { is_active: false });
    const lost = place(b);
    for (const h of hooks) await b.ctx.bc.hooks.update(h.id, { is_active: true });
    await new Promise((r) => setTimeout(r, 1_100)); // date_modified has 1 s resolution
    expect(b.hlOrdersFor(lost.id)).toHaveLength(0);
    await b.enqueue('orders.poll');
    await b.waitFor(() => b.hlOrdersFor(lost.id).length === 1, 10_000, 'the repaired order');
    await b.idle();
    expect(await b.repairedByPoll()).toBe(1);
    expect(b.alerts.some((a) => a.key === 'orders:repaired-by-poll:main')).toBe(true);
    // A second poll over the overlap window repairs nothing more and duplicates nothing.
    await b.enqueue('orders.poll');
    await b.idle();
    expect(await b.repairedByPoll()).toBe(1);
    expect(b.hlOrdersFor(lost.id)).toHaveLength(1);
    expect(b.hlOrdersFor(seen.id)).toHaveLength(1);
  });
});
