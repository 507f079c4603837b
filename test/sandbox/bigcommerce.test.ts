/** Behaviour of the BigCommerce simulator that a client would notice. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type BigCommerceSimulator,
  type BigCommerceSimulatorOptions,
  createBigCommerceSimulator,
} from '../../src/sandbox/bigcommerce/index.js';
import type { WebhookEnvelope } from '../../src/sandbox/bigcommerce/store-state.js';
import { RETRY_SCHEDULE_S } from '../../src/sandbox/bigcommerce/webhooks.js';

let sim: BigCommerceSimulator | undefined;
let receiver: Server | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  if (receiver) await new Promise((r) => receiver?.close(r));
  receiver = undefined;
});

async function start(opts: BigCommerceSimulatorOptions = {}): Promise<BigCommerceSimulator> {
  sim = await createBigCommerceSimulator({ rateLimit: 'off', ...opts });
  return sim;
}

async function api(s: BigCommerceSimulator, method: string, path: string, body?: unknown) {
  const res = await fetch(`${s.apiUrl}${path}`, {
    method,
    headers: {
      'X-Auth-Token': s.accessToken,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** A webhook receiver answering `status` and recording bodies and headers. */
async function startReceiver(status: () => number) {
  const got: Array<{ body: WebhookEnvelope; secret: string | undefined }> = [];
  receiver = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      got.push({
        body: JSON.parse(raw) as WebhookEnvelope,
        secret: req.headers['x-secret'] as string | undefined,
      });
      res.writeHead(status()).end();
    });
  });
  await new Promise<void>((r) => receiver?.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/wh`, got };
}

const billing = { first_name: 'Ana', last_name: 'Ruiz', zip: '78701', email: 'ana@example.com' };

function stockAt(s: BigCommerceSimulator, key: string, loc = 1): number {
  return s.state.inventory.get(`${key}@${loc}`)?.onHand ?? 0;
}

describe('auth', () => {
  it('401 without or with a wrong token, 403 for another store, in the v2 and v3 error shapes', async () => {
    const s = await start();
    const none = await fetch(`${s.apiUrl}/v3/catalog/products`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({
      status: 401,
      title: expect.any(String),
      type: expect.any(String),
    });
    const wrong = await fetch(`${s.apiUrl}/v2/orders`, { headers: { 'X-Auth-Token': 'nope' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual([{ status: 401, message: expect.any(String) }]);
    const other = await fetch(`${s.url}/stores/otherstore/v3/catalog/products`, {
      headers: { 'X-Auth-Token': s.accessToken },
    });
    expect(other.status).toBe(403);
  });
});

describe('pagination', () => {
  it('v2 lists page with limit and answer 204 with no body when empty', async () => {
    const s = await start();
    const empty = await fetch(`${s.apiUrl}/v2/orders`, { headers: { 'X-Auth-Token': s.accessToken } });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
    for (let i = 0; i < 5; i++)
      s.placeOrder({ billing_address: billing, products: [{ product_id: 111, quantity: 1 }] });
    const p1 = await api(s, 'GET', '/v2/orders?limit=2&page=1');
    const p3 = await api(s, 'GET', '/v2/orders?limit=2&page=3');
    const p4 = await api(s, 'GET', '/v2/orders?limit=2&page=4');
    expect((p1.body as unknown[]).length).toBe(2);
    expect((p3.body as Array<{ id: number }>).map((o) => o.id)).toEqual([104]);
    expect(p4.status).toBe(204);
    const desc = await api(s, 'GET', '/v2/orders?sort=id:desc&min_id=102&status_id=1');
    expect((desc.body as Array<{ id: number }>).map((o) => o.id)).toEqual([104, 103, 102]);
  });

  it('v3 lists carry meta.pagination', async () => {
    const s = await start();
    const r = await api(s, 'GET', '/v3/catalog/variants?limit=2&page=2');
    expect(r.body).toMatchObject({
      meta: { pagination: { total: 5, count: 2, per_page: 2, current_page: 2, total_pages: 3 } },
    });
  });
});

describe('rate limiting', () => {
  it('counts down, answers 429 with X-Retry-After when exhausted, and resets after the window', async () => {
    let now = 1_700_000_000_000;
    const s = await start({ rateLimit: { quota: 3, windowMs: 30_000 }, now: () => now });
    const lefts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await api(s, 'GET', '/v2/order_statuses');
      expect(r.status).toBe(200);
      expect(r.headers.get('x-rate-limit-requests-quota')).toBe('3');
      expect(r.headers.get('x-rate-limit-time-window-ms')).toBe('30000');
      lefts.push(r.headers.get('x-rate-limit-requests-left') ?? '');
    }
    expect(lefts).toEqual(['2', '1', '0']);
    now += 10_000;
    const limited = await api(s, 'GET', '/v2/order_statuses');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-retry-after')).toBe('20');
    expect(limited.headers.get('x-rate-limit-time-reset-ms')).toBe('20000');
    now += 20_000;
    const again = await api(s, 'GET', '/v2/order_statuses');
    expect(again.status).toBe(200);
    expect(again.headers.get('x-rate-limit-requests-left')).toBe('2');
  });
});

describe('orders', () => {
  it('computes money as exact 4-dp strings', async () => {
    const s = await start();
    const o = s.placeOrder({
      billing_address: billing,
      products: [{ product_id: 111, quantity: 3, price_ex_tax: '0.1', price_inc_tax: '0.1083' }],
      shipping_cost_ex_tax: '0.2',
      shipping_cost_inc_tax: '0.2165',
      discount_amount: '0.05',
    });
    expect(o.subtotal_ex_tax).toBe('0.3000');
    expect(o.subtotal_inc_tax).toBe('0.3249');
    expect(o.total_ex_tax).toBe('0.4500');
    expect(o.total_inc_tax).toBe('0.4914');
    expect(o.total_tax).toBe('0.0414');
    expect(o.date_created).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
  });

  it('shows a manual order discount on the lines as BigCommerce does (applied_discounts, discounted_total_inc_tax)', async () => {
    const s = await start();
    // 10.00 off over 3 × 19.99 and 1 × 45.00 ex tax: 10 × 59.97/104.97 = 5.7131…, 10 × 45/104.97 = 4.2869…
    const o = s.placeOrder({
      billing_address: billing,
      products: [
        { product_id: 111, quantity: 3, price_ex_tax: '19.99', price_inc_tax: '21.64' },
        { product_id: 111, quantity: 1, price_ex_tax: '45.00', price_inc_tax: '48.71' },
      ],
      shipping_cost_ex_tax: '5.00',
      shipping_cost_inc_tax: '5.41',
      discount_amount: '10.00',
    });
    expect(o.total_inc_tax).toBe('109.0400'); // 64.92 + 48.71 + 5.41 − 10.00
    const lines = (await api(s, 'GET', `/v2/orders/${o.id}/products`)).body as Array<{
      total_inc_tax: string;
      discounted_total_inc_tax: string;
      applied_discounts: Array<{ id: string; amount: string; name: string; code: null; target: string }>;
    }>;
    expect(lines.map((l) => l.applied_discounts)).toEqual([
      [{ id: 'manual-discount', amount: '5.7131', name: 'Manual Discount', code: null, target: 'order' }],
      [{ id: 'manual-discount', amount: '4.2869', name: 'Manual Discount', code: null, target: 'order' }],
    ]);
    expect(lines.map((l) => l.discounted_total_inc_tax)).toEqual(['59.2069', '44.4231']);
    // The lines after discounts plus shipping are the order total, to the ten-thousandth.
    const paid = lines.reduce((a, l) => a + Math.round(Number(l.discounted_total_inc_tax) * 10000), 0);
    expect(paid + 54100).toBe(1090400);

    // A PUT of discount_amount spreads the new amount; no discount, no applied discount.
    await api(s, 'PUT', `/v2/orders/${o.id}`, { discount_amount: '0' });
    const after = (await api(s, 'GET', `/v2/orders/${o.id}/products`)).body as typeof lines;
    expect(after.map((l) => [l.applied_discounts, l.discounted_total_inc_tax])).toEqual([
      [[], '64.9200'],
      [[], '48.7100'],
    ]);
  });

  it('placing an order reduces stock at location 1 and fires the order inventory webhooks (relative)', async () => {
    const s = await start();
    const rx = await startReceiver(() => 200);
    for (const scope of [
      'store/product/inventory/order/updated',
      'store/sku/inventory/order/updated',
      'store/order/created',
    ]) {
      await api(s, 'POST', '/v3/hooks', { scope, destination: rx.url, headers: { 'X-Secret': 'k' } });
    }
    const shirtM = s.state.variantBySku('SHIRT-LN-M');
    const before = { towel: stockAt(s, 'p111'), shirt: stockAt(s, `v${shirtM?.id}`) };
    const r = await api(s, 'POST', '/v2/orders', {
      billing_address: billing,
      products: [
        { product_id: 111, quantity: 2 },
        {
          product_id: 112,
          product_options: [{ id: 100, value: String(shirtM?.option_values[0]?.id) }],
          quantity: 1,
        },
      ],
    });
    expect(r.status).toBe(200);
    expect(stockAt(s, 'p111')).toBe(before.towel - 2);
    expect(stockAt(s, `v${shirtM?.id}`)).toBe(before.shirt - 1);
    await expect.poll(() => rx.got.length).toBe(3);
    const byScope = Object.fromEntries(rx.got.map((g) => [g.body.scope, g.body]));
    expect(byScope['store/product/inventory/order/updated']?.data).toEqual({
      type: 'product',
      id: 111,
      inventory: { product_id: 111, method: 'relative', value: -2 },
    });
    expect(byScope['store/sku/inventory/order/updated']?.data).toMatchObject({
      type: 'sku',
      inventory: { product_id: 112, variant_id: shirtM?.id, method: 'relative', value: -1 },
    });
    expect(rx.got.every((g) => g.secret === 'k')).toBe(true);
  });

  it('incomplete orders fire created but take no stock; order_completed_or_shipped waits for shipping', async () => {
    const s = await start();
    const rx = await startReceiver(() => 200);
    await api(s, 'POST', '/v3/hooks', { scope: 'store/order/*', destination: rx.url });
    const before = stockAt(s, 'p111');
    const inc = s.placeOrder({
      status_id: 0,
      billing_address: billing,
      products: [{ product_id: 111, quantity: 1 }],
    });
    expect(stockAt(s, 'p111')).toBe(before);
    await expect.poll(() => rx.got.map((g) => g.body.scope)).toContain('store/order/created');
    await api(s, 'PUT', `/v2/orders/${inc.id}`, { status_id: 11 });
    expect(stockAt(s, 'p111')).toBe(before - 1);
    await expect
      .poll(() => rx.got.find((g) => g.body.scope === 'store/order/statusUpdated')?.body.data)
      .toEqual({
        type: 'order',
        id: inc.id,
        status: { previous_status_id: 0, new_status_id: 11 },
      });

    await api(s, 'PUT', '/v3/settings/inventory', { update_stock_behavior: 'order_completed_or_shipped' });
    const o = s.placeOrder({
      status_id: 11,
      billing_address: billing,
      products: [{ product_id: 111, quantity: 2 }],
    });
    expect(stockAt(s, 'p111')).toBe(before - 1);
    const lines = (await api(s, 'GET', `/v2/orders/${o.id}/products`)).body as Array<{
      id: number;
      order_address_id: number;
    }>;
    const line = lines[0];
    const ship1 = await api(s, 'POST', `/v2/orders/${o.id}/shipments`, {
      order_address_id: line?.order_address_id,
      items: [{ order_product_id: line?.id, quantity: 1 }],
    });
    expect(ship1.status).toBe(201);
    expect(
      (await api(s, 'GET', `/v2/orders/${o.id}`)).body as { status_id: number; items_shipped: number },
    ).toMatchObject({
      status_id: 3,
      items_shipped: 1,
    });
    expect(stockAt(s, 'p111')).toBe(before - 3);
    const tooMany = await api(s, 'POST', `/v2/orders/${o.id}/shipments`, {
      order_address_id: line?.order_address_id,
      items: [{ order_product_id: line?.id, quantity: 2 }],
    });
    expect(tooMany.status).toBe(400);
    await api(s, 'POST', `/v2/orders/${o.id}/shipments`, {
      order_address_id: line?.order_address_id,
      items: [{ order_product_id: line?.id, quantity: 1 }],
    });
    expect(s.state.orders.get(o.id)?.status_id).toBe(2);
  });

  it('refuses an order beyond the stock at the default location', async () => {
    const s = await start();
    const r = await api(s, 'POST', '/v2/orders', {
      billing_address: billing,
      products: [{ sku: 'SHIRT-LN-L', quantity: 9 }],
    });
    expect(r.status).toBe(400);
    expect(r.body).toEqual([{ status: 400, message: expect.stringContaining('SHIRT-LN-L') }]);
  });
});

describe('inventory adjustments', () => {
  it('relative needs a prior absolute, never goes below safety stock, and changes nothing on failure', async () => {
    const s = await start();
    const rel = await api(s, 'POST', '/v3/inventory/adjustments/relative', {
      items: [{ location_id: 3, sku: 'SHIRT-LN-S', quantity: 2 }],
    });
    expect(rel.status).toBe(422);
    expect((rel.body as { title: string }).title).toContain('requires absolute adjustment before relative');
    const abs = await api(s, 'PUT', '/v3/inventory/adjustments/absolute', {
      items: [{ location_id: 3, sku: 'SHIRT-LN-S', quantity: 5 }],
    });
    expect(abs.body).toEqual({ transaction_id: expect.any(String) });
    await api(s, 'PUT', '/v3/inventory/locations/3/items', {
      settings: [{ identity: { sku: 'SHIRT-LN-S' }, safety_stock: 2 }],
    });
    const below = await api(s, 'POST', '/v3/inventory/adjustments/relative', {
      items: [
        { location_id: 3, sku: 'SHIRT-LN-S', quantity: -1 },
        { location_id: 3, sku: 'SHIRT-LN-S', quantity: -3 },
      ],
    });
    expect(below.status).toBe(422);
    const items = await api(s, 'GET', '/v3/inventory/items?sku:in=SHIRT-LN-S&location_id:in=3');
    expect((items.body as { data: Array<{ locations: unknown[] }> }).data[0]?.locations[0]).toMatchObject({
      location_id: 3,
      total_inventory_onhand: 5,
      available_to_sell: 3,
      settings: { safety_stock: 2 },
    });
    const byProduct = await api(s, 'PUT', '/v3/inventory/adjustments/absolute', {
      items: [{ location_id: 1, product_id: 112, quantity: 1 }],
    });
    expect(byProduct.status).toBe(422);
    expect((byProduct.body as { title: string }).title).toContain('tracked by variant');
  });
});

describe('inventory adjustment refusals (inventory.v3.yml 422 example)', () => {
  it('answers the documented problem+json, names every bad item of the batch once, and changes nothing', async () => {
    const s = await start();
    const towel = s.state.products.get(111);
    const baseVariant = towel?.base_variant_id as number;
    expect(towel?.inventory_tracking).toBe('product');
    // The spec's own example: a variant id of a product tracked by product.
    const one = await api(s, 'PUT', '/v3/inventory/adjustments/absolute', {
      items: [{ location_id: 1, variant_id: baseVariant, quantity: 1 }],
    });
    expect(one.status).toBe(422);
    expect(one.headers.get('content-type')).toContain('application/problem+json');
    expect(one.body).toEqual({
      status: 422,
      title: `[Item with variant_id ${baseVariant} is tracked by product, please update stock by product id]`,
      type: 'https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes',
      errors: {},
    });

    const before = s.state.stock(`p111`, 1)?.onHand;
    const many = await api(s, 'PUT', '/v3/inventory/adjustments/absolute', {
      items: [
        { location_id: 1, sku: 'TOWEL-CH', quantity: 9 },
        { location_id: 1, sku: 'NOPE-1', quantity: 1 },
        { location_id: 2, variant_id: baseVariant, quantity: 1 },
        { location_id: 2, sku: 'NOPE-2', quantity: 1 },
        { location_id: 2, sku: 'NOPE-1', quantity: 1 },
        { location_id: 1, sku: 'SHIRT-LN-S', quantity: 4 },
      ],
    });
    expect(many.status).toBe(422);
    expect(many.headers.get('content-type')).toContain('application/problem+json');
    expect((many.body as { title: string }).title).toBe(
      `[Item with sku NOPE-1 not found, Item with variant_id ${baseVariant} is tracked by product, please update stock by product id, Item with sku NOPE-2 not found]`,
    );
    expect((many.body as { errors: unknown }).errors).toEqual({});
    // All or nothing: the good items of a refused batch are not applied either.
    expect(s.state.stock('p111', 1)?.onHand).toBe(before);

    const ok = await api(s, 'PUT', '/v3/inventory/adjustments/absolute', {
      items: [
        { location_id: 1, sku: 'TOWEL-CH', quantity: 9 },
        { location_id: 1, sku: 'SHIRT-LN-S', quantity: 4 },
      ],
    });
    expect(ok.status).toBe(200);
    expect(s.state.stock('p111', 1)?.onHand).toBe(9);
  });
});

describe('webhook retries', () => {
  it('retries a failing destination on the BigCommerce schedule, same hash each time, then deactivates the hook', async () => {
    const s = await start({ webhookTimeScale: 0.00001 });
    const rx = await startReceiver(() => 500);
    const hook = (await api(s, 'POST', '/v3/hooks', { scope: 'store/customer/created', destination: rx.url }))
      .body as {
      data: { id: number };
    };
    await api(s, 'POST', '/v3/customers', [{ email: 'r@example.com', first_name: 'R', last_name: 'T' }]);
    const attempts = RETRY_SCHEDULE_S.length + 1;
    await expect.poll(() => s.state.deliveries.length, { timeout: 10_000 }).toBe(attempts);
    await expect.poll(() => s.state.hooks.get(hook.data.id)?.is_active).toBe(false);
    expect(new Set(rx.got.map((g) => g.body.hash)).size).toBe(1);
    expect(s.state.deliveries.map((d) => d.attempt)).toEqual(
      Array.from({ length: attempts }, (_, i) => i + 1),
    );
    const got = (await api(s, 'GET', `/v3/hooks/${hook.data.id}`)).body as { data: { is_active: boolean } };
    expect(got.data.is_active).toBe(false);
    // Nothing is delivered to a deactivated hook.
    await api(s, 'POST', '/v3/customers', [{ email: 'q@example.com', first_name: 'Q', last_name: 'T' }]);
    await new Promise((r) => setTimeout(r, 50));
    expect(s.state.deliveries.length).toBe(attempts);
  });
});

describe('webhook pacing', () => {
  it('delivers a burst to a slow receiver a few at a time, every event once', async () => {
    const s = await start({ webhookMaxInFlight: 4 });
    let open = 0;
    let most = 0;
    const seen: string[] = [];
    receiver = createServer((req, res) => {
      open++;
      most = Math.max(most, open);
      let raw = '';
      req.on('data', (c) => {
        raw += c;
      });
      req.on('end', () => {
        setTimeout(() => {
          seen.push((JSON.parse(raw) as WebhookEnvelope).data.id as string);
          open--;
          res.writeHead(200).end();
        }, 20);
      });
    });
    await new Promise<void>((r) => receiver?.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/wh`;
    await api(s, 'POST', '/v3/hooks', { scope: 'store/customer/created', destination: url });
    for (let batch = 0; batch < 6; batch++) {
      const customers = Array.from({ length: 10 }, (_, i) => ({
        email: `p${batch}-${i}@example.com`,
        first_name: 'P',
        last_name: 'T',
      }));
      expect((await api(s, 'POST', '/v3/customers', customers)).status).toBe(200);
    }
    expect(s.webhooks.pending()).toBeGreaterThan(4);
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(60);
    expect(new Set(seen).size).toBe(60);
    expect(most).toBeLessThanOrEqual(4);
    expect(s.webhooks.pending()).toBe(0);
  });
});

describe('faults', () => {
  it('5xx at the configured rate under a seed, in the v3 error shape', async () => {
    const s = await start({ faults: { enabled: true, seed: 'bc-1', global: { errorRate: 0.25 } } });
    let errors = 0;
    for (let i = 0; i < 200; i++) {
      const r = await api(s, 'GET', '/v3/inventory/locations');
      if (r.status >= 500) {
        errors++;
        expect(r.body).toMatchObject({ status: r.status, title: expect.any(String) });
      }
    }
    // Binomial(200, 0.25): mean 50, sd ≈ 6.1; ±4 sd.
    expect(errors).toBeGreaterThan(25);
    expect(errors).toBeLessThan(75);
    expect(s.faults.counters.error).toBe(errors);
  });

  it('commit-then-timeout: the order is created although the client never gets an answer', async () => {
    const s = await start({
      faults: { enabled: true, routes: { 'POST /stores/:hash/v2/orders': { commitThenTimeoutRate: 1 } } },
    });
    await expect(
      api(s, 'POST', '/v2/orders', {
        billing_address: billing,
        products: [{ product_id: 111, quantity: 1 }],
      }),
    ).rejects.toThrow();
    expect(s.state.orders.size).toBe(1);
    const list = await api(s, 'GET', '/v2/orders');
    expect((list.body as unknown[]).length).toBe(1);
  });

  it('the admin endpoint turns faults on and off', async () => {
    const s = await start();
    const put = await fetch(`${s.url}/__sandbox/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: true, global: { outages: [{ startMs: 0, durationMs: 600_000 }] } }),
    });
    expect(put.status).toBe(200);
    expect((await api(s, 'GET', '/v2/orders')).status).toBe(503);
    await fetch(`${s.url}/__sandbox/faults/reset`, { method: 'POST' });
    expect((await api(s, 'GET', '/v2/orders')).status).toBe(204);
  });
});
