/**
 * Drift check (DESIGN §1.6): compare every BigCommerce level with the target computed from a fresh
 * Heartland snapshot, repair the differences with absolute writes, count them
 * (`heartbridge_inventory_drift_total`) and alert when one run repairs more than `driftAlertThreshold`.
 * Drift means an update was lost somewhere (a missed poll, someone editing BigCommerce by hand, another
 * app writing stock).
 *
 * Levels we wrote in the last `settleMs` are not judged: BigCommerce applies adjustments shortly after
 * answering (DESIGN §5.6), so a read right after a write may still show the old value.
 *
 * The listing also fills in the BigCommerce ids of links that lack them (after a write-first full sync,
 * see identity.ts) and, once every unit has been listed, ends the "identity pending" state.
 */

import { allBcUnits } from './bc-stock-reader.js';
import { FULL_SYNC_CURSOR } from './full-sync.js';
import { valuesForLocation } from './hl-stock-reader.js';
import { identityPending, setIdentityPending } from './identity.js';
import { feedingHlLocations } from './inventory-config.js';
import type { InventoryFlowContext } from './inventory-context.js';
import { reservedBySku } from './reservations.js';
import type { Levels, StockLink } from './stock-links.js';
import { stockLinksFor } from './stock-sync.js';
import {
  type Availability,
  addAvailability,
  assertLocations,
  type LevelChange,
  planChanges,
  targetsFor,
  writeChanges,
} from './stock-writer.js';

export interface ReconcileResult {
  compared: number;
  drifted: number;
  repaired: number;
  calls: number;
  /** Links whose BigCommerce ids this run filled in (after a write-first full sync). */
  identified: number;
  sample: LevelChange[];
}

export async function reconcileInventory(
  ctx: InventoryFlowContext,
  opts: { settleMs?: number; dryRun?: boolean } = {},
): Promise<ReconcileResult> {
  const cfg = ctx.inventory;
  const settleMs = opts.settleMs ?? 60_000;
  await assertLocations(ctx);
  const stock = stockLinksFor(ctx);
  const links = await stock.all();
  const now = ctx.now();

  const avail: Availability = new Map();
  for (const loc of feedingHlLocations(cfg)) {
    await valuesForLocation(ctx.hl, loc, cfg.hlPageSize, (rows) => {
      for (const r of rows) addAvailability(avail, r.item_id, r.location_id, r.qty_available);
    });
  }
  const reserved = await reservedBySku(ctx);

  const actual = new Map<string, Levels>();
  const targets = new Map<string, Levels>();
  const identified: StockLink[] = [];
  for await (const units of allBcUnits(ctx, 'bulk')) {
    for (const u of units) {
      const link = links.get(u.sku);
      if (!link || link.missing || link.hlItemId === null) continue;
      if (link.variantId === undefined && link.productId === undefined) {
        link.variantId = u.variantId;
        link.productId = u.productId;
        identified.push(link);
      }
      if (link.writtenAt !== undefined && now - link.writtenAt < settleMs) continue;
      actual.set(u.sku, u.levels);
      targets.set(u.sku, targetsFor(cfg, u.sku, avail.get(link.hlItemId), reserved.get(u.sku)));
    }
  }
  if (!opts.dryRun) {
    await stock.save(identified);
    // Not while a write-first full sync is still writing: the links it saves after this carry no ids
    // (its own copies), so the next reconcile has to fill them in again.
    const full = await ctx.engine.cursors.get(ctx.connectionId, FULL_SYNC_CURSOR);
    const syncing = full !== null && (JSON.parse(full) as { phase?: string }).phase === 'mapped';
    if (!syncing && (await identityPending(ctx))) await setIdentityPending(ctx, false);
  }
  const changes = planChanges(targets, (sku, loc) => actual.get(sku)?.[String(loc)] ?? 0);
  const result: ReconcileResult = {
    compared: targets.size,
    drifted: changes.length,
    repaired: 0,
    calls: 0,
    identified: identified.length,
    sample: changes.slice(0, 20),
  };
  if (changes.length === 0 || opts.dryRun) return result;

  const w = await writeChanges(ctx, stock, links, changes, {
    priority: 'bulk',
    reason: 'heartbridge: drift repair',
  });
  result.repaired = w.written;
  result.calls = w.calls;
  ctx.metrics?.inventoryDrift?.inc({ connection: ctx.connectionId }, changes.length);
  ctx.logger?.warn(
    { connection: ctx.connectionId, drifted: changes.length, sample: result.sample.slice(0, 5) },
    'inventory drift repaired',
  );
  if (changes.length > cfg.driftAlertThreshold) {
    await ctx.alerts?.raise({
      connectionId: ctx.connectionId,
      key: `inventory:drift:${ctx.connectionId}`,
      severity: 'warning',
      title: `${changes.length} BigCommerce stock levels had drifted from Heartland (repaired)`,
      detail: `threshold ${cfg.driftAlertThreshold}; e.g. ${result.sample
        .slice(0, 5)
        .map((c) => `${c.sku}@${c.bcLocationId}: ${c.from ?? '?'}→${c.qty}`)
        .join(', ')}`,
    });
  }
  return result;
}
