/**
 * When catalog changes are picked up: Heartland item webhooks (`item_created` / `item_updated`, unsigned
 * and without documented retries, NOTES §15) as hints for one item, plus a backstop poll of items whose
 * `updated_at` moved since the cursor (re-reading a 5-minute overlap; unchanged items cost nothing, the
 * link hash says so). The full sync walks every item by id and saves its position after each page, so a
 * crash resumes where it stopped.
 */
import { hlItemSchema } from '../../connectors/heartland/schemas.js';
import { allItems } from '../inventory/hl-stock-reader.js';
import type { CatalogFlowContext } from './catalog-context.js';
import { type CatalogSyncResult, syncCatalogItems } from './catalog-sync.js';

export const CATALOG_POLL_CURSOR = 'catalog.updated_since';
export const CATALOG_FULL_CURSOR = 'catalog.full';
const OVERLAP_MS = 5 * 60_000;
const PAGE = 200;

function merge(into: CatalogSyncResult | undefined, r: CatalogSyncResult): CatalogSyncResult {
  if (!into) return r;
  return {
    items: into.items + r.items,
    matched: into.matched + r.matched,
    unchanged: into.unchanged + r.unchanged,
    productUpdates: into.productUpdates + r.productUpdates,
    variantUpdates: into.variantUpdates + r.variantUpdates,
    created: into.created + r.created,
    held: [...into.held, ...r.held],
    unmatched: [...into.unmatched, ...r.unmatched],
    preview: {
      products: [...into.preview.products, ...r.preview.products].slice(0, 100),
      variants: [...into.preview.variants, ...r.preview.variants].slice(0, 100),
      creates: [...into.preview.creates, ...r.preview.creates].slice(0, 100),
    },
  };
}

const empty = (): CatalogSyncResult => ({
  items: 0,
  matched: 0,
  unchanged: 0,
  productUpdates: 0,
  variantUpdates: 0,
  created: 0,
  held: [],
  unmatched: [],
  preview: { products: [], variants: [], creates: [] },
});

/** The backstop poll: items updated since the cursor. */
export async function pollCatalog(ctx: CatalogFlowContext): Promise<CatalogSyncResult> {
  const raw = await ctx.engine.cursors.get(ctx.connectionId, CATALOG_POLL_CURSOR);
  const since = raw ?? new Date(0).toISOString();
  let newest = Date.parse(since);
  let total = empty();
  for await (const page of ctx.hl.itemsUpdatedSince(
    new Date(Math.max(0, Date.parse(since) - OVERLAP_MS)).toISOString(),
  )) {
    for (const it of page.items) {
      const t = it.updated_at ? Date.parse(it.updated_at) : Number.NaN;
      if (Number.isFinite(t)) newest = Math.max(newest, t);
    }
    total = merge(total, await syncCatalogItems(ctx, page.items));
  }
  await ctx.engine.cursors.set(ctx.connectionId, CATALOG_POLL_CURSOR, new Date(newest).toISOString());
  return total;
}

/** One item (a webhook hint): re-read it from Heartland, never trust the delivered body. */
export async function syncCatalogItem(ctx: CatalogFlowContext, itemId: number): Promise<CatalogSyncResult> {
  return syncCatalogItems(ctx, [await ctx.hl.getItem(itemId)]);
}

export interface FullCatalogOptions {
  dryRun?: boolean;
  onProgress?: (p: { done: number; lastId: number }) => void;
}

/** Every item, by id, resumable from `catalog.full` (dry runs neither read nor move the cursor). */
export async function fullCatalogSync(
  ctx: CatalogFlowContext,
  opts: FullCatalogOptions = {},
): Promise<CatalogSyncResult & { resumedFrom: number }> {
  const raw = opts.dryRun ? null : await ctx.engine.cursors.get(ctx.connectionId, CATALOG_FULL_CURSOR);
  const resumedFrom = raw && raw !== 'done' ? Number(raw) : 0;
  let total = empty();
  let done = 0;
  for await (const page of ctx.hl.client.keyset('/items', hlItemSchema, {
    afterId: resumedFrom,
    perPage: PAGE,
  })) {
    total = merge(total, await syncCatalogItems(ctx, page.items, { dryRun: opts.dryRun, force: true }));
    done += page.items.length;
    if (!opts.dryRun)
      await ctx.engine.cursors.set(ctx.connectionId, CATALOG_FULL_CURSOR, String(page.lastId));
    opts.onProgress?.({ done, lastId: page.lastId });
  }
  if (!opts.dryRun) await ctx.engine.cursors.set(ctx.connectionId, CATALOG_FULL_CURSOR, 'done');
  return { ...total, resumedFrom };
}

/** SKUs on one side without a partner on the other. */
export async function unmatchedSkus(
  ctx: CatalogFlowContext,
): Promise<{ bcOnly: string[]; hlOnly: string[] }> {
  const hl = new Set<string>();
  for await (const page of allItems(ctx.hl, 1000)) for (const it of page.items) hl.add(it.public_id);
  const bc = new Set<string>();
  for await (const page of ctx.bc.catalog.listVariants({}, { limit: 250 })) {
    for (const v of page.items) if (v.sku) bc.add(v.sku);
  }
  return {
    bcOnly: [...bc].filter((s) => !hl.has(s)).sort(),
    hlOnly: [...hl].filter((s) => !bc.has(s)).sort(),
  };
}
