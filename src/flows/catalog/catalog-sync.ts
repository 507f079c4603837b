/**
 * Catalog, Heartland → BigCommerce, matched by SKU (variant SKU = item `public_id`, DESIGN §5.1).
 *
 * For a set of Heartland items: find their BigCommerce variants (`sku:in`, 50 per call) and products
 * (`id:in`), work out the fields that should change — name ← description (a grid's description for grid
 * products), price ← price, visibility ← active (a grid product is visible while any of its items is
 * active) — and write only what differs, in batches (≤ 10 products, ≤ 50 variants per call).
 *
 * - No-op detection: a `catalog` link per SKU holds the hash of what we last wrote; a re-read item that
 *   hashes the same costs nothing more. Values BigCommerce already has are not written either.
 * - Price anomaly guard: a price falling by `maxDrop` or more, or rising to `maxRise`×, is not
 *   published; it goes to the review queue (`review_items`, kind `catalog.price_anomaly`) and the other
 *   fields are still written.
 * - `createMissing`: Heartland items without a grid and without a BigCommerce partner become products.
 */
import { Decimal } from 'decimal.js';
import type { ProductUpdate, VariantUpdate } from '../../connectors/bigcommerce/resources/body-types.js';
import type { BcProduct, BcVariant } from '../../connectors/bigcommerce/schemas.js';
import type { HlItem } from '../../connectors/heartland/schemas.js';
import { stableHash } from '../../mapping/stable-hash.js';
import { createReviewItems } from '../orders/review-items.js';
import type { CatalogFlowContext } from './catalog-context.js';

export const CATALOG_LINK_KIND = 'catalog';
export const PRICE_ANOMALY_KIND = 'catalog.price_anomaly';
const ID_CHUNK = 50;

export interface CatalogSyncResult {
  items: number;
  matched: number;
  unchanged: number;
  productUpdates: number;
  variantUpdates: number;
  created: number;
  held: Array<{ sku: string; from: string; to: string }>;
  unmatched: string[];
  /** Dry run: what would be written. */
  preview: { products: ProductUpdate[]; variants: VariantUpdate[]; creates: string[] };
}

interface Desired {
  product?: { name?: string; price?: number; is_visible?: boolean };
  variant?: { price?: number };
}

export function priceAnomaly(
  from: string | undefined,
  to: string,
  guard: { maxDrop: number; maxRise: number },
): boolean {
  if (from === undefined) return false;
  const old = new Decimal(from);
  if (old.lte(0)) return false;
  const ratio = new Decimal(to).div(old);
  return ratio.lte(1 - guard.maxDrop) || ratio.gte(guard.maxRise);
}

const samePrice = (a: string | number | null | undefined, b: string) =>
  a !== undefined && a !== null && new Decimal(a).eq(new Decimal(b));

async function productsById(ctx: CatalogFlowContext, ids: number[]): Promise<Map<number, BcProduct>> {
  const out = new Map<number, BcProduct>();
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    for await (const page of ctx.bc.catalog.listProducts({ 'id:in': ids.slice(i, i + ID_CHUNK) })) {
      for (const p of page.items) out.set(p.id, p);
    }
  }
  return out;
}

/** Grid id → {name, anyActive} (Heartland reads only). */
async function gridFacts(ctx: CatalogFlowContext, gridIds: number[]) {
  const out = new Map<number, { name?: string; anyActive: boolean }>();
  for (const id of gridIds) {
    const [grid, items] = await Promise.all([ctx.hl.getGrid(id), ctx.hl.gridItems(id)]);
    out.set(id, {
      name: grid.item_description ?? undefined,
      anyActive: items.some((i) => i.active !== false),
    });
  }
  return out;
}

export async function syncCatalogItems(
  ctx: CatalogFlowContext,
  items: readonly HlItem[],
  /** `force`: look every item up in BigCommerce even if its Heartland state is unchanged (full sync). */
  opts: { dryRun?: boolean; force?: boolean } = {},
): Promise<CatalogSyncResult> {
  const cfg = ctx.catalog;
  const result: CatalogSyncResult = {
    items: items.length,
    matched: 0,
    unchanged: 0,
    productUpdates: 0,
    variantUpdates: 0,
    created: 0,
    held: [],
    unmatched: [],
    preview: { products: [], variants: [], creates: [] },
  };
  if (items.length === 0) return result;
  const grids = await gridFacts(ctx, [
    ...new Set(items.map((i) => i.grid_id).filter((g): g is number => typeof g === 'number')),
  ]);
  // What Heartland says, per SKU; unchanged since our last write → nothing to read or write.
  const pending: Array<{ item: HlItem; hash: string }> = [];
  for (const item of items) {
    const grid = item.grid_id ? grids.get(item.grid_id) : undefined;
    const hash = stableHash({
      fields: cfg.fields,
      d: item.description,
      g: grid?.name,
      ga: grid?.anyActive,
      price: item.price === null || item.price === undefined ? null : new Decimal(item.price).toString(),
      active: item.active !== false,
    });
    const link = await ctx.engine.links.findByBcId(ctx.connectionId, CATALOG_LINK_KIND, item.public_id);
    if (!opts.force && link?.lastHash === hash) result.unchanged++;
    else pending.push({ item, hash });
  }

  const variants = new Map<string, BcVariant>();
  const skus = pending.map((x) => x.item.public_id);
  if (skus.length > 0) for (const v of await ctx.bc.catalog.variantsBySku(skus)) variants.set(v.sku, v);
  const products = await productsById(ctx, [...new Set([...variants.values()].map((v) => v.product_id))]);
  const reviews = createReviewItems(ctx.engine.store.db, ctx.now);

  const productPatch = new Map<number, ProductUpdate>();
  const variantPatch: VariantUpdate[] = [];
  const linkUpdates: Array<{ sku: string; itemId: number; hash: string }> = [];
  const creates: HlItem[] = [];

  for (const { item, hash } of pending) {
    const v = variants.get(item.public_id);
    const p = v ? products.get(v.product_id) : undefined;
    if (!v || !p) {
      if (cfg.createMissing && !item.grid_id) creates.push(item);
      else {
        result.unmatched.push(item.public_id);
        // Remembered as unmatched for this Heartland state: not looked up again until the item changes
        // (`catalog unmatched` and the full sync re-check every SKU).
        linkUpdates.push({ sku: item.public_id, itemId: item.id, hash });
      }
      continue;
    }
    result.matched++;
    const simple = p.sku === item.public_id;
    const grid = item.grid_id ? grids.get(item.grid_id) : undefined;
    const want: Desired = { product: {}, variant: {} };
    let held = false;
    if (cfg.fields.name === 'hl_to_bc') {
      const name = simple ? item.description : grid?.name;
      if (name && name !== p.name) (want.product ?? {}).name = name;
    }
    if (cfg.fields.visibility === 'hl_to_bc') {
      const visible = simple ? item.active !== false : (grid?.anyActive ?? true);
      if (visible !== (p as { is_visible?: boolean }).is_visible) (want.product ?? {}).is_visible = visible;
    }
    if (cfg.fields.price === 'hl_to_bc' && item.price !== undefined && item.price !== null) {
      const current = simple ? p.price : (v.price ?? p.price);
      if (!samePrice(current, item.price)) {
        // A person's decision on exactly this change (`review resolve --approve | --reject`) stands.
        const anomaly = priceAnomaly(current ?? undefined, item.price, cfg.priceGuard);
        const decided = anomaly
          ? await reviews.resolutionFor(ctx.connectionId, PRICE_ANOMALY_KIND, `sku:${item.public_id}`)
          : null;
        const sameChange =
          decided?.resolution != null &&
          samePrice((decided.candidates as { to?: string } | null)?.to, item.price);
        const approved = sameChange && decided?.resolution != null && 'approve' in decided.resolution;
        if (anomaly && !approved) {
          held = true;
          result.held.push({ sku: item.public_id, from: String(current), to: item.price });
          if (!opts.dryRun && !sameChange) {
            await reviews.open({
              connectionId: ctx.connectionId,
              kind: PRICE_ANOMALY_KIND,
              entityKey: `sku:${item.public_id}`,
              reason: `price change ${current} → ${item.price} is beyond the guard (drop ≥ ${cfg.priceGuard.maxDrop * 100} % or rise ≥ ×${cfg.priceGuard.maxRise}); not published`,
              candidates: { sku: item.public_id, from: current, to: item.price, hlItemId: item.id },
            });
          }
        } else if (simple) (want.product ?? {}).price = Number(item.price);
        else (want.variant ?? {}).price = Number(item.price);
      }
    }
    if (Object.keys(want.product ?? {}).length > 0) {
      productPatch.set(p.id, {
        ...(productPatch.get(p.id) ?? { id: p.id }),
        ...want.product,
      } as ProductUpdate);
    }
    if (want.variant?.price !== undefined)
      variantPatch.push({ id: v.id, price: want.variant.price } as VariantUpdate);
    // A held price is not recorded as written: the next run looks at it again (the review stays one item).
    if (!held) linkUpdates.push({ sku: item.public_id, itemId: item.id, hash });
  }

  const productList = [...productPatch.values()];
  result.preview = {
    products: productList,
    variants: variantPatch,
    creates: creates.map((i) => i.public_id),
  };
  if (opts.dryRun) return result;
  if (productList.length > 0) await ctx.bc.catalog.updateProducts(productList);
  if (variantPatch.length > 0) await ctx.bc.catalog.updateVariants(variantPatch);
  result.productUpdates = productList.length;
  result.variantUpdates = variantPatch.length;
  for (const l of linkUpdates) {
    await ctx.engine.links.upsert({
      connectionId: ctx.connectionId,
      kind: CATALOG_LINK_KIND,
      bcId: l.sku,
      hlId: String(l.itemId),
      lastHash: l.hash,
    });
  }
  for (const item of creates) {
    const created = await ctx.bc.catalog.createProduct({
      name: item.description ?? item.public_id,
      type: 'physical',
      sku: item.public_id,
      weight: Number((item as { weight?: number }).weight ?? 0),
      price: Number(item.price ?? 0),
      is_visible: item.active !== false,
      inventory_tracking: 'product',
    });
    await ctx.engine.links.upsert({
      connectionId: ctx.connectionId,
      kind: CATALOG_LINK_KIND,
      bcId: item.public_id,
      hlId: String(item.id),
      data: { productId: created.id, created: true },
    });
    result.created++;
  }
  return result;
}
