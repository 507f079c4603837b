/**
 * Review items over HTTP: decisions heartbridge will not make alone (an order whose shopper matches
 * several Heartland customers). Resolving records the choice and replays the parked order jobs — the
 * same path as `heartbridge review resolve`.
 */
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { createReviewItems } from '../../flows/orders/review-items.js';
import { resolveReviewItem } from '../../flows/orders/review-resolution.js';
import { HttpError } from '../http-errors.js';
import { idParams, resolveBody, reviewQuery } from './admin-schemas.js';

export function registerReviewRoutes(admin: FastifyInstance, engine: Engine, actor: string): void {
  admin.get('/admin/review', async (request) => {
    const q = reviewQuery.parse(request.query);
    const items = await createReviewItems(engine.store.db).list({
      status: q.status,
      connectionId: q.connection,
      limit: q.limit,
    });
    return { items };
  });

  admin.post('/admin/review/:id/resolve', async (request) => {
    const { id } = idParams.parse(request.params);
    const resolution = resolveBody.parse(request.body);
    const result = await resolveReviewItem(engine, id, resolution, actor);
    if ('error' in result) {
      const exists = await createReviewItems(engine.store.db).get(id);
      throw new HttpError(exists ? 'HB_ERR_HTTP_CONFLICT' : 'HB_ERR_HTTP_NOT_FOUND', result.error);
    }
    return result;
  });
}
