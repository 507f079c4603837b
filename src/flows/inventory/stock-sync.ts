/**
 * Incremental stock sync, Heartland → BigCommerce.
 *
 * How we learn of changes (Heartland sends no inventory webhooks, NOTES §10/§15):
 * - **The ledger** `inventory/transactions`, read with an id cursor (`inventory.ledger`) every
 *   `pollInterval` (default 15 s). Each run asks "which items moved at a feeding location since id N?",
 *   one small page when nothing happened. It re-reads `ledgerOverlap` ids before the cursor (late
 *   commits); those re-reads compute the same targets and cost no BigCommerce call.
 * - **Bracketed snapshots** of `inventory/values` (full sync, reconcile): the ledger head is read before
 *   the snapshot and the ledger cursor is set to it afterwards, so every change that raced the snapshot
 *   is replayed by the next poll.
 * - **Hints**: Heartland item webhooks and BigCommerce inventory webhooks enqueue a re-read of one item.
 * We chose the ledger over polling `inventory/values` because a values poll costs pages proportional to
 * the catalogue every time, while the ledger costs pages proportional to what changed.
 *
 * For the changed items: read their values (feeding locations only), subtract safety stock and
 * reservations, compare with what we last wrote (links kind `stock`), and write only the differences.
 * Many ledger rows for one item within a poll become one level: the set of items is the coalescing.
 */

import type { RequestPriority } from '../../connectors/bigcommerce/rate-budget.js';
import { createKeyLock } from '../../engine/index.js';
import { bcUnitsBySku } from './bc-stock-reader.js';
import { itemSkus, ledgerHead, ledgerItemsSince, valuesForItems } from './hl-stock-reader.js';
import { feedingHlLocations } from './inventory-config.js';
import type { InventoryFlowContext } from './inventory-context.js';
import { reservedBySku } from './reservations.js';
import { createStockLinks, type Levels, lastKnownLevel, type StockLink } from './stock-links.js';
import { type Availability, addAvailability, planChanges, targetsFor, writeChanges } from './stock-writer.js';

export const LEDGER_CURSOR = 'inventory.ledger';
/** SKUs BigCommerce did not have are looked up again after this long. */
const MISSING_RECHECK_MS = 3_600_000;

export interface SyncResult {
  items: number;
  changes: number;
  written: number;
  calls: number;
  skipped: number;
}

export interface SyncOptions {
  priority?: RequestPriority;
  dryRun?: boolean;
  /** Compare with these BigCommerce levels instead of what we last wrote (hints that re-read BigCommerce). */
  bcActual?: Map<string, Levels>;
}

export function stockLinksFor(ctx: InventoryFlowContext) {
  return createStockLinks(ctx.engine.store.db, ctx.connectionId, ctx.now);
}

/** Links for these Heartland items, creating the missing ones (SKU from Heartland, identity from BigCommerce). */
export async function linksForItems(
  ctx: InventoryFlowContext,
  itemIds: readonly number[],
  priority: RequestPriority,
): Promise<Map<number, StockLink>> {
  const stock = stockLinksFor(ctx);
  const byItem = await stock.byHlItemIds(itemIds);
  const now = ctx.now();
  const stale = [...byItem.values()].filter(
    (l) => l.missing && now - (l.checkedAt ?? 0) > MISSING_RECHECK_MS,
  );
  const unknown = itemIds.filter((id) => !byItem.has(id));
  if (unknown.length === 0 && stale.length === 0) return byItem;

  const items = await itemSkus(ctx.hl, unknown);
  const bySku = await stock.bySkus(items.map((i) => i.public_id));
  const toLookUp = [
    ...items.map((i) => i.public_id).filter((s) => !bySku.has(s)),
    ...stale.map((l) => l.sku),
  ];
  const units = await bcUnitsBySku(ctx, toLookUp, priority);
  const created: StockLink[] = [];
  for (const item of items) {
    const existing = bySku.get(item.public_id);
    if (existing) {
      existing.hlItemId = item.id;
      byItem.set(item.id, existing);
      created.push(existing);
      continue;
    }
    const unit = units.get(item.public_id);
    const link: StockLink = unit
      ? {
          sku: unit.sku,
          hlItemId: item.id,
          variantId: unit.variantId,
          productId: unit.productId,
          written: {},
          seen: unit.levels,
        }
      : { sku: item.public_id, hlItemId: item.id, missing: true, checkedAt: now, written: {} };
    byItem.set(item.id, link);
    created.push(link);
  }
  for (const link of stale) {
    const unit = units.get(link.sku);
    link.checkedAt = now;
    if (unit)
      Object.assign(link, {
        missing: false,
        variantId: unit.variantId,
        productId: unit.productId,
        seen: unit.levels,
      });
    created.push(link);
  }
  await stock.save(created);
  return byItem;
}

/** Stock syncs of a connection, one at a time in this process (see syncItems). */
const stockSyncLock = createKeyLock();

/** Re-reads these Heartland items and writes what changed. */
export function syncItems(
  ctx: InventoryFlowContext,
  itemIds: Iterable<number>,
  opts: SyncOptions = {},
): Promise<SyncResult> {
  // One stock sync at a time per connection in this process: each reads Heartland, computes targets and
  // writes, and two of them interleaved could apply an older snapshot's absolute write after a newer one
  // (the ledger poll, a hint and the reservations job touch the same SKUs), leaving the web wrong until
  // the next reconcile. Writes are batched, so serialising costs little; the BigCommerce budget is the
  // limit anyway. Across PostgreSQL worker processes the reconcile repairs what a race leaves: the
  // store-wide lock (engine.locks) was tried here and made every waiting stock job poll the database
  // while holding a worker slot — see docs/architecture.md.
  return stockSyncLock(`stock:${ctx.connectionId}`, () => syncItemsNow(ctx, itemIds, opts));
}

async function syncItemsNow(
  ctx: InventoryFlowContext,
  itemIds: Iterable<number>,
  opts: SyncOptions,
): Promise<SyncResult> {
  const ids = [...new Set(itemIds)];
  const result: SyncResult = { items: ids.length, changes: 0, written: 0, calls: 0, skipped: 0 };
  if (ids.length === 0) return result;
  const priority = opts.priority ?? 'realtime';
  const cfg = ctx.inventory;
  const byItem = await linksForItems(ctx, ids, priority);
  const active = [...byItem.values()].filter((l) => !l.missing && l.hlItemId !== null);
  result.skipped = ids.length - active.length;
  if (active.length === 0) return result;

  const feeding = feedingHlLocations(cfg);
  const rows = await valuesForItems(
    ctx.hl,
    active.map((l) => l.hlItemId as number),
    feeding,
    cfg.hlPageSize,
  );
  const avail: Availability = new Map();
  for (const r of rows) addAvailability(avail, r.item_id, r.location_id, r.qty_available);
  const reserved = await reservedBySku(
    ctx,
    active.map((l) => l.sku),
  );

  const targets = new Map<string, Levels>();
  const links = new Map<string, StockLink>();
  for (const link of active) {
    links.set(link.sku, link);
    targets.set(
      link.sku,
      targetsFor(cfg, link.sku, avail.get(link.hlItemId as number), reserved.get(link.sku)),
    );
  }
  const baseline = opts.bcActual
    ? (sku: string, loc: number) => opts.bcActual?.get(sku)?.[String(loc)]
    : (sku: string, loc: number) => lastKnownLevel(links.get(sku), loc);
  const changes = planChanges(targets, baseline);
  if (opts.bcActual && !opts.dryRun) {
    // BigCommerce was just read: what it shows is now the baseline (levels that already equal the
    // target need no write, and later echoes / polls compare with them).
    const known: StockLink[] = [];
    for (const [sku, actual] of opts.bcActual) {
      const link = links.get(sku);
      if (!link) continue;
      const written: Levels = {};
      for (const loc of cfg.locations) {
        const v = actual[String(loc.bcLocationId)];
        if (v !== undefined) written[String(loc.bcLocationId)] = v;
      }
      link.written = written;
      known.push(link);
    }
    await stockLinksFor(ctx).save(known);
  }
  const w = await writeChanges(ctx, stockLinksFor(ctx), links, changes, { priority, dryRun: opts.dryRun });
  return { ...result, changes: w.changes, written: w.written, calls: w.calls };
}

/** SKUs → their Heartland items → `syncItems` (reservation changes, BigCommerce hints). */
export async function syncSkus(
  ctx: InventoryFlowContext,
  skus: Iterable<string>,
  opts: SyncOptions = {},
): Promise<SyncResult> {
  const links = await stockLinksFor(ctx).bySkus(skus);
  const ids = [...links.values()].map((l) => l.hlItemId).filter((id): id is number => id !== null);
  return syncItems(ctx, ids, opts);
}

export interface PollResult extends SyncResult {
  fromId: number;
  toId: number;
  ledgerRows: number;
  /** More ledger rows are waiting (the run stopped at its row cap). */
  more: boolean;
  /** This was the first poll: the cursor now starts at the ledger head and a full sync is needed. */
  initialised?: boolean;
}

/** One ledger poll: items moved since the cursor → `syncItems` → advance the cursor. */
export async function pollLedger(
  ctx: InventoryFlowContext,
  opts: { maxRows?: number } = {},
): Promise<PollResult> {
  const cursor = await ctx.engine.cursors.get(ctx.connectionId, LEDGER_CURSOR);
  if (cursor === null) {
    // Never synced: start from now. The initial levels come from a full sync (the poll handler enqueues
    // one; `heartbridge sync inventory --full` does the same by hand).
    const head = await ledgerHead(ctx.hl);
    await ctx.engine.cursors.set(ctx.connectionId, LEDGER_CURSOR, String(head));
    ctx.logger?.warn(
      { connection: ctx.connectionId, ledgerHead: head },
      'inventory ledger cursor initialised; a full sync sets the initial levels',
    );
    return {
      initialised: true,
      items: 0,
      changes: 0,
      written: 0,
      calls: 0,
      skipped: 0,
      fromId: head,
      toId: head,
      ledgerRows: 0,
      more: false,
    };
  }
  const fromId = Math.max(0, Number(cursor) - ctx.inventory.ledgerOverlap);
  const read = await ledgerItemsSince(ctx.hl, fromId, feedingHlLocations(ctx.inventory), {
    pageSize: ctx.inventory.hlPageSize,
    maxRows: opts.maxRows ?? 20_000,
  });
  const res = await syncItems(ctx, read.itemIds, { priority: 'realtime' });
  const toId = Math.max(Number(cursor), read.lastId);
  await ctx.engine.cursors.set(ctx.connectionId, LEDGER_CURSOR, String(toId));
  return { ...res, fromId, toId, ledgerRows: read.rows, more: !read.complete };
}
