import { describe, expect, it } from 'vitest';
import { hlSalesOrderDraftSchema } from '../../src/mapping/hl-draft.js';
import { type MappingConfigInput, parseMappingConfig } from '../../src/mapping/mapping-config.js';
import { type MapOrderInput, mapOrder } from '../../src/mapping/order-to-sales-order.js';
import order149 from './fixtures/order_149.json' with { type: 'json' };
import ships149 from './fixtures/order_149_shipping_addresses.json' with { type: 'json' };
import tx149 from './fixtures/order_149_transactions.json' with { type: 'json' };
import specOrder from './fixtures/order_get_response.json' with { type: 'json' };
import specProducts from './fixtures/order_products_response.json' with { type: 'json' };

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);
const baseConfig: MappingConfigInput = {
  defaults: { stationId: 100002, sourceLocationId: 100001, salesRep: 'Ecommerce' },
  paymentMethods: { byName: { Cash: { id: 100005 } }, byGateway: { stripe: { name: 'Web Card' } } },
  shippingMethods: { byName: { 'flat rate': { id: 100004 } } },
  fulfilmentLocation: { rules: [{ when: { countries: ['US'], states: ['TN'] }, locationId: 100010 }] },
};
const items = new Map([
  ['S-ORAN', { id: 100123, public_id: 'S-ORAN', price: '55.99', description: 'Chambray Towel' }],
  ['ABS', { id: 100124, public_id: 'ABS', price: '0', description: 'Able Brewing System' }],
]);

function input(over: Partial<MapOrderInput> & { configOver?: MappingConfigInput } = {}): MapOrderInput {
  const { configOver, ...rest } = over;
  return {
    order: order149,
    products: specProducts,
    shippingAddresses: ships149,
    transactions: tx149,
    config: parseMappingConfig(configOver ?? baseConfig),
    hlItemsBySku: items,
    hlCustomerId: 100200,
    now: NOW,
    ...rest,
  };
}

const cents = (s: string) => Math.round(Number(s) * 100); // test-side check only, on 2-dp strings

describe('mapOrder', () => {
  it('maps the sample order to a complete Heartland draft whose totals equal BC total_inc_tax', async () => {
    const r = await mapOrder(input());
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const d = r.draft;
    expect(hlSalesOrderDraftSchema.parse(d)).toEqual(d);
    expect(d.header).toEqual({
      customer_id: 100200,
      source_location_id: 100001,
      station_id: 100002,
      status: 'pending',
      shipping_charge: '11.09',
      shipping_method_id: 100004,
      shipping_method_name: null,
      sales_rep: 'Ecommerce',
      // The Heartland order number is the web one (mapping orderNumber: bigcommerce, prefix BC-).
      public_id: 'BC-149',
      custom: { bc_order_id: '149' },
    });
    expect(d.targetStatus).toBe('open'); // BC 11 Awaiting Fulfillment
    // Bundle child "ABS" is skipped (bundles: parent); the towel carries the discount.
    expect(d.lines).toEqual([
      {
        bcOrderProductId: 65,
        sku: 'S-ORAN',
        body: {
          item_id: 100123,
          qty: 1,
          original_unit_price: '55.99',
          adjusted_unit_price: '54.63',
          ship_from_location_id: 100010,
          total_tax: '9.01',
        },
      },
    ]);
    expect(d.taxes).toEqual([{ description: 'Sales Tax', value: '0.91' }]); // shipping tax
    expect(d.payments).toEqual([
      {
        type: 'CustomPayment',
        deposit: true,
        amount: '75.64',
        payment_type_id: 100005,
        payment_type_name: null,
        custom: { bc_payment: 'name:Cash' },
      },
    ]);
    expect(d.billingAddress).toMatchObject({ state: 'TX', country: 'US', line_1: '555 East Street' });
    expect(d.shippingAddress).toMatchObject({
      line_1: '1 Main St',
      line_2: 'Suite 200',
      city: 'Nashville',
      state: 'TN',
      phone: '+16155550100',
    });
    const sum =
      d.lines.reduce(
        (a, l) => a + l.body.qty * cents(l.body.adjusted_unit_price) + cents(l.body.total_tax ?? '0'),
        0,
      ) +
      d.taxes.reduce((a, t) => a + cents(t.value), 0) +
      cents(d.header.shipping_charge);
    expect(sum).toBe(7564);
    expect(d.totals).toMatchObject({ bcTotalIncTax: '75.64', payments: '75.64', roundingCents: 0 });
    expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives the same hash for the same order and a different one when a written field changes', async () => {
    const a = await mapOrder(input());
    const b = await mapOrder(input({ now: NOW + 60_000 }));
    const c = await mapOrder(input({ hlCustomerId: 1 }));
    expect(a.ok && b.ok && a.hash === b.hash).toBe(true);
    expect(a.ok && c.ok && a.hash !== c.hash).toBe(true);
  });

  it('numbers the Heartland order after the web order with the configured prefix, or leaves it to Heartland', async () => {
    const web = await mapOrder(input({ configOver: { ...baseConfig, orderNumber: { prefix: 'W' } } }));
    const own = await mapOrder(input({ configOver: { ...baseConfig, orderNumber: { from: 'heartland' } } }));
    expect(web.ok && web.draft.header.public_id).toBe('W149');
    expect(own.ok && 'public_id' in own.draft.header).toBe(false);
    expect(() => parseMappingConfig({ ...baseConfig, orderNumber: { prefix: 'BC 1' } })).toThrow(/prefix/);
  });

  it('sells bundle components with the parent price spread over them when configured', async () => {
    const r = await mapOrder(input({ configOver: { ...baseConfig, bundles: 'children' } }));
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.draft.lines.map((l) => [l.sku, l.body.adjusted_unit_price])).toEqual([['ABS', '54.63']]);
  });

  it('quarantines an unknown SKU with the closest existing SKUs', async () => {
    const r = await mapOrder(
      input({
        hlItemsBySku: new Map([['ABS', items.get('ABS')!]]),
        catalogue: [
          { sku: 'S-ORAN-L', name: 'Fog Linen Chambray Towel - Beige Stripe L' },
          { sku: 'OTS', name: 'Orbit Terrarium - Small' },
        ],
      }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ code: 'HB_ERR_MAP_UNKNOWN_SKU', field: 'products[id=65].sku' });
    expect(r.problems[0]!.suggestions?.[0]?.sku).toBe('S-ORAN-L');
    expect(r.problems[0]!.suggestedFix).toContain('S-ORAN-L');
  });

  it('quarantines an unmapped payment method, naming it and the fix', async () => {
    const r = await mapOrder(input({ order: { ...order149, payment_method: 'Bitcoin' }, transactions: [] }));
    expect(!r.ok && r.problems).toEqual([
      expect.objectContaining({
        code: 'HB_ERR_MAP_PAYMENT_UNMAPPED',
        field: 'payment_method',
        suggestedFix: expect.stringContaining('"Bitcoin"'),
      }),
    ]);
  });

  it('falls back to the transaction gateway when the display name is not mapped', async () => {
    const r = await mapOrder(input({ order: { ...order149, payment_method: 'Credit Card' } }));
    expect(r.ok && r.draft.payments[0]).toMatchObject({
      payment_type_name: 'Web Card',
      custom: { bc_payment: 'gateway:stripe' },
    });
  });

  it('splits gift certificate and store credit payments into their own deposits', async () => {
    const cfg = {
      ...baseConfig,
      paymentMethods: { ...baseConfig.paymentMethods, giftCertificate: { id: 7 }, storeCredit: { id: 8 } },
    };
    const r = await mapOrder(
      input({
        order: { ...order149, gift_certificate_amount: '20.0000', store_credit_amount: '5.6400' },
        configOver: cfg,
      }),
    );
    expect(r.ok && r.draft.payments.map((p) => [p.payment_type_id, p.amount])).toEqual([
      [7, '20.00'],
      [8, '5.64'],
      [100005, '50.00'],
    ]);
  });

  it('reports an invalid shipping address with the field and a fix', async () => {
    const r = await mapOrder(
      input({ shippingAddresses: [{ ...ships149[0]!, state: 'Tenessee', zip: '3720' }] }),
    );
    expect(!r.ok && r.problems.map((p) => [p.code, p.field])).toEqual([
      ['HB_ERR_MAP_ADDRESS_INVALID', 'shipping_addresses[0].state'],
      ['HB_ERR_MAP_ADDRESS_INVALID', 'shipping_addresses[0].zip'],
    ]);
  });

  it('quarantines the spec sample order, whose totals do not add up, instead of inventing money', async () => {
    const r = await mapOrder(input({ order: { ...specOrder, status_id: 11 } }));
    expect(!r.ok && r.problems.map((p) => p.code)).toContain('HB_ERR_MAP_TOTAL_MISMATCH');
  });

  it('skips incomplete orders (status 0)', async () => {
    const r = await mapOrder(input({ order: { ...order149, status_id: 0 } }));
    expect(!r.ok && r.problems[0]?.code).toBe('HB_ERR_MAP_STATUS_SKIPPED');
  });

  it('rejects a malformed BigCommerce payload with the path of the bad field', async () => {
    const r = await mapOrder(input({ order: { ...order149, total_inc_tax: 75.64 } }));
    expect(!r.ok && r.problems[0]).toMatchObject({
      code: 'HB_ERR_MAP_INPUT_INVALID',
      field: 'order.total_inc_tax',
    });
  });

  it('puts all tax in one order tax in order mode, and none when prices include tax', async () => {
    const orderMode = await mapOrder(
      input({ configOver: { ...baseConfig, taxHandling: { mode: 'order' } } }),
    );
    expect(orderMode.ok && orderMode.draft.taxes).toEqual([{ description: 'Sales Tax', value: '9.92' }]);
    expect(orderMode.ok && orderMode.draft.lines[0]!.body.total_tax).toBeUndefined();
    const incl = await mapOrder(
      input({ configOver: { ...baseConfig, taxHandling: { pricesIncludeTax: true } } }),
    );
    expect(
      incl.ok && [
        incl.draft.taxes,
        incl.draft.header.shipping_charge,
        incl.draft.lines[0]!.body.adjusted_unit_price,
      ],
    ).toEqual([[], '12.00', '63.64']);
  });

  it('sets custom fields from JSONata expressions and reports a broken one by name', async () => {
    const ok = await mapOrder(
      input({
        configOver: {
          ...baseConfig,
          expressions: { 'custom.channel': "'web-' & order.channel_id", 'custom.bc_order_id': "'x'" },
        },
      }),
    );
    expect(ok.ok && ok.draft.header.custom).toEqual({ channel: 'web-1', bc_order_id: '149' });
    const bad = await mapOrder(
      input({ configOver: { ...baseConfig, expressions: { 'custom.channel': 'order.(' } } }),
    );
    expect(!bad.ok && bad.problems[0]).toMatchObject({
      code: 'HB_ERR_MAP_EXPRESSION',
      field: 'expressions.custom.channel',
    });
  });

  it('splits a line whose total is not qty × a cent price into two lines of the same item', async () => {
    const line = {
      ...specProducts[0]!,
      quantity: 3,
      price_ex_tax: '3.3333',
      price_inc_tax: '3.3333',
      total_ex_tax: '10.0000',
      total_inc_tax: '10.0000',
      total_tax: '0.0000',
      discounted_total_inc_tax: '10.0000',
      applied_discounts: [],
    };
    const order = {
      ...order149,
      total_inc_tax: '22.0000',
      shipping_cost_ex_tax: '12.0000',
      shipping_cost_inc_tax: '12.0000',
    };
    const r = await mapOrder(input({ order, products: [line] }));
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.draft.lines.map((l) => [l.body.qty, l.body.adjusted_unit_price])).toEqual([
      [2, '3.33'],
      [1, '3.34'],
    ]);
  });

  it('leaves gift certificate purchases out of the Heartland order and says so in the totals', async () => {
    const gift = {
      ...specProducts[1]!,
      id: 70,
      parent_order_product_id: null,
      is_bundled_product: false,
      sku: '',
      type: 'giftcertificate',
      gift_certificate_id: 3,
      total_inc_tax: '25.0000',
      discounted_total_inc_tax: '25.0000',
    };
    const r = await mapOrder(
      input({ products: [...specProducts, gift], order: { ...order149, total_inc_tax: '100.6400' } }),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.draft.totals).toMatchObject({ excluded: '25.00', payments: '75.64' });
  });
});
