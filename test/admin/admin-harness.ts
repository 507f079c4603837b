/**
 * An admin server for tests: SQLite store, engine, buildServer with an admin token, the admin API and the
 * dashboard registered exactly as the app module does. No workers run, so replayed jobs stay pending.
 */
import type { FastifyInstance } from 'fastify';
import type { AppParts } from '../../src/app/create-app.js';
import { configSchema } from '../../src/config/config-schema.js';
import { recordDeadLetter } from '../../src/engine/dead-letters.js';
import { createEngine, createQueueBackend, type Engine } from '../../src/engine/engine.js';
import { PermanentError } from '../../src/engine/errors.js';
import { createLogger } from '../../src/log/logger.js';
import { buildServer } from '../../src/server/build-server.js';
import { createMetrics } from '../../src/server/metrics.js';
import { adminModule } from '../../src/server/routes/admin-routes.js';
import { createTestStore, type TestStore } from '../helpers/db.js';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
/** What a hostile storefront could put in a product name or address line. */
export const XSS = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>"'&`;

export interface AdminHarness {
  server: FastifyInstance;
  engine: Engine;
  t: TestStore;
  deadLetter(
    extra?: Partial<{
      task: string;
      kind: 'dead' | 'quarantine';
      code: string;
      payload: object;
      message: string;
      fix: string;
      at: number;
      entityKey: string;
    }>,
  ): Promise<number>;
  close(): Promise<void>;
}

export async function startAdmin(): Promise<AdminHarness> {
  const t = await createTestStore('sqlite');
  const backend = await createQueueBackend(t.store);
  const logger = createLogger({ level: 'silent' });
  const engine = createEngine({ store: t.store, backend, logger, currentConfigVersion: () => 'v-test' });
  const config = configSchema.parse({ server: { adminToken: ADMIN_TOKEN, host: '127.0.0.1' } });
  const server = buildServer({
    config,
    store: t.store,
    metrics: createMetrics({ processMetrics: false }),
    logger,
    engine: backend,
  });
  await adminModule.routes?.(server, {
    config,
    configVersion: 'v-test',
    store: t.store,
    engine,
    metrics: server.metrics,
    alerts: undefined as unknown as AppParts['alerts'], // the admin module raises no alerts
    logger,
  });
  let n = 0;
  return {
    server,
    engine,
    t,
    async deadLetter(extra = {}) {
      n++;
      return recordDeadLetter(t.store.db, {
        connectionId: 'default',
        task: extra.task ?? 'orders.sync',
        entityKey: extra.entityKey ?? `bc:order:${100 + n}`,
        payload: (extra.payload ?? { orderId: 100 + n }) as Record<string, never>,
        attempts: 3,
        kind: extra.kind ?? 'dead',
        now: extra.at,
        error: new PermanentError({
          code: extra.code ?? 'HB_ERR_HL_VALIDATION',
          message: extra.message ?? `Heartland refused order ${100 + n}: station_id is required`,
          suggestedFix: extra.fix ?? 'set mapping.defaults.stationId to a Heartland station id',
        }),
      });
    },
    async close() {
      await server.close();
      await engine.stop(0);
      await t.dispose();
    },
  };
}
