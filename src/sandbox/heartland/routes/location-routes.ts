/** `/api/locations` (`_include[]=stations`) and `/api/stations` (NOTES §9). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { validationError } from '../hl-errors.js';
import { boolField, collection, type HlContext, parseBody, query, sendCreated } from '../hl-http.js';
import type { HlLocation } from '../hl-records.js';
import { registerReads } from '../read-routes.js';
import { intId, publicId } from './schemas.js';

export function registerLocationRoutes(app: FastifyInstance, ctx: HlContext): void {
  const { state } = ctx;
  const render = (include: string[]) => (loc: HlLocation) => {
    const out: Record<string, unknown> = { ...loc };
    if (include.includes('stations')) {
      out.stations = state.stations.where((s) => s.location_id === loc.id).map((s) => ({ ...s }));
    }
    return out;
  };

  registerReads(app, ctx, 'locations', state.locations, 'Location', render);

  app.post('/api/locations', async (request, reply) => {
    const body = parseBody(
      z.object({ name: z.string().min(1, "can't be blank"), public_id: publicId.optional() }).passthrough(),
      request.body,
    );
    const at = state.nowIso();
    const loc = state.locations.insert((id) => ({
      id,
      public_id: body.public_id ?? String(id),
      name: body.name,
      'active?': boolField(request.body as Record<string, unknown>, 'active') ?? true,
      created_at: at,
      updated_at: at,
    }));
    return sendCreated(ctx, reply, `/locations/${loc.id}`);
  });

  app.get('/api/stations', async (request) => collection(state.stations.all(), query(ctx, request)));

  app.post('/api/stations', async (request, reply) => {
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const body = parseBody(z.object({ location_id: intId, name: z.string().min(1) }).passthrough(), raw);
    if (!state.locations.get(body.location_id)) throw validationError({ location_id: ['does not exist'] });
    const st = state.stations.insert((id) => ({
      id,
      location_id: body.location_id,
      name: body.name,
      'active?': boolField(raw, 'active') ?? true,
    }));
    return sendCreated(ctx, reply, `/stations/${st.id}`);
  });
}
