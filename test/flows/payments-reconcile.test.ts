/**
 * Payment reconciliation against the sandbox: orders synced by the real flow reconcile clean; a partial
 * refund in BigCommerce, an order parked in quarantine and an authorised-only order marked shipped are
 * each reported with what to do; the daily job records the report and raises one alert.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { reconcilePeriod } from '../../src/cli/commands/payments.js';
import { createPaymentsHandlers, PAYMENTS_TASK, reconcilePayments } from '../../src/flows/payments/index.js';
import { type Bridge, startBridge } from '../helpers/bridge.js';
import { orderJob } from '../helpers/job-context.js';
import { orderBody, sellableSkus } from './order-fixtures.js';

const bridges: Bridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((b) => b.close()));
});

function place(b: Bridge, paymentMethod = 'Credit Card', inHeartland = true) {
  const skus = sellableSkus(b.sandbox, { inHeartland });
  return b.sandbox.bc.placeOrder(
    orderBody({
      paymentMethod,
      lines: [
        { ...skus[0]!, quantity: 2 },
        { ...(skus[1] ?? skus[0]!), quantity: 1 },
      ],
    }),
  ) as { id: number; total_inc_tax: string };
}

describe('payments reconciliation', () => {
  it('reports what needs a person, order by order, and the totals per payment method', async () => {
    const b = await startBridge({ sandbox: { seed: 'payments-flow', products: 30 } });
    bridges.push(b);
    const from = Date.now() - 1_000;
    const clean = place(b);
    const refunded = place(b);
    const parked = place(b, 'Credit Card', false);
    const authOnly = place(b, 'Card (auth only)');
    for (const o of [clean, refunded, authOnly])
      await b.waitFor(
        () => b.hlOrdersFor(o.id).some((h) => h.status === 'open'),
        10_000,
        `HL order of ${o.id}`,
      );
    await b.waitFor(
      async () => (await b.engine.dlq.list({ kind: 'quarantine' })).length === 1,
      10_000,
      'quarantine',
    );

    // A partial refund of one unit in BigCommerce (Heartland is not told: a return is a person's job).
    const line = b.sandbox.bc.state.orders.get(refunded.id)!.lines[0]!;
    const items = [{ item_type: 'PRODUCT' as const, item_id: line.id, quantity: 1 }];
    const { data: quote } = (await b.ctx.bc.orders.refundQuote(refunded.id, { items })) as {
      data: { total_refund_amount: number };
    };
    await b.ctx.bc.orders.refund(refunded.id, {
      items,
      payments: [{ provider_id: 'sandbox', amount: quote.total_refund_amount, offline: false }],
    });
    // The authorised-only order is marked shipped in BigCommerce without a capture.
    await b.ctx.bc.orders.updateStatus(authOnly.id, 2);
    await b.idle();

    const report = await reconcilePayments(b.ctx, { from, to: Date.now() + 1_000 });
    expect(report.orders).toBe(4);
    expect(report.linked).toBe(3);
    const byOrder = new Map(report.issues.map((k) => [k.bcOrderId, k.issues.map((i) => i.code)]));
    expect(byOrder.has(clean.id)).toBe(false);
    expect(byOrder.get(refunded.id)).toEqual(['refund_not_in_heartland']);
    expect(byOrder.get(parked.id)).toEqual(['not_in_heartland']);
    expect(byOrder.get(authOnly.id)).toEqual(['not_captured']);
    const parkedIssue = report.issues.find((k) => k.bcOrderId === parked.id)!.issues[0]!;
    expect(parkedIssue.message).toMatch(/is not in Heartland: .*SKU/);
    expect(parkedIssue.suggestedFix).toMatch(/SKU/);
    const refundIssue = report.issues.find((k) => k.bcOrderId === refunded.id)!.issues[0]!;
    expect(refundIssue.suggestedFix).toBe(
      `record a return of ${quote.total_refund_amount.toFixed(2)} against Heartland order ${b.hlOrdersFor(refunded.id)[0]!.id} in Heartland`,
    );
    // Totals: BigCommerce took the four order totals; Heartland books the three it has, to the cent.
    const cents = (s: string) => Math.round(Number(s) * 100);
    expect(report.all.totalCents).toBe(
      [clean, refunded, parked, authOnly].reduce((s, o) => s + cents(o.total_inc_tax), 0),
    );
    expect(report.all.recordedCents).toBe(
      [clean, refunded, authOnly].reduce((s, o) => s + cents(o.total_inc_tax), 0),
    );
    expect(report.all.withIssues).toBe(3);

    // Outside the period: nothing.
    expect((await reconcilePayments(b.ctx, { from: from - 60_000, to: from })).orders).toBe(0);

    // The daily job: the report goes to the audit log and one alert says how many need a person.
    const handler = createPaymentsHandlers(() => b.ctx)[PAYMENTS_TASK]!;
    await handler({ from, to: Date.now() + 1_000 }, orderJob(PAYMENTS_TASK, 0));
    const [entry] = await b.engine.audit.list({ action: 'payments.reconciled' });
    expect(entry).toMatchObject({ actor: 'flow:payments', detail: { orders: 4, ordersWithIssues: 3 } });
    const alert = b.alerts.find((a) => a.key === `payments:unreconciled:${b.connectionId}`);
    expect(alert?.title).toMatch(/^3 of 4 orders do not reconcile/);
    await expect(handler({ from: 5, to: 1 }, orderJob(PAYMENTS_TASK, 0))).rejects.toMatchObject({
      code: 'HB_ERR_PAYMENTS_BAD_PERIOD',
      retryable: false,
    });
  });
});

describe('heartbridge payments reconcile: the period', () => {
  const now = Date.parse('2026-11-27T15:30:00Z');
  it('defaults to yesterday (UTC); --date is one UTC day; --from alone runs to now', () => {
    expect(reconcilePeriod({}, now)).toEqual({
      from: Date.parse('2026-11-26T00:00:00Z'),
      to: Date.parse('2026-11-27T00:00:00Z'),
    });
    expect(reconcilePeriod({ date: '2026-11-01' }, now)).toEqual({
      from: Date.parse('2026-11-01T00:00:00Z'),
      to: Date.parse('2026-11-02T00:00:00Z'),
    });
    expect(reconcilePeriod({ from: '2h' }, now)).toEqual({ from: now - 7_200_000, to: now });
  });
  it('refuses a bad date, both forms at once, and an empty period', () => {
    expect(() => reconcilePeriod({ date: '27/11/2026' }, now)).toThrow(/--date: not a date/);
    expect(() => reconcilePeriod({ date: '2026-11-01', from: '1d' }, now)).toThrow(/either --date or --from/);
    expect(() => reconcilePeriod({ from: '2026-11-02', to: '2026-11-01' }, now)).toThrow(
      /--to must be after/,
    );
  });
});
