/**
 * End to end with faults on: storefront orders → exactly one Heartland order each (lines, totals,
 * customer, address), then Heartland ships them → exactly one BigCommerce shipment each.
 * Faults: 5xx (on reads), 429s, hangs (client timeouts), committed-then-timeout writes, duplicate and
 * reordered webhooks. The order poll backstop runs at the end, as it would on its schedule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCents } from '../../src/mapping/money.js';
import { orderBody, sellableSkus } from '../flows/order-fixtures.js';
import { type Bridge, startBridge } from '../helpers/bridge.js';

const N = 30;
const STATES: Array<[string, string]> = [
  ['Texas', 'TX'],
  ['California', 'CA'],
  ['New York', 'NY'],
  ['Washington', 'WA'],
];

let b: Bridge;
const placed: Array<{ id: number; total: string; email: string; state: string }> = [];

beforeAll(async () => {
  b = await startBridge({
    sandbox: { seed: 'orders-e2e', products: 40 },
    maxAttempts: 30,
    clientTimeoutMs: 800,
    workers: 8,
    faults: {
      seed: 'orders-e2e',
      // 5xx on reads only: after a 5xx on a WRITE the connectors wait 30 s (Heartland) / 60 s (BigCommerce
      // asks for a minute, NOTES §2) before the retry — right in production, too slow for a 45 s test.
      // The chaos suite covers 5xx on writes with a longer budget.
      // 429s on Heartland only: an injected BigCommerce 429 makes the shared store budget back off for
      // seconds (as it should with a real store), which again belongs to the chaos suite.
      routes: {
        'GET /api/*': { errorRate: 0.05, rate429: { rate: 0.03, retryAfterS: 0 } },
        '* /api/*': { rate429: { rate: 0.03, retryAfterS: 0 } },
        'GET /*': { errorRate: 0.05 },
      },
      global: {
        hangRate: 0.005,
        commitThenTimeoutRate: 0.04,
        commitThenTimeoutDelayMs: 10,
      },
      webhooks: { duplicateRate: 0.3, reorderRate: 0.3, reorderDelayMs: 100 },
    },
  });
  const skus = sellableSkus(b.sandbox, { min: 10 });
  for (let i = 0; i < N; i++) {
    const [stateName, abbr] = STATES[i % STATES.length]!;
    const email = `shopper${i % 12}@example.com`; // returning shoppers: customers are reused
    const order = b.sandbox.bc.placeOrder(
      orderBody({
        email,
        phone: `(512) 555-${String(1000 + (i % 12)).slice(-4)}`,
        state: stateName,
        lines: [
          { ...skus[(i * 3) % skus.length]!, quantity: 1 + (i % 3) },
          ...(i % 2 ? [{ ...skus[(i * 3 + 1) % skus.length]!, quantity: 1 }] : []),
        ],
      }),
    ) as { id: number; total_inc_tax: string };
    placed.push({ id: order.id, total: order.total_inc_tax, email, state: abbr });
  }
}, 30_000);

afterAll(async () => {
  await b?.close();
});

describe('orders end to end with faults', () => {
  it('every order exists exactly once in Heartland with correct lines, totals, customer and address', async () => {
    await b
      .waitFor(
        () => placed.every((p) => b.hlOrdersFor(p.id).some((o) => o.status === 'open')),
        // Room for the unlucky order: a read that meets a 5xx on every resend (1 + 3 + 9 s) makes the job wait
        // the 30 s Heartland asks after a server error (connectors/heartland/errors.ts) — seen once in CI.
        55_000,
        'every order to reach Heartland',
      )
      .catch(async (err) => {
        const missing = placed
          .filter((p) => !b.hlOrdersFor(p.id).some((o) => o.status === 'open'))
          .map((p) => p.id);
        const dead = await b.engine.dlq.list({});
        const jobs = await b.engine.queue.listJobs({ limit: 2000 });
        console.error(
          JSON.stringify(
            {
              missing,
              counts: await b.engine.queue.countsByState(),
              dead: dead.map((d) => [d.entityKey, d.errorCode, d.errorMessage]),
              stuck: jobs
                .filter((j) => j.state !== 'done')
                .map((j) => [j.entityKey, j.state, j.attempts, j.lastError?.[0]?.message]),
            },
            null,
            1,
          ).slice(0, 6000),
        );
        throw err;
      });
    await b.enqueue('orders.poll');
    await b.idle(15_000);
    const st = b.sandbox.hl.state;
    for (const p of placed) {
      const hl = b.hlOrdersFor(p.id);
      expect(hl, `order ${p.id}`).toHaveLength(1);
      const h = st.salesOrders.get(hl[0]!.id)!;
      const lines = st.orderLines.where((l) => l.order_id === h.id);
      const bcLines = b.sandbox.bc.state.orders.get(p.id)!.lines;
      expect(lines.map((l) => `${st.items.get(l.item_id)!.public_id}×${l.qty}`).sort()).toEqual(
        bcLines.map((l) => `${l.sku}×${l.quantity}`).sort(),
      );
      let cents = toCents(String(h.shipping_charge));
      for (const l of lines)
        cents += l.qty * toCents(String(l.adjusted_unit_price)) + toCents(String(l.total_tax));
      for (const t of st.orderAdjustments.where((a) => a.order_id === h.id && a.kind === 'tax'))
        cents += toCents(String(t.value));
      expect(cents, `total of order ${p.id}`).toBe(toCents(p.total));
      expect(st.customers.get(h.customer_id!)!.email).toBe(p.email);
      expect(st.addresses.get(h.shipping_address_id!)!.state).toBe(p.state);
      expect(st.payments.where((x) => x.order_id === h.id)).toHaveLength(1);
    }
    // Returning shoppers were matched, not duplicated.
    for (let i = 0; i < 12; i++) {
      expect(st.customers.all().filter((c) => c.email === `shopper${i}@example.com`)).toHaveLength(1);
    }
    expect(await b.engine.dlq.list({ status: 'open' })).toEqual([]);
    // The faults really happened (otherwise this test proves nothing).
    const hlF = b.sandbox.hl.faults.counters;
    const bcF = b.sandbox.bc.faults.counters;
    expect(hlF.commitThenTimeout + bcF.commitThenTimeout).toBeGreaterThan(0);
    expect(hlF.error + bcF.error).toBeGreaterThan(0);
    expect(hlF.rate429).toBeGreaterThan(0);
    expect(bcF.webhookDuplicate + bcF.webhookReorder).toBeGreaterThan(0);
  }, 60_000);

  it('Heartland fulfilment comes back as exactly one shipment per order', async () => {
    // Heartland staff ship every order (the sandbox shortcut, with faults paused for the staff only).
    b.sandbox.hl.faults.set({ enabled: false });
    for (const p of placed) {
      const res = await fetch(
        `${b.sandbox.hl.url.replace(/\/api$/, '')}/__sandbox/heartland/fulfil/${b.hlOrdersFor(p.id)[0]!.id}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        },
      );
      expect(res.status).toBe(201);
    }
    b.sandbox.hl.faults.set({ enabled: true });
    await b.enqueue('fulfilment.poll');
    await b.waitFor(
      () => placed.every((p) => b.sandbox.bc.state.orders.get(p.id)!.status_id === 2),
      20_000,
      'every order to be Shipped',
    );
    await b.enqueue('fulfilment.poll');
    await b.idle(15_000);
    for (const p of placed) {
      const o = b.sandbox.bc.state.orders.get(p.id)!;
      expect(o.shipments, `shipments of ${p.id}`).toHaveLength(1);
      expect(o.shipments[0]!.tracking_number).toMatch(/^1Z/);
      expect(b.hlOrdersFor(p.id)).toHaveLength(1);
    }
  }, 45_000);
});
