import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHeartlandSimulator, type HeartlandSimulator } from '../../src/sandbox/heartland/index.js';
import { smallHlSeed } from '../../src/sandbox/seed/small-hl-seed.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by assertions, not types
type Json = any;

let sim: HeartlandSimulator;
let receiver: Server;
let receiverUrl = '';
const received: { url: string; headers: Record<string, unknown>; body: Record<string, unknown> }[] = [];

async function hl(method: string, path: string, body?: unknown) {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${sim.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Json) : null,
  };
}

beforeAll(async () => {
  sim = await createHeartlandSimulator({ seed: smallHlSeed() });
  receiver = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(data) });
      res.statusCode = 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const addr = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  await sim.close();
  await new Promise((r) => receiver.close(r));
});

describe('Heartland webhooks', () => {
  it('registers, lists and deletes subscriptions', async () => {
    const created = await hl('POST', '/webhooks', {
      url: `${receiverUrl}/x?secret=s3`,
      events: ['item_created'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(Number) });
    const list = await hl('GET', '/webhooks?per_page=10');
    expect(list.body).toMatchObject({ total: 1, pages: 1 });
    expect((await hl('DELETE', `/webhooks/${created.body?.id}`)).status).toBe(204);
    expect((await hl('GET', '/webhooks')).body?.total).toBe(0);
    expect((await hl('POST', '/webhooks', { url: receiverUrl, events: ['inventory_updated'] })).status).toBe(
      422,
    );
  });

  it('delivers the raw record (no envelope, no signature) for item and customer events only', async () => {
    await hl('POST', '/webhooks', {
      url: `${receiverUrl}/hook?secret=abc`,
      events: ['item_created', 'item_updated', 'customer_created', 'customer_updated'],
    });
    received.length = 0;
    const item = await hl('POST', '/items', { public_id: 'WH-1', description: 'Hooked', cost: 1, price: 2 });
    const itemId = Number(item.headers.get('location')?.split('/').pop());
    await hl('PUT', `/items/${itemId}`, { price: 3 });
    await hl('POST', '/customers', { first_name: 'Ana', last_name: 'Núñez', email: 'ana@example.com' });
    // Things that must NOT fire: stock changes, gift cards, sales orders.
    const [loc] = (await hl('GET', '/locations?_include[]=stations')).body.results;
    await hl('POST', '/inventory/adjustments', { location_id: loc.id, item_id: itemId, qty: 5 });
    await hl('POST', '/gift_cards', { number: 'WH1', balance: 5 });
    await hl('POST', '/sales/orders', {
      source_location_id: loc.id,
      station_id: loc.stations[0].id,
    });
    await sim.webhooks.idle();

    expect(received.map((r) => r.url)).toEqual(['/hook?secret=abc', '/hook?secret=abc', '/hook?secret=abc']);
    const [created, updated, customer] = received;
    expect(created?.body).toMatchObject({ id: itemId, public_id: 'WH-1', price: 2, 'active?': true });
    expect(created?.body).not.toHaveProperty('event');
    expect(created?.body).not.toHaveProperty('data');
    expect(updated?.body).toMatchObject({ id: itemId, price: 3 });
    expect(customer?.body).toMatchObject({ first_name: 'Ana', email: 'ana@example.com' });
    for (const r of received) {
      expect(Object.keys(r.headers).filter((h) => /signature|hmac/i.test(h))).toEqual([]);
    }
    expect(sim.state.webhookDeliveries.all().every((d) => d.status === 200)).toBe(true);
  });

  it('duplicates deliveries when the webhook faults say so', async () => {
    sim.faults.set({ enabled: true, webhooks: { duplicateRate: 1 } });
    received.length = 0;
    await hl('POST', '/customers', { first_name: 'Dup', email: 'dup@example.com' });
    await sim.webhooks.idle();
    sim.faults.reset();
    expect(received).toHaveLength(2);
    expect(received[0]?.body).toEqual(received[1]?.body);
  });
});

describe('faults and rate limits', () => {
  it('injects 5xx in Heartland error shape, and /__sandbox is exempt', async () => {
    const put = await fetch(`${sim.url.replace('/api', '')}/__sandbox/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        enabled: true,
        routes: { 'GET /api/items': { errorRate: 1, errorStatuses: [503] } },
      }),
    });
    expect(put.status).toBe(200);
    const res = await hl('GET', '/items');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: 'service_unavailable', details: {} });
    expect((await hl('GET', '/customers')).status).toBe(200);
    sim.faults.reset();
    expect((await hl('GET', '/items')).status).toBe(200);
  });

  it('commits a write and then drops the connection (the ambiguous timeout)', async () => {
    sim.faults.set({
      enabled: true,
      routes: { 'POST /api/customers': { commitThenTimeoutRate: 1, commitThenTimeoutDelayMs: 10 } },
    });
    const before = sim.state.customers.size;
    await expect(
      hl('POST', '/customers', { first_name: 'Ghost', email: 'ghost@example.com' }),
    ).rejects.toThrow();
    sim.faults.reset();
    expect(sim.state.customers.size).toBe(before + 1);
    const found = await hl(
      'GET',
      `/customers?_filter=${encodeURIComponent('{"email":"ghost@example.com"}')}`,
    );
    expect(found.body.total).toBe(1);
  });

  it('answers 429 with Retry-After when the optional rate limit is exceeded', async () => {
    const limited = await createHeartlandSimulator({ rateLimit: { requests: 2, windowMs: 60_000 } });
    try {
      const call = () =>
        fetch(`${limited.url}/items`, { headers: { authorization: `Bearer ${limited.token}` } });
      expect((await call()).status).toBe(200);
      expect((await call()).status).toBe(200);
      const third = await call();
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

describe('OAuth 2.0 authorization code', () => {
  it('redirects with code and state, exchanges the code once, and the token works', async () => {
    const origin = sim.url.replace(/\/api$/, '');
    const authorize = new URL(`${origin}/oauth/authorize`);
    authorize.searchParams.set('client_id', sim.oauthClient.clientId);
    authorize.searchParams.set('scope', 'item.manage sales.order.manage');
    authorize.searchParams.set('redirect_uri', 'https://app.example.com/callback');
    authorize.searchParams.set('state', 'xyz');
    const res = await fetch(authorize, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const target = new URL(res.headers.get('location') ?? '');
    expect(target.origin + target.pathname).toBe('https://app.example.com/callback');
    expect(target.searchParams.get('state')).toBe('xyz');
    const code = target.searchParams.get('code') ?? '';

    const token = new URL(`${sim.url}/oauth/token`);
    for (const [k, v] of Object.entries({
      client_id: sim.oauthClient.clientId,
      client_secret: sim.oauthClient.clientSecret,
      code,
      grant_type: 'authorization_code',
      redirect_uri: 'https://app.example.com/callback',
    })) {
      token.searchParams.set(k, v);
    }
    const exchanged = await fetch(token);
    expect(exchanged.status).toBe(200);
    const body = (await exchanged.json()) as { access_token: string; token_type: string; scope: string };
    expect(body).toMatchObject({ token_type: 'bearer', scope: 'item.manage sales.order.manage' });
    const who = await fetch(`${sim.url}/system/whoami`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(who.status).toBe(200);
    expect((await fetch(token)).status).toBe(400); // a code works once

    const bad = await fetch(`${sim.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: 'x',
        client_secret: 'y',
        code,
        grant_type: 'authorization_code',
      }),
    });
    expect(bad.status).toBe(401);
  });
});
