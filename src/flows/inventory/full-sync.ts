/**
 * Full stock sync (`heartbridge sync inventory --full`, first install, recovery): every SKU.
 *
 * 1. **Map** — every Heartland item (SKU) and every BigCommerce inventory unit are read once; a `stock`
 *    link is saved per SKU with its BigCommerce identity and the levels BigCommerce showed (`seen`).
 *    SKUs only in Heartland get a `missing` link (never written, so one bad SKU cannot fail a batch).
 * 2. **Snapshot** — the ledger head is read, then `inventory/values` location by location (bracketed:
 *    the ledger cursor is set to that head at the end, so changes racing the snapshot are replayed).
 * 3. **Write** — targets vs what we wrote (or BigCommerce showed): only differences, ≤ 2,000 per call,
 *    links saved after every call.
 *
 * Resumable: the run's position is the cursor `inventory.full` (`{phase, ledgerBefore}`). A crash after
 * the map phase does not re-read BigCommerce; a crash after write batch k re-reads Heartland (its budget
 * is not BigCommerce's), finds batches 1..k equal to what the links say was written, and sends only
 * the rest. `dryRun` persists nothing and reports what would be written.
 */
import type { RequestPriority } from '../../connectors/bigcommerce/rate-budget.js';
import { allBcUnits } from './bc-stock-reader.js';
import { allItems, ledgerHead, valuesForLocation } from './hl-stock-reader.js';
import { feedingHlLocations } from './inventory-config.js';
import type { InventoryFlowContext } from './inventory-context.js';
import { reservedBySku } from './reservations.js';
import { type Levels, lastKnownLevel, type StockLink } from './stock-links.js';
import { LEDGER_CURSOR, stockLinksFor } from './stock-sync.js';
import {
  type Availability,
  addAvailability,
  assertLocations,
  type LevelChange,
  planChanges,
  targetsFor,
  writeChanges,
} from './stock-writer.js';

export const FULL_SYNC_CURSOR = 'inventory.full';

export type FullSyncPhase = 'map-hl' | 'map-bc' | 'snapshot' | 'write' | 'done';

export interface FullSyncProgress {
  phase: FullSyncPhase;
  done: number;
  total?: number;
}

export interface FullSyncOptions {
  dryRun?: boolean;
  priority?: RequestPriority;
  batchSize?: number;
  onProgress?: (p: FullSyncProgress) => void;
  /** After each written batch (tests throw here to simulate a crash). */
  afterBatch?: (info: { index: number; items: number; written: number }) => void | Promise<void>;
}

export interface FullSyncResult {
  resumed: boolean;
  skus: { hl: number; bc: number; matched: number; hlOnly: number };
  changes: number;
  written: number;
  calls: number;
  batches: number;
  rejected: string[];
  /** Dry run: the first changes that would be written. */
  preview: LevelChange[];
}

interface RunState {
  phase: 'mapped' | 'done';
  ledgerBefore: number;
  startedAt: number;
}

export async function fullSync(
  ctx: InventoryFlowContext,
  opts: FullSyncOptions = {},
): Promise<FullSyncResult> {
  const priority = opts.priority ?? 'bulk';
  const cfg = ctx.inventory;
  const stock = stockLinksFor(ctx);
  const raw = opts.dryRun ? null : await ctx.engine.cursors.get(ctx.connectionId, FULL_SYNC_CURSOR);
  const prior = raw ? (JSON.parse(raw) as RunState) : null;
  const resumed = prior?.phase === 'mapped';
  const result: FullSyncResult = {
    resumed,
    skus: { hl: 0, bc: 0, matched: 0, hlOnly: 0 },
    changes: 0,
    written: 0,
    calls: 0,
    batches: 0,
    rejected: [],
    preview: [],
  };

  await assertLocations(ctx);
  let links: Map<string, StockLink>;
  let ledgerBefore: number;
  if (resumed && prior) {
    ledgerBefore = prior.ledgerBefore;
    links = await stock.all();
  } else {
    ledgerBefore = await ledgerHead(ctx.hl);
    links = await mapSkus(ctx, priority, opts, result);
    if (!opts.dryRun) {
      await stock.save(links.values());
      const state: RunState = { phase: 'mapped', ledgerBefore, startedAt: ctx.now() };
      await ctx.engine.cursors.set(ctx.connectionId, FULL_SYNC_CURSOR, JSON.stringify(state));
    }
  }
  const active = new Map([...links].filter(([, l]) => !l.missing && l.hlItemId !== null));
  if (resumed) {
    result.skus = { hl: links.size, bc: active.size, matched: active.size, hlOnly: links.size - active.size };
  }

  // Snapshot, location by location (only feeding locations: the allow-list).
  const avail: Availability = new Map();
  let rows = 0;
  for (const loc of feedingHlLocations(cfg)) {
    await valuesForLocation(ctx.hl, loc, cfg.hlPageSize, (page) => {
      for (const r of page) addAvailability(avail, r.item_id, r.location_id, r.qty_available);
      rows += page.length;
      opts.onProgress?.({ phase: 'snapshot', done: rows });
    });
  }
  const reserved = await reservedBySku(ctx);
  const targets = new Map<string, Levels>();
  for (const [sku, link] of active) {
    targets.set(sku, targetsFor(cfg, sku, avail.get(link.hlItemId as number), reserved.get(sku)));
  }
  const changes = planChanges(targets, (sku, loc) => lastKnownLevel(active.get(sku), loc));
  result.changes = changes.length;
  if (opts.dryRun) {
    result.preview = changes.slice(0, 50);
    result.batches = Math.ceil(changes.length / (opts.batchSize ?? cfg.batchSize));
    return result;
  }
  opts.onProgress?.({ phase: 'write', done: 0, total: changes.length });
  const w = await writeChanges(ctx, stock, active, changes, {
    priority,
    batchSize: opts.batchSize,
    reason: 'heartbridge: full sync from Heartland',
    afterBatch: async (info) => {
      opts.onProgress?.({ phase: 'write', done: info.written, total: changes.length });
      await opts.afterBatch?.(info);
    },
  });
  Object.assign(result, { written: w.written, calls: w.calls, batches: w.batches, rejected: w.rejected });

  // Bracket: replay everything the ledger recorded since the snapshot began.
  await ctx.engine.cursors.set(ctx.connectionId, LEDGER_CURSOR, String(ledgerBefore));
  const done: RunState = { phase: 'done', ledgerBefore, startedAt: prior?.startedAt ?? ctx.now() };
  await ctx.engine.cursors.set(ctx.connectionId, FULL_SYNC_CURSOR, JSON.stringify(done));
  opts.onProgress?.({ phase: 'done', done: changes.length, total: changes.length });
  return result;
}

async function mapSkus(
  ctx: InventoryFlowContext,
  priority: RequestPriority,
  opts: FullSyncOptions,
  result: FullSyncResult,
): Promise<Map<string, StockLink>> {
  const existing = await stockLinksFor(ctx).all();
  const hlBySku = new Map<string, number>();
  for await (const page of allItems(ctx.hl, ctx.inventory.hlPageSize)) {
    for (const it of page.items) hlBySku.set(it.public_id, it.id);
    opts.onProgress?.({ phase: 'map-hl', done: hlBySku.size });
  }
  const links = new Map<string, StockLink>();
  let bcCount = 0;
  for await (const units of allBcUnits(ctx, priority)) {
    for (const u of units) {
      bcCount++;
      const itemId = hlBySku.get(u.sku);
      if (itemId === undefined) continue;
      const prev = existing.get(u.sku);
      links.set(u.sku, {
        sku: u.sku,
        hlItemId: itemId,
        variantId: u.variantId,
        productId: u.productId,
        // What BigCommerce shows now is the baseline: a full sync corrects whatever BigCommerce has,
        // whatever we believe we wrote before. Levels written by this run go to `written` as it goes.
        written: {},
        writtenAt: prev?.writtenAt,
        seen: u.levels,
      });
    }
    opts.onProgress?.({ phase: 'map-bc', done: bcCount });
  }
  const t = ctx.now();
  for (const [sku, itemId] of hlBySku) {
    if (!links.has(sku)) links.set(sku, { sku, hlItemId: itemId, missing: true, checkedAt: t, written: {} });
  }
  const matched = countMatched(links);
  result.skus = { hl: hlBySku.size, bc: bcCount, matched, hlOnly: hlBySku.size - matched };
  return links;
}

function countMatched(links: Map<string, StockLink>): number {
  let n = 0;
  for (const l of links.values()) if (!l.missing) n++;
  return n;
}
