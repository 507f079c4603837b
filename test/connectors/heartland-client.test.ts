import { afterEach, describe, expect, it } from 'vitest';
import { customField, encodeFilter, hlFilter } from '../../src/connectors/heartland/filter.js';
import { HeartlandApi } from '../../src/connectors/heartland/heartland-api.js';
import {
  encodeHlQuery,
  HeartlandClient,
  idFromLocation,
} from '../../src/connectors/heartland/heartland-client.js';
import { normaliseBooleanKeys } from '../../src/connectors/heartland/normalise.js';
import { authorizeUrl } from '../../src/connectors/heartland/oauth.js';
import { parseHeartlandDelivery, verifyHeartlandUrlSecret } from '../../src/connectors/heartland/webhooks.js';
import { PermanentError, RetryableError } from '../../src/engine/errors.js';
import { type FakeServer, startFakeServer } from './helpers/fake-server.js';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('Heartland edge helpers', () => {
  it('builds _filter JSON with typed operators and custom fields', () => {
    const f = hlFilter.and(
      hlFilter.gt('updated_at', '2025-01-01T00:00:00Z'),
      hlFilter.eq(customField('bc_order_id'), '250'),
      undefined,
    );
    expect(encodeFilter(f ?? {})).toBe(
      '{"$and":[{"updated_at":{"$gt":"2025-01-01T00:00:00Z"}},{"custom@bc_order_id":{"$eq":"250"}}]}',
    );
    const q = encodeHlQuery({ _filter: hlFilter.in('public_id', ['A', 'B']), 'sort[]': ['id'], page: 1 });
    expect(decodeURIComponent(q)).toBe('?_filter={"public_id":{"$in":["A","B"]}}&sort[]=id&page=1');
  });

  it('normalises ?-booleans recursively and reads ids from Location', () => {
    expect(
      normaliseBooleanKeys({ 'active?': true, lines: [{ 'voided?': false }], custom: { 'x?': 1 } }),
    ).toEqual({
      active: true,
      lines: [{ voided: false }],
      custom: { x: 1 },
    });
    expect(idFromLocation('https://acme.retail.heartland.us/api/sales/orders/100400')).toBe(100400);
    expect(idFromLocation(null)).toBeUndefined();
  });

  it('builds the authorize URL with space-separated scopes and state', () => {
    const url = new URL(
      authorizeUrl(
        {
          clientId: 'c',
          clientSecret: 's',
          redirectUri: 'http://127.0.0.1:5/cb',
          scopes: ['item.manage', 'customer.read'],
        },
        'st',
      ),
    );
    expect(url.origin + url.pathname).toBe('https://retail.heartland.us/oauth/authorize');
    expect(url.searchParams.get('scope')).toBe('item.manage customer.read');
    expect(url.searchParams.get('state')).toBe('st');
    expect(url.searchParams.has('client_secret')).toBe(false);
  });

  it('infers webhook record kinds and rejects what it cannot place', () => {
    expect(
      parseHeartlandDelivery(JSON.stringify({ id: 5, first_name: 'A', email: 'a@x', updated_at: 't1' })),
    ).toMatchObject({
      ok: true,
      kind: 'customer',
      dedupeKey: 'hl:customer:5:t1',
      entityKey: 'hl:customer:5',
    });
    expect(parseHeartlandDelivery(JSON.stringify({ id: 9, type: 'Ticket', total: 5 }))).toMatchObject({
      kind: 'transaction',
    });
    expect(parseHeartlandDelivery(JSON.stringify({ id: 9, color: 'red' }))).toMatchObject({
      ok: false,
      reason: 'unknown_kind',
    });
    expect(parseHeartlandDelivery('[1]')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verifyHeartlandUrlSecret('abc', 'abc')).toBe(true);
    expect(verifyHeartlandUrlSecret('abd', 'abc')).toBe(false);
    expect(verifyHeartlandUrlSecret(undefined, 'abc')).toBe(false);
  });
});

describe('Heartland client over HTTP', () => {
  it('keeps at most `concurrency` requests in flight and sends the bearer token', async () => {
    let inFlight = 0;
    let peak = 0;
    server = await startFakeServer((app) => {
      app.get('/api/items/:id', async (req) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 20));
        inFlight--;
        return { id: Number((req.params as { id: string }).id), public_id: 'X', 'active?': true };
      });
    });
    const api = new HeartlandApi({ apiUrl: `${server.url}/api`, token: 'tok', concurrency: 2 });
    const items = await Promise.all([1, 2, 3, 4, 5, 6].map((id) => api.getItem(id)));
    expect(items.map((i) => i.active)).toEqual([true, true, true, true, true, true]);
    expect(peak).toBe(2);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer tok');
  });

  it('honours Retry-After on GET, and raises 429 without the header as retryable with a 60 s hint', async () => {
    let n = 0;
    server = await startFakeServer((app) => {
      app.get('/api/locations', async (_req, reply) => {
        n++;
        if (n === 1)
          return reply
            .code(429)
            .header('retry-after', '0')
            .send({ error: 'rate_limited', message: 'slow down', details: {} });
        return { total: 1, pages: 1, results: [{ id: 1, name: 'Main' }] };
      });
      app.post('/api/customers', async (_req, reply) =>
        reply.code(429).send({ error: 'rate_limited', message: 'slow down' }),
      );
    });
    const api = new HeartlandApi({ apiUrl: `${server.url}/api`, token: 't' });
    expect((await api.locations()).map((l) => l.name)).toEqual(['Main']);
    const before = Date.now();
    const err = (await api.createCustomer({ email: 'a@x' }).catch((e: unknown) => e)) as RetryableError;
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.code).toBe('HB_ERR_HL_RATE_LIMITED');
    expect(err.notBefore).toBeGreaterThanOrEqual(before + 60_000);
    // The 60 s default is longer than maxWaitMs, so the refused write was not resent in-process.
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('turns {error, message, details} into a permanent error with field errors', async () => {
    server = await startFakeServer((app) => {
      app.post('/api/sales/orders', async (_req, reply) =>
        reply.code(422).send({
          error: 'validation_error',
          message: 'Validation failed',
          details: { station_id: ["can't be blank"] },
        }),
      );
    });
    const err = (await new HeartlandApi({ apiUrl: `${server.url}/api`, token: 't' })
      .createSalesOrder({ customer_id: 1 })
      .catch((e: unknown) => e)) as PermanentError;
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.code).toBe('HB_ERR_HL_VALIDATION');
    expect(err.fieldErrors).toEqual({ station_id: ["can't be blank"] });
    expect(err.message).toContain("station_id can't be blank");
    expect(server.requests[0]?.body).toMatchObject({ status: 'pending', customer_id: 1 });
  });

  it('refuses a 201 without Location or id instead of guessing', async () => {
    server = await startFakeServer((app) => {
      app.post('/api/customers', async (_req, reply) => reply.code(201).send());
    });
    const client = new HeartlandClient({ apiUrl: `${server.url}/api`, token: 't' });
    const err = (await client.createAndGetId('/customers', {}).catch((e: unknown) => e)) as PermanentError;
    expect(err.code).toBe('HB_ERR_HL_BAD_RESPONSE');
  });
});
