/**
 * Full stock sync (`heartbridge sync inventory --full`, first install, recovery): every SKU. Two ways:
 *
 * **Read-first** (a connection that already has stock links, or `mode: 'read-first'`):
 * 1. **Map** — every Heartland item (SKU) and every BigCommerce inventory unit are read once; a `stock`
 *    link is saved per SKU with its BigCommerce identity and the levels BigCommerce showed (`seen`).
 *    SKUs only in Heartland get a `missing` link (never written, so one bad SKU cannot fail a batch).
 * 2. **Snapshot** — the ledger head is read, then `inventory/values` location by location (bracketed:
 *    the ledger cursor is set to that head at the end, so changes racing the snapshot are replayed).
 * 3. **Write** — targets vs what we wrote (or BigCommerce showed): only differences, ≤ 2,000 per call,
 *    links saved after every call.
 *
 * **Write-first** (a fresh connection — no stock link yet — or `mode: 'write-first'`): when we know
 * nothing, listing BigCommerce first costs ⌈units / 1,000⌉ reads only to learn which SKUs exist, and
 * nearly every level gets written anyway. So: Heartland items + snapshot → targets for every Heartland
 * SKU → absolute writes by `sku`, ≤ 2,000 per call, grouped by location (NOTES §9). BigCommerce refuses
 * a whole call when an item is bad and names the bad items in its 422 (stock-writer.ts): SKUs it does
 * not know become `missing` links (as the map phase makes them) and are left out of later batches; SKUs
 * refused for another reason (e.g. "tracked by product, please update stock by product id") are read
 * back — only those, by `sku:in` — to learn their identity, then resent (by `product_id` when tracked by
 * product) or marked `missing` when BigCommerce does not list them. Cost: the writes, plus one refused
 * call per batch that held unknown SKUs until they are all known (at worst the first location's
 * batches), plus ⌈refused-for-another-reason / 50⌉ reads. Should the refusals so far promise more
 * refused calls for the SKUs not yet tried than a listing costs (⌈SKUs / 1,000⌉ — e.g. a BigCommerce
 * that names one refused item per call), the sync stops learning that way, lists BigCommerce once and
 * writes the rest read-first style (`listed`).
 * What it does not learn: the variant / product ids of the SKUs BigCommerce accepted (and what
 * BigCommerce showed before). Links end up as the map phase leaves them except for those ids and
 * `seen`; every level is written, so `seen` is never consulted. The ids are filled in by the next
 * reconcile, and hints are handled meanwhile as identity.ts explains.
 *
 * Resumable (both ways): the run's position is the cursor `inventory.full` (`{phase, mode,
 * ledgerBefore}`). Read-first: a crash after the map phase does not re-read BigCommerce. A crash after
 * write batch k re-reads Heartland (its budget is not BigCommerce's), finds batches 1..k equal to what the
 * links say was written, and sends only the rest. `dryRun` persists nothing and reports what would be
 * written.
 */
import type { RequestPriority } from '../../connectors/bigcommerce/rate-budget.js';
import { allBcUnits, type BcUnit, bcUnitsBySku } from './bc-stock-reader.js';
import { allItems, ledgerHead, valuesForLocation } from './hl-stock-reader.js';
import { setIdentityPending } from './identity.js';
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

export type FullSyncPhase = 'map-hl' | 'map-bc' | 'snapshot' | 'write' | 'identify' | 'done';
export type FullSyncMode = 'read-first' | 'write-first';

export interface FullSyncProgress {
  phase: FullSyncPhase;
  done: number;
  total?: number;
}

export interface FullSyncOptions {
  dryRun?: boolean;
  priority?: RequestPriority;
  batchSize?: number;
  /** `auto` (default): write-first when the connection has no stock link yet, read-first otherwise. */
  mode?: 'auto' | FullSyncMode;
  onProgress?: (p: FullSyncProgress) => void;
  /** After each written batch (tests throw here to simulate a crash). */
  afterBatch?: (info: { index: number; items: number; written: number }) => void | Promise<void>;
}

export interface FullSyncResult {
  mode: FullSyncMode;
  resumed: boolean;
  /**
   * hl: Heartland SKUs; bc: BigCommerce units listed (write-first: SKUs BigCommerce took, it is not
   * listed); matched: SKUs on both sides; hlOnly: SKUs BigCommerce does not have (`missing` links).
   */
  skus: { hl: number; bc: number; matched: number; hlOnly: number };
  changes: number;
  written: number;
  /** Absolute adjustment calls, refused ones included. */
  calls: number;
  batches: number;
  /** SKUs BigCommerce refused for another reason than not knowing them (marked `missing`). */
  rejected: string[];
  /** Write-first: SKUs read back by `sku:in` after a refusal other than "not found". */
  lookedUp: number;
  /**
   * Write-first: refusals cost more than a listing would (BigCommerce naming one refused item per call,
   * or small batches), so BigCommerce was listed after all and the rest written knowing what exists.
   */
  listed: boolean;
  /** Dry run: the first changes that would be written. */
  preview: LevelChange[];
}

interface RunState {
  phase: 'mapped' | 'done';
  /** Absent in states written before write-first existed: read-first. */
  mode?: FullSyncMode;
  ledgerBefore: number;
  startedAt: number;
}

export async function fullSync(
  ctx: InventoryFlowContext,
  opts: FullSyncOptions = {},
): Promise<FullSyncResult> {
  const stock = stockLinksFor(ctx);
  const raw = opts.dryRun ? null : await ctx.engine.cursors.get(ctx.connectionId, FULL_SYNC_CURSOR);
  const prior = raw ? (JSON.parse(raw) as RunState) : null;
  const resumed = prior?.phase === 'mapped';
  // A resumed run keeps the way it started; otherwise as asked, else by whether we know anything yet.
  const mode: FullSyncMode =
    resumed && prior
      ? (prior.mode ?? 'read-first')
      : opts.mode && opts.mode !== 'auto'
        ? opts.mode
        : (await stock.hasAny())
          ? 'read-first'
          : 'write-first';
  const result: FullSyncResult = {
    mode,
    resumed,
    skus: { hl: 0, bc: 0, matched: 0, hlOnly: 0 },
    changes: 0,
    written: 0,
    calls: 0,
    batches: 0,
    rejected: [],
    lookedUp: 0,
    listed: false,
    preview: [],
  };
  await assertLocations(ctx);
  return mode === 'write-first'
    ? writeFirst(ctx, opts, resumed ? prior : null, result)
    : readFirst(ctx, opts, resumed ? prior : null, result);
}

async function readFirst(
  ctx: InventoryFlowContext,
  opts: FullSyncOptions,
  prior: RunState | null,
  result: FullSyncResult,
): Promise<FullSyncResult> {
  const priority = opts.priority ?? 'bulk';
  const stock = stockLinksFor(ctx);
  let links: Map<string, StockLink>;
  let ledgerBefore: number;
  if (prior) {
    ledgerBefore = prior.ledgerBefore;
    links = await stock.all();
  } else {
    ledgerBefore = await ledgerHead(ctx.hl);
    links = await mapSkus(ctx, priority, opts, result);
    if (!opts.dryRun) {
      await stock.save(links.values());
      const state: RunState = { phase: 'mapped', mode: 'read-first', ledgerBefore, startedAt: ctx.now() };
      await ctx.engine.cursors.set(ctx.connectionId, FULL_SYNC_CURSOR, JSON.stringify(state));
    }
  }
  const active = new Map([...links].filter(([, l]) => !l.missing && l.hlItemId !== null));
  if (prior) {
    result.skus = { hl: links.size, bc: active.size, matched: active.size, hlOnly: links.size - active.size };
  }

  const targets = await heartlandTargets(ctx, active, opts);
  const changes = planChanges(targets, (sku, loc) => lastKnownLevel(active.get(sku), loc));
  result.changes = changes.length;
  if (opts.dryRun) {
    result.preview = changes.slice(0, 50);
    result.batches = Math.ceil(changes.length / (opts.batchSize ?? ctx.inventory.batchSize));
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
  // The map phase listed every unit: every matched link has its BigCommerce ids.
  await setIdentityPending(ctx, false);
  await finish(ctx, prior, 'read-first', ledgerBefore, opts, changes.length);
  return result;
}

async function writeFirst(
  ctx: InventoryFlowContext,
  opts: FullSyncOptions,
  prior: RunState | null,
  result: FullSyncResult,
): Promise<FullSyncResult> {
  const priority = opts.priority ?? 'bulk';
  const stock = stockLinksFor(ctx);
  let ledgerBefore: number;
  if (prior) {
    ledgerBefore = prior.ledgerBefore;
  } else {
    ledgerBefore = await ledgerHead(ctx.hl);
    if (!opts.dryRun) {
      // Before the first write: from here on BigCommerce echoes writes to units no link knows yet.
      await setIdentityPending(ctx, true);
      const state: RunState = { phase: 'mapped', mode: 'write-first', ledgerBefore, startedAt: ctx.now() };
      await ctx.engine.cursors.set(ctx.connectionId, FULL_SYNC_CURSOR, JSON.stringify(state));
    }
  }
  // Every Heartland SKU is a candidate. Links an interrupted run saved (levels written, SKUs found
  // missing) are its baseline; a fresh run has none, so every level is written.
  const saved = prior ? await stock.all() : new Map<string, StockLink>();
  const links = new Map<string, StockLink>();
  for await (const page of allItems(ctx.hl, ctx.inventory.hlPageSize)) {
    for (const it of page.items) {
      const prev = saved.get(it.public_id);
      links.set(
        it.public_id,
        prev ? { ...prev, hlItemId: it.id } : { sku: it.public_id, hlItemId: it.id, written: {} },
      );
    }
    opts.onProgress?.({ phase: 'map-hl', done: links.size });
  }
  const active = new Map([...links].filter(([, l]) => !l.missing));
  const targets = await heartlandTargets(ctx, active, opts);
  const changes = planChanges(targets, (sku, loc) => lastKnownLevel(active.get(sku), loc));
  result.changes = changes.length;
  if (opts.dryRun) {
    result.preview = changes.slice(0, 50);
    result.batches = Math.ceil(changes.length / (opts.batchSize ?? ctx.inventory.batchSize));
    result.skus = { hl: links.size, bc: 0, matched: active.size, hlOnly: links.size - active.size };
    return result;
  }

  opts.onProgress?.({ phase: 'write', done: 0, total: changes.length });
  const reason = 'heartbridge: full sync from Heartland';
  const afterBatch = async (info: { index: number; items: number; written: number }) => {
    opts.onProgress?.({ phase: 'write', done: info.written, total: changes.length });
    await opts.afterBatch?.(info);
  };
  const w = await writeChanges(ctx, stock, active, changes, {
    priority,
    batchSize: opts.batchSize,
    reason,
    unresolved: 'return',
    // Refusals so far per SKU tried, times the SKUs not tried yet, against a listing (1,000 units a
    // page): a BigCommerce naming one refused item per call, or small batches, make the listing cheaper.
    stopLearning: (refused, tested) =>
      tested < active.size && (refused / tested) * (active.size - tested) > Math.ceil(active.size / 1000),
    afterBatch,
  });
  result.written = w.written;
  result.calls = w.calls;
  result.batches = w.batches;
  result.rejected = w.rejected.filter((sku) => w.refusals.get(sku) !== 'not-found');
  let unidentified = w.unidentified;

  if (w.stopped) {
    // List BigCommerce once, as read-first would have, and write the rest knowing what exists. Every
    // link gets its ids (and what BigCommerce shows, so unchanged levels are not written).
    result.listed = true;
    const listed = new Map<string, BcUnit>();
    for await (const units of allBcUnits(ctx, priority)) {
      for (const u of units) listed.set(u.sku, u);
      opts.onProgress?.({ phase: 'map-bc', done: listed.size });
    }
    const t = ctx.now();
    const touched: StockLink[] = [];
    for (const [sku, link] of active) {
      if (link.missing) continue;
      const u = listed.get(sku);
      if (u) {
        Object.assign(link, {
          variantId: u.variantId,
          productId: u.productId,
          seen: u.levels,
          byProduct: w.refusals.get(sku) === 'tracked-by-product' && u.productId !== undefined,
        });
      } else {
        Object.assign(link, { missing: true, checkedAt: t });
      }
      touched.push(link);
    }
    await stock.save(touched);
    const rest = new Map([...active].filter(([, l]) => !l.missing));
    const remaining = planChanges(new Map([...targets].filter(([sku]) => rest.has(sku))), (sku, loc) =>
      lastKnownLevel(rest.get(sku), loc),
    );
    const after = await writeChanges(ctx, stock, rest, remaining, {
      priority,
      batchSize: opts.batchSize,
      reason,
      afterBatch,
    });
    result.written += after.written;
    result.calls += after.calls;
    result.batches += after.batches;
    result.rejected.push(...after.rejected);
    unidentified = [];
  }

  // Refused for another reason than "not found": learn those SKUs' identity, resend what BigCommerce lists.
  if (unidentified.length > 0) {
    opts.onProgress?.({ phase: 'identify', done: 0, total: unidentified.length });
    result.lookedUp = unidentified.length;
    const units = await bcUnitsBySku(ctx, unidentified, priority);
    const t = ctx.now();
    const found = new Map<string, StockLink>();
    const absent: StockLink[] = [];
    for (const sku of unidentified) {
      const link = active.get(sku);
      if (!link) continue;
      const u = units.get(sku);
      if (u) {
        Object.assign(link, {
          variantId: u.variantId,
          productId: u.productId,
          seen: u.levels,
          byProduct: w.refusals.get(sku) === 'tracked-by-product' && u.productId !== undefined,
        });
        found.set(sku, link);
      } else {
        Object.assign(link, { missing: true, checkedAt: t });
        absent.push(link);
      }
    }
    await stock.save([...found.values(), ...absent]);
    const again = await writeChanges(
      ctx,
      stock,
      found,
      changes.filter((c) => found.has(c.sku)),
      { priority, batchSize: opts.batchSize, reason },
    );
    result.written += again.written;
    result.calls += again.calls;
    result.batches += again.batches;
    result.rejected.push(...again.rejected);
  }

  let missing = 0;
  for (const l of links.values()) if (l.missing) missing++;
  const matched = links.size - missing;
  result.skus = { hl: links.size, bc: matched, matched, hlOnly: missing };
  if (result.listed) await setIdentityPending(ctx, false);
  await finish(ctx, prior, 'write-first', ledgerBefore, opts, changes.length);
  return result;
}

/** Heartland snapshot (feeding locations only) and reservations → target levels of the active SKUs. */
async function heartlandTargets(
  ctx: InventoryFlowContext,
  active: Map<string, StockLink>,
  opts: FullSyncOptions,
): Promise<Map<string, Levels>> {
  const cfg = ctx.inventory;
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
    if (link.hlItemId === null) continue;
    targets.set(sku, targetsFor(cfg, sku, avail.get(link.hlItemId), reserved.get(sku)));
  }
  return targets;
}

/** Bracket: replay everything the ledger recorded since the snapshot began; the run is done. */
async function finish(
  ctx: InventoryFlowContext,
  prior: RunState | null,
  mode: FullSyncMode,
  ledgerBefore: number,
  opts: FullSyncOptions,
  changes: number,
): Promise<void> {
  await ctx.engine.cursors.set(ctx.connectionId, LEDGER_CURSOR, String(ledgerBefore));
  const done: RunState = { phase: 'done', mode, ledgerBefore, startedAt: prior?.startedAt ?? ctx.now() };
  await ctx.engine.cursors.set(ctx.connectionId, FULL_SYNC_CURSOR, JSON.stringify(done));
  opts.onProgress?.({ phase: 'done', done: changes, total: changes });
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
