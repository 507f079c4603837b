import { afterEach, describe, expect, it } from 'vitest';
import { parseCatalogConfig } from '../../src/flows/catalog/catalog-config.js';
import type { CatalogFlowContext } from '../../src/flows/catalog/catalog-context.js';
import {
  fullCatalogSync,
  pollCatalog,
  syncCatalogItem,
  unmatchedSkus,
} from '../../src/flows/catalog/catalog-poll.js';
import { PRICE_ANOMALY_KIND } from '../../src/flows/catalog/catalog-sync.js';
import { type Harness, startHarness } from './inventory-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function catalogCtx(x: Harness, catalog: Record<string, unknown> = {}): CatalogFlowContext {
  return { ...x.ctx, catalog: parseCatalogConfig(catalog) };
}

function pick(x: Harness, grid: boolean) {
  const hlOnly = new Set(x.sb.seed.unmatched.hlOnly);
  const bcOnly = new Set(x.sb.seed.unmatched.bcOnly);
  const item = x.sb.hl.state.items
    .all()
    .find((i) => !hlOnly.has(i.public_id) && !bcOnly.has(i.public_id) && Boolean(i.grid_id) === grid);
  if (!item) throw new Error('no item');
  return item;
}

function bcPrice(x: Harness, sku: string): string {
  const v = x.sb.bc.state.variantBySku(sku);
  const p = v ? x.sb.bc.state.products.get(v.product_id) : undefined;
  if (!p) throw new Error(`no product for ${sku}`);
  return p.sku === sku ? p.price : (v?.price ?? p.price);
}

describe('catalog Heartland → BigCommerce', () => {
  it('updates name, price and visibility by SKU; a second run with nothing changed makes no call', async () => {
    h = await startHarness();
    const ctx = catalogCtx(h);
    await fullCatalogSync(ctx);
    const simple = pick(h, false);
    const variant = pick(h, true);
    await h.ctx.hl.updateItem(simple.id, { description: 'Renamed Bottle', price: 31.5, active: false });
    await h.ctx.hl.updateItem(variant.id, { price: 99.25 });

    const r = await pollCatalog(ctx);
    expect(r.productUpdates).toBeGreaterThanOrEqual(1);
    expect(r.variantUpdates).toBe(1);
    const p = h.sb.bc.state.productBySku(simple.public_id);
    expect(p?.name).toBe('Renamed Bottle');
    expect(p?.is_visible).toBe(false);
    expect(Number(bcPrice(h, simple.public_id))).toBe(31.5);
    expect(Number(bcPrice(h, variant.public_id))).toBe(99.25);

    const requests = h.bcRequests();
    const again = await pollCatalog(ctx);
    expect(again.productUpdates + again.variantUpdates).toBe(0);
    expect(h.bcRequests()).toBe(requests);
  });

  it('holds a price change beyond the guard for review instead of publishing it', async () => {
    h = await startHarness();
    const ctx = catalogCtx(h, { priceGuard: { maxDrop: 0.9 } });
    await fullCatalogSync(ctx);
    const item = pick(h, false);
    const before = bcPrice(h, item.public_id);
    await h.ctx.hl.updateItem(item.id, { price: Number(before) * 0.05, description: 'Still Renamed' });
    const r = await pollCatalog(ctx);
    expect(r.held.map((x) => x.sku)).toEqual([item.public_id]);
    expect(bcPrice(h, item.public_id)).toBe(before);
    expect(h.sb.bc.state.productBySku(item.public_id)?.name).toBe('Still Renamed');
    const reviews = await h.store.db
      .selectFrom('review_items')
      .selectAll()
      .where('kind', '=', PRICE_ANOMALY_KIND)
      .execute();
    expect(reviews.map((x) => x.entity_key)).toEqual([`sku:${item.public_id}`]);
    // Polling again keeps one review item.
    await pollCatalog(ctx);
    expect(await h.store.db.selectFrom('review_items').selectAll().execute()).toHaveLength(1);

    // A person approves exactly this change: it is published at once (a catalog.item job), then stays.
    const { resolveReviewItem } = await import('../../src/flows/orders/review-resolution.js');
    expect(await resolveReviewItem(h.ctx.engine, reviews[0]!.id, { use: 1 }, 'cli:test')).toEqual({
      error: expect.stringMatching(/anomaly: resolve it with --approve or --reject/),
    });
    const approved = await resolveReviewItem(h.ctx.engine, reviews[0]!.id, { approve: true }, 'cli:test');
    expect('replayed' in approved && approved.replayed).toHaveLength(1);
    const [job] = await h.ctx.engine.queue.listJobs({ task: 'catalog.item' });
    expect(job?.entityKey).toBe(`hl:item:${item.id}`);
    await syncCatalogItem(ctx, item.id);
    const hlPrice = h.sb.hl.state.items.get(item.id)!.price;
    expect(Number(bcPrice(h, item.public_id))).toBe(Number(hlPrice));

    // Rejected: the price stays unpublished and nobody is asked again about the same change.
    const other = h.sb.hl.state.items
      .all()
      .find((i) => i.id !== item.id && !i.grid_id && h!.sb.bc.state.productBySku(i.public_id))!;
    const otherBefore = bcPrice(h, other.public_id);
    await h.ctx.hl.updateItem(other.id, { price: Number(otherBefore) * 0.05 });
    await pollCatalog(ctx);
    const open = await h.store.db
      .selectFrom('review_items')
      .selectAll()
      .where('status', '=', 'open')
      .execute();
    expect(open.map((x) => x.entity_key)).toEqual([`sku:${other.public_id}`]);
    await resolveReviewItem(h.ctx.engine, open[0]!.id, { reject: true }, 'cli:test');
    const after = await pollCatalog(ctx);
    expect(after.held.map((x) => x.sku)).toContain(other.public_id);
    await syncCatalogItem(ctx, other.id);
    expect(bcPrice(h, other.public_id)).toBe(otherBefore);
    expect(
      await h.store.db.selectFrom('review_items').selectAll().where('status', '=', 'open').execute(),
    ).toHaveLength(0);
  });

  it('creates missing products when asked and lists unmatched SKUs on either side', async () => {
    h = await startHarness({ products: 80 });
    const ctx = catalogCtx(h);
    const u = await unmatchedSkus(ctx);
    expect(u.bcOnly).toEqual([...h.sb.seed.unmatched.bcOnly].sort());
    expect(u.hlOnly).toEqual([...h.sb.seed.unmatched.hlOnly].sort());

    const hlOnlySimple = h.sb.hl.state.items
      .all()
      .filter((i) => u.hlOnly.includes(i.public_id) && !i.grid_id);
    const created = await fullCatalogSync(catalogCtx(h, { createMissing: true }));
    expect(created.created).toBe(hlOnlySimple.length);
    for (const i of hlOnlySimple) expect(h.sb.bc.state.productBySku(i.public_id)?.name).toBe(i.description);
    const after = await unmatchedSkus(ctx);
    expect(after.hlOnly.length).toBe(u.hlOnly.length - hlOnlySimple.length);
  });
});
