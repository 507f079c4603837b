import { afterEach, describe, expect, it } from 'vitest';
import { toCents } from '../../src/mapping/money.js';
import { type Bridge, startBridge, type StartBridgeOptions } from '../helpers/bridge.js';
import { orderBody, type OrderSpec, sellableSkus } from './order-fixtures.js';

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
