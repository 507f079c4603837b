import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BcPaymentFacts,
  checkOrderPayments,
  type HlPaymentFacts,
  summarisePayments,
} from '../../src/mapping/payment-check.js';

const bc = (over: Partial<BcPaymentFacts> = {}): BcPaymentFacts => ({
  orderId: 101,
  statusId: 11,
  status: 'Awaiting Fulfillment',
  total: '54.10',
  paymentMethod: 'Credit Card',
  refunded: '0.0000',
  transactions: [{ event: 'purchase', status: 'ok', amount: '54.10' }],
  ...over,
});
const hl = (over: Partial<HlPaymentFacts> = {}): HlPaymentFacts => ({
  orderId: 9001,
  status: 'open',
  payments: [{ amount: '54.10' }],
  total: '54.10',
  balance: '0.00',
  ...over,
});
const codes = (r: ReturnType<typeof checkOrderPayments>) => r.issues.map((i) => i.code);

describe('checkOrderPayments', () => {
  it('an order paid in full and booked in full reconciles', () => {
    const r = checkOrderPayments({ bc: bc(), hl: hl() });
    expect(r).toMatchObject({ collectedCents: 5410, recordedCents: 5410, refundedCents: 0, issues: [] });
  });

  it('a refund in BigCommerce that Heartland does not show needs a return there', () => {
    const r = checkOrderPayments({ bc: bc({ refunded: '10.00' }), hl: hl() });
    expect(codes(r)).toEqual(['refund_not_in_heartland']);
    expect(r.issues[0]!.message).toBe(
      'BigCommerce order 101 refunded 10.00; Heartland order 9001 still books 54.10',
    );
    expect(r.issues[0]!.suggestedFix).toBe(
      'record a return of 10.00 against Heartland order 9001 in Heartland',
    );
  });

  it('a cancelled Heartland order is fine once BigCommerce refunded it all, not before', () => {
    expect(
      codes(checkOrderPayments({ bc: bc({ refunded: '54.10' }), hl: hl({ status: 'canceled' }) })),
    ).toEqual([]);
    const r = checkOrderPayments({ bc: bc({ refunded: '4.10' }), hl: hl({ status: 'canceled' }) });
    expect(codes(r)).toEqual(['charged_but_cancelled']);
    expect(r.issues[0]!.message).toContain('still holds 50.00');
  });

  it('different amounts and a balance due are both reported, to the cent', () => {
    const r = checkOrderPayments({
      bc: bc(),
      hl: hl({ payments: [{ amount: '50.00' }], balance: '4.10' }),
    });
    expect(codes(r)).toEqual(['amount_differs', 'balance_due_in_heartland']);
    expect(r.issues[0]!.message).toContain(
      'books 50.00 in deposits; BigCommerce order 101 took 54.10 (-4.10 difference)',
    );
  });

  it('an authorisation counts once: captured is collected, authorised-only on a shipped order is flagged', () => {
    const auth = { event: 'authorization', status: 'ok', amount: '54.10' };
    const captured = checkOrderPayments({
      bc: bc({
        statusId: 2,
        status: 'Shipped',
        transactions: [auth, { event: 'capture', status: 'ok', amount: '54.10' }],
      }),
      hl: hl(),
    });
    expect(captured).toMatchObject({ collectedCents: 5410, authorisedCents: 0, issues: [] });
    const open = checkOrderPayments({
      bc: bc({ statusId: 2, status: 'Shipped', transactions: [auth] }),
      hl: hl(),
    });
    expect(codes(open)).toEqual(['not_captured']);
    // Not shipped yet: an authorisation is how such orders wait.
    expect(codes(checkOrderPayments({ bc: bc({ transactions: [auth] }), hl: hl() }))).toEqual([]);
  });

  it('failed transactions count for nothing', () => {
    const r = checkOrderPayments({
      bc: bc({ transactions: [{ event: 'purchase', status: 'error', amount: '54.10' }] }),
      hl: null,
    });
    expect(r).toMatchObject({ collectedCents: 0, issues: [] });
  });

  it('money taken for an order Heartland does not have: says why when the bridge parked it', () => {
    const parked = checkOrderPayments({
      bc: bc(),
      hl: null,
      parked: { reason: 'unknown SKU "X-1"', suggestedFix: 'fix the SKU, then replay' },
    });
    expect(parked.issues).toEqual([
      {
        code: 'not_in_heartland',
        message: 'BigCommerce order 101 holds 54.10 but is not in Heartland: unknown SKU "X-1"',
        suggestedFix: 'fix the SKU, then replay',
      },
    ]);
    expect(checkOrderPayments({ bc: bc(), hl: null, inFlight: true }).issues[0]!.message).toContain(
      'being created in Heartland right now',
    );
    expect(checkOrderPayments({ bc: bc(), hl: null }).issues[0]!.suggestedFix).toContain(
      'heartbridge dlq list',
    );
  });

  it('any split of a payment into purchases that Heartland books in full reconciles (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 6 }),
        (parts) => {
          const total = parts.reduce((s, p) => s + p, 0);
          const money = (c: number) => (c / 100).toFixed(2);
          const r = checkOrderPayments({
            bc: bc({
              total: money(total),
              transactions: parts.map((p) => ({ event: 'purchase', status: 'ok', amount: money(p) })),
            }),
            hl: hl({ payments: [{ amount: money(total) }], total: money(total) }),
          });
          return r.issues.length === 0 && r.collectedCents === total;
        },
      ),
    );
  });
});

describe('summarisePayments', () => {
  it('totals per payment method and overall, counting orders that need attention', () => {
    const checks = [
      checkOrderPayments({ bc: bc(), hl: hl() }),
      checkOrderPayments({ bc: bc({ orderId: 102, refunded: '4.10' }), hl: hl({ orderId: 9002 }) }),
      checkOrderPayments({
        bc: bc({
          orderId: 103,
          paymentMethod: 'Cash on Delivery',
          total: '20.00',
          transactions: [{ event: 'pending', status: 'ok', amount: '20.00' }],
        }),
        hl: hl({ orderId: 9003, payments: [{ amount: '20.00' }], total: '20.00' }),
      }),
    ];
    const { byMethod, all } = summarisePayments(checks);
    expect(
      byMethod.map((r) => [
        r.method,
        r.orders,
        r.collectedCents,
        r.refundedCents,
        r.recordedCents,
        r.withIssues,
      ]),
    ).toEqual([
      ['Cash on Delivery', 1, 2000, 0, 2000, 0],
      ['Credit Card', 2, 10820, 410, 10820, 1],
    ]);
    expect(all).toMatchObject({ orders: 3, totalCents: 12820, collectedCents: 12820, withIssues: 1 });
  });
});
