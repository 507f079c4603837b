/**
 * `GET /v2/orders/{id}?include=consignments.line_items&consignment_structure=object` (orders.v2
 * order_includes): the embedded consignments say what `/products` and `/shipping_addresses` say for the
 * same order — same order product ids and quantities, same shipping address ids and addresses.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CONSIGNMENT_MONEY } from '../../src/connectors/bigcommerce/resources/orders-resource.js';
import {
  type BigCommerceSimulator,
  createBigCommerceSimulator,
} from '../../src/sandbox/bigcommerce/index.js';
import { defaultSeed } from '../../src/sandbox/bigcommerce/seed-loader.js';

let sim: BigCommerceSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(): Promise<BigCommerceSimulator> {
  const seed = defaultSeed();
  seed.products.push({
    name: 'Sewing Pattern (PDF)',
    sku: 'PATTERN-PDF',
    price: '12.00',
    type: 'digital',
    inventory_tracking: 'none',
    variants: [],
  });
  sim = await createBigCommerceSimulator({ rateLimit: 'off', seed });
  return sim;
}

async function get<T = unknown>(s: BigCommerceSimulator, path: string): Promise<T> {
  const res = await fetch(`${s.apiUrl}${path}`, {
    headers: { 'X-Auth-Token': s.accessToken, accept: 'application/json' },
  });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

type Row = Record<string, unknown> & { id: number };
interface Consignments {
  pickups: unknown[];
  shipping: Array<Row & { line_items: Row[] }>;
  downloads: Array<{ recipient_email: string; line_items: Row[] }>;
  email: { gift_certificates: Array<{ recipient_email: string; line_items: Row[] }> };
}

const billing = {
  first_name: 'Ana',
  last_name: 'Ruiz',
  street_1: '1 Congress Ave',
  city: 'Austin',
  state: 'Texas',
  zip: '78701',
  country: 'United States',
  country_iso2: 'US',
  email: 'ana@example.com',
};
const ADDRESS_FIELDS = [
  'first_name',
  'last_name',
  'company',
  'street_1',
  'street_2',
  'city',
  'state',
  'zip',
  'country',
  'country_iso2',
  'phone',
  'email',
  'shipping_method',
] as const;
const MONEY_FIELDS = CONSIGNMENT_MONEY;
const EMBED = 'include=consignments.line_items,fees&consignment_structure=object';

function skuId(s: BigCommerceSimulator, sku: string): number {
  const p = [...s.state.products.values()].find((x) => x.sku === sku);
  if (!p) throw new Error(`no product ${sku}`);
  return p.id;
}

describe('order consignments (consignment_structure=object)', () => {
  it('embed the same lines and shipping addresses as /products and /shipping_addresses', async () => {
    const s = await start();
    const o = s.placeOrder({
      billing_address: billing,
      shipping_addresses: [
        {
          ...billing,
          first_name: 'Bea',
          street_1: '9 Elm St',
          shipping_method: 'Ground',
          phone: '5125550100',
        },
        { ...billing, street_1: '2 Oak St', shipping_method: 'Express' },
      ],
      products: [
        { product_id: skuId(s, 'TOWEL-CH'), quantity: 3 },
        { sku: 'SHIRT-LN-M', quantity: 2 },
        { name: 'Custom', quantity: 1, price_ex_tax: '4.00', price_inc_tax: '4.33' },
      ],
      shipping_cost_ex_tax: '7.5',
      shipping_cost_inc_tax: '8.12',
    });
    const products = await get<Row[]>(s, `/v2/orders/${o.id}/products`);
    const addresses = await get<Row[]>(s, `/v2/orders/${o.id}/shipping_addresses`);
    // Ship part of a line so items_shipped / quantity_shipped are not all zero.
    const res = await fetch(`${s.apiUrl}/v2/orders/${o.id}/shipments`, {
      method: 'POST',
      headers: { 'X-Auth-Token': s.accessToken, 'content-type': 'application/json' },
      body: JSON.stringify({
        order_address_id: products[0]?.order_address_id,
        items: [{ order_product_id: products[0]?.id, quantity: 1 }],
      }),
    });
    expect(res.status).toBe(201);
    const productsNow = await get<Row[]>(s, `/v2/orders/${o.id}/products`);
    const addressesNow = await get<Row[]>(s, `/v2/orders/${o.id}/shipping_addresses`);
    expect(productsNow.map((p) => p.quantity_shipped)).toEqual([1, 0, 0]);
    expect(addressesNow.map((a) => a.id)).toEqual(addresses.map((a) => a.id));

    const order = await get<Row & { consignments: Consignments; items_total: number }>(
      s,
      `/v2/orders/${o.id}?${EMBED}`,
    );
    const c = order.consignments;
    expect(c.pickups).toEqual([]);
    expect(c.downloads).toEqual([]);
    expect(c.email).toEqual({ gift_certificates: [] });
    // One shipping consignment per shipping address, with the address's id, fields and costs.
    expect(c.shipping.map((x) => x.id)).toEqual(addressesNow.map((a) => a.id));
    for (const [i, sc] of c.shipping.entries()) {
      const a = addressesNow[i]!;
      for (const f of ADDRESS_FIELDS) expect(sc[f], f).toEqual(a[f]);
      for (const f of MONEY_FIELDS) {
        expect(typeof sc[f], f).toBe('number'); // shippingConsignment_Get types them as numbers
        expect(sc[f], f).toBe(Number(a[f]));
      }
      expect([sc.items_total, sc.items_shipped]).toEqual([a.items_total, a.items_shipped]);
      expect([sc.shipping_zone_id, sc.shipping_zone_name]).toEqual([
        a.shipping_zone_id,
        a.shipping_zone_name,
      ]);
      // Its line items are exactly the /products objects that ship to this address.
      expect(sc.line_items).toEqual(productsNow.filter((p) => p.order_address_id === a.id));
    }
    expect(c.shipping[0]?.line_items.map((l) => [l.id, l.quantity])).toEqual(
      productsNow.map((p) => [p.id, p.quantity]),
    );
    expect(c.shipping[0]).toMatchObject({ cost_ex_tax: 7.5, cost_inc_tax: 8.12, cost_tax: 0.62 });
    const embeddedQty = c.shipping.flatMap((x) => x.line_items).reduce((n, l) => n + Number(l.quantity), 0);
    expect(embeddedQty).toBe(order.items_total);

    // The rest of the order is the answer without the include; /consignments answers the same object.
    const { consignments: _c, ...rest } = order;
    expect(rest).toEqual(await get(s, `/v2/orders/${o.id}`));
    expect(await get(s, `/v2/orders/${o.id}/consignments?include=consignments.line_items`)).toEqual(c);
    const listed = await get<Array<Row & { consignments: Consignments }>>(
      s,
      `/v2/orders?min_id=${o.id}&max_id=${o.id}&${EMBED}`,
    );
    expect(listed[0]?.consignments).toEqual(c);
  });

  it('without consignment_structure=object, or without the include, the order is as before', async () => {
    const s = await start();
    const o = s.placeOrder({ billing_address: billing, products: [{ sku: 'SHIRT-LN-S', quantity: 1 }] });
    const plain = await get<Row>(s, `/v2/orders/${o.id}`);
    expect(plain).not.toHaveProperty('consignments');
    expect(await get(s, `/v2/orders/${o.id}?include=fees`)).toEqual(plain);
    expect(await get(s, `/v2/orders/${o.id}?include=consignments.line_items,fees`)).toEqual(plain);
    expect(await get(s, `/v2/orders/${o.id}?consignment_structure=object`)).toEqual(plain);
  });

  it('include=consignments alone gives the line items as links to /products/{id}', async () => {
    const s = await start();
    const o = s.placeOrder({ billing_address: billing, products: [{ sku: 'SHIRT-LN-S', quantity: 2 }] });
    const [line] = await get<Row[]>(s, `/v2/orders/${o.id}/products`);
    const order = await get<{ consignments: Consignments }>(
      s,
      `/v2/orders/${o.id}?include=consignments&consignment_structure=object`,
    );
    expect(order.consignments.shipping[0]?.line_items).toEqual([
      {
        url: `https://api.bigcommerce.com/stores/${s.storeHash}/v2/orders/${o.id}/products/${line?.id}`,
        resource: `/orders/${o.id}/products/${line?.id}`,
      },
    ]);
    expect(await get(s, `/v2/orders/${o.id}/consignments`)).toEqual(order.consignments);
  });

  it('a digital-only order has a download consignment and no shipping consignment', async () => {
    const s = await start();
    const o = s.placeOrder({ billing_address: billing, products: [{ sku: 'PATTERN-PDF', quantity: 1 }] });
    const products = await get<Row[]>(s, `/v2/orders/${o.id}/products`);
    const order = await get<{ consignments: Consignments; shipping_address_count: number }>(
      s,
      `/v2/orders/${o.id}?${EMBED}`,
    );
    expect(order.consignments.shipping).toEqual([]);
    expect(order.consignments.downloads).toEqual([{ recipient_email: billing.email, line_items: products }]);
    // The sandbox still answers a shipping address (a copy of billing) for it: the order says 1.
    expect(order.shipping_address_count).toBe(1);
    expect(await get<Row[]>(s, `/v2/orders/${o.id}/shipping_addresses`)).toHaveLength(1);
  });
});
