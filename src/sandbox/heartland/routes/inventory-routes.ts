/**
 * Inventory (NOTES §10): `/inventory/values` grouped by item and/or location, the
 * `/inventory/transactions` ledger (id cursor), adjustment sets + lines, and the single
 * `/inventory/adjustments`. Adjustment lines apply at once: whether a set needs a status change first is
 * [UNKNOWN], and the production merchant code (S10) posts lines only.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CollectionQuery } from '../collection-query.js';
import { validationError } from '../hl-errors.js';
import { collection, type HlContext, idParam, must, parseBody, query, sendCreated } from '../hl-http.js';
import type { HlItem } from '../hl-records.js';
import { registerChildList, registerReads } from '../read-routes.js';
import { checkQty, resolveItem, resolveLocation } from './lookups.js';
import { intId, money, qty } from './schemas.js';

const QTY_FIELDS = ['qty_on_hand', 'qty_committed', 'qty_available', 'qty_on_po', 'qty_in_transit'] as const;

function intParam(q: CollectionQuery, name: string): number[] {
  return q.params
    .getAll(name)
    .concat(q.params.getAll(`${name}[]`))
    .map(Number)
    .filter((n) => Number.isInteger(n));
}

export function registerInventoryRoutes(app: FastifyInstance, ctx: HlContext): void {
  const { state } = ctx;

  app.get('/api/inventory/values', async (request) => {
    const q = query(ctx, request);
    const byItem = q.group.includes('item_id');
    const byLocation = q.group.includes('location_id');
    const itemIds = intParam(q, 'item_id');
    const locationIds = intParam(q, 'location_id');
    const excludeEmpty = q.params.get('exclude_empty_locations') === 'true';
    let items: HlItem[] = itemIds.length
      ? itemIds.map((id) => state.items.get(id)).filter((i): i is HlItem => i !== undefined)
      : state.items.all();
    items = items.filter((i) => i['track_inventory?']);
    const locations = state.locations
      .all()
      .filter((l) => locationIds.length === 0 || locationIds.includes(l.id));

    const rows: Record<string, unknown>[] = [];
    const totals = new Map<string, Record<string, number>>();
    for (const item of items) {
      for (const loc of locations) {
        const s = state.peekStock(item.id, loc.id);
        const onHand = s?.qty_on_hand ?? 0;
        const committed = s?.qty_committed ?? 0;
        const onPo = s?.qty_on_po ?? 0;
        const inTransit = s?.qty_in_transit ?? 0;
        if (excludeEmpty && onHand === 0 && committed === 0 && onPo === 0 && inTransit === 0) continue;
        const qtys = {
          qty_on_hand: onHand,
          qty_committed: committed,
          qty_available: onHand - committed,
          qty_on_po: onPo,
          qty_in_transit: inTransit,
        };
        if (byItem && byLocation) {
          rows.push({ item_id: item.id, location_id: loc.id, ...qtys, unit_cost: s?.unit_cost ?? item.cost });
          continue;
        }
        const key = byItem ? `i${item.id}` : byLocation ? `l${loc.id}` : 'all';
        const acc = totals.get(key) ?? {};
        for (const f of QTY_FIELDS) acc[f] = (acc[f] ?? 0) + qtys[f];
        if (byItem) acc.item_id = item.id;
        if (byLocation) acc.location_id = loc.id;
        totals.set(key, acc);
      }
    }
    if (!(byItem && byLocation)) {
      for (const acc of totals.values()) rows.push({ ...acc });
      if (rows.length === 0 && !byItem && !byLocation) {
        rows.push(Object.fromEntries(QTY_FIELDS.map((f) => [f, 0])));
      }
    }
    const withItem = q.include.includes('item');
    return collection(rows, q, (row) => {
      if (!withItem || typeof row.item_id !== 'number') return row;
      return { ...row, item: { ...state.items.get(row.item_id) } };
    });
  });

  app.get('/api/inventory/transactions', async (request) => {
    const q = query(ctx, request);
    const itemIds = intParam(q, 'item_id');
    const locationIds = intParam(q, 'location_id');
    let rows = state.inventoryTransactions.all();
    if (itemIds.length) rows = rows.filter((r) => itemIds.includes(r.item_id));
    if (locationIds.length) rows = rows.filter((r) => locationIds.includes(r.location_id));
    return collection(rows, q);
  });

  const setBody = z
    .object({ location_id: intId, adjustment_reason_id: intId.nullable().optional() })
    .passthrough();
  const lineBody = z
    .object({
      item_id: intId.optional(),
      item_lookup: z.string().optional(),
      qty,
      unit_cost: money.nullable().optional(),
    })
    .passthrough();

  const checkReason = (id: number | null | undefined) => {
    if (id !== undefined && id !== null && !state.inventoryAdjustmentReasons.get(id)) {
      throw validationError({ adjustment_reason_id: ['does not exist'] });
    }
  };

  registerReads(app, ctx, 'inventory/adjustment_sets', state.adjustmentSets, 'Adjustment set');
  app.post('/api/inventory/adjustment_sets', async (request, reply) => {
    const body = parseBody(setBody, request.body);
    resolveLocation(ctx, body.location_id, 'location_id');
    checkReason(body.adjustment_reason_id);
    const at = state.nowIso();
    const set = state.adjustmentSets.insert((id) => ({
      id,
      location_id: body.location_id,
      adjustment_reason_id: body.adjustment_reason_id ?? null,
      status: 'complete',
      created_at: at,
      updated_at: at,
    }));
    return sendCreated(ctx, reply, `/inventory/adjustment_sets/${set.id}`);
  });
  app.put('/api/inventory/adjustment_sets/:id', async (request) => {
    const id = idParam(request);
    const set = must(state.adjustmentSets.get(id), 'Adjustment set', id);
    const body = parseBody(z.object({ status: z.string().optional() }).passthrough(), request.body);
    if (body.status) set.status = body.status;
    set.updated_at = state.nowIso();
    return { ...set };
  });
  registerChildList(
    app,
    ctx,
    'inventory/adjustment_sets',
    'lines',
    state.adjustmentSets,
    'Adjustment set',
    (id) => state.adjustmentLines.where((l) => l.adjustment_set_id === id),
  );
  app.post('/api/inventory/adjustment_sets/:id/lines', async (request, reply) => {
    const id = idParam(request);
    const set = must(state.adjustmentSets.get(id), 'Adjustment set', id);
    const body = parseBody(lineBody, request.body);
    const item = resolveItem(ctx, body);
    checkQty(item, body.qty);
    const line = applyAdjustment(
      ctx,
      item,
      set.location_id,
      body.qty,
      body.unit_cost ?? null,
      set.adjustment_reason_id,
      id,
    );
    return sendCreated(ctx, reply, `/inventory/adjustment_sets/${id}/lines/${line.id}`);
  });

  app.post('/api/inventory/adjustments', async (request, reply) => {
    const body = parseBody(
      lineBody.extend({ location_id: intId, adjustment_reason_id: intId.nullable().optional() }),
      request.body,
    );
    resolveLocation(ctx, body.location_id, 'location_id');
    checkReason(body.adjustment_reason_id);
    const item = resolveItem(ctx, body);
    checkQty(item, body.qty);
    const line = applyAdjustment(
      ctx,
      item,
      body.location_id,
      body.qty,
      body.unit_cost ?? null,
      body.adjustment_reason_id ?? null,
      null,
    );
    return sendCreated(ctx, reply, `/inventory/adjustments/${line.id}`);
  });
  registerReads(app, ctx, 'inventory/adjustments', state.adjustmentLines, 'Adjustment');
}

/** Records an adjustment line and moves on-hand stock by `delta` (positive adds, negative removes). */
export function applyAdjustment(
  ctx: HlContext,
  item: HlItem,
  locationId: number,
  delta: number,
  unitCost: number | null,
  reasonId: number | null,
  setId: number | null,
) {
  if (delta === 0) throw validationError({ qty: ["can't be zero"] });
  const line = ctx.state.adjustmentLines.insert((id) => ({
    id,
    adjustment_set_id: setId,
    item_id: item.id,
    location_id: locationId,
    qty: delta,
    unit_cost: unitCost,
    adjustment_reason_id: reasonId,
    created_at: ctx.state.nowIso(),
  }));
  ctx.state.changeStock(
    item.id,
    locationId,
    { onHand: delta },
    {
      type: 'InventoryAdjustment',
      id: line.id,
      reasonId,
      unitCost,
    },
  );
  return line;
}
