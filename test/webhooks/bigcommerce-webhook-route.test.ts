import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { signStandardWebhook } from '../../src/connectors/bigcommerce/webhooks.js';
import { registerBigCommerceWebhookRoute } from '../../src/server/routes/webhooks-bigcommerce.js';
import { useWebhookServers } from '../helpers/webhook-server.js';

const SECRET = 'shh-0123456789abcdef';
const server = useWebhookServers();

async function setup(opts: { signingSecret?: string; bodyLimitBytes?: number } = {}) {
  const { app, engine, store } = await server(opts.bodyLimitBytes ?? 64 * 1024);
  registerBigCommerceWebhookRoute(app, {
    inbox: engine.inbox,
    connection: (id) =>
      id === 'main'
        ? { id, webhookSecret: SECRET, signingSecret: opts.signingSecret, storeHash: 'abc123' }
        : undefined,
    route: (_c, topic) => (topic.startsWith('store/order/') ? { task: 'orders.sync' } : undefined),
  });
  return { app, engine, store };
}

const envelope = (id: number, hash = `h${id}`, scope = 'store/order/created') => ({
  scope,
  store_id: '1025646',
  data: { type: 'order', id },
  hash,
  created_at: 1561479335,
  producer: 'stores/abc123',
});

const post = (
  app: FastifyInstance,
  body: unknown,
  headers: Record<string, string> = { 'x-heartbridge-secret': SECRET },
) =>
  app.inject({
    method: 'POST',
    url: '/webhooks/bigcommerce/main',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('POST /webhooks/bigcommerce/:connection', () => {
  it('stores the event and enqueues one job keyed by the order, then answers 200', async () => {
    const { app, engine } = await setup();
    const res = await post(app, envelope(250));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'accepted' });
    const jobs = await engine.queue.listJobs({});
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ task: 'orders.sync', entityKey: 'bc:order:250', connectionId: 'main' });
  });

  it('answers a re-sent delivery with duplicate and enqueues nothing more', async () => {
    const { app, engine } = await setup();
    await post(app, envelope(251));
    const again = await post(app, envelope(251));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ status: 'duplicate' });
    expect(await engine.queue.listJobs({})).toHaveLength(1);
  });

  it('refuses a wrong or missing secret with 401 and stores nothing', async () => {
    const { app, engine, store } = await setup();
    expect((await post(app, envelope(1), { 'x-heartbridge-secret': 'nope' })).statusCode).toBe(401);
    expect((await post(app, envelope(2), {})).statusCode).toBe(401);
    const rows = await store.db.selectFrom('inbox').selectAll().execute();
    expect(rows).toHaveLength(0);
    expect(await engine.queue.listJobs({})).toHaveLength(0);
  });

  it('requires a valid Standard Webhooks signature when a signing secret is configured', async () => {
    const signingSecret = Buffer.from('k'.repeat(32)).toString('base64');
    const { app } = await setup({ signingSecret });
    const body = JSON.stringify(envelope(9));
    const ts = Math.floor(Date.now() / 1000);
    const good = signStandardWebhook(signingSecret, 'msg_1', ts, body);
    const headers = {
      'x-heartbridge-secret': SECRET,
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(ts),
    };
    expect((await post(app, body, { ...headers, 'webhook-signature': `v1,${good}` })).statusCode).toBe(200);
    const forged = await post(app, body.replace('"id":9', '"id":10'), {
      ...headers,
      'webhook-signature': `v1,${good}`,
    });
    expect(forged.statusCode).toBe(401);
    const old = ts - 3600;
    const replayed = await post(app, body, {
      ...headers,
      'webhook-timestamp': String(old),
      'webhook-signature': `v1,${signStandardWebhook(signingSecret, 'msg_1', old, body)}`,
    });
    expect(replayed.statusCode).toBe(401);
  });

  it('answers malformed JSON and invalid envelopes with 400 and a reason', async () => {
    const { app } = await setup();
    const truncated = await post(app, '{"scope":"store/order/created","data":{');
    expect(truncated.statusCode).toBe(400);
    expect(truncated.json()).toMatchObject({ code: 'HB_ERR_HTTP_MALFORMED_JSON' });
    const missing = await post(app, { scope: 'store/order/created', data: { id: 1 } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toMatch(/store_id|hash|producer/);
    const otherStore = await post(app, { ...envelope(3), producer: 'stores/zzz' });
    expect(otherStore.statusCode).toBe(400);
  });

  it('answers an oversized body with 413', async () => {
    const { app } = await setup({ bodyLimitBytes: 1024 });
    const res = await post(app, { ...envelope(4), padding: 'x'.repeat(5000) });
    expect(res.statusCode).toBe(413);
  });

  it('acknowledges unknown scopes as ignored without storing them', async () => {
    const { app, engine } = await setup();
    const res = await post(app, envelope(5, 'h', 'store/cart/created'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ignored' });
    expect(await engine.queue.listJobs({})).toHaveLength(0);
  });

  it('404s an unknown connection', async () => {
    const { app } = await setup();
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/bigcommerce/nope',
      headers: { 'content-type': 'application/json', 'x-heartbridge-secret': SECRET },
      payload: JSON.stringify(envelope(6)),
    });
    expect(res.statusCode).toBe(404);
  });
});
