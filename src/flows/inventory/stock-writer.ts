/**
 * Targets → BigCommerce absolute levels. Only levels that differ from the baseline (what we last wrote,
 * or what BigCommerce showed) are sent; items are sorted by location and packed into calls of at most
 * `batchSize` (2,000) items, one call after another (BigCommerce asks for the next adjustment only after
 * the previous one returned, NOTES §9). Always absolute, never relative (DESIGN §5.5).
 *
 * After each call the links of that batch are saved, so a crash after batch k leaves batches 1..k
 * recorded as written: a resumed run computes the same targets, finds them equal, and does not redo them.
 *
 * A 422 (e.g. a SKU deleted in BigCommerce since it was mapped) fails a whole call; the batch is split in
 * halves until the offending items are isolated, which are then marked `missing` and skipped.
 */
import { z } from 'zod';
import type { RequestPriority } from '../../connectors/bigcommerce/rate-budget.js';
import { PermanentError } from '../../engine/errors.js';
import type { InventoryConfig } from './inventory-config.js';
import { safetyFor, targetLevel } from './inventory-config.js';
import type { InventoryFlowContext } from './inventory-context.js';
import type { Levels, StockLink, StockLinks } from './stock-links.js';

const transactionId = z.looseObject({ transaction_id: z.string() });

export interface LevelChange {
  sku: string;
  bcLocationId: number;
  qty: number;
  /** What the baseline said (undefined: nothing known). */
  from?: number;
}

/** Summed Heartland availability per item and Heartland location. */
export type Availability = Map<number, Map<number, number>>;

export function addAvailability(
  avail: Availability,
  itemId: number,
  hlLocationId: number,
  qty: number | null | undefined,
) {
  let m = avail.get(itemId);
  if (!m) {
    m = new Map();
    avail.set(itemId, m);
  }
  m.set(hlLocationId, (m.get(hlLocationId) ?? 0) + (qty ?? 0));
}

/** Target level per BigCommerce location for one SKU. */
export function targetsFor(
  cfg: InventoryConfig,
  sku: string,
  perHlLocation: Map<number, number> | undefined,
  reserved: Map<number, number> | undefined,
): Levels {
  const out: Levels = {};
  for (const loc of cfg.locations) {
    let available = 0;
    for (const hl of loc.hlLocationIds) available += perHlLocation?.get(hl) ?? 0;
    const safety = safetyFor(cfg, loc, sku, available);
    out[String(loc.bcLocationId)] = targetLevel(available, safety, reserved?.get(loc.bcLocationId) ?? 0);
  }
  return out;
}

/** Differences between targets and a baseline, sorted by location then SKU. */
export function planChanges(
  targets: Map<string, Levels>,
  baseline: (sku: string, bcLocationId: number) => number | undefined,
): LevelChange[] {
  const out: LevelChange[] = [];
  for (const [sku, levels] of targets) {
    for (const [loc, qty] of Object.entries(levels)) {
      const from = baseline(sku, Number(loc));
      if (from !== qty) out.push({ sku, bcLocationId: Number(loc), qty, from });
    }
  }
  out.sort((a, b) => a.bcLocationId - b.bcLocationId || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  return out;
}

export interface WriteOptions {
  priority: RequestPriority;
  batchSize?: number;
  dryRun?: boolean;
  reason?: string;
  /** Called after each batch is written and recorded (progress; tests throw here to simulate a crash). */
  afterBatch?: (info: { index: number; items: number; written: number }) => void | Promise<void>;
}

export interface WriteResult {
  changes: number;
  written: number;
  calls: number;
  batches: number;
  rejected: string[];
}

export function batchesOf<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

export async function writeChanges(
  ctx: InventoryFlowContext,
  stockLinks: StockLinks,
  links: Map<string, StockLink>,
  changes: readonly LevelChange[],
  opts: WriteOptions,
): Promise<WriteResult> {
  const size = Math.min(2000, opts.batchSize ?? ctx.inventory.batchSize);
  const result: WriteResult = { changes: changes.length, written: 0, calls: 0, batches: 0, rejected: [] };
  if (opts.dryRun) return { ...result, batches: Math.ceil(changes.length / size) };
  const batches = batchesOf(changes, size);
  for (const [index, batch] of batches.entries()) {
    const ok = await sendWithIsolation(ctx, batch, opts, result);
    const touched = new Map<string, StockLink>();
    const t = ctx.now();
    for (const c of ok) {
      const link = links.get(c.sku);
      if (!link) continue;
      link.written = { ...link.written, [String(c.bcLocationId)]: c.qty };
      link.writtenAt = t;
      touched.set(c.sku, link);
    }
    for (const sku of result.rejected) {
      const link = links.get(sku);
      if (link && !link.missing) {
        link.missing = true;
        link.checkedAt = t;
        touched.set(sku, link);
      }
    }
    await stockLinks.save(touched.values());
    result.written += ok.length;
    result.batches++;
    await opts.afterBatch?.({ index, items: batch.length, written: result.written });
  }
  return result;
}

async function sendWithIsolation(
  ctx: InventoryFlowContext,
  batch: LevelChange[],
  opts: WriteOptions,
  result: WriteResult,
): Promise<LevelChange[]> {
  if (batch.length === 0) return [];
  try {
    result.calls++;
    await ctx.bc.client.sendJson(
      'PUT',
      '/v3/inventory/adjustments/absolute',
      {
        reason: opts.reason ?? 'heartbridge: Heartland stock',
        items: batch.map((c) => ({ location_id: c.bcLocationId, quantity: c.qty, sku: c.sku })),
      },
      transactionId,
      { priority: opts.priority },
    );
    return batch;
  } catch (err) {
    if (!(err instanceof PermanentError) || err.upstreamStatus !== 422) throw err;
    if (batch.length === 1) {
      const c = batch[0] as LevelChange;
      if (/location/i.test(err.message)) throw locationError(c.bcLocationId, err);
      ctx.logger?.warn(
        { sku: c.sku, location: c.bcLocationId, err: err.message },
        'BigCommerce refused a stock level; SKU skipped',
      );
      result.rejected.push(c.sku);
      return [];
    }
    const mid = Math.ceil(batch.length / 2);
    const left = await sendWithIsolation(ctx, batch.slice(0, mid), opts, result);
    const right = await sendWithIsolation(ctx, batch.slice(mid), opts, result);
    return [...left, ...right];
  }
}

export function locationError(bcLocationId: number, cause?: unknown): PermanentError {
  return new PermanentError({
    code: 'HB_ERR_INV_LOCATION',
    message: `BigCommerce refuses stock at location ${bcLocationId} (missing or disabled)`,
    suggestedFix:
      'run `heartbridge locations sync` and put the ids it prints into the inventory location map',
    context: { bcLocationId },
    cause,
  });
}

/** Fails fast when a configured BigCommerce location does not exist or is disabled (one call). */
export async function assertLocations(ctx: InventoryFlowContext): Promise<void> {
  const live = new Map((await ctx.bc.inventory.listLocations()).map((l) => [l.id, l]));
  for (const loc of ctx.inventory.locations) {
    const l = live.get(loc.bcLocationId);
    if (!l?.enabled) throw locationError(loc.bcLocationId);
  }
}
