/** v3 inventory locations: list (filters), create and update (arrays), each write → {transaction_id}. */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { unprocessable } from '../bc-errors.js';
import type { BcContext } from '../context.js';
import { bodyArray, qBool, qList, query, v3List } from '../http-util.js';
import { renderLocation } from '../render.js';
import { locationAddress, locationRecord } from '../seed-loader.js';

const P = '/stores/:hash/v3/inventory/locations';

const address = z
  .object({
    address1: z.string(),
    address2: z.string().optional(),
    city: z.string(),
    state: z.string(),
    zip: z.string(),
    email: z.string().optional(),
    phone: z.string().optional(),
    country_code: z.string(),
  })
  .passthrough();
const locationWrite = z
  .object({
    id: z.number().int().optional(),
    code: z.string().optional(),
    label: z.string().optional(),
    description: z.string().optional(),
    managed_by_external_source: z.boolean().optional(),
    type_id: z.enum(['PHYSICAL', 'VIRTUAL']).optional(),
    enabled: z.boolean().optional(),
    storefront_visibility: z.boolean().optional(),
    time_zone: z.string().optional(),
    address: address.optional(),
  })
  .passthrough();

export function registerLocationsV3(app: FastifyInstance, ctx: BcContext): void {
  const { state } = ctx;
  const parseAll = (body: unknown) =>
    bodyArray(body, 'locations').map((b, i) => {
      const r = locationWrite.safeParse(b);
      if (!r.success) throw unprocessable(`Location ${i} is invalid: ${r.error.issues[0]?.message}`);
      return r.data;
    });

  app.get(P, async (req) => {
    const q = query(req);
    const ids = qList(q, 'location_id:in')?.map(Number);
    const codes = qList(q, 'location_code:in');
    const types = qList(q, 'type_id:in');
    const isDefault = qBool(q, 'is_default');
    const isActive = qBool(q, 'is_active');
    const managed = qBool(q, 'managed_by_external_source');
    const list = [...state.locations.values()]
      .filter(
        (l) =>
          (!ids || ids.includes(l.id)) &&
          (!codes || codes.includes(l.code)) &&
          (!types || types.includes(l.type_id)) &&
          (isDefault === undefined || (l.id === 1) === isDefault) &&
          (isActive === undefined || l.enabled === isActive) &&
          (managed === undefined || l.managed_by_external_source === managed),
      )
      .sort((a, b) => a.id - b.id);
    const page = v3List(list, q);
    return { data: page.data.map(renderLocation), meta: page.meta };
  });

  app.post(P, async (req) => {
    const writes = parseAll(req.body);
    for (const w of writes) {
      const missing = (['label', 'managed_by_external_source', 'type_id', 'time_zone'] as const).filter(
        (k) => w[k] === undefined,
      );
      if (missing.length > 0 || (w.type_id === 'PHYSICAL' && !w.address)) {
        throw unprocessable('Location is missing required fields', {
          fields: [...missing, ...(w.address ? [] : ['address'])].join(','),
        });
      }
      if (w.code && [...state.locations.values()].some((l) => l.code === w.code)) {
        throw unprocessable(`Location code '${w.code}' is already in use.`);
      }
    }
    for (const w of writes) {
      const id = state.nextId('location');
      state.locations.set(
        id,
        locationRecord(
          {
            id,
            code: w.code ?? `LOC-${id}`,
            label: w.label ?? '',
            description: w.description,
            managed_by_external_source: w.managed_by_external_source,
            type_id: w.type_id,
            enabled: w.enabled,
            storefront_visibility: w.storefront_visibility,
            time_zone: w.time_zone,
            address: w.address,
          },
          ctx.now(),
        ),
      );
      ctx.webhooks.emit('store/inventory/location/created', { location_id: id });
    }
    return { transaction_id: randomUUID() };
  });

  app.put(P, async (req) => {
    const writes = parseAll(req.body);
    const targets = writes.map((w) => {
      const l = w.id === undefined ? undefined : state.locations.get(w.id);
      if (!l) throw unprocessable(`Location with id ${w.id} not found.`);
      return l;
    });
    writes.forEach((w, i) => {
      const l = targets[i];
      if (!l) return;
      if (w.code !== undefined) l.code = w.code;
      if (w.label !== undefined) l.label = w.label;
      if (w.description !== undefined) l.description = w.description;
      if (w.managed_by_external_source !== undefined)
        l.managed_by_external_source = w.managed_by_external_source;
      if (w.type_id !== undefined) l.type_id = w.type_id;
      if (w.enabled !== undefined) l.enabled = l.id === 1 ? true : w.enabled;
      if (w.storefront_visibility !== undefined) l.storefront_visibility = w.storefront_visibility;
      if (w.time_zone !== undefined) l.time_zone = w.time_zone;
      if (w.address !== undefined) {
        l.address = locationAddress(w.address, l.address?.geo_coordinates);
      }
      l.updated_at = ctx.now();
      ctx.webhooks.emit('store/inventory/location/updated', { location_id: l.id });
    });
    return { transaction_id: randomUUID() };
  });
}
