/**
 * The connectors against the project's BigCommerce and Heartland simulators (`startSandbox`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigCommerceApi } from '../../src/connectors/bigcommerce/bigcommerce-api.js';
import { hooksStatus, installHooks } from '../../src/connectors/bigcommerce/hooks-registration.js';
import { collect } from '../../src/connectors/bigcommerce/pagination.js';
import { InMemoryRateBudgetStore } from '../../src/connectors/bigcommerce/rate-budget.js';
import {
  bigCommerceClockProbe,
  checkBigCommerceCredentials,
  checkBigCommerceHooks,
  checkBigCommerceScopes,
  checkClock,
  checkHeartlandToken,
} from '../../src/connectors/doctor-checks.js';
import { connectHeartland } from '../../src/connectors/heartland/connect-flow.js';
import { HeartlandApi } from '../../src/connectors/heartland/heartland-api.js';
import {
  heartlandHooksStatus,
  installHeartlandHooks,
} from '../../src/connectors/heartland/hl-hooks-registration.js';
import { parseHeartlandDelivery } from '../../src/connectors/heartland/webhooks.js';
import { PermanentError, RetryableError } from '../../src/engine/errors.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ seed: 'connectors', products: 12, customers: 8 });
});
afterAll(async () => {
  await sb?.close();
});

const bc = (extra: Partial<ConstructorParameters<typeof BigCommerceApi>[0] & object> = {}) =>
  new BigCommerceApi({ ...sb.bigcommerce, getRetryDelaysMs: [20], ...extra });
const hl = (extra: object = {}) => new HeartlandApi({ ...sb.heartland, getRetryDelaysMs: [20], ...extra });

describe('BigCommerce client against the sandbox', () => {
  it('walks v3 products to the end, page by page, and agrees with one big page', async () => {
    const api = bc();
    const pages = [];
    for await (const p of api.catalog.listProducts({}, { limit: 5 })) pages.push(p);
    const all = await collect(api.catalog.listProducts({}, { limit: 250 }));
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flatMap((p) => p.items.map((i) => i.id))).toEqual(all.map((i) => i.id));
    expect(pages.at(-1)?.nextPage).toBeNull();
  });

  it('walks v2 orders to the end (short page or 204) and answers [] for an empty filter', async () => {
    const api = bc();
    const stock = await collect(api.inventory.items());
    const sku = stock.find((i) => (i.locations.find((l) => l.location_id === 1)?.available_to_sell ?? 0) >= 5)
      ?.identity.sku;
    expect(sku).toBeTruthy();
    for (let i = 0; i < 5; i++) {
      sb.bc.placeOrder({
        billing_address: {
          first_name: 'A',
          last_name: 'B',
          email: `o${i}@example.com`,
          street_1: '1 Main',
          city: 'X',
          zip: '1',
          country_iso2: 'US',
          country: 'United States',
          state: 'Texas',
        },
        products: [{ sku, quantity: 1 }],
        status_id: 11,
      });
    }
    const count = await api.orders.count();
    const pages = [];
    for await (const p of api.orders.list({}, { limit: 2 })) pages.push(p);
    expect(pages.flatMap((p) => p.items).length).toBe(count);
    expect(count).toBeGreaterThanOrEqual(5);
    const none = await collect(api.orders.list({ min_id: 10_000_000 }));
    expect(none).toEqual([]);
    const products = await api.orders.products(pages[0]?.items[0]?.id ?? 0);
    expect(products[0]?.sku).toBeTruthy();
  });

  it('drains requests through a tight quota without a single failure', async () => {
    const tight = await startSandbox({ seed: 'tight', products: 3, rateLimit: { quota: 20, windowMs: 700 } });
    try {
      const budget = new InMemoryRateBudgetStore();
      const apis = [0, 1, 2].map(() => new BigCommerceApi({ ...tight.bigcommerce, rateBudget: budget }));
      let next = 0;
      let served = 0;
      await Promise.all(
        apis.map(async (a) => {
          while (next < 45) {
            next++;
            await a.inventory.listLocations();
            served++;
          }
        }),
      );
      expect(served).toBeGreaterThanOrEqual(45);
      const state = await budget.peek(`bc:${tight.bigcommerce.storeHash}`);
      expect(state?.quota).toBe(20);
    } finally {
      await tight.close();
    }
  });

  it('recovers from a 429 storm (GETs wait as told and succeed)', async () => {
    sb.bc.faults.set({
      enabled: true,
      global: { rate429: { rate: 0, storm: { everyMs: 60_000, durationMs: 1200 }, retryAfterS: 1 } },
    });
    try {
      const locations = await bc({ maxGetRetries: 4 }).inventory.listLocations();
      expect(locations.length).toBeGreaterThan(0);
    } finally {
      sb.bc.faults.reset();
    }
  });

  it('classifies a hanging request as a retryable timeout', async () => {
    sb.bc.faults.set({ enabled: true, global: { hangRate: 1 } });
    try {
      const err = await bc({ timeoutMs: 200, maxGetRetries: 0 })
        .orders.count()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RetryableError);
      expect((err as RetryableError).code).toBe('HB_ERR_BC_TIMEOUT');
    } finally {
      sb.bc.faults.reset();
    }
  });

  it('reports validation errors as permanent with the API message', async () => {
    const err = await bc()
      .customers.create([{ email: 'not-an-email', first_name: '', last_name: '' }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    const pe = err as PermanentError;
    expect(pe.upstreamStatus).toBeGreaterThanOrEqual(400);
    expect(pe.message.length).toBeGreaterThan(30);
    expect(pe.message).not.toContain(sb.bigcommerce.accessToken);
  });

  it('installs hooks, re-activates one BigCommerce switched off, and reports status', async () => {
    const api = bc();
    const opts = {
      publicUrl: 'https://sync.example.com',
      connectionId: 'main',
      secret: 's3cret',
      scopes: ['store/order/created', 'store/sku/inventory/updated'],
    };
    const first = await installHooks(api, opts);
    expect(first.created).toEqual(opts.scopes);
    const hooks = await api.hooks.list();
    const hook = hooks.find((h) => h.scope === 'store/order/created' && h.destination === first.destination);
    await api.hooks.update(hook?.id ?? 0, { is_active: false });
    const doctor = await checkBigCommerceHooks(api, opts);
    expect(doctor.ok).toBe(false);
    expect(doctor.detail).toContain('inactive: store/order/created');
    const second = await installHooks(api, opts);
    expect(second.reactivated).toEqual(['store/order/created']);
    expect((await hooksStatus(api, opts)).ok).toBe(true);
  });

  it('doctor: good credentials pass; a wrong token is explained in plain words', async () => {
    expect((await checkBigCommerceCredentials(bc())).ok).toBe(true);
    expect((await checkBigCommerceScopes(bc())).ok).toBe(true);
    expect((await checkClock('BigCommerce', bigCommerceClockProbe(bc()))).ok).toBe(true);
    const wrong = await checkBigCommerceCredentials(bc({ accessToken: 'wrong-token' }));
    expect(wrong.ok).toBe(false);
    expect(wrong.detail).toBe('the access token was refused');
    expect(wrong.fix).toMatch(/Settings → API accounts/);
    const skewed = await checkClock(
      'BigCommerce',
      bigCommerceClockProbe(bc()),
      () => Date.now() + 5 * 60_000,
    );
    expect(skewed).toMatchObject({ ok: false, detail: expect.stringMatching(/ahead of BigCommerce/) });
  });
});

describe('Heartland client against the sandbox', () => {
  it('pages and keyset-walks items to the same set, with ?-booleans normalised', async () => {
    const api = hl();
    const paged = [];
    for await (const p of api.listItems(undefined, { perPage: 7 })) paged.push(...p.items);
    const keyset = [];
    for await (const p of api.itemsUpdatedSince('1970-01-01T00:00:00Z')) keyset.push(...p.items);
    expect(paged.length).toBeGreaterThan(7);
    expect(new Set(keyset.map((i) => i.id))).toEqual(new Set(paged.map((i) => i.id)));
    expect(Object.keys(paged[0] ?? {}).some((k) => k.endsWith('?'))).toBe(false);
    const first = paged[0];
    const found = await api.itemByPublicId(first?.public_id ?? '');
    expect(found?.id).toBe(first?.id);
  });

  it('creates via 201 + Location and finds the record again', async () => {
    const api = hl();
    const email = `conn-${Date.now()}@example.com`;
    const id = await api.createCustomer({ first_name: 'Ada', last_name: 'Lovelace', email });
    expect(id).toBeGreaterThan(0);
    const byEmail = await api.customersByEmail(email);
    expect(byEmail.map((c) => c.id)).toEqual([id]);
  });

  it('a validation error is permanent with field errors', async () => {
    const err = await hl()
      .createCustomer({ last_name: 'No Email' })
      .then(() => hl().createCustomer({}))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).code).toBe('HB_ERR_HL_VALIDATION');
    expect(Object.keys((err as PermanentError).fieldErrors ?? {}).length).toBeGreaterThan(0);
  });

  it('doctor: a wrong Heartland token is explained in plain words', async () => {
    expect((await checkHeartlandToken(hl())).ok).toBe(true);
    const bad = await checkHeartlandToken(hl({ token: 'nope' }));
    expect(bad).toMatchObject({ ok: false, detail: 'the Heartland API token was refused' });
    expect(bad.fix).toMatch(/API Tokens/);
  });

  it('OAuth: authorize → local callback → code exchange → a working token', async () => {
    let stored: { accessToken: string; scope: string } | undefined;
    const origin = new URL(sb.heartland.apiUrl).origin;
    const result = await connectHeartland({
      clientId: sb.hl.oauthClient.clientId,
      clientSecret: sb.hl.oauthClient.clientSecret,
      scopes: ['item.manage', 'customer.read'],
      baseUrl: origin,
      timeoutMs: 10_000,
      storeToken: async (t) => {
        stored = t;
      },
      onAuthorizeUrl: (url) => {
        // The "browser": follow the authorize redirect to our local callback.
        void fetch(url).then((r) => r.text());
      },
    });
    expect(result.scope).toBe('item.manage customer.read');
    expect(stored?.accessToken).toBeTruthy();
    const me = await new HeartlandApi({
      apiUrl: sb.heartland.apiUrl,
      token: stored?.accessToken ?? '',
    }).whoami();
    expect(me.id).toBeGreaterThan(0);
  });

  it('installs Heartland hooks idempotently and replaces ones with a rotated secret', async () => {
    const api = hl();
    const opts = { publicUrl: 'https://sync.example.com', connectionId: 'main', secret: 'one' };
    expect((await heartlandHooksStatus(api, opts)).ok).toBe(false);
    expect((await installHeartlandHooks(api, opts)).created).toHaveLength(4);
    expect((await installHeartlandHooks(api, opts)).created).toEqual([]);
    const rotated = await installHeartlandHooks(api, { ...opts, secret: 'two' });
    expect(rotated.removed).toBeGreaterThan(0);
    expect((await heartlandHooksStatus(api, { ...opts, secret: 'two' })).ok).toBe(true);
    expect((await heartlandHooksStatus(api, opts)).ok).toBe(false);
  });

  it('parses a webhook body that is the record itself', async () => {
    const item = (await hl().client.request('GET', '/items', { query: { per_page: 1 } })).body as {
      results: object[];
    };
    // Deliveries carry the raw API shape (with `?` booleans).
    const raw = JSON.stringify({ ...item.results[0], 'active?': true });
    const r = parseHeartlandDelivery(raw);
    expect(r).toMatchObject({ ok: true, kind: 'item', topic: 'hl/item' });
    expect(r.ok && r.dedupeKey).toMatch(/^hl:item:\d+:/);
  });
});
