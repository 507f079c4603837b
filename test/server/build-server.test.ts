import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema, type HeartbridgeConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log/index.js';
import { buildServer, createMetrics, HttpError } from '../../src/server/index.js';
import { openStore, type StoreHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';

const open: Array<{ app: FastifyInstance; store: StoreHandle }> = [];

async function setup(overrides: Record<string, unknown> = {}) {
  const config: HeartbridgeConfig = configSchema.parse(overrides);
  const store = openStore(':memory:');
  await migrateToLatest(store);
  const metrics = createMetrics();
  const queue = {
    countsByState: async () => ({ pending: 3, running: 1, retrying: 0, done: 7, dead: 2 }),
    oldestPendingAgeMs: async () => 4_500,
  };
  const app = buildServer({
    config,
    store,
    metrics,
    logger: createLogger({ level: 'silent' }),
    engine: queue,
  });
  app.post('/echo', async (request) => ({ received: request.body, raw: request.rawBody?.length }));
  app.post('/strict', async (request) => z.object({ sku: z.string() }).parse(request.body));
  app.get('/admin/ping', { preHandler: app.adminAuth }, async () => ({ pong: true }));
  app.get('/boom', async () => {
    throw new Error('db password=hunter2 exploded');
  });
  app.get('/teapot', async () => {
    throw new HttpError('HB_ERR_HTTP_CONFLICT', 'already exists');
  });
  open.push({ app, store });
  return { app, store, metrics };
}

afterEach(async () => {
  for (const { app, store } of open.splice(0)) {
    await app.close();
    await store.close();
  }
});

const SHAPE = ['code', 'error', 'message', 'statusCode'];

describe('buildServer', () => {
  it('answers /healthz and /readyz', async () => {
    const { app } = await setup();
    expect((await app.inject('/healthz')).json()).toMatchObject({ status: 'ok' });
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
  });

  it('/readyz is 503 with a reason when the database is gone', async () => {
    const { app, store } = await setup();
    store.sqlite?.close();
    const res = await app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      code: 'HB_ERR_HTTP_NOT_READY',
      message: expect.stringMatching(/database unreachable/),
    });
  });

  it('exposes Prometheus metrics from its own registry, including queue and dead-letter gauges', async () => {
    const { app, store, metrics } = await setup();
    const now = Date.now();
    await store.db
      .insertInto('dead_letters')
      .values({
        connection_id: 'default',
        kind: 'dead',
        task: 'orders.sync',
        entity_key: 'bc:order:1',
        payload_json: '{}',
        inbox_id: null,
        error_code: 'HB_ERR_X',
        error_message: 'x',
        error_chain_json: '[]',
        suggested_fix: null,
        attempts: 3,
        config_version: null,
        status: 'open',
        created_at: now,
        updated_at: now,
      })
      .execute();
    metrics.eventsReceived.inc({ source: 'bigcommerce', topic: 'store/order/created' });
    metrics.rateLimit429.inc({ upstream: 'bigcommerce', connection: 'default' });
    const hooks = metrics.queueEvents();
    const job = {
      id: '1',
      connectionId: 'default',
      task: 'orders.sync',
      entityKey: 'k',
      state: 'running' as const,
      attempts: 1,
      maxAttempts: 3,
      runAt: now,
      createdAt: now,
      lastError: null,
      payload: {},
    };
    hooks['job:start']?.(job);
    hooks['job:complete']?.(job, 120);
    const res = await app.inject('/metrics');
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    const text = res.body;
    expect(text).toContain(
      'heartbridge_events_received_total{source="bigcommerce",topic="store/order/created"} 1',
    );
    expect(text).toContain('heartbridge_jobs{state="pending"} 3');
    expect(text).toContain('heartbridge_oldest_pending_job_age_seconds 4.5');
    expect(text).toContain('heartbridge_dead_letters{kind="dead",status="open"} 1');
    expect(text).toContain('heartbridge_job_duration_seconds_count{task="orders.sync",outcome="complete"} 1');
    expect(text).toContain('heartbridge_job_attempts_total{task="orders.sync"} 1');
    expect(text).toContain('heartbridge_rate_limit_429_total{upstream="bigcommerce",connection="default"} 1');
    // A second app has its own counters.
    const other = await setup();
    expect((await other.app.inject('/metrics')).body).not.toContain('store/order/created');
  });

  it('rejects bodies over the limit with 413 and malformed JSON with 400 and a reason, in one shape', async () => {
    const { app } = await setup({ server: { bodyLimitBytes: 64 } });
    const big = await app.inject({ method: 'POST', url: '/echo', payload: { pad: 'x'.repeat(200) } });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ code: 'HB_ERR_HTTP_BODY_TOO_LARGE', error: 'Payload Too Large' });
    const bad = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: '{"a": tru',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('HB_ERR_HTTP_MALFORMED_JSON');
    expect(bad.json().message).toMatch(/malformed JSON body: .+/);
    expect(Object.keys(bad.json()).sort()).toEqual(SHAPE);
    const ok = await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    expect(ok.json()).toEqual({ received: { a: 1 }, raw: 7 });
    const invalid = await app.inject({ method: 'POST', url: '/strict', payload: { sku: 5 } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({
      code: 'HB_ERR_HTTP_VALIDATION',
      message: expect.stringContaining('sku'),
    });
    const missing = await app.inject('/nope');
    expect(missing.json()).toMatchObject({ statusCode: 404, code: 'HB_ERR_HTTP_NOT_FOUND' });
    const conflict = await app.inject('/teapot');
    expect(conflict.json()).toEqual({
      statusCode: 409,
      code: 'HB_ERR_HTTP_CONFLICT',
      error: 'Conflict',
      message: 'already exists',
    });
    const boom = await app.inject('/boom');
    expect(boom.statusCode).toBe(500);
    expect(boom.json().code).toBe('HB_ERR_HTTP_INTERNAL');
    expect(boom.body).not.toContain('hunter2');
  });

  it('guards admin routes with the bearer token', async () => {
    const { app } = await setup({ server: { adminToken: 'admin-token-123456' } });
    expect((await app.inject('/admin/ping')).statusCode).toBe(401);
    const wrong = await app.inject({ url: '/admin/ping', headers: { authorization: 'Bearer nope' } });
    expect(wrong.json()).toMatchObject({ statusCode: 401, code: 'HB_ERR_HTTP_UNAUTHORIZED' });
    const right = await app.inject({
      url: '/admin/ping',
      headers: { authorization: 'Bearer admin-token-123456' },
    });
    expect(right.json()).toEqual({ pong: true });
  });

  it('refuses admin routes without a token unless bound to loopback', async () => {
    const exposed = await setup({ server: { host: '0.0.0.0' } });
    const res = await exposed.app.inject('/admin/ping');
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toMatch(/HEARTBRIDGE_ADMIN_TOKEN/);
    const local = await setup({ server: { host: '127.0.0.1' } });
    expect((await local.app.inject('/admin/ping')).statusCode).toBe(200);
  });

  it('serves over a real socket', async () => {
    const { app } = await setup();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });
});
