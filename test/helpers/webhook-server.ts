/**
 * A real Fastify server (buildServer) over an in-memory SQLite store and engine, for webhook route tests:
 * the test registers the route under test on `app` and talks to it with `app.inject`. Everything opened
 * is closed after each test.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import { createEngine, createQueueBackend, type Engine } from '../../src/engine/index.js';
import { createLogger } from '../../src/log/index.js';
import { buildServer, createMetrics } from '../../src/server/index.js';
import { openStore, type StoreHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';

export interface WebhookServer {
  app: FastifyInstance;
  engine: Engine;
  store: StoreHandle;
}

/** Call at the top of a test file; the returned function starts one server (per test). */
export function useWebhookServers(): (bodyLimitBytes: number) => Promise<WebhookServer> {
  const open: WebhookServer[] = [];
  afterEach(async () => {
    for (const { app, engine } of open.splice(0)) {
      await app.close();
      await engine.stop();
      await engine.store.close();
    }
  });
  return async (bodyLimitBytes) => {
    const store = openStore(':memory:');
    await migrateToLatest(store);
    const engine = createEngine({ store, backend: await createQueueBackend(store) });
    const config = configSchema.parse({ server: { bodyLimitBytes } });
    const app = buildServer({
      config,
      store,
      metrics: createMetrics(),
      logger: createLogger({ level: 'silent' }),
    });
    const server = { app, engine, store };
    open.push(server);
    return server;
  };
}
