import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerHeartlandWebhookRoute } from '../../src/server/routes/webhooks-heartland.js';
import { useWebhookServers } from '../helpers/webhook-server.js';

const SECRET = 'url-secret-0123456789';
const server = useWebhookServers();

async function setup() {
  const { app, engine, store } = await server(8 * 1024);
  registerHeartlandWebhookRoute(app, {
    inbox: engine.inbox,
    connection: (id) => (id === 'main' ? { id, webhookSecret: SECRET } : undefined),
    route: (_c, topic) =>
      topic === 'hl/item' ? { task: 'catalog.item', coalesceKey: undefined } : undefined,
  });
  return { app, engine, store };
}

const item = (id: number, updatedAt = '2026-11-27T08:00:00Z') => ({
  id,
  public_id: `SKU-${id}`,
  description: 'Northern Tote',
  price: 140.99,
  'active?': true,
  updated_at: updatedAt,
});

const post = (app: FastifyInstance, body: unknown, secret = SECRET, connection = 'main') =>
  app.inject({
    method: 'POST',
    url: `/webhooks/heartland/${connection}/${secret}`,
    headers: { 'content-type': 'application/json' },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('POST /webhooks/heartland/:connection/:secret', () => {
  it('stores an item record and enqueues its job; the same (kind, id, updated_at) again is a duplicate', async () => {
    const { app, engine } = await setup();
    const first = await post(app, item(7));
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: 'accepted' });
    expect((await post(app, item(7))).json()).toMatchObject({ status: 'duplicate' });
    expect((await post(app, item(7, '2026-11-27T09:00:00Z'))).json()).toMatchObject({ status: 'accepted' });
    const jobs = await engine.queue.listJobs({});
    expect(jobs.map((j) => j.entityKey)).toEqual(['hl:item:7', 'hl:item:7']);
    // booleans are normalised at the edge: `active?` → `active`
    expect(jobs[0]?.payload).toMatchObject({ active: true });
  });

  it('refuses a wrong secret or unknown connection with 401 and stores nothing', async () => {
    const { app, store } = await setup();
    expect((await post(app, item(1), 'wrong')).statusCode).toBe(401);
    expect((await post(app, item(1), SECRET, 'other')).statusCode).toBe(401);
    expect(await store.db.selectFrom('inbox').selectAll().execute()).toHaveLength(0);
  });

  it('answers malformed bodies and unrecognisable records with 400 and a reason', async () => {
    const { app } = await setup();
    expect((await post(app, '{"id": 1,')).statusCode).toBe(400);
    const noId = await post(app, { public_id: 'X', description: 'y' });
    expect(noId.statusCode).toBe(400);
    expect(noId.json().message).toMatch(/id/);
    const unknown = await post(app, { id: 3, foo: 'bar' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/neither an item/);
    expect((await post(app, [1, 2, 3])).statusCode).toBe(400);
  });

  it('answers an oversized body with 413', async () => {
    const { app } = await setup();
    expect((await post(app, { ...item(2), long_description: 'x'.repeat(20_000) })).statusCode).toBe(413);
  });

  it('acknowledges records no flow handles (customers here) as ignored', async () => {
    const { app, engine } = await setup();
    const res = await post(app, { id: 9, first_name: 'Ada', last_name: 'L', email: 'a@example.com' });
    expect(res.json()).toMatchObject({ status: 'ignored', kind: 'customer' });
    expect(await engine.queue.listJobs({})).toHaveLength(0);
  });
});
