/**
 * Every BigCommerce simulator route answers as the official OpenAPI spec says: each response body is
 * validated against the spec's schema for (method, path, status); delivered webhooks against the
 * callback schemas in docs/webhooks/callbacks.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type BigCommerceSimulator,
  createBigCommerceSimulator,
} from '../../src/sandbox/bigcommerce/index.js';
import type { WebhookEnvelope } from '../../src/sandbox/bigcommerce/store-state.js';
import { describeWithSpecs, expectMatchesCallbackSchema, expectMatchesSpec } from '../helpers/specs.js';

const O2 = 'orders.v2.oas2.yml';
const O3 = 'orders.v3.yml';
const INV = 'inventory.v3.yml';
const LOC = 'locations.v3.yml';
const C3 = 'customers.v3.yml';
const WH = 'webhooks.v3.yml';
const MKT = 'marketing.v2.yml';
const SET = 'settings.v3.yml';
const PROD = 'catalog/products_catalog.v3.yml';
const VAR = 'catalog/product-variants_catalog.v3.yml';

describeWithSpecs('BigCommerce simulator conforms to the OpenAPI specs', () => {
  let sim: BigCommerceSimulator;
  let receiver: Server;
  let receiverUrl: string;
  const received: WebhookEnvelope[] = [];

  beforeAll(async () => {
    sim = await createBigCommerceSimulator({ rateLimit: 'off' });
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push(JSON.parse(body) as WebhookEnvelope);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  });

  afterAll(async () => {
    await sim.close();
    await new Promise((r) => receiver.close(r));
  });

  /** Call the simulator and check the response against the spec; returns the parsed body. */
  async function call(
    spec: string,
    method: string,
    template: string,
    path: string,
    expectedStatus: number,
    body?: unknown,
  ): Promise<unknown> {
    const version = spec.includes('v2') ? 'v2' : 'v3';
    const res = await fetch(`${sim.apiUrl}/${version}${path}`, {
      method,
      headers: {
        'X-Auth-Token': sim.accessToken,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    expect(res.status, `${method} ${path}: ${text.slice(0, 300)}`).toBe(expectedStatus);
    const parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
    await expectMatchesSpec(spec, method, template, expectedStatus, parsed);
    return parsed;
  }

  it('hooks: create, list, get, update, admin', async () => {
    for (const scope of [
      'store/order/*',
      'store/product/*',
      'store/sku/*',
      'store/customer/*',
      'store/shipment/*',
    ]) {
      await call(WH, 'POST', '/hooks', '/hooks', 200, {
        scope,
        destination: receiverUrl,
        is_active: true,
        headers: { 'X-Secret': 's3cret' },
      });
    }
    const list = (await call(WH, 'GET', '/hooks', '/hooks', 200)) as { data: Array<{ id: number }> };
    const id = list.data[0]?.id;
    await call(WH, 'GET', '/hooks/{webhook_id}', `/hooks/${id}`, 200);
    await call(WH, 'PUT', '/hooks/{webhook_id}', `/hooks/${id}`, 200, { is_active: true });
    await call(WH, 'GET', '/hooks/admin', '/hooks/admin', 200);
    await call(WH, 'PUT', '/hooks/admin', '/hooks/admin', 204, { emails: ['ops@example.com'] });
  });

  it('v2 orders, products, shipping addresses, shipments, statuses, count', async () => {
    await call(O2, 'GET', '/order_statuses', '/order_statuses', 200);
    await call(O2, 'GET', '/order_statuses/{status_id}', '/order_statuses/11', 200);
    const order = (await call(O2, 'POST', '/orders', '/orders', 200, {
      status_id: 11,
      customer_id: 1,
      billing_address: {
        first_name: 'Jane',
        last_name: 'Doe',
        street_1: '555 East Street',
        city: 'Austin',
        state: 'Texas',
        zip: '78108',
        country: 'United States',
        country_iso2: 'US',
        email: 'jane.doe@example.com',
      },
      products: [
        { product_id: 111, quantity: 2, price_ex_tax: '24.99', price_inc_tax: '27.05' },
        { sku: 'SHIRT-LN-M', quantity: 1 },
      ],
      payment_method: 'Credit Card (authorize only)',
      shipping_cost_ex_tax: '5.00',
      shipping_cost_inc_tax: '5.41',
      discount_amount: '3.00',
    })) as { id: number };
    await call(O2, 'GET', '/orders', '/orders', 200);
    await call(O2, 'GET', '/orders/count', '/orders/count', 200);
    await call(O2, 'GET', '/orders/{order_id}', `/orders/${order.id}`, 200);
    // Consignments embedded in the object structure, with line items as objects and as links.
    const embed = 'consignment_structure=object&include=consignments.line_items,fees';
    await call(O2, 'GET', '/orders/{order_id}', `/orders/${order.id}?${embed}`, 200);
    await call(O2, 'GET', '/orders', `/orders?${embed}`, 200);
    await call(
      O2,
      'GET',
      '/orders/{order_id}',
      `/orders/${order.id}?include=consignments&consignment_structure=object`,
      200,
    );
    await call(O2, 'GET', '/orders/{order_id}/consignments', `/orders/${order.id}/consignments`, 200);
    await call(
      O2,
      'GET',
      '/orders/{order_id}/consignments',
      `/orders/${order.id}/consignments?include=consignments.line_items`,
      200,
    );
    await call(O2, 'PUT', '/orders/{order_id}', `/orders/${order.id}`, 200, { staff_notes: 'checked' });
    const products = (await call(
      O2,
      'GET',
      '/orders/{order_id}/products',
      `/orders/${order.id}/products`,
      200,
    )) as Array<{
      id: number;
      quantity: number;
      order_address_id: number;
    }>;
    await call(
      O2,
      'GET',
      '/orders/{order_id}/products/{product_id}',
      `/orders/${order.id}/products/${products[0]?.id}`,
      200,
    );
    await call(
      O2,
      'GET',
      '/orders/{order_id}/shipping_addresses',
      `/orders/${order.id}/shipping_addresses`,
      200,
    );
    await call(O2, 'GET', '/orders/{order_id}/shipments', `/orders/${order.id}/shipments`, 204);
    const shipment = (await call(
      O2,
      'POST',
      '/orders/{order_id}/shipments',
      `/orders/${order.id}/shipments`,
      201,
      {
        order_address_id: products[0]?.order_address_id,
        tracking_number: '1Z999',
        items: [{ order_product_id: products[0]?.id, quantity: 1 }],
      },
    )) as { id: number };
    await call(O2, 'GET', '/orders/{order_id}/shipments', `/orders/${order.id}/shipments`, 200);
    await call(
      O2,
      'GET',
      '/orders/{order_id}/shipments/{shipment_id}',
      `/orders/${order.id}/shipments/${shipment.id}`,
      200,
    );
    await call(O2, 'GET', '/orders/{order_id}/shipments/count', `/orders/${order.id}/shipments/count`, 200);
    await call(O2, 'GET', '/orders/{order_id}', '/orders/999999', 404);

    // v3 transactions and payment actions on the same order.
    await call(O3, 'GET', '/orders/{order_id}/transactions', `/orders/${order.id}/transactions`, 200);
    await call(
      O3,
      'POST',
      '/orders/{order_id}/payment_actions/capture',
      `/orders/${order.id}/payment_actions/capture`,
      201,
    );
    await call(
      O3,
      'POST',
      '/orders/{order_id}/payment_actions/void',
      `/orders/${order.id}/payment_actions/void`,
      422,
    );
    const items = [{ item_type: 'PRODUCT', item_id: products[0]?.id, quantity: 1 }];
    const quote = (await call(
      O3,
      'POST',
      '/orders/{order_id}/payment_actions/refund_quotes',
      `/orders/${order.id}/payment_actions/refund_quotes`,
      201,
      { items },
    )) as { data: { total_refund_amount: number } };
    expect(quote.data.total_refund_amount).toBe(27.05);
    await call(
      O3,
      'POST',
      '/orders/{order_id}/payment_actions/refunds',
      `/orders/${order.id}/payment_actions/refunds`,
      201,
      {
        items,
        payments: [{ provider_id: 'stripe', amount: 27.05, offline: false }],
      },
    );
    await call(
      O3,
      'GET',
      '/orders/{order_id}/payment_actions/refunds',
      `/orders/${order.id}/payment_actions/refunds`,
      200,
    );
    await call(O3, 'GET', '/orders/payment_actions/refunds', '/orders/payment_actions/refunds', 200);

    const manual = (await call(O2, 'POST', '/orders', '/orders', 200, {
      billing_address: { first_name: 'M', zip: '1' },
      products: [{ name: 'Custom', quantity: 1, price_ex_tax: 1, price_inc_tax: 1 }],
    })) as { id: number };
    await call(O3, 'GET', '/orders/{order_id}/transactions', `/orders/${manual.id}/transactions`, 204);
  });

  it('v3 catalog products and variants', async () => {
    await call(
      PROD,
      'GET',
      '/catalog/products',
      '/catalog/products?include=variants&sku:in=TOWEL-CH,SHIRT-LN',
      200,
    );
    await call(PROD, 'GET', '/catalog/products/{product_id}', '/catalog/products/111', 200);
    const created = (await call(PROD, 'POST', '/catalog/products', '/catalog/products', 200, {
      name: 'Wool Scarf',
      type: 'physical',
      weight: 1,
      price: 35,
      sku: 'SCARF-W',
      inventory_tracking: 'variant',
      variants: [
        { sku: 'SCARF-W-RED', option_values: [{ option_display_name: 'Color', label: 'Red' }] },
        { sku: 'SCARF-W-BLU', option_values: [{ option_display_name: 'Color', label: 'Blue' }] },
      ],
    })) as { data: { id: number } };
    await call(PROD, 'PUT', '/catalog/products/{product_id}', `/catalog/products/${created.data.id}`, 200, {
      price: 36.5,
    });
    await call(PROD, 'PUT', '/catalog/products', '/catalog/products', 200, [{ id: 111, price: 25.99 }]);
    const vs = (await call(
      VAR,
      'GET',
      '/catalog/products/{product_id}/variants',
      `/catalog/products/${created.data.id}/variants`,
      200,
    )) as {
      data: Array<{ id: number }>;
    };
    const vid = vs.data[0]?.id;
    await call(
      VAR,
      'GET',
      '/catalog/products/{product_id}/variants/{variant_id}',
      `/catalog/products/${created.data.id}/variants/${vid}`,
      200,
    );
    await call(
      VAR,
      'PUT',
      '/catalog/products/{product_id}/variants/{variant_id}',
      `/catalog/products/${created.data.id}/variants/${vid}`,
      200,
      {
        price: 38,
      },
    );
    await call(VAR, 'GET', '/catalog/variants', '/catalog/variants?sku=SHIRT-LN-S', 200);
    await call(VAR, 'PUT', '/catalog/variants', '/catalog/variants', 200, [{ id: vid, cost_price: 10 }]);
  });

  it('v3 inventory, locations and settings', async () => {
    await call(INV, 'GET', '/inventory/items', '/inventory/items?sku:in=TOWEL-CH,SHIRT-LN-S', 200);
    await call(INV, 'PUT', '/inventory/adjustments/absolute', '/inventory/adjustments/absolute', 200, {
      reason: 'count',
      items: [{ location_id: 2, product_id: 111, quantity: 12 }],
    });
    await call(INV, 'POST', '/inventory/adjustments/relative', '/inventory/adjustments/relative', 200, {
      items: [{ location_id: 2, product_id: 111, quantity: -2 }],
    });
    await call(INV, 'PUT', '/inventory/adjustments/absolute', '/inventory/adjustments/absolute', 422, {
      items: [{ location_id: 1, variant_id: 77, quantity: 1 }],
    });
    await call(INV, 'POST', '/inventory/adjustments/relative', '/inventory/adjustments/relative', 422, {
      items: [{ location_id: 3, sku: 'SHIRT-LN-L', quantity: 1 }],
    });
    await call(INV, 'GET', '/inventory/locations/{location_id}/items', '/inventory/locations/1/items', 200);
    await call(INV, 'PUT', '/inventory/locations/{location_id}/items', '/inventory/locations/1/items', 200, {
      settings: [{ identity: { sku: 'SHIRT-LN-S' }, safety_stock: 2 }],
    });
    await call(LOC, 'GET', '/inventory/locations', '/inventory/locations', 200);
    await call(LOC, 'POST', '/inventory/locations', '/inventory/locations', 200, [
      {
        code: 'POPUP',
        label: 'Pop-up',
        managed_by_external_source: true,
        type_id: 'VIRTUAL',
        time_zone: 'America/Chicago',
        address: { address1: '1 Main', city: 'Austin', state: 'Texas', zip: '78701', country_code: 'US' },
      },
    ]);
    await call(LOC, 'PUT', '/inventory/locations', '/inventory/locations', 200, [
      { id: 2, label: 'Austin flagship' },
    ]);
    await call(SET, 'GET', '/settings/inventory', '/settings/inventory', 200);
    await call(SET, 'PUT', '/settings/inventory', '/settings/inventory', 200, {
      update_stock_behavior: 'order_placed',
    });
  });

  it('v3 customers', async () => {
    await call(C3, 'GET', '/customers', '/customers?email:in=jane.doe@example.com', 200);
    const created = (await call(C3, 'POST', '/customers', '/customers', 200, [
      { email: 'new@example.com', first_name: 'Nú', last_name: 'Ñew', phone: '5125550199' },
    ])) as { data: Array<{ id: number }> };
    await call(C3, 'PUT', '/customers', '/customers', 200, [{ id: created.data[0]?.id, company: 'ACME' }]);
    const eleven = Array.from({ length: 11 }, (_, i) => ({
      email: `x${i}@example.com`,
      first_name: 'X',
      last_name: 'Y',
    }));
    await call(C3, 'POST', '/customers', '/customers', 413, eleven);
  });

  it('v2 gift certificates', async () => {
    await call(MKT, 'GET', '/gift_certificates', '/gift_certificates?code=GC-SBX-0001', 200);
    const g = (await call(MKT, 'POST', '/gift_certificates', '/gift_certificates', 201, {
      amount: '25.00',
      to_name: 'A',
      to_email: 'a@example.com',
      from_name: 'B',
      from_email: 'b@example.com',
    })) as { id: number };
    await call(MKT, 'GET', '/gift_certificates/{id}', `/gift_certificates/${g.id}`, 200);
    await call(MKT, 'PUT', '/gift_certificates/{id}', `/gift_certificates/${g.id}`, 200, {
      balance: '20.00',
    });
    await call(MKT, 'DELETE', '/gift_certificates/{id}', `/gift_certificates/${g.id}`, 204);
  });

  it('delivered webhooks match the callback schemas and carry the custom headers', async () => {
    await expect.poll(() => received.length, { timeout: 5000 }).toBeGreaterThan(5);
    const scopes = new Set(received.map((b) => b.scope));
    for (const s of [
      'store/order/created',
      'store/order/statusUpdated',
      'store/product/inventory/order/updated',
    ]) {
      expect(scopes).toContain(s);
    }
    for (const body of received) {
      expect(typeof body.store_id).toBe('string');
      expect(body.producer).toBe(`stores/${sim.storeHash}`);
      expectMatchesCallbackSchema(body);
    }
    expect(sim.state.deliveries.every((d) => d.ok)).toBe(true);
  });
});
