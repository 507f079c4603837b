/**
 * `/healthz`: the process is up and its event loop answers (no dependencies checked: a liveness probe
 * that fails on a database blip gets healthy pods restarted for nothing).
 * `/readyz`: this instance can do its work now — the database answers within 2 s. 503 with a reason otherwise.
 */
import type { FastifyInstance } from 'fastify';
import { scrubSecrets } from '../../log/scrub.js';
import { pingStore, type StoreHandle } from '../../store/database.js';
import { HttpError } from '../http-errors.js';

const READY_TIMEOUT_MS = 2_000;

export function registerHealthRoutes(app: FastifyInstance, store: StoreHandle): void {
  const startedAt = Date.now();
  app.get('/healthz', async () => ({
    status: 'ok',
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
  }));

  app.get('/readyz', async () => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        pingStore(store),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)),
            READY_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (err) {
      const reason = scrubSecrets(err instanceof Error ? err.message : String(err));
      throw new HttpError('HB_ERR_HTTP_NOT_READY', `database unreachable (${store.dialect}): ${reason}`);
    } finally {
      clearTimeout(timer);
    }
    return { status: 'ready', checks: { database: 'ok' }, dialect: store.dialect };
  });
}
