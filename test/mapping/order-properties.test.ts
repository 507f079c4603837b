import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMappingConfig } from '../../src/mapping/mapping-config.js';
import { mapOrder } from '../../src/mapping/order-to-sales-order.js';

const config = parseMappingConfig({
  defaults: { stationId: 2, sourceLocationId: 1 },
  paymentMethods: { default: { id: 5 }, giftCertificate: { id: 6 }, storeCredit: { id: 7 } },
});

/** 4-dp decimal string from an integer number of ten-thousandths. */
const dec4 = (n: bigint) => {
  const neg = n < 0n;
  const a = neg ? -n : n;
  return `${neg ? '-' : ''}${a / 10000n}.${(a % 10000n).toString().padStart(4, '0')}`;
};
const toCentsHalfUp = (tenThousandths: bigint) => (tenThousandths + 50n) / 100n; // non-negative only

const lineArb = fc.record({
  priceEx: fc.bigInt({ min: 0n, max: 5_000_000n }),
  qty: fc.integer({ min: 1, max: 12 }),
  taxRateBp: fc.integer({ min: 0, max: 2500 }), // basis points
  discount: fc.bigInt({ min: 0n, max: 100_000n }),
  sku: fc.constantFrom('A-1', 'B-2', 'C-3', 'D-4'),
});

/** A consistent BC order: the way BigCommerce computes it (4-dp line values, 2-dp order total). */
const consistentOrder = fc
  .record({
    lines: fc.array(lineArb, { minLength: 1, maxLength: 8 }),
    shippingEx: fc.bigInt({ min: 0n, max: 300_000n }),
    inclusive: fc.boolean(),
    mode: fc.constantFrom('line', 'order'),
    gc: fc.bigInt({ min: 0n, max: 200_000n }),
  })
  .map(({ lines, shippingEx, inclusive, mode, gc }) => {
    let totalInc = 0n;
    const products = lines.map((l, i) => {
      const totalEx = l.priceEx * BigInt(l.qty);
      const tax = (totalEx * BigInt(l.taxRateBp)) / 10000n;
      const totalIncL = totalEx + tax;
      const disc = l.discount > totalIncL ? totalIncL : l.discount;
      const discounted = totalIncL - disc;
      totalInc += discounted;
      return {
        id: i + 1,
        sku: l.sku,
        name: `Product ${l.sku}`,
        type: 'physical',
        quantity: l.qty,
        price_ex_tax: dec4(l.priceEx),
        price_inc_tax: dec4(l.priceEx + (l.priceEx * BigInt(l.taxRateBp)) / 10000n),
        total_ex_tax: dec4(totalEx),
        total_inc_tax: dec4(totalIncL),
        total_tax: dec4(tax),
        discounted_total_inc_tax: dec4(discounted),
        applied_discounts: disc > 0n ? [{ amount: dec4(disc), name: 'd', code: null }] : [],
        parent_order_product_id: null,
        order_address_id: 9,
      };
    });
    const shipTax = shippingEx / 10n;
    totalInc += shippingEx + shipTax;
    const totalCents = toCentsHalfUp(totalInc);
    const order = {
      id: 1000,
      status_id: 11,
      channel_id: 1,
      subtotal_ex_tax: '0.0000',
      subtotal_inc_tax: '0.0000',
      shipping_cost_ex_tax: dec4(shippingEx),
      shipping_cost_inc_tax: dec4(shippingEx + shipTax),
      total_ex_tax: '0.0000',
      total_inc_tax: dec4(totalCents * 100n),
      is_tax_inclusive_pricing: inclusive,
      payment_method: 'Card',
      gift_certificate_amount: dec4(gc > totalCents * 100n ? totalCents * 100n : gc),
      billing_address: {
        first_name: 'A',
        last_name: 'B',
        street_1: '1 Main St',
        city: 'Austin',
        state: 'TX',
        zip: '78701',
        country_iso2: 'US',
      },
    };
    const cfg = { ...config, taxHandling: { ...config.taxHandling, mode: mode as 'line' | 'order' } };
    return { order, products, totalCents: Number(totalCents), cfg };
  });

const items = new Map(['A-1', 'B-2', 'C-3', 'D-4'].map((s, i) => [s, { id: i + 1, public_id: s }]));
const ships = [
  {
    id: 9,
    first_name: 'A',
    last_name: 'B',
    street_1: '1 Main St',
    city: 'Austin',
    state: 'TX',
    zip: '78701',
    country_iso2: 'US',
    shipping_method: 'Ground',
  },
];
const c = (s: string) => {
  const [w, f = '00'] = s.replace('-', '').split('.');
  return (s.startsWith('-') ? -1 : 1) * (Number(w) * 100 + Number(f.padEnd(2, '0')));
};

describe('mapOrder properties', () => {
  it('line totals + tax + shipping always equal BC total_inc_tax to the cent', async () => {
    await fc.assert(
      fc.asyncProperty(consistentOrder, async ({ order, products, totalCents, cfg }) => {
        const r = await mapOrder({
          order,
          products,
          shippingAddresses: ships,
          transactions: [],
          config: cfg,
          hlItemsBySku: items,
          hlCustomerId: 1,
          now: 0,
        });
        if (!r.ok) throw new Error(JSON.stringify(r.problems));
        const d = r.draft;
        const sum =
          d.lines.reduce(
            (a, l) => a + l.body.qty * c(l.body.adjusted_unit_price) + c(l.body.total_tax ?? '0'),
            0,
          ) +
          d.taxes.reduce((a, t) => a + c(t.value), 0) +
          c(d.header.shipping_charge);
        expect(sum).toBe(totalCents);
        expect(d.payments.reduce((a, p) => a + c(p.amount), 0)).toBe(totalCents);
        expect(Math.abs(d.totals.roundingCents)).toBeLessThanOrEqual(products.length + 2);
        expect(d.lines.reduce((a, l) => a + l.body.qty, 0)).toBe(
          products.reduce((a, p) => a + p.quantity, 0),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary schema-valid orders', async () => {
    const money = fc.oneof(
      fc.bigInt({ min: -10_000_000n, max: 10_000_000_000n }).map(dec4),
      fc.constantFrom('0', '0.0000', '99999999999.9999'),
    );
    const text = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.constant(null),
    );
    const addr = fc.record({
      first_name: text,
      last_name: text,
      street_1: text,
      street_2: text,
      city: text,
      state: text,
      zip: text,
      country: text,
      country_iso2: text,
      phone: text,
      email: text,
      company: text,
    });
    const product = fc.record({
      id: fc.integer({ min: 1, max: 20 }),
      sku: fc.oneof(text, fc.constantFrom('A-1', 'B-2')),
      name: text,
      type: fc.constantFrom('physical', 'digital', 'giftcertificate'),
      quantity: fc.integer({ min: 0, max: 1000 }),
      price_ex_tax: money,
      price_inc_tax: money,
      total_ex_tax: money,
      total_inc_tax: money,
      total_tax: fc.option(money, { nil: undefined }),
      discounted_total_inc_tax: fc.option(money, { nil: undefined }),
      applied_discounts: fc.array(fc.record({ amount: money }), { maxLength: 2 }),
      parent_order_product_id: fc.option(fc.integer({ min: 1, max: 20 })),
      order_address_id: fc.option(fc.integer({ min: 1, max: 3 })),
      order_pickup_method_id: fc.option(fc.integer({ min: 0, max: 2 })),
    });
    const order = fc.record({
      id: fc.integer({ min: 1, max: 1e9 }),
      status_id: fc.integer({ min: 0, max: 14 }),
      channel_id: fc.integer({ min: 1, max: 3 }),
      subtotal_ex_tax: money,
      subtotal_inc_tax: money,
      shipping_cost_ex_tax: money,
      shipping_cost_inc_tax: money,
      handling_cost_ex_tax: fc.option(money, { nil: undefined }),
      handling_cost_inc_tax: fc.option(money, { nil: undefined }),
      total_ex_tax: money,
      total_inc_tax: money,
      is_tax_inclusive_pricing: fc.boolean(),
      payment_method: text,
      gift_certificate_amount: fc.option(money, { nil: undefined }),
      store_credit_amount: fc.option(money, { nil: undefined }),
      discount_amount: fc.option(money, { nil: undefined }),
      coupon_discount: fc.option(money, { nil: undefined }),
      billing_address: addr,
      fees: fc.option(fc.array(fc.record({ cost_inc_tax: money, cost_tax: money }), { maxLength: 2 }), {
        nil: undefined,
      }),
    });
    const shipAddr = fc
      .tuple(addr, fc.integer({ min: 1, max: 3 }), text)
      .map(([a, id, m]) => ({ ...a, id, shipping_method: m }));
    const tx = fc.record({
      id: fc.nat(),
      event: fc.constantFrom('purchase', 'capture', 'refund'),
      amount: fc.double({ noNaN: true, noDefaultInfinity: true }),
      gateway: fc.constantFrom('stripe', 'giftcertificate', 'x'),
      status: fc.constantFrom('ok', 'error'),
    });
    const bundles = fc.constantFrom<'parent' | 'children'>('parent', 'children');
    await fc.assert(
      fc.asyncProperty(
        order,
        fc.array(product, { maxLength: 6 }),
        fc.array(shipAddr, { maxLength: 3 }),
        fc.array(tx, { maxLength: 3 }),
        bundles,
        async (o, p, s, t, b) => {
          const r = await mapOrder({
            order: o,
            products: p,
            shippingAddresses: s,
            transactions: t,
            config: { ...config, bundles: b },
            hlItemsBySku: items,
            hlCustomerId: 1,
            now: 0,
            catalogue: [{ sku: 'A-1', name: 'x' }],
          });
          if (r.ok) {
            const d = r.draft;
            const sum =
              d.lines.reduce(
                (a, l) => a + l.body.qty * c(l.body.adjusted_unit_price) + c(l.body.total_tax ?? '0'),
                0,
              ) +
              d.taxes.reduce((a, x) => a + c(x.value), 0) +
              c(d.header.shipping_charge);
            expect(sum + c(d.totals.excluded)).toBe(c(d.totals.bcTotalIncTax));
          } else {
            expect(r.problems.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 250 },
    );
  });
});
