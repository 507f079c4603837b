/**
 * One server with every HTTP surface hostile input can reach: both webhook routes, health, readiness,
 * metrics, and the admin surface (`app.adminAuth` on a probe route, plus the admin API modules when
 * they exist). Every log line is captured so tests can prove no secret is ever printed.
 *
 * The store is a real database from test/helpers/db.ts (SQLite file or a PostgreSQL schema), so what the
 * hostile corpus does to the inbox is what production would see.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance, type InjectOptions, type LightMyRequestResponse } from 'fastify';
import { configSchema } from '../../src/config/index.js';
import { createEngine, createQueueBackend, type Engine } from '../../src/engine/index.js';
import { createLogger } from '../../src/log/index.js';
import { buildServer, createMetrics } from '../../src/server/index.js';
import { registerBigCommerceWebhookRoute } from '../../src/server/routes/webhooks-bigcommerce.js';
import { registerHeartlandWebhookRoute } from '../../src/server/routes/webhooks-heartland.js';
import type { DialectName } from '../../src/store/database.js';
import { createTestStore, type TestStore } from '../helpers/db.js';

/** Every secret the harness configures. None may ever appear in a response body or a log line. */
export const SECRETS = {
  bcHeader: 'bc-hdr-secret-7f3a9c21e5d84b06',
  hlUrl: 'hl-url-secret-42b7e19d0c5a8f63',
  admin: 'admin-token-9e8d7c6b5a493827',
  signing: Buffer.from('hostile-signing-key-32-bytes-xx!').toString('base64'),
} as const;

export const STORE_HASH = 'abc123';
export const BODY_LIMIT = 256 * 1024;

export interface Harness {
  app: FastifyInstance;
  engine: Engine;
  test: TestStore;
  /** Captured log lines (JSON text). */
  logs: string[];
  /** Admin modules found under src/server/routes (registered when present). */
  adminModules: string[];
  /** Every route registered, for sweeping the admin surface. */
  routes: Array<{ method: string; url: string }>;
  inject(opts: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

const ROUTES_DIR = join(import.meta.dirname, '..', '..', 'src', 'server', 'routes');

/**
 * Admin API modules (`admin-*.ts` exporting `register*`) may land while this suite exists: include them.
 * An aggregator (one register function that mounts the others, behind its auth hook) and its parts are
 * all exported, so each function is first tried on a throwaway instance to learn the routes it adds;
 * then the widest ones are registered, skipping any whose routes are already covered (registering a part
 * on its own would declare a route twice, or mount it without the aggregator's auth hook).
 */
async function registerAdminModules(app: FastifyInstance, engine: Engine): Promise<string[]> {
  if (!existsSync(ROUTES_DIR)) return [];
  type RegisterFn = (a: FastifyInstance, o: unknown) => unknown;
  const options = { engine, store: engine.store, dlq: engine.dlq, queue: engine.queue };
  const candidates: Array<{ name: string; fn: RegisterFn; routes: string[] }> = [];
  for (const file of readdirSync(ROUTES_DIR).filter((f) => /^admin.*\.ts$/.test(f))) {
    const mod = (await import(join(ROUTES_DIR, file))) as Record<string, unknown>;
    for (const [name, fn] of Object.entries(mod)) {
      if (!/^register/.test(name) || typeof fn !== 'function') continue;
      const probe = Fastify({ logger: false });
      probe.decorate('adminAuth', app.adminAuth);
      probe.decorate('metrics', app.metrics);
      const routes: string[] = [];
      probe.addHook('onRoute', (r) => {
        for (const method of [r.method].flat()) routes.push(`${method} ${r.url}`);
      });
      try {
        await (fn as RegisterFn)(probe, options);
        await probe.ready();
        candidates.push({ name: `${file}:${name}`, fn: fn as RegisterFn, routes });
      } catch {
        // A module whose options we cannot guess is skipped; the probe route still covers adminAuth.
      } finally {
        await probe.close();
      }
    }
  }
  const taken = new Set<string>();
  const found: string[] = [];
  for (const c of candidates.sort((a, b) => b.routes.length - a.routes.length)) {
    if (c.routes.length === 0 || c.routes.some((r) => taken.has(r))) continue;
    await c.fn(app, options);
    for (const r of c.routes) taken.add(r);
    found.push(c.name);
  }
  return found;
}

/**
 * BigCommerce connections: `main` (secret header only) and `signed` (secret header + Standard Webhooks
 * signature required). Heartland: `main` with a URL secret.
 */
export async function createHarness(options: { dialect?: DialectName } = {}): Promise<Harness> {
  const test = await createTestStore(options.dialect ?? 'sqlite');
  const backend = await createQueueBackend(test.store);
  const engine = createEngine({ store: test.store, backend });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logger = createLogger({ level: 'trace', destination: sink, secrets: Object.values(SECRETS) });
  const config = configSchema.parse({
    server: { bodyLimitBytes: BODY_LIMIT, adminToken: SECRETS.admin, host: '127.0.0.1', port: 0 },
  });
  const app = buildServer({ config, store: test.store, metrics: createMetrics(), logger, engine: backend });
  const routes: Array<{ method: string; url: string }> = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  const route = (_c: string, topic: string) =>
    topic.startsWith('store/') || topic.startsWith('hl/') ? { task: 'hostile.noop' } : undefined;
  registerBigCommerceWebhookRoute(app, {
    inbox: engine.inbox,
    connection: (id) =>
      id === 'main' || id === 'signed'
        ? {
            id,
            webhookSecret: SECRETS.bcHeader,
            storeHash: STORE_HASH,
            signingSecret: id === 'signed' ? SECRETS.signing : undefined,
          }
        : undefined,
    route,
  });
  registerHeartlandWebhookRoute(app, {
    inbox: engine.inbox,
    connection: (id) => (id === 'main' ? { id, webhookSecret: SECRETS.hlUrl } : undefined),
    route,
  });
  app.get('/admin/hostile-probe', { preHandler: app.adminAuth }, async () => ({ ok: true }));
  app.post('/admin/hostile-probe', { preHandler: app.adminAuth }, async () => ({ ok: true }));
  const adminModules = await registerAdminModules(app, engine);
  await app.ready();
  return {
    app,
    engine,
    test,
    logs,
    adminModules,
    routes,
    inject: (opts) => app.inject(opts),
    async close() {
      await app.close();
      await engine.stop(0);
      await test.dispose();
    },
  };
}

/** Every secret value the harness knows, including the decoded signing key. */
export function secretNeedles(): string[] {
  return [...Object.values(SECRETS), Buffer.from(SECRETS.signing, 'base64').toString('utf8')];
}
