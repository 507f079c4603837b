/**
 * Targets → BigCommerce absolute levels. Only levels that differ from the baseline (what we last wrote,
 * or what BigCommerce showed) are sent; items are sorted by location and packed into calls of at most
 * `batchSize` (2,000) items, one call after another (BigCommerce asks for the next adjustment only after
 * the previous one returned, NOTES §9). Always absolute, never relative (DESIGN §5.5).
 *
 * After each call the links of that batch are saved, so a crash after batch k leaves batches 1..k
 * recorded as written: a resumed run computes the same targets, finds them equal, and does not redo them.
 *
 * A 422 (e.g. a SKU deleted in BigCommerce since it was mapped) fails a whole call. Its message names the
 * refused items (`parseRefusals`): they are taken out, the rest is resent, and the refused SKUs are marked
 * `missing` and left out of the run's later batches. A 422 naming nothing we sent is halved until the
 * offending items are alone.
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
  /**
   * What to do with a SKU BigCommerce refuses for a reason other than "not found" when we cannot fix it
   * here: `missing` (default) marks it missing like an unknown SKU; `return` leaves its link alone and
   * lists it in `unidentified`, for a caller that reads those SKUs (`sku:in`) and resends (write-first sync).
   */
  unresolved?: 'missing' | 'return';
  /**
   * Asked after every refused call with the run's refused calls and the distinct SKUs sent so far; true
   * stops the run at once (`stopped` in the result; what was accepted and refused so far is recorded,
   * the rest is not sent). Write-first stops learning unknown SKUs by refusal when that promises to
   * cost more than listing BigCommerce.
   */
  stopLearning?: (refusedCalls: number, testedSkus: number) => boolean;
  /** Called after each batch is written and recorded (progress; tests throw here to simulate a crash). */
  afterBatch?: (info: { index: number; items: number; written: number }) => void | Promise<void>;
}

export interface WriteResult {
  changes: number;
  written: number;
  calls: number;
  batches: number;
  /** SKUs refused and marked `missing`. */
  rejected: string[];
  /** SKUs refused for another reason, left for the caller (`unresolved: 'return'` only). */
  unidentified: string[];
  /** Every SKU refused in this run, with the reason BigCommerce gave. */
  refusals: Map<string, RefusalReason>;
  /** Calls BigCommerce answered with 422 (included in `calls`). */
  refusedCalls: number;
  /** `stopLearning` said stop: some changes were not sent (the caller re-plans from the links). */
  stopped: boolean;
}

export function batchesOf<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Why BigCommerce refused one item of an adjustment (from the per-item message of its 422). */
export type RefusalReason =
  | 'not-found'
  | 'tracked-by-product'
  | 'tracked-by-variant'
  | 'no-tracking'
  | 'invalid-quantity'
  | 'unknown';

export interface ItemRefusal {
  by: 'sku' | 'variant_id' | 'product_id';
  id: string;
  reason: RefusalReason;
}

const REFUSAL =
  /Item with (sku|variant_id|product_id) (.+?) (not found|is tracked by product|is tracked by variant|does not track inventory|has an invalid quantity)/g;
const REASONS: Record<string, RefusalReason> = {
  'not found': 'not-found',
  'is tracked by product': 'tracked-by-product',
  'is tracked by variant': 'tracked-by-variant',
  'does not track inventory': 'no-tracking',
  'has an invalid quantity': 'invalid-quantity',
};

/**
 * The items a 422 of an adjustment names. BigCommerce's documented form (inventory.v3.yml) is a title
 * holding a bracketed list of per-item messages, `[Item with variant_id 106 is tracked by product, please
 * update stock by product id]`; every `Item with <kind> <id> <reason>` in the message is read, so one
 * refusal naming several items, or only the first, both work. Nothing readable → [] (the caller halves).
 */
export function parseRefusals(message: string): ItemRefusal[] {
  const out: ItemRefusal[] = [];
  for (const m of message.matchAll(REFUSAL)) {
    out.push({
      by: m[1] as ItemRefusal['by'],
      id: m[2] as string,
      reason: REASONS[m[3] as string] ?? 'unknown',
    });
  }
  return out;
}

/** The location a refusal names (`[Location with id 3 not found]`, `Location not found, identities: [3,2]`). */
function locationIn(message: string): number | undefined {
  const m = /Location with id (\d+)/i.exec(message) ?? /identities: \[(\d+)/i.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** The product id a change is written with, when its link is known to be tracked by product. */
function productIdFor(links: Map<string, StockLink>, sku: string): number | undefined {
  const l = links.get(sku);
  return l?.byProduct && l.productId !== undefined ? l.productId : undefined;
}

export async function writeChanges(
  ctx: InventoryFlowContext,
  stockLinks: StockLinks,
  links: Map<string, StockLink>,
  changes: readonly LevelChange[],
  opts: WriteOptions,
): Promise<WriteResult> {
  const size = Math.min(2000, opts.batchSize ?? ctx.inventory.batchSize);
  const result: WriteResult = {
    changes: changes.length,
    written: 0,
    calls: 0,
    batches: 0,
    rejected: [],
    unidentified: [],
    refusals: new Map(),
    refusedCalls: 0,
    stopped: false,
  };
  if (opts.dryRun) return { ...result, batches: Math.ceil(changes.length / size) };
  // A SKU refused once is left out of the later batches of this run (its other locations would only
  // fail those batches again). Batches are therefore cut as we go, not up front.
  const refusedSkus = new Set<string>();
  const tested = new Set<string>();
  let next = 0;
  for (let index = 0; next < changes.length; index++) {
    const batch: LevelChange[] = [];
    while (next < changes.length && batch.length < size) {
      const c = changes[next++] as LevelChange;
      if (!refusedSkus.has(c.sku)) batch.push(c);
    }
    if (batch.length === 0) break;
    const touched = new Map<string, StockLink>();
    const out = await sendBatch(ctx, links, batch, opts, result, { touched, tested });
    if (out.stopped) result.stopped = true;
    const t = ctx.now();
    for (const c of out.ok) {
      const link = links.get(c.sku);
      if (!link) continue;
      link.written = { ...link.written, [String(c.bcLocationId)]: c.qty };
      link.writtenAt = t;
      touched.set(c.sku, link);
    }
    for (const [sku, reason] of out.refused) {
      refusedSkus.add(sku);
      result.refusals.set(sku, reason);
      if (opts.unresolved === 'return' && reason !== 'not-found') {
        result.unidentified.push(sku);
        continue;
      }
      result.rejected.push(sku);
      const link = links.get(sku);
      if (link && !link.missing) {
        link.missing = true;
        link.checkedAt = t;
        touched.set(sku, link);
      }
    }
    await stockLinks.save(touched.values());
    result.written += out.ok.length;
    result.batches++;
    await opts.afterBatch?.({ index, items: batch.length, written: result.written });
    if (result.stopped) break;
  }
  return result;
}

/**
 * One batch, until BigCommerce accepts what is left of it. A 422 (the whole call fails, nothing is
 * applied) names the refused items: those SKUs are taken out and the rest is resent — one extra call per
 * refusal, however many items it names. "Tracked by product" for a SKU whose product id we know is
 * fixed on the spot: that link is flagged `byProduct` and its items go again with `product_id`. A 422
 * that names nothing we sent is halved until the offending items are alone (each then refused as
 * `unknown`); one that is about a location fails the run (the location map is wrong).
 */
async function sendBatch(
  ctx: InventoryFlowContext,
  links: Map<string, StockLink>,
  batch: LevelChange[],
  opts: WriteOptions,
  result: WriteResult,
  run: { touched: Map<string, StockLink>; tested: Set<string> },
): Promise<{ ok: LevelChange[]; refused: Map<string, RefusalReason>; stopped?: boolean }> {
  const refused = new Map<string, RefusalReason>();
  let pending = batch;
  while (pending.length > 0) {
    for (const c of pending) run.tested.add(c.sku);
    try {
      result.calls++;
      await ctx.bc.client.sendJson(
        'PUT',
        '/v3/inventory/adjustments/absolute',
        {
          reason: opts.reason ?? 'heartbridge: Heartland stock',
          items: pending.map((c) => {
            const productId = productIdFor(links, c.sku);
            return productId === undefined
              ? { location_id: c.bcLocationId, quantity: c.qty, sku: c.sku }
              : { location_id: c.bcLocationId, quantity: c.qty, product_id: productId };
          }),
        },
        transactionId,
        { priority: opts.priority },
      );
      return { ok: pending, refused };
    } catch (err) {
      if (!(err instanceof PermanentError) || err.upstreamStatus !== 422) throw err;
      result.refusedCalls++;
      const skuByIdentity = new Map<string, string>();
      for (const c of pending) {
        const productId = productIdFor(links, c.sku);
        skuByIdentity.set(productId === undefined ? `sku:${c.sku}` : `product_id:${productId}`, c.sku);
      }
      const named = new Map<string, RefusalReason>();
      for (const r of parseRefusals(err.message)) {
        const sku = skuByIdentity.get(`${r.by}:${r.id}`);
        if (sku !== undefined) named.set(sku, r.reason);
      }
      if (named.size === 0) {
        if (/location/i.test(err.message)) {
          throw locationError(locationIn(err.message) ?? (pending[0] as LevelChange).bcLocationId, err);
        }
        if (pending.length === 1) {
          named.set((pending[0] as LevelChange).sku, 'unknown');
        } else {
          const mid = Math.ceil(pending.length / 2);
          const left = await sendBatch(ctx, links, pending.slice(0, mid), opts, result, run);
          const right = left.stopped
            ? { ok: [], refused: new Map<string, RefusalReason>(), stopped: true }
            : await sendBatch(ctx, links, pending.slice(mid), opts, result, run);
          for (const [sku, reason] of [...left.refused, ...right.refused]) refused.set(sku, reason);
          // A SKU refused in one half is refused everywhere (its items in the other half too).
          const ok = [...left.ok, ...right.ok].filter((c) => !refused.has(c.sku));
          return { ok, refused, stopped: right.stopped };
        }
      }
      for (const [sku, reason] of named) {
        const link = links.get(sku);
        if (reason === 'tracked-by-product' && link && !link.byProduct && link.productId !== undefined) {
          link.byProduct = true;
          run.touched.set(sku, link);
          continue;
        }
        refused.set(sku, reason);
      }
      ctx.logger?.warn(
        { refused: named.size, sample: [...named].slice(0, 5), err: err.message.slice(0, 300) },
        'BigCommerce refused stock levels; those SKUs are taken out and the rest resent',
      );
      pending = pending.filter((c) => !refused.has(c.sku));
      if (opts.stopLearning?.(result.refusedCalls, run.tested.size)) {
        return { ok: [], refused, stopped: pending.length > 0 };
      }
    }
  }
  return { ok: [], refused };
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
