import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BigCommerceApi } from '../../src/connectors/bigcommerce/bigcommerce-api.js';
import { hooksStatus, installHooks } from '../../src/connectors/bigcommerce/hooks-registration.js';
import {
  parseBigCommerceDelivery,
  signStandardWebhook,
  verifyBigCommerceDelivery,
} from '../../src/connectors/bigcommerce/webhooks.js';
import { type FakeServer, startFakeServer } from './helpers/fake-server.js';

const SECRET = 'hook-secret-123';
const SIGNING = Buffer.from('client-secret-xyz').toString('base64');
const body = JSON.stringify({
  scope: 'store/order/created',
  store_id: '1025646',
  data: { type: 'order', id: 250 },
  hash: 'dd70c0976e06b67aaf671e73f49dcb79230ebf9d',
  created_at: 1561479335,
  producer: 'stores/abc',
});

function signed(raw: string, tsS: number, secret = SIGNING) {
  return {
    'x-heartbridge-secret': SECRET,
    'webhook-id': 'msg_1',
    'webhook-timestamp': String(tsS),
    'webhook-signature': `v1,${signStandardWebhook(secret, 'msg_1', tsS, raw)}`,
  };
}

describe('BigCommerce webhook verification', () => {
  it('accepts the right secret header and rejects a wrong or missing one', () => {
    expect(verifyBigCommerceDelivery({ 'x-heartbridge-secret': SECRET }, body, { secret: SECRET })).toEqual({
      valid: true,
    });
    const wrong = verifyBigCommerceDelivery({ 'X-Heartbridge-Secret': 'nope' }, body, { secret: SECRET });
    expect(wrong).toMatchObject({ valid: false, reason: 'wrong_secret' });
    expect(verifyBigCommerceDelivery({}, body, { secret: SECRET })).toMatchObject({
      valid: false,
      reason: 'missing_secret',
    });
  });

  it('checks a Standard Webhooks signature against the raw body: good, forged, replayed', () => {
    const now = Date.now();
    const ts = Math.floor(now / 1000);
    const opts = { secret: SECRET, signingSecret: SIGNING, now };
    expect(verifyBigCommerceDelivery(signed(body, ts), Buffer.from(body), opts)).toEqual({ valid: true });
    // Same body re-serialised with other spacing: the signature covers bytes, so it fails.
    const reformatted = JSON.stringify(JSON.parse(body), null, 2);
    expect(verifyBigCommerceDelivery(signed(body, ts), reformatted, opts)).toMatchObject({
      reason: 'bad_signature',
    });
    const forged = signed(body, ts, Buffer.from('attacker').toString('base64'));
    expect(verifyBigCommerceDelivery(forged, body, opts)).toMatchObject({ reason: 'bad_signature' });
    const old = ts - 3600;
    expect(verifyBigCommerceDelivery(signed(body, old), body, opts)).toMatchObject({
      reason: 'stale_timestamp',
    });
    expect(verifyBigCommerceDelivery({ 'x-heartbridge-secret': SECRET }, body, opts)).toMatchObject({
      reason: 'missing_signature',
    });
    // whsec_ prefix and several signatures (rotation) are accepted.
    const rotated = {
      ...signed(body, ts),
      'webhook-signature': `v1,AAAA v1,${signStandardWebhook(SIGNING, 'msg_1', ts, body)}`,
    };
    expect(verifyBigCommerceDelivery(rotated, body, { ...opts, signingSecret: `whsec_${SIGNING}` })).toEqual({
      valid: true,
    });
  });

  it('parses the envelope, builds the dedupe key and routes the scope', () => {
    const r = parseBigCommerceDelivery(body);
    expect(r).toMatchObject({
      ok: true,
      dedupeKey: `store/order/created:250:dd70c0976e06b67aaf671e73f49dcb79230ebf9d:${JSON.parse(body).created_at}`,
      route: { ignored: false, topic: 'store/order/created', entityKey: 'bc:order:250' },
    });
  });

  it('two events with equal data (same hash) but different times are two events; a re-send is one', () => {
    const first = JSON.parse(body) as { created_at: number };
    const again = parseBigCommerceDelivery(JSON.stringify(first));
    const later = parseBigCommerceDelivery(JSON.stringify({ ...first, created_at: first.created_at + 7 }));
    const one = parseBigCommerceDelivery(body);
    expect(one.ok && again.ok && later.ok).toBe(true);
    if (!one.ok || !again.ok || !later.ok) return;
    expect(again.dedupeKey).toBe(one.dedupeKey);
    expect(later.dedupeKey).not.toBe(one.dedupeKey);
  });

  it('rejects malformed envelopes with a reason and ignores unknown scopes', () => {
    expect(parseBigCommerceDelivery('{not json')).toMatchObject({ ok: false, reason: 'malformed' });
    const noHash = parseBigCommerceDelivery(JSON.stringify({ ...JSON.parse(body), hash: undefined }));
    expect(noHash).toMatchObject({ ok: false, reason: 'malformed' });
    expect(noHash.ok ? '' : noHash.detail).toContain('hash');
    const numericStore = parseBigCommerceDelivery(JSON.stringify({ ...JSON.parse(body), store_id: 1025646 }));
    expect(numericStore.ok).toBe(false);
    const unknown = parseBigCommerceDelivery(
      JSON.stringify({ ...JSON.parse(body), scope: 'store/cart/created' }),
    );
    expect(unknown).toMatchObject({ ok: true, route: { ignored: true, topic: 'store/cart/created' } });
  });

  it('routes every sample payload shipped with the specs', (ctx) => {
    const dir = resolve(
      process.env.HEARTBRIDGE_SPECS_DIR ?? resolve(__dirname, '../../../shared/specs'),
      'bigcommerce/examples',
    );
    if (!existsSync(dir)) {
      if (process.env.CI === 'true') throw new Error(`specs missing at ${dir}`);
      ctx.skip();
      return;
    }
    const expected: Record<string, string> = {
      'webhook_store_order_created.json': 'bc:order:',
      'webhook_store_order_statusUpdated.json': 'bc:order:',
      'webhook_store_sku_inventory_updated.json': 'bc:sku:461',
    };
    for (const [file, prefix] of Object.entries(expected)) {
      const r = parseBigCommerceDelivery(readFileSync(join(dir, file)));
      expect(r.ok && !r.route.ignored ? r.route.entityKey : file).toContain(prefix);
    }
  });
});

describe('hook registration', () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('creates missing hooks, re-activates inactive ones, and is idempotent', async () => {
    const dest = 'https://sync.example.com/webhooks/bigcommerce/main';
    const hooks = [
      {
        id: 1,
        scope: 'store/order/created',
        destination: dest,
        is_active: false,
        headers: { 'X-Heartbridge-Secret': SECRET },
      },
      {
        id: 2,
        scope: 'store/cart/created',
        destination: 'https://other.app/x',
        is_active: true,
        headers: {},
      },
    ];
    let nextId = 10;
    server = await startFakeServer((app) => {
      app.get('/stores/abc/v3/hooks', async () => ({
        data: hooks,
        meta: { pagination: { current_page: 1, total_pages: 1 } },
      }));
      app.post('/stores/abc/v3/hooks', async (req) => {
        const hook = { id: nextId++, ...(req.body as object) } as (typeof hooks)[number];
        hooks.push(hook);
        return { data: hook, meta: {} };
      });
      app.put('/stores/abc/v3/hooks/:id', async (req) => {
        const hook = hooks.find((h) => h.id === Number((req.params as { id: string }).id));
        Object.assign(hook ?? {}, req.body);
        return { data: hook, meta: {} };
      });
    });
    const api = new BigCommerceApi({ apiUrl: server.url, storeHash: 'abc', accessToken: 't' });
    const scopes = ['store/order/created', 'store/order/updated'];
    const opts = { publicUrl: 'https://sync.example.com/', connectionId: 'main', secret: SECRET, scopes };
    const before = await hooksStatus(api, opts);
    expect(before.ok).toBe(false);
    expect(before.hooks.map((h) => h.state)).toEqual(['inactive', 'missing']);

    const first = await installHooks(api, opts);
    expect(first.reactivated).toEqual(['store/order/created']);
    expect(first.created).toEqual(['store/order/updated']);
    expect(hooks.find((h) => h.id === 1)?.is_active).toBe(true);

    const second = await installHooks(api, opts);
    expect(second.unchanged).toEqual(scopes);
    expect(server.requests.filter((r) => r.method !== 'GET')).toHaveLength(2);
    expect((await hooksStatus(api, opts)).ok).toBe(true);
  });
});
