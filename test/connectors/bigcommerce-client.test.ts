import { afterEach, describe, expect, it } from 'vitest';
import { BigCommerceApi } from '../../src/connectors/bigcommerce/bigcommerce-api.js';
import { BigCommerceClient } from '../../src/connectors/bigcommerce/bigcommerce-client.js';
import { collect } from '../../src/connectors/bigcommerce/pagination.js';
import { PermanentError, RetryableError } from '../../src/engine/errors.js';
import { type FakeServer, startFakeServer } from './helpers/fake-server.js';

const TOKEN = 'secret-token-abc123';
let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function client(url: string, extra: Partial<ConstructorParameters<typeof BigCommerceClient>[0]> = {}) {
  return new BigCommerceClient({
    apiUrl: url,
    storeHash: 'abc',
    accessToken: TOKEN,
    getRetryDelaysMs: [10],
    ...extra,
  });
}

function order(id: number) {
  return {
    id,
    status_id: 11,
    status: 'Awaiting Fulfillment',
    customer_id: 0,
    date_created: 'Tue, 05 Mar 2024 10:00:00 +0000',
    date_modified: 'Tue, 05 Mar 2024 10:00:00 +0000',
    total_inc_tax: '62.6793',
    total_ex_tax: '57.0000',
    billing_address: { email: 'a@example.com' },
  };
}

describe('BigCommerce client', () => {
  it('sends the auth headers and walks v2 pages to the end, treating 204 as the end', async () => {
    server = await startFakeServer((app) => {
      app.get('/stores/abc/v2/orders', async (req, reply) => {
        const { page, limit } = req.query as { page: string; limit: string };
        if (Number(page) > 2) return reply.code(204).send();
        return Array.from({ length: Number(limit) }, (_, i) =>
          order((Number(page) - 1) * Number(limit) + i + 1),
        );
      });
    });
    const api = new BigCommerceApi(client(server.url));
    const pages = [];
    for await (const p of api.orders.list({ status_id: 11 }, { limit: 3 })) pages.push(p);
    expect(pages.map((p) => p.items.length)).toEqual([3, 3]);
    expect(pages.at(-1)?.nextPage).toBe(3);
    expect(pages[0]?.items[0]?.total_inc_tax).toBe('62.6793');
    const first = server.requests[0];
    expect(first?.headers['x-auth-token']).toBe(TOKEN);
    expect(first?.headers.accept).toBe('application/json');
    expect(String(first?.headers['user-agent'])).toMatch(/heartbridge/);
    expect(first?.url).toContain('status_id=11');
    expect(server.requests).toHaveLength(3);
  });

  it('stops a v2 list on a short page and resumes from a page cursor', async () => {
    server = await startFakeServer((app) => {
      app.get('/stores/abc/v2/orders', async (req) => {
        const page = Number((req.query as { page: string }).page);
        return page === 1 ? [order(1), order(2)] : [order(3)];
      });
    });
    const api = new BigCommerceApi(client(server.url));
    const pages = [];
    for await (const p of api.orders.list({}, { limit: 2, startPage: 2 })) pages.push(p);
    expect(pages).toHaveLength(1);
    expect(pages[0]?.items.map((o) => o.id)).toEqual([3]);
    expect(pages[0]?.nextPage).toBeNull();
  });

  it('walks v3 pages by meta.pagination', async () => {
    server = await startFakeServer((app) => {
      app.get('/stores/abc/v3/catalog/variants', async (req) => {
        const page = Number((req.query as { page: string }).page);
        return {
          data: [{ id: page, product_id: 1, sku: `SKU-${page}`, price: 12.5 }],
          meta: { pagination: { current_page: page, total_pages: 3, links: {} } },
        };
      });
    });
    const api = new BigCommerceApi(client(server.url));
    const all = await collect(api.catalog.listVariants());
    expect(all.map((v) => v.sku)).toEqual(['SKU-1', 'SKU-2', 'SKU-3']);
    expect(all[0]?.price).toBe('12.5');
  });

  it('a 422 is permanent, carrying the API message, field errors and request id, never the token', async () => {
    server = await startFakeServer((app) => {
      app.put('/stores/abc/v3/catalog/variants', async (_req, reply) =>
        reply
          .code(422)
          .header('x-request-id', 'req-42')
          .send({
            status: 422,
            title: 'Input is invalid',
            type: 'x',
            errors: { '0.price': 'must be positive' },
          }),
      );
      app.put('/stores/abc/v2/orders/7', async (_req, reply) =>
        reply.code(400).send([{ status: 400, message: 'The field status_id is invalid.' }]),
      );
    });
    const api = new BigCommerceApi(client(server.url));
    const err = await api.catalog.updateVariants([{ id: 1, price: -1 }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    const pe = err as PermanentError;
    expect(pe.code).toBe('HB_ERR_BC_VALIDATION');
    expect(pe.message).toContain('Input is invalid');
    expect(pe.message).toContain('req-42');
    expect(pe.fieldErrors).toEqual({ '0.price': ['must be positive'] });
    expect(pe.message).not.toContain(TOKEN);
    const v2 = (await api.orders.updateStatus(7, 99).catch((e: unknown) => e)) as PermanentError;
    expect(v2.message).toContain('The field status_id is invalid.');
    expect(server.requests.filter((r) => r.method === 'PUT')).toHaveLength(2);
  });

  it('a 401 says in plain words what to do', async () => {
    server = await startFakeServer((app) => {
      app.get('/stores/abc/v2/orders/1', async (_req, reply) =>
        reply.code(401).send({ status: 401, title: 'Unauthorized' }),
      );
    });
    const err = (await new BigCommerceApi(client(server.url)).orders
      .get(1)
      .catch((e: unknown) => e)) as PermanentError;
    expect(err.code).toBe('HB_ERR_BC_UNAUTHORIZED');
    expect(err.suggestedFix).toMatch(/Settings → API accounts/);
  });

  it('retries an idempotent GET after 5xx and 429 without headers, but never resends a POST after a 5xx', async () => {
    let gets = 0;
    server = await startFakeServer((app) => {
      app.get('/stores/abc/v2/orders/5', async (_req, reply) => {
        gets++;
        if (gets === 1) return reply.code(503).send('down');
        if (gets === 2) return reply.code(429).send();
        return order(5);
      });
      app.post('/stores/abc/v2/orders/5/shipments', async (_req, reply) =>
        reply.code(500).send({ title: 'boom' }),
      );
    });
    const api = new BigCommerceApi(client(server.url));
    expect((await api.orders.get(5)).id).toBe(5);
    const err = await api.orders
      .createShipment(5, { order_address_id: 1, items: [{ order_product_id: 1, quantity: 1 }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as RetryableError).code).toBe('HB_ERR_BC_SERVER_ERROR');
    expect((err as RetryableError).notBefore).toBeGreaterThan(Date.now());
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('resends a write refused with 429 exactly once, after the announced wait', async () => {
    let posts = 0;
    server = await startFakeServer((app) => {
      app.post('/stores/abc/v3/hooks', async (_req, reply) => {
        posts++;
        return reply.code(429).header('x-retry-after', '0').header('x-rate-limit-time-reset-ms', '50').send();
      });
    });
    const api = new BigCommerceApi(client(server.url));
    const err = await api.hooks
      .create({ scope: 'store/order/*', destination: 'https://x', is_active: true })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as RetryableError).code).toBe('HB_ERR_BC_RATE_LIMITED');
    expect(posts).toBe(2);
  });

  it('classifies a timeout as retryable and does not resend a timed-out write', async () => {
    server = await startFakeServer((app) => {
      app.get('/stores/abc/v2/orders/9', async () => new Promise(() => {}));
      app.put('/stores/abc/v2/orders/9', async () => new Promise(() => {}));
    });
    const c = client(server.url, { timeoutMs: 100, maxGetRetries: 1 });
    const api = new BigCommerceApi(c);
    const getErr = (await api.orders.get(9).catch((e: unknown) => e)) as RetryableError;
    expect(getErr).toBeInstanceOf(RetryableError);
    expect(getErr.code).toBe('HB_ERR_BC_TIMEOUT');
    expect(server.requests.filter((r) => r.method === 'GET')).toHaveLength(2);
    const putErr = (await api.orders.updateStatus(9, 2).catch((e: unknown) => e)) as RetryableError;
    expect(putErr.code).toBe('HB_ERR_BC_TIMEOUT');
    expect(server.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
  });

  it('classifies a refused connection as a retryable network error', async () => {
    const c = client('http://127.0.0.1:1', { maxGetRetries: 0 });
    const err = (await new BigCommerceApi(c).orders.get(1).catch((e: unknown) => e)) as RetryableError;
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.code).toBe('HB_ERR_BC_NETWORK');
  });

  it('rejects a response missing a field we read as HB_ERR_BC_BAD_RESPONSE', async () => {
    server = await startFakeServer((app) => {
      app.get('/stores/abc/v2/orders/3', async () => ({ id: 3 }));
    });
    const err = (await new BigCommerceApi(client(server.url)).orders
      .get(3)
      .catch((e: unknown) => e)) as PermanentError;
    expect(err.code).toBe('HB_ERR_BC_BAD_RESPONSE');
    expect(err.message).toContain('status_id');
  });

  it('splits absolute adjustments above 2000 items into sequential calls', async () => {
    server = await startFakeServer((app) => {
      app.put('/stores/abc/v3/inventory/adjustments/absolute', async (req) => ({
        transaction_id: `t-${(req.body as { items: unknown[] }).items.length}`,
      }));
    });
    const items = Array.from({ length: 4500 }, (_, i) => ({ location_id: 1, quantity: i, sku: `S${i}` }));
    const ids = await new BigCommerceApi(client(server.url)).inventory.setAbsolute(items);
    expect(ids).toEqual(['t-2000', 't-2000', 't-500']);
  });
});
