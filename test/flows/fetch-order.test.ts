/**
 * fetchOrderBundle against the sandbox: two BigCommerce reads (the order with its consignments embedded,
 * and the transactions); when the answer's consignments cannot stand in for `/products` and
 * `/shipping_addresses`, those two are read as well and the bundle is the same.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BigCommerceApi } from '../../src/connectors/bigcommerce/bigcommerce-api.js';
import { InMemoryRateBudgetStore } from '../../src/connectors/bigcommerce/rate-budget.js';
import type { BcOrderWithConsignments } from '../../src/connectors/bigcommerce/resources/orders-resource.js';
import type { BcShippingAddress } from '../../src/connectors/bigcommerce/schemas.js';
import type { FlowContext } from '../../src/flows/flow-context.js';
import {
  bcOrderStateHash,
  consignmentsGap,
  fetchOrderBundle,
  type OrderBundle,
} from '../../src/flows/orders/fetch-order.js';
import { type Bridge, startBridge } from '../helpers/bridge.js';
import { orderBody, sellableSkus } from './order-fixtures.js';

const ORDER = 'GET /stores/:hash/v2/orders/:order_id';
const PRODUCTS = 'GET /stores/:hash/v2/orders/:order_id/products';
const ADDRESSES = 'GET /stores/:hash/v2/orders/:order_id/shipping_addresses';
const TRANSACTIONS = 'GET /stores/:hash/v3/orders/:order_id/transactions';

const bridges: Bridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((b) => b.close()));
});

async function bridge(): Promise<Bridge> {
  const b = await startBridge({
    sandbox: { seed: 'fetch-order', products: 20 },
    hooks: false,
    workers: false,
  });
  bridges.push(b);
  return b;
}

/** A flow context whose BigCommerce client drops `consignment_structure` from every URL, like a store or
 * API version that does not know it: the answer then embeds no consignments. Its log lines are kept. */
function withoutConsignments(b: Bridge): { ctx: FlowContext; logged: Array<Record<string, unknown>> } {
  const logged: Array<Record<string, unknown>> = [];
  const bc = new BigCommerceApi({
    ...b.sandbox.bigcommerce,
    fetch: (input, init) => {
      const url = new URL(input);
      url.searchParams.delete('consignment_structure');
      return fetch(url.toString(), init);
    },
    rateBudget: new InMemoryRateBudgetStore({
      share: 1,
      bulkHeadroom: 0,
      defaultQuota: 100_000,
      defaultWindowMs: 30_000,
    }),
  });
  const logger = {
    info: (obj: object) => logged.push(obj as Record<string, unknown>),
    warn: () => {},
    error: () => {},
  };
  return { ctx: { ...b.ctx, bc, logger }, logged };
}

/** Calls per simulator route while `fn` runs. */
async function counting<T>(
  b: Bridge,
  fn: () => Promise<T>,
): Promise<{ value: T; routes: Record<string, number> }> {
  const before = new Map(b.sandbox.bc.faults.byRoute);
  const value = await fn();
  const routes: Record<string, number> = {};
  for (const [route, n] of b.sandbox.bc.faults.byRoute) {
    const d = n - (before.get(route) ?? 0);
    if (d > 0) routes[route] = d;
  }
  return { value, routes };
}

/** `shipping_quotes` is a link to the quotes endpoint, which differs between the two reads of an address. */
function comparable(bundle: OrderBundle) {
  return {
    ...bundle,
    shippingAddresses: bundle.shippingAddresses.map((a: BcShippingAddress) => {
      const { shipping_quotes: _q, ...rest } = a;
      return rest;
    }),
  };
}

function placeOrder(b: Bridge, extra: Record<string, unknown> = {}): number {
  const skus = sellableSkus(b.sandbox);
  const body = orderBody({
    lines: [
      { ...skus[0]!, quantity: 2 },
      { ...skus[1]!, quantity: 1 },
      { ...skus[2]!, quantity: 3 },
    ],
  });
  const [ship] = body.shipping_addresses as Array<Record<string, unknown>>;
  const second = { ...ship, first_name: 'Grace', street_1: '1 Harbor Rd', shipping_method: 'Express' };
  return (
    b.sandbox.bc.placeOrder({ ...body, shipping_addresses: [ship, second], ...extra }) as { id: number }
  ).id;
}

describe('fetchOrderBundle', () => {
  it('reads the order with its consignments and the transactions: 2 reads, the same as the separate reads', async () => {
    const b = await bridge();
    const id = placeOrder(b);
    const { value: bundle, routes } = await counting(b, () => fetchOrderBundle(b.ctx, id));
    expect(routes).toEqual({ [ORDER]: 1, [TRANSACTIONS]: 1 });

    expect(bundle.order).toEqual(await b.ctx.bc.orders.get(id, { query: { include: 'fees' } }));
    expect(bundle.products).toEqual(await b.ctx.bc.orders.products(id));
    expect(bundle.products.map((p) => p.quantity)).toEqual([2, 1, 3]);
    const addresses = await b.ctx.bc.orders.shippingAddresses(id);
    expect(bundle.shippingAddresses.map((a) => a.id)).toEqual(addresses.map((a) => a.id));
    expect(comparable(bundle).shippingAddresses).toEqual(
      comparable({ ...bundle, shippingAddresses: addresses }).shippingAddresses,
    );
    expect(bundle.transactions).toEqual(await b.ctx.bc.orders.transactions(id));
  });

  it('falls back to /products and /shipping_addresses when the answer has no consignments: same bundle', async () => {
    const b = await bridge();
    const id = placeOrder(b);
    const embedded = await fetchOrderBundle(b.ctx, id);
    const { ctx, logged } = withoutConsignments(b);
    const { value: bundle, routes } = await counting(b, () => fetchOrderBundle(ctx, id));
    expect(routes).toEqual({ [ORDER]: 1, [PRODUCTS]: 1, [ADDRESSES]: 1, [TRANSACTIONS]: 1 });
    expect(comparable(bundle)).toEqual(comparable(embedded));
    expect(bcOrderStateHash(bundle)).toBe(bcOrderStateHash(embedded));
    expect(logged).toEqual([{ orderId: id, reason: 'no consignments in the answer' }]);
  });

  it('falls back for a digital-only order (no shipping consignment) and for digital lines beside physical ones', async () => {
    const b = await bridge();
    await b.ctx.bc.client.request('POST', '/v3/catalog/products', {
      body: {
        name: 'Pattern (PDF)',
        type: 'digital',
        sku: 'PATTERN-PDF',
        price: 12,
        weight: 0,
        inventory_tracking: 'none',
      },
    });
    const logged: Array<Record<string, unknown>> = [];
    const ctx: FlowContext = {
      ...b.ctx,
      logger: { info: (o) => logged.push(o as Record<string, unknown>), warn: () => {}, error: () => {} },
    };
    const digital = { sku: 'PATTERN-PDF', quantity: 1, price: '12.00' };
    const onlyDigital = (b.sandbox.bc.placeOrder(orderBody({ lines: [digital] })) as { id: number }).id;
    const { value: bundle, routes } = await counting(b, () => fetchOrderBundle(ctx, onlyDigital));
    expect(routes).toEqual({ [ORDER]: 1, [PRODUCTS]: 1, [ADDRESSES]: 1, [TRANSACTIONS]: 1 });
    expect(bundle.products.map((p) => p.sku)).toEqual(['PATTERN-PDF']);
    expect(bundle.shippingAddresses).toEqual(await b.ctx.bc.orders.shippingAddresses(onlyDigital));
    expect(bundle.shippingAddresses).toHaveLength(1);

    const mixed = (
      b.sandbox.bc.placeOrder(
        orderBody({ lines: [{ ...sellableSkus(b.sandbox)[0]!, quantity: 1 }, digital] }),
      ) as {
        id: number;
      }
    ).id;
    const m = await counting(b, () => fetchOrderBundle(ctx, mixed));
    expect(m.routes).toEqual({ [ORDER]: 1, [PRODUCTS]: 1, [ADDRESSES]: 1, [TRANSACTIONS]: 1 });
    expect(m.value.products).toHaveLength(2);
    expect(logged.map((l) => l.reason)).toEqual([
      'no shipping consignment',
      'lines outside shipping consignments',
    ]);
  });

  it('consignmentsGap: only an answer that accounts for every item and address is used', async () => {
    const b = await bridge();
    const id = placeOrder(b);
    const read = await b.ctx.bc.orders.getWithConsignments(id);
    expect(consignmentsGap(read)).toBeNull();
    const products = read.products!;
    const addresses = read.shippingAddresses!;
    const variant = (patch: Partial<BcOrderWithConsignments>) => consignmentsGap({ ...read, ...patch });
    expect(variant({ order: { ...read.order, items_total: 7 } })).toBe(
      'embedded lines hold 6 items, items_total 7',
    );
    expect(variant({ order: { ...read.order, items_total: undefined } })).toBe(
      'embedded lines hold 6 items, items_total absent',
    );
    expect(variant({ shippingAddresses: addresses.slice(0, 1) })).toBe(
      '1 shipping consignments, shipping_address_count 2',
    );
    expect(
      variant({ products: products.map((p, i) => (i === 1 ? { ...p, order_address_id: 999_999 } : p)) }),
    ).toBe(`line ${products[1]!.id} has order_address_id 999999, no such consignment`);
    expect(variant({ order: { ...read.order, shipping_address_count: undefined } })).toBe(
      '2 shipping consignments, shipping_address_count absent',
    );
    expect(variant({ unshippedProductIds: [products[0]!.id] })).toBe('lines outside shipping consignments');
    expect(variant({ products: null, shippingAddresses: null, notEmbedded: 'x' })).toBe('x');
  });
});
