/**
 * v3 catalog: products (list/get/create/update, batch update ≤ 10) and variants (per product, and the
 * store-wide `/catalog/variants` list and batch update ≤ 50). Catalog writes never change stock here:
 * the Inventory API owns it (NOTES §9), so `inventory_level` in a write body is ignored.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BcError, unprocessable } from '../bc-errors.js';
import type { BcContext } from '../context.js';
import { parseApiDate } from '../dates.js';
import { bodyArray, qList, qs, query, v3List } from '../http-util.js';
import { m4 } from '../money.js';
import { renderProduct, renderVariant } from '../render.js';
import { addProduct } from '../seed-loader.js';
import type { ProductRecord, VariantRecord } from '../store-state.js';

const P = '/stores/:hash/v3/catalog';
const price = z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?$/)]);

const productWrite = z
  .object({
    id: z.number().int().optional(),
    name: z.string().min(1).max(250).optional(),
    type: z.enum(['physical', 'digital']).optional(),
    sku: z.string().max(255).optional(),
    description: z.string().optional(),
    weight: z.number().nonnegative().optional(),
    price: price.optional(),
    cost_price: price.optional(),
    sale_price: price.optional(),
    retail_price: price.optional(),
    upc: z.string().optional(),
    brand_id: z.number().int().optional(),
    categories: z.array(z.number().int()).optional(),
    is_visible: z.boolean().optional(),
    inventory_tracking: z.enum(['none', 'product', 'variant']).optional(),
    inventory_warning_level: z.number().int().optional(),
    variants: z
      .array(
        z
          .object({
            sku: z.string(),
            price: price.nullable().optional(),
            cost_price: price.nullable().optional(),
            upc: z.string().optional(),
            option_values: z
              .array(z.object({ option_display_name: z.string(), label: z.string() }).passthrough())
              .default([]),
          })
          .passthrough(),
      )
      .optional(),
  })
  .passthrough();
type ProductWrite = z.infer<typeof productWrite>;

const variantWrite = z
  .object({
    id: z.number().int().optional(),
    product_id: z.number().int().optional(),
    sku: z.string().max(255).optional(),
    price: price.nullable().optional(),
    cost_price: price.nullable().optional(),
    sale_price: price.nullable().optional(),
    upc: z.string().optional(),
    inventory_warning_level: z.number().int().optional(),
  })
  .passthrough();

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    const errors: Record<string, string> = {};
    for (const i of r.error.issues) errors[i.path.join('.') || 'body'] = i.message;
    throw unprocessable('JSON data is missing or invalid', errors);
  }
  return r.data;
}

export function registerCatalogV3(app: FastifyInstance, ctx: BcContext): void {
  const { state } = ctx;

  const skuTaken = (sku: string, exceptProduct?: number, exceptVariant?: number) => {
    const v = state.variantBySku(sku);
    if (v && v.id !== exceptVariant && v.product_id !== exceptProduct) return true;
    const p = state.productBySku(sku);
    return p !== undefined && p.id !== exceptProduct;
  };

  const applyProduct = (p: ProductRecord, w: ProductWrite) => {
    if (w.sku !== undefined && w.sku !== p.sku) {
      if (w.sku && skuTaken(w.sku, p.id)) throw new BcError(409, `The SKU '${w.sku}' is already in use.`);
      const base = state.variants.get(p.base_variant_id);
      if (base && base.option_values.length === 0) state.putVariant({ ...base, sku: w.sku });
      p.sku = w.sku;
    }
    if (w.name !== undefined) p.name = w.name;
    if (w.type !== undefined) p.type = w.type;
    if (w.description !== undefined) p.description = w.description;
    if (w.weight !== undefined) p.weight = w.weight;
    if (w.price !== undefined) p.price = m4(w.price);
    if (w.cost_price !== undefined) p.cost_price = m4(w.cost_price);
    if (w.sale_price !== undefined) p.sale_price = m4(w.sale_price);
    if (w.retail_price !== undefined) p.retail_price = m4(w.retail_price);
    if (w.upc !== undefined) p.upc = w.upc;
    if (w.brand_id !== undefined) p.brand_id = w.brand_id;
    if (w.categories !== undefined) p.categories = w.categories;
    if (w.is_visible !== undefined) p.is_visible = w.is_visible;
    if (w.inventory_tracking !== undefined) p.inventory_tracking = w.inventory_tracking;
    if (w.inventory_warning_level !== undefined) p.inventory_warning_level = w.inventory_warning_level;
    p.date_modified = ctx.now();
    ctx.webhooks.emit('store/product/updated', { type: 'product', id: p.id });
  };

  const applyVariant = (v: VariantRecord, w: z.infer<typeof variantWrite>) => {
    const next = { ...v };
    if (w.sku !== undefined && w.sku !== v.sku) {
      if (skuTaken(w.sku, undefined, v.id)) throw new BcError(409, `The SKU '${w.sku}' is already in use.`);
      next.sku = w.sku;
    }
    if (w.price !== undefined) next.price = w.price === null ? null : m4(w.price);
    if (w.cost_price !== undefined) next.cost_price = w.cost_price === null ? null : m4(w.cost_price);
    if (w.sale_price !== undefined) next.sale_price = w.sale_price === null ? null : m4(w.sale_price);
    if (w.upc !== undefined) next.upc = w.upc;
    if (w.inventory_warning_level !== undefined) next.inventory_warning_level = w.inventory_warning_level;
    state.putVariant(next);
    const p = state.products.get(v.product_id);
    if (p) {
      p.date_modified = ctx.now();
      if (next.is_base && next.option_values.length === 0) p.sku = next.sku;
    }
    ctx.webhooks.emit('store/sku/updated', {
      type: 'sku',
      id: v.id,
      sku: { product_id: v.product_id, variant_id: v.id },
    });
    ctx.webhooks.emit('store/product/updated', { type: 'product', id: v.product_id });
    return next;
  };

  const getProduct = (id: string) => {
    const p = state.products.get(Number(id));
    if (!p) throw new BcError(404, 'The requested product was not found.');
    return p;
  };

  app.get(`${P}/products`, async (req) => {
    const q = query(req);
    const ids = qList(q, 'id:in')?.map(Number);
    const id = qs(q, 'id');
    const skus = qList(q, 'sku:in');
    const sku = qs(q, 'sku');
    const name = qs(q, 'name');
    const minMod = qs(q, 'date_modified:min');
    const maxMod = qs(q, 'date_modified:max');
    const minMs = minMod === undefined ? undefined : parseApiDate(minMod);
    const maxMs = maxMod === undefined ? undefined : parseApiDate(maxMod);
    const visible = qs(q, 'is_visible');
    const tracking = qs(q, 'inventory_tracking');
    const include = new Set(qList(q, 'include') ?? []);
    const skuSet = skus ? new Set(skus) : undefined;
    const idSet = ids ? new Set(ids) : undefined;
    const out = [...state.products.values()].filter((p) => {
      if (idSet && !idSet.has(p.id)) return false;
      if (id !== undefined && p.id !== Number(id)) return false;
      if (sku !== undefined && p.sku !== sku) return false;
      if (skuSet && !skuSet.has(p.sku)) return false;
      if (name !== undefined && p.name !== name) return false;
      if (minMs !== undefined && Math.floor(p.date_modified / 1000) * 1000 < minMs) return false;
      if (maxMs !== undefined && Math.floor(p.date_modified / 1000) * 1000 > maxMs) return false;
      if (visible !== undefined && p.is_visible !== (visible === 'true' || visible === '1')) return false;
      if (tracking !== undefined && p.inventory_tracking !== tracking) return false;
      return true;
    });
    out.sort((a, b) => a.id - b.id);
    const page = v3List(out, q);
    return { data: page.data.map((p) => renderProduct(state, p, include.has('variants'))), meta: page.meta };
  });

  app.get<{ Params: { product_id: string } }>(`${P}/products/:product_id`, async (req) => {
    const include = new Set(qList(query(req), 'include') ?? []);
    return {
      data: renderProduct(state, getProduct(req.params.product_id), include.has('variants')),
      meta: {},
    };
  });

  app.post(`${P}/products`, async (req) => {
    const w = parse(productWrite, req.body);
    const missing = (['name', 'type', 'weight', 'price'] as const).filter((k) => w[k] === undefined);
    if (missing.length > 0) {
      throw unprocessable(
        'JSON data is missing or invalid',
        Object.fromEntries(missing.map((k) => [k, `${k} is required`])),
      );
    }
    if (w.sku && skuTaken(w.sku)) throw new BcError(409, `The SKU '${w.sku}' is already in use.`);
    for (const v of w.variants ?? []) {
      if (skuTaken(v.sku)) throw new BcError(409, `The SKU '${v.sku}' is already in use.`);
    }
    if ([...state.products.values()].some((p) => p.name === w.name)) {
      throw new BcError(409, `The product name '${w.name}' is already in use.`);
    }
    const p = addProduct(
      state,
      {
        name: w.name ?? '',
        sku: w.sku ?? '',
        type: w.type,
        price: String(w.price ?? '0'),
        cost_price: w.cost_price === undefined ? undefined : String(w.cost_price),
        sale_price: w.sale_price === undefined ? undefined : String(w.sale_price),
        weight: w.weight,
        description: w.description,
        upc: w.upc,
        brand_id: w.brand_id,
        categories: w.categories,
        is_visible: w.is_visible,
        inventory_tracking: w.inventory_tracking ?? 'none',
        variants: (w.variants ?? []).map((v) => ({
          sku: v.sku,
          price: v.price === undefined || v.price === null ? v.price : String(v.price),
          cost_price:
            v.cost_price === undefined || v.cost_price === null ? v.cost_price : String(v.cost_price),
          upc: v.upc,
          option_values: v.option_values,
        })),
      },
      ctx.now(),
    );
    ctx.webhooks.emit('store/product/created', { type: 'product', id: p.id });
    return { data: renderProduct(state, p, true), meta: {} };
  });

  app.put<{ Params: { product_id: string } }>(`${P}/products/:product_id`, async (req) => {
    const p = getProduct(req.params.product_id);
    applyProduct(p, parse(productWrite, req.body));
    return { data: renderProduct(state, p, false), meta: {} };
  });

  app.put(`${P}/products`, async (req, reply) => {
    const items = bodyArray(req.body, 'products');
    if (items.length > 10) {
      return reply.code(413).send({
        status: 413,
        title: 'The request payload is too large. The maximum items allowed in the array is 10',
        type: '',
        errors: {},
      });
    }
    const writes = items.map((i) => parse(productWrite, i));
    const targets = writes.map((w) => {
      if (w.id === undefined)
        throw unprocessable('JSON data is missing or invalid', { id: 'id is required' });
      return getProduct(String(w.id));
    });
    writes.forEach((w, i) => {
      applyProduct(targets[i] as ProductRecord, w);
    });
    return { data: targets.map((p) => renderProduct(state, p, false)), meta: {} };
  });

  app.get<{ Params: { product_id: string } }>(`${P}/products/:product_id/variants`, async (req) => {
    const p = getProduct(req.params.product_id);
    const vs = p.variantIds
      .map((id) => state.variants.get(id))
      .filter((v): v is VariantRecord => v !== undefined);
    const page = v3List(vs, query(req));
    return { data: page.data.map((v) => renderVariant(state, v)), meta: page.meta };
  });

  app.get<{ Params: { product_id: string; variant_id: string } }>(
    `${P}/products/:product_id/variants/:variant_id`,
    async (req) => {
      const p = getProduct(req.params.product_id);
      const v = state.variants.get(Number(req.params.variant_id));
      if (!v || v.product_id !== p.id) throw new BcError(404, 'The requested variant was not found.');
      return { data: renderVariant(state, v), meta: {} };
    },
  );

  app.put<{ Params: { product_id: string; variant_id: string } }>(
    `${P}/products/:product_id/variants/:variant_id`,
    async (req) => {
      const p = getProduct(req.params.product_id);
      const v = state.variants.get(Number(req.params.variant_id));
      if (!v || v.product_id !== p.id) throw new BcError(404, 'The requested variant was not found.');
      return { data: renderVariant(state, applyVariant(v, parse(variantWrite, req.body))), meta: {} };
    },
  );

  app.get(`${P}/variants`, async (req) => {
    const q = query(req);
    const sku = qs(q, 'sku');
    const skus = qList(q, 'sku:in');
    const pids = qList(q, 'product_id:in')?.map(Number);
    const ids = qList(q, 'id:in')?.map(Number);
    const upc = qs(q, 'upc');
    let list: VariantRecord[];
    if (sku !== undefined) {
      const v = state.variantBySku(sku);
      list = v ? [v] : [];
    } else {
      list = [...state.variants.values()];
    }
    const skuSet = skus ? new Set(skus) : undefined;
    const pidSet = pids ? new Set(pids) : undefined;
    const idSet = ids ? new Set(ids) : undefined;
    list = list
      .filter(
        (v) =>
          (!skuSet || skuSet.has(v.sku)) &&
          (!pidSet || pidSet.has(v.product_id)) &&
          (!idSet || idSet.has(v.id)) &&
          (upc === undefined || v.upc === upc),
      )
      .sort((a, b) => a.id - b.id);
    const page = v3List(list, q);
    return { data: page.data.map((v) => renderVariant(state, v)), meta: page.meta };
  });

  app.put(`${P}/variants`, async (req, reply) => {
    const items = bodyArray(req.body, 'variants');
    if (items.length > 50) {
      return reply.code(413).send({
        status: 413,
        title: 'The request payload is too large. The maximum items allowed in the array is 50',
        type: '',
        errors: {},
      });
    }
    const writes = items.map((i) => parse(variantWrite, i));
    const targets = writes.map((w) => {
      const v = w.id === undefined ? undefined : state.variants.get(w.id);
      if (!v) throw unprocessable('JSON data is missing or invalid', { id: `variant ${w.id} not found` });
      return v;
    });
    const updated = writes.map((w, i) => applyVariant(targets[i] as VariantRecord, w));
    return { data: updated.map((v) => renderVariant(state, v)), meta: {} };
  });
}
