/** `/api/items` and `/api/item_grids` (NOTES §7). Writes fire `item_created` / `item_updated`. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { validationError } from '../hl-errors.js';
import {
  applyCustom,
  boolField,
  checkRequiredCustom,
  collection,
  type HlContext,
  idParam,
  must,
  parseBody,
  query,
  sendCreated,
} from '../hl-http.js';
import type { HlItem } from '../hl-records.js';
import { registerReads } from '../read-routes.js';
import { customObject, intId, money, publicId, text } from './schemas.js';

const itemFields = {
  public_id: publicId.optional(),
  description: z.string().min(1, "can't be blank"),
  long_description: text.optional(),
  price: money.optional(),
  cost: money,
  original_price: money.nullable().optional(),
  grid_id: intId.nullable().optional(),
  primary_vendor_id: intId.nullable().optional(),
  primary_barcode: text.optional(),
  weight: z.number().nullable().optional(),
  type: z.string().optional(),
  custom: customObject.optional(),
};
// Description and cost are both required on create: cost is certain, description is required "in
// practice" (NOTES §7 [CONFLICT minor]) — the stricter reading is the safer simulator.
const itemCreate = z.object(itemFields).passthrough();
const itemUpdate = z.object(itemFields).partial().passthrough();

const gridFields = {
  item_description: z.string().min(1, "can't be blank"),
  item_long_description: text.optional(),
  item_price: money.optional(),
  item_cost: money.optional(),
  item_primary_vendor_id: intId.nullable().optional(),
  custom: customObject.optional(),
};

export function registerItemRoutes(app: FastifyInstance, ctx: HlContext): void {
  const { state } = ctx;

  const checkSku = (sku: string, selfId: number | null) => {
    const other = state.itemBySku(sku);
    if (other && other.id !== selfId) throw validationError({ public_id: ['has already been taken'] });
  };
  const checkGrid = (gridId: number | null | undefined) => {
    if (gridId !== undefined && gridId !== null && !state.grids.get(gridId)) {
      throw validationError({ grid_id: ['does not exist'] });
    }
  };

  app.get('/api/items', async (request) => {
    const q = query(ctx, request);
    let rows: HlItem[];
    // Fast path for the SKU lookup every connector does: `_filter={"public_id":"SKU"}`.
    const only = q.filters.length === 1 ? q.filters[0] : undefined;
    if (
      only &&
      !Array.isArray(only) &&
      Object.keys(only).length === 1 &&
      typeof only.public_id === 'string'
    ) {
      const hit = state.itemBySku(only.public_id);
      rows = hit ? [hit] : [];
    } else {
      rows = state.items.all();
    }
    const text = q.params.get('query');
    if (text) {
      const needle = text.toLowerCase();
      rows = rows.filter(
        (r) => r.description.toLowerCase().includes(needle) || r.public_id.toLowerCase().includes(needle),
      );
    }
    return collection(rows, q);
  });

  app.get('/api/items/:id', async (request) => {
    const id = idParam(request);
    return { ...must(state.items.get(id), 'Item', id) };
  });

  app.post('/api/items', async (request, reply) => {
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const body = parseBody(itemCreate, raw);
    const custom = applyCustom(ctx, {}, raw, true);
    checkRequiredCustom(ctx, 'item', custom);
    const publicIdValue = body.public_id ?? nextFreeSku(ctx);
    checkSku(publicIdValue, null);
    checkGrid(body.grid_id);
    const at = state.nowIso();
    const item = state.items.insert((id) => ({
      id,
      uuid: state.uuid(1, id),
      public_id: publicIdValue,
      description: body.description,
      long_description: body.long_description ?? null,
      price: body.price ?? 0,
      cost: body.cost,
      original_price: body.original_price ?? null,
      'active?': boolField(raw, 'active') ?? true,
      custom,
      grid_id: body.grid_id ?? null,
      primary_vendor_id: body.primary_vendor_id ?? null,
      primary_barcode: body.primary_barcode ?? null,
      weight: body.weight ?? null,
      'track_inventory?': boolField(raw, 'track_inventory') ?? true,
      'available_online?': boolField(raw, 'available_online') ?? false,
      'allow_fractional_qty?': boolField(raw, 'allow_fractional_qty') ?? false,
      type: body.type ?? 'Item',
      created_at: at,
      updated_at: at,
    }));
    state.indexItem(item);
    state.emit('item_created', item);
    return sendCreated(ctx, reply, `/items/${item.id}`);
  });

  app.put('/api/items/:id', async (request) => {
    const id = idParam(request);
    const item = must(state.items.get(id), 'Item', id);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const body = parseBody(itemUpdate, raw);
    if (body.public_id !== undefined) checkSku(body.public_id, id);
    checkGrid(body.grid_id);
    const previousSku = item.public_id;
    if (body.public_id !== undefined) item.public_id = body.public_id;
    if (body.description !== undefined) item.description = body.description;
    if (body.long_description !== undefined) item.long_description = body.long_description;
    if (body.price !== undefined) item.price = body.price;
    if (body.cost !== undefined) item.cost = body.cost;
    if (body.original_price !== undefined) item.original_price = body.original_price;
    if (body.grid_id !== undefined) item.grid_id = body.grid_id;
    if (body.primary_barcode !== undefined) item.primary_barcode = body.primary_barcode;
    if (body.weight !== undefined) item.weight = body.weight;
    for (const flag of ['active', 'track_inventory', 'available_online', 'allow_fractional_qty'] as const) {
      const v = boolField(raw, flag);
      if (v !== undefined) item[`${flag}?`] = v;
    }
    item.custom = applyCustom(ctx, item.custom, raw, false);
    item.updated_at = state.nowIso();
    state.indexItem(item, previousSku);
    state.emit('item_updated', item);
    return { ...item };
  });

  registerReads(app, ctx, 'item_grids', state.grids, 'Item grid');

  app.post('/api/item_grids', async (request, reply) => {
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const body = parseBody(z.object(gridFields).passthrough(), raw);
    const at = state.nowIso();
    const grid = state.grids.insert((id) => ({
      id,
      uuid: state.uuid(2, id),
      item_description: body.item_description,
      item_long_description: body.item_long_description ?? null,
      item_price: body.item_price ?? 0,
      item_cost: body.item_cost ?? 0,
      item_primary_vendor_id: body.item_primary_vendor_id ?? null,
      custom: applyCustom(ctx, {}, raw, true),
      created_at: at,
      updated_at: at,
    }));
    return sendCreated(ctx, reply, `/item_grids/${grid.id}`);
  });

  app.put('/api/item_grids/:id', async (request) => {
    const id = idParam(request);
    const grid = must(state.grids.get(id), 'Item grid', id);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const body = parseBody(z.object(gridFields).partial().passthrough(), raw);
    if (body.item_description !== undefined) grid.item_description = body.item_description;
    if (body.item_long_description !== undefined) grid.item_long_description = body.item_long_description;
    if (body.item_price !== undefined) grid.item_price = body.item_price;
    if (body.item_cost !== undefined) grid.item_cost = body.item_cost;
    grid.custom = applyCustom(ctx, grid.custom, raw, false);
    grid.updated_at = state.nowIso();
    return { ...grid };
  });
}

/** Item # is auto-assigned when left blank (NOTES §7). */
function nextFreeSku(ctx: HlContext): string {
  for (;;) {
    const candidate = ctx.state.nextPublicId('item');
    if (!ctx.state.itemBySku(candidate)) return candidate;
  }
}
