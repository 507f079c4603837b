import { afterEach, describe, expect, it } from 'vitest';
import { toCents } from '../../src/mapping/money.js';
import { type Bridge, type StartBridgeOptions, startBridge } from '../helpers/bridge.js';
import { orderJob } from '../helpers/job-context.js';
import { type OrderSpec, orderBody, sellableSkus } from './order-fixtures.js';

const bridges: Bridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((b) => b.close()));
});

async function bridge(opts: StartBridgeOptions = {}) {
  const b = await startBridge({ sandbox: { seed: 'orders-flow', products: 30 }, ...opts });
  bridges.push(b);
  return b;
}

function place(b: Bridge, spec: Partial<OrderSpec> = {}) {
  const skus = sellableSkus(b.sandbox);
  const lines = spec.lines ?? [
    { ...skus[0]!, quantity: 2 },
    { ...skus[1]!, quantity: 1 },
  ];
  return b.sandbox.bc.placeOrder(orderBody({ ...spec, lines })) as { id: number; total_inc_tax: string };
}

/** Σ qty × adjusted price + Σ line tax + order taxes + shipping of a Heartland order, in cents. */
function hlTotalCents(b: Bridge, hlOrderId: number): number {
  const st = b.sandbox.hl.state;
  const order = st.salesOrders.get(hlOrderId)!;
  const lines = st.orderLines.where((l) => l.order_id === hlOrderId);
  const taxes = st.orderAdjustments.where((a) => a.order_id === hlOrderId && a.kind === 'tax');
  let c = toCents(String(order.shipping_charge));
  for (const l of lines) c += l.qty * toCents(String(l.adjusted_unit_price)) + toCents(String(l.total_tax));
  for (const t of taxes) c += toCents(String(t.value));
  return c;
}

describe('orders.sync: a BigCommerce order becomes one Heartland sales order', () => {
  it('creates the order with its lines, totals to the cent, customer, normalised address and deposit', async () => {
    const b = await bridge();
    const order = place(b, { state: 'Texas', email: 'Ada.L@Example.com' });
    await b.waitFor(() => b.hlOrdersFor(order.id).some((o) => o.status === 'open'), 10_000, 'the HL order');
    await b.idle();
    const [hl] = b.hlOrdersFor(order.id);
    expect(b.hlOrdersFor(order.id)).toHaveLength(1);
    const st = b.sandbox.hl.state;
    const lines = st.orderLines.where((l) => l.order_id === hl!.id);
    const bcLines = b.sandbox.bc.state.orders.get(order.id)!.lines;
    expect(lines.map((l) => [st.items.get(l.item_id)!.public_id, l.qty]).sort()).toEqual(
      bcLines.map((l) => [l.sku, l.quantity]).sort(),
    );
    expect(hlTotalCents(b, hl!.id)).toBe(toCents(order.total_inc_tax));
    const customer = st.customers.get(hl!.customer_id!)!;
    expect(customer.email).toBe('ada.l@example.com');
    const ship = st.addresses.get(st.salesOrders.get(hl!.id)!.shipping_address_id!)!;
    expect(ship).toMatchObject({ state: 'TX', country: 'US', postal_code: '78701' });
    const payments = st.payments.where((p) => p.order_id === hl!.id);
    expect(payments).toHaveLength(1);
    expect(toCents(String(payments[0]!.amount))).toBe(toCents(order.total_inc_tax));
    expect(st.paymentTypes.get(payments[0]!.payment_type_id!)!.name).toBe('Credit Card');
    const link = await b.engine.links.findByBcId('main', 'order', String(order.id));
    expect(link).toMatchObject({ hlId: String(hl!.id), data: expect.objectContaining({ state: 'synced' }) });
    expect(await b.engine.audit.list({ action: 'order.created' })).toHaveLength(1);
  });
});

async function sync(b: Bridge, orderId: number, attempt = 1) {
  await b.handlers['orders.sync']!({ orderId }, orderJob('orders.sync', orderId, attempt));
}

function hlWrites(b: Bridge): number {
  const s = b.sandbox.hl.state;
  return (
    s.salesOrders.size + s.orderLines.size + s.payments.size + s.orderAdjustments.size + s.customers.size
  );
}

describe('orders.sync: exactly once', () => {
  it('a duplicate webhook and a new "updated" event for the same order leave one Heartland order', async () => {
    const b = await bridge();
    const order = place(b);
    await b.waitFor(() => b.hlOrdersFor(order.id).length === 1, 10_000, 'the HL order');
    await b.idle();
    const before = hlWrites(b);
    const envelope = (hash: string, scope = 'store/order/updated') => ({
      scope,
      store_id: '1',
      data: { type: 'order', id: order.id },
      hash,
      created_at: Math.floor(Date.now() / 1000),
      producer: `stores/${b.sandbox.bigcommerce.storeHash}`,
    });
    for (const body of [envelope('dup-1'), envelope('dup-1'), envelope('dup-2', 'store/order/created')]) {
      const res = await fetch(`${b.url}/webhooks/bigcommerce/main`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-heartbridge-secret': 'bridge-secret-0123456789abcdef',
        },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
    }
    await b.idle();
    expect(b.hlOrdersFor(order.id)).toHaveLength(1);
    expect(hlWrites(b)).toBe(before);
  });

  it('a replayed job finds the link and writes nothing', async () => {
    const b = await bridge({ hooks: false, workers: false });
    const order = place(b);
    await sync(b, order.id);
    const before = hlWrites(b);
    await sync(b, order.id);
    await sync(b, order.id, 3);
    expect(b.hlOrdersFor(order.id)).toHaveLength(1);
    expect(hlWrites(b)).toBe(before);
  });

  it('committed-then-timeout on the create: the retry finds the order and completes it, exactly one', async () => {
    const b = await bridge({ hooks: false, workers: false });
    const order = place(b);
    b.sandbox.hl.faults.set({
      enabled: true,
      routes: { 'POST /api/sales/orders': { commitThenTimeoutRate: 1 } },
    });
    await expect(sync(b, order.id)).rejects.toMatchObject({ retryable: true });
    expect(b.hlOrdersFor(order.id)).toHaveLength(1); // the write committed; its answer was lost
    b.sandbox.hl.faults.set({ routes: { 'POST /api/sales/orders': null } });
    await sync(b, order.id, 2);
    const orders = b.hlOrdersFor(order.id);
    expect(orders).toHaveLength(1);
    expect(orders[0]!.status).toBe('open');
    expect(b.sandbox.hl.state.orderLines.where((l) => l.order_id === orders[0]!.id)).toHaveLength(2);
    expect(hlTotalCents(b, orders[0]!.id)).toBe(toCents(order.total_inc_tax));
    const link = await b.engine.links.findByBcId('main', 'order', String(order.id));
    expect(link?.hlId).toBe(String(orders[0]!.id));
  });

  it('a tax POST that times out but lands on Heartland later is not written twice: its retry waits for it', async () => {
    // Found by the full chaos run on PostgreSQL (loaded machine): the retry read the order before the
    // unanswered POST had run there, added the tax again, then the first one landed too.
    const b = await bridge({
      hooks: false,
      workers: false,
      clientTimeoutMs: 400,
      mapping: { taxHandling: { mode: 'order' } },
    });
    const order = place(b);
    b.sandbox.hl.faults.set({
      enabled: true,
      routes: { 'POST /api/sales/orders/:id/taxes': { latencyMs: { min: 800, max: 800 } } },
    });
    const err = (await sync(b, order.id).catch((e: unknown) => e)) as { code?: string; notBefore?: number };
    expect(err).toMatchObject({ code: 'HB_ERR_HL_TIMEOUT', retryable: true });
    b.sandbox.hl.faults.set({ enabled: false });
    // The queue never runs the retry before `notBefore`; do as it does.
    expect(err.notBefore).toBeGreaterThan(Date.now());
    await new Promise((r) => setTimeout(r, Math.max(0, (err.notBefore ?? 0) - Date.now())));
    await sync(b, order.id, 2);
    await new Promise((r) => setTimeout(r, 900)); // anything still in flight has landed by now
    const [hl] = b.hlOrdersFor(order.id);
    const taxes = b.sandbox.hl.state.orderAdjustments.where((a) => a.order_id === hl!.id && a.kind === 'tax');
    expect(taxes).toHaveLength(1);
    expect(hlTotalCents(b, hl!.id)).toBe(toCents(order.total_inc_tax));
  });

  it('a half-made order (created line by line before a crash) is completed on retry without duplicate lines', async () => {
    const b = await bridge({ hooks: false, workers: false });
    const order = place(b);
    await sync(b, order.id);
    const [made] = b.hlOrdersFor(order.id);
    const st = b.sandbox.hl.state;
    const lines = st.orderLines.where((l) => l.order_id === made!.id);
    const first = lines[0]!;
    const body = (l: typeof first) => ({
      item_id: l.item_id,
      qty: l.qty,
      original_unit_price: l.original_unit_price,
      adjusted_unit_price: l.adjusted_unit_price,
      ship_from_location_id: l.ship_from_location_id,
      total_tax: l.total_tax,
    });
    // The same order again (same lines, totals, customer), half made by the old line-by-line writer.
    const other = place(b);
    const h = st.salesOrders.get(made!.id)!;
    const halfId = await b.ctx.hl.createSalesOrder({
      customer_id: h.customer_id,
      billing_address_id: h.billing_address_id,
      shipping_address_id: h.shipping_address_id,
      source_location_id: h.source_location_id,
      station_id: h.station_id,
      shipping_method_id: h.shipping_method_id,
      shipping_charge: h.shipping_charge,
      custom: { bc_order_id: String(other.id) },
    });
    await b.ctx.hl.addOrderLine(halfId, body(first));
    // What the crash left behind: the link still says `creating`, the order has its first line only.
    await b.engine.links.upsert({
      connectionId: 'main',
      kind: 'order',
      bcId: String(other.id),
      data: { state: 'creating' },
    });
    await sync(b, other.id, 2);
    expect(b.hlOrdersFor(other.id).map((o) => o.id)).toEqual([halfId]);
    expect(st.orderLines.where((l) => l.order_id === halfId)).toHaveLength(2);
    expect(st.payments.where((p) => p.order_id === halfId)).toHaveLength(1);
    expect(st.salesOrders.get(halfId)!.status).toBe('open');
    expect(hlTotalCents(b, halfId)).toBe(toCents(other.total_inc_tax));
  });

  it('a timeout on the payment is completed on retry with one payment, resuming without a lookup', async () => {
    const b = await bridge({ hooks: false, workers: false });
    const order = place(b);
    b.sandbox.hl.faults.set({
      enabled: true,
      routes: { 'POST /api/sales/orders/:id/payments': { commitThenTimeoutRate: 1 } },
    });
    await expect(sync(b, order.id)).rejects.toMatchObject({ retryable: true });
    b.sandbox.hl.faults.set({ routes: { 'POST /api/sales/orders/:id/payments': null } });
    const [hl] = b.hlOrdersFor(order.id);
    // The failed run recorded which order it made: the retry reads it instead of searching for it.
    const link = await b.engine.links.findByBcId('main', 'order', String(order.id));
    expect(link).toMatchObject({
      hlId: String(hl!.id),
      data: expect.objectContaining({ state: 'creating' }),
    });
    await sync(b, order.id, 2);
    expect(b.hlOrdersFor(order.id)).toHaveLength(1);
    expect(b.sandbox.hl.state.orderLines.where((l) => l.order_id === hl!.id)).toHaveLength(2);
    expect(b.sandbox.hl.state.payments.where((p) => p.order_id === hl!.id)).toHaveLength(1);
    expect(b.hlOrdersFor(order.id)[0]!.status).toBe('open');
  });
});

describe('orders.sync: quarantine and review', () => {
  it('an unknown SKU is quarantined with the closest SKUs; other orders keep flowing', async () => {
    const b = await bridge({ hooks: false, workers: false });
    const bcOnly = sellableSkus(b.sandbox, { inHeartland: false })[0]!;
    const bad = place(b, { lines: [{ ...bcOnly, quantity: 1 }] });
    const good = place(b);
    await sync(b, bad.id);
    await sync(b, good.id);
    expect(b.hlOrdersFor(bad.id)).toHaveLength(0);
    expect(b.hlOrdersFor(good.id)).toHaveLength(1);
    const [q] = await b.engine.dlq.list({ kind: 'quarantine' });
    expect(q).toMatchObject({
      entityKey: `bc:order:${bad.id}`,
      errorCode: 'HB_ERR_MAP_UNKNOWN_SKU',
      status: 'open',
    });
    expect(q!.errorMessage).toContain(bcOnly.sku);
    expect(q!.suggestedFix).toMatch(/SKU-/);
    const problems = q!.errorChain[0]!.context!.problems as Array<{ suggestions?: unknown[] }>;
    expect(problems[0]!.suggestions?.length).toBeGreaterThan(0);
    expect(b.alerts.some((a) => a.key === 'orders:quarantine:HB_ERR_MAP_UNKNOWN_SKU')).toBe(true);
    // The same broken order again refreshes the entry instead of adding another.
    await sync(b, bad.id);
    expect(await b.engine.dlq.list({ kind: 'quarantine' })).toHaveLength(1);
  });

  it('an unmapped payment method is quarantined with the fix to make; after the fix a replay creates it', async () => {
    const b = await bridge({
      hooks: false,
      workers: false,
      mapping: { paymentMethods: { byName: { 'Credit Card': { name: 'Credit Card' } } } },
    });
    const order = place(b, { paymentMethod: 'Bitcoin' });
    await sync(b, order.id);
    const [q] = await b.engine.dlq.list({ kind: 'quarantine' });
    expect(q).toMatchObject({ errorCode: 'HB_ERR_MAP_PAYMENT_UNMAPPED' });
    expect(q!.suggestedFix).toContain('Bitcoin');
    expect(b.hlOrdersFor(order.id)).toHaveLength(0);
    expect(b.sandbox.hl.state.customers.all().some((c) => c.email === 'ada@example.com')).toBe(false);
    b.ctx.mapping = {
      ...b.ctx.mapping,
      paymentMethods: { ...b.ctx.mapping.paymentMethods, default: { name: 'BigCommerce' } },
    };
    await sync(b, order.id);
    expect(b.hlOrdersFor(order.id)).toHaveLength(1);
    expect((await b.engine.dlq.get(q!.id))!.status).toBe('resolved');
  });

  it('an ambiguous customer parks the order in review; resolving it creates the order for that customer', async () => {
    const b = await bridge({ hooks: false, workers: false });
    const hl = b.ctx.hl;
    const first = await hl.createCustomer({
      first_name: 'Twin',
      last_name: 'One',
      email: 'twin@example.com',
    });
    const second = await hl.createCustomer({
      first_name: 'Twin',
      last_name: 'Two',
      email: 'twin@example.com',
    });
    const order = place(b, { email: 'twin@example.com' });
    await sync(b, order.id);
    expect(b.hlOrdersFor(order.id)).toHaveLength(0);
    const { createReviewItems } = await import('../../src/flows/index.js');
    const reviews = createReviewItems(b.store.db);
    const [item] = await reviews.list({ status: 'open' });
    expect(item).toMatchObject({ entityKey: `bc:order:${order.id}` });
    const [q] = await b.engine.dlq.list({ kind: 'quarantine' });
    expect(q).toMatchObject({ errorCode: 'HB_ERR_ORDER_CUSTOMER_AMBIGUOUS' });
    expect(q!.suggestedFix).toContain(`heartbridge review resolve ${item!.id} --use ${first}`);
    await reviews.resolve(item!.id, { use: second });
    await sync(b, order.id);
    const [created] = b.hlOrdersFor(order.id);
    expect(created!.customer_id).toBe(second);
  });
});

describe('orders.sync: later changes and payment failures', () => {
  it('a cancel in BigCommerce cancels the Heartland order, without new lines', async () => {
    const b = await bridge();
    const order = place(b);
    await b.waitFor(() => b.hlOrdersFor(order.id).some((o) => o.status === 'open'), 10_000, 'the HL order');
    await b.idle();
    const lines = b.sandbox.hl.state.orderLines.size;
    await b.ctx.bc.orders.updateStatus(order.id, 5);
    await b.waitFor(() => b.hlOrdersFor(order.id)[0]?.status === 'canceled', 10_000, 'the cancel');
    await b.idle();
    expect(b.hlOrdersFor(order.id)).toHaveLength(1);
    expect(b.sandbox.hl.state.orderLines.size).toBe(lines);
  });

  it('a declined payment makes no Heartland order and raises an alert', async () => {
    const b = await bridge({ hooks: false, workers: false });
    const order = place(b, { statusId: 6 });
    await sync(b, order.id);
    expect(b.hlOrdersFor(order.id)).toHaveLength(0);
    expect(b.alerts.find((a) => a.key === `orders:payment-failed:${order.id}`)?.title).toMatch(/not sent/);
  });

  it('a payment declined after the order reached Heartland cancels it there', async () => {
    const b = await bridge({ hooks: false, workers: false });
    const order = place(b);
    await sync(b, order.id);
    await b.ctx.bc.orders.updateStatus(order.id, 6);
    await sync(b, order.id);
    expect(b.hlOrdersFor(order.id)[0]!.status).toBe('canceled');
    expect(b.alerts.some((a) => a.key === `orders:payment-failed:${order.id}`)).toBe(true);
  });

  it('an order edited in BigCommerce after it reached Heartland raises one alert naming the change; Heartland lines stay', async () => {
    const b = await bridge({ hooks: false, workers: false });
    const order = place(b);
    await sync(b, order.id);
    const [hl] = b.hlOrdersFor(order.id);
    const hlLines = () =>
      b.sandbox.hl.state.orderLines
        .where((l) => l.order_id === hl!.id)
        .map((l) => [l.item_id, l.qty])
        .sort();
    const before = hlLines();
    // A member of staff edits the order in the control panel: one more of the first line.
    const record = b.sandbox.bc.state.orders.get(order.id)!;
    const first = [...record.lines].sort((x, y) => x.id - y.id)[0]!;
    first.quantity += 1;
    record.date_modified = Date.now() + 1_000;
    await sync(b, order.id);
    await sync(b, order.id);
    const alerts = b.alerts.filter((a) => a.key === `orders:lines-edited:${order.id}`);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.detail).toContain(
      `SKU ${first.sku} quantity ${first.quantity - 1} → ${first.quantity}`,
    );
    expect(alerts[0]!.detail).toContain(`Heartland order ${hl!.id}`);
    expect(hlLines()).toEqual(before);
    expect(b.hlOrdersFor(order.id)).toHaveLength(1);
    const audit = await b.engine.audit.list({ action: 'order.lines_edited' });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).toMatchObject({ hlOrderId: hl!.id });
  });

  it('skips an incomplete checkout (status 0) until it changes', async () => {
    const b = await bridge({ hooks: false, workers: false });
    const order = place(b, { statusId: 0 });
    await sync(b, order.id);
    expect(b.hlOrdersFor(order.id)).toHaveLength(0);
    await b.ctx.bc.orders.updateStatus(order.id, 11);
    await sync(b, order.id);
    expect(b.hlOrdersFor(order.id)).toHaveLength(1);
  });
});

describe('review resolve (what `heartbridge review resolve` runs)', () => {
  it('records the decision and replays the parked order, which is then created for that customer', async () => {
    const b = await bridge();
    const a = await b.ctx.hl.createCustomer({
      first_name: 'Twin',
      last_name: 'A',
      email: 'pair@example.com',
    });
    await b.ctx.hl.createCustomer({ first_name: 'Twin', last_name: 'B', email: 'pair@example.com' });
    const order = place(b, { email: 'pair@example.com' });
    await b.waitFor(
      async () => (await b.engine.dlq.list({ kind: 'quarantine' })).length === 1,
      10_000,
      'parking',
    );
    const { createReviewItems } = await import('../../src/flows/index.js');
    const { resolveReviewItem } = await import('../../src/flows/orders/review-resolution.js');
    const [item] = await createReviewItems(b.store.db).list({ status: 'open' });
    const r = await resolveReviewItem(b.engine, item!.id, { use: a }, 'cli:test');
    expect('replayed' in r && r.replayed.length).toBe(1);
    await b.waitFor(() => b.hlOrdersFor(order.id).length === 1, 10_000, 'the order after resolve');
    expect(b.hlOrdersFor(order.id)[0]!.customer_id).toBe(a);
    expect(await resolveReviewItem(b.engine, item!.id, { use: a }, 'cli:test')).toMatchObject({
      error: expect.stringMatching(/already resolved/),
    });
  });
});
