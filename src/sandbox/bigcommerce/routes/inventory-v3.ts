/** v3 inventory: items across locations, absolute/relative adjustments, per-location items and settings. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { BcError, unprocessable, v3ErrorBody } from '../bc-errors.js';
import type { BcContext } from '../context.js';
import { qList, query, v3List } from '../http-util.js';
import type { ItemIdentity } from '../inventory-service.js';
import type { ProductRecord, VariantRecord } from '../store-state.js';
import { registerLocationsV3 } from './locations-v3.js';

const P = '/stores/:hash/v3/inventory';

const identity = {
  sku: z.string().optional(),
  variant_id: z.number().int().optional(),
  product_id: z.number().int().optional(),
};
const adjustmentIn = z.object({
  reason: z.string().optional(),
  items: z
    .array(z.object({ location_id: z.number().int(), quantity: z.number().int(), ...identity }).passthrough())
    .min(1)
    .max(2000),
});
const settingsIn = z.object({
  settings: z
    .array(
      z
        .object({
          identity: z.object(identity),
          safety_stock: z.number().int().min(0).optional(),
          is_in_stock: z.boolean().optional(),
          warning_level: z.number().int().min(0).optional(),
          bin_picking_number: z.string().optional(),
        })
        .passthrough(),
    )
    .min(1)
    .max(2000),
});

/** One inventory unit as the Inventory API lists it. */
interface Unit {
  product: ProductRecord;
  variant: VariantRecord;
  stockKey: string;
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    const i = r.error.issues[0];
    if (i?.code === 'too_big') throw new BcError(422, 'Too many items: at most 2000 items per request.');
    throw unprocessable(`Invalid request: ${i?.path.join('.')} ${i?.message}`);
  }
  return r.data;
}

export function registerInventoryV3(app: FastifyInstance, ctx: BcContext): void {
  const { state, inventory } = ctx;

  /** Tracked units: the product (base variant identity) when tracked by product, each variant when by variant. */
  const units = (): Unit[] => {
    const out: Unit[] = [];
    for (const p of state.products.values()) {
      if (p.inventory_tracking === 'product') {
        const v = state.variants.get(p.base_variant_id);
        if (v) out.push({ product: p, variant: v, stockKey: `p${p.id}` });
      } else if (p.inventory_tracking === 'variant') {
        for (const vid of p.variantIds) {
          const v = state.variants.get(vid);
          if (v) out.push({ product: p, variant: v, stockKey: `v${v.id}` });
        }
      }
    }
    return out;
  };

  const unitIdentity = (u: Unit) => ({
    sku: u.product.inventory_tracking === 'product' ? u.product.sku : u.variant.sku,
    variant_id: u.variant.id,
    product_id: u.product.id,
    ...(u.variant.sku_id === null ? {} : { sku_id: u.variant.sku_id }),
  });

  const stockView = (u: Unit, locationId: number) => {
    const s = state.stock(u.stockKey, locationId);
    const onHand = s?.onHand ?? 0;
    const safety = s?.safetyStock ?? 0;
    return {
      available_to_sell: Math.max(0, onHand - safety),
      total_inventory_onhand: onHand,
      settings: {
        safety_stock: safety,
        is_in_stock: s?.isInStock ?? true,
        warning_level: s?.warningLevel ?? 0,
        bin_picking_number: s?.binPickingNumber ?? '',
      },
    };
  };

  const filterUnits = (q: ReturnType<typeof query>) => {
    const skus = qList(q, 'sku:in');
    const vids = qList(q, 'variant_id:in')?.map(Number);
    const pids = qList(q, 'product_id:in')?.map(Number);
    const skuSet = skus ? new Set(skus) : undefined;
    let list: Unit[];
    if (skuSet && !vids && !pids) {
      // Index path for large catalogs.
      list = [];
      for (const sku of skuSet) {
        const v = state.variantBySku(sku);
        const p = v ? state.products.get(v.product_id) : state.productBySku(sku);
        if (!p) continue;
        if (p.inventory_tracking === 'product') {
          const base = state.variants.get(p.base_variant_id);
          if (base) list.push({ product: p, variant: base, stockKey: `p${p.id}` });
        } else if (p.inventory_tracking === 'variant' && v)
          list.push({ product: p, variant: v, stockKey: `v${v.id}` });
      }
      const seen = new Set<string>();
      list = list.filter((u) => !seen.has(u.stockKey) && seen.add(u.stockKey) !== undefined);
    } else {
      list = units();
    }
    return list
      .filter(
        (u) =>
          (!skuSet || skuSet.has(unitIdentity(u).sku) || skuSet.has(u.variant.sku)) &&
          (!vids || vids.includes(u.variant.id)) &&
          (!pids || pids.includes(u.product.id)),
      )
      .sort((a, b) => a.variant.id - b.variant.id);
  };

  app.get(`${P}/items`, async (req) => {
    const q = query(req);
    const locIds = qList(q, 'location_id:in')?.map(Number);
    const locCodes = qList(q, 'location_code:in');
    const locations = [...state.locations.values()]
      .filter((l) => (!locIds || locIds.includes(l.id)) && (!locCodes || locCodes.includes(l.code)))
      .sort((a, b) => a.id - b.id);
    const page = v3List(filterUnits(q), q, 50, 1000);
    return {
      data: page.data.map((u) => ({
        identity: unitIdentity(u),
        locations: locations.map((l) => {
          const v = stockView(u, l.id);
          return {
            location_id: l.id,
            location_code: l.code,
            location_name: l.label,
            available_to_sell: v.available_to_sell,
            total_inventory_onhand: v.total_inventory_onhand,
            location_enabled: l.enabled,
            settings: v.settings,
          };
        }),
      })),
      meta: page.meta,
    };
  });

  // The spec gives the adjustments' 422 as `application/problem+json` (inventory.v3.yml); the shared
  // error handler answers `application/json`, so these two routes render their own refusals.
  const problem = (reply: FastifyReply, err: unknown) => {
    if (!(err instanceof BcError)) throw err;
    return reply
      .code(err.status)
      .type('application/problem+json')
      .send(v3ErrorBody(err.status, err.message, err.errors));
  };

  app.put(`${P}/adjustments/absolute`, async (req, reply) => {
    try {
      const body = parse(adjustmentIn, req.body);
      return { transaction_id: inventory.absolute(body.items) };
    } catch (err) {
      return problem(reply, err);
    }
  });

  app.post(`${P}/adjustments/relative`, async (req, reply) => {
    try {
      const body = parse(adjustmentIn, req.body);
      return { transaction_id: inventory.relative(body.items) };
    } catch (err) {
      return problem(reply, err);
    }
  });

  const getLocation = (id: string) => {
    const l = state.locations.get(Number(id));
    if (!l) throw new BcError(404, `Location with id ${id} not found.`);
    return l;
  };

  app.get<{ Params: { location_id: string } }>(`${P}/locations/:location_id/items`, async (req) => {
    const l = getLocation(req.params.location_id);
    const q = query(req);
    const page = v3List(filterUnits(q), q, 50, 1000);
    return {
      data: page.data.map((u) => {
        const { sku_id: _s, ...id } = unitIdentity(u);
        return { identity: id, ...stockView(u, l.id) };
      }),
      meta: page.meta,
    };
  });

  app.put<{ Params: { location_id: string } }>(`${P}/locations/:location_id/items`, async (req) => {
    const l = getLocation(req.params.location_id);
    const body = parse(settingsIn, req.body);
    const resolved = body.settings.map((s) => ({ s, r: inventory.resolve(s.identity as ItemIdentity) }));
    for (const { s, r } of resolved) {
      const st = state.ensureStock(r.stockKey, l.id);
      if (s.safety_stock !== undefined) st.safetyStock = s.safety_stock;
      if (s.is_in_stock !== undefined) st.isInStock = s.is_in_stock;
      if (s.warning_level !== undefined) st.warningLevel = s.warning_level;
      if (s.bin_picking_number !== undefined) st.binPickingNumber = s.bin_picking_number;
    }
    return { transaction_id: inventory.settingsTransaction(resolved.length) };
  });

  registerLocationsV3(app, ctx);
}
