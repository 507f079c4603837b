/**
 * BigCommerce inventory webhooks (`store/sku/inventory/updated`, `store/product/inventory/updated`,
 * their `/order/updated` variants, location `stock_changed`) are hints, never truth (NOTES §8: even the
 * meaning of `value` is unclear):
 *
 * - **Echo of our own write**: an `absolute` event whose value equals the total of the levels we last
 *   wrote for that unit is skipped without any call (the hint job is coalesced per unit and delayed a
 *   little by the router, so a burst of per-location echoes becomes one job carrying the final total).
 * - **Order-driven** (a storefront sale): the SKU is marked for re-sync and one reservations job per
 *   connection is queued (coalesced: a burst of N sales is one walk over recent orders, not N) at
 *   dispatch priority; it holds the sold units until Heartland has the order, then re-syncs the marked
 *   SKUs against what BigCommerce shows (one batched read). The hint itself makes no call. Running the walk inline in every hint held
 *   every worker slot for minutes under faults (test/chaos/hint-storm.test.ts).
 * - **Anything else** (a manual edit, another app): BigCommerce is re-read for that unit and the SKU is
 *   re-synced against it: Heartland is the master, so the web level is put back to the target.
 */
import { z } from 'zod';
import { bcUnitByEntity } from './bc-stock-reader.js';
import type { InventoryFlowContext } from './inventory-context.js';
import { markSkusForResync } from './reservations.js';
import { INVENTORY_PRIORITY, INVENTORY_TASKS } from './routing.js';
import { lastKnownLevel, type StockLink } from './stock-links.js';
import { type SyncResult, stockLinksFor, syncSkus } from './stock-sync.js';

const hintSchema = z.looseObject({
  scope: z.string(),
  data: z.looseObject({
    type: z.string().optional(),
    id: z.union([z.number(), z.string()]).optional(),
    product_id: z.union([z.number(), z.string()]).optional(),
    variant_id: z.union([z.number(), z.string()]).optional(),
    inventory: z
      .looseObject({
        product_id: z.union([z.number(), z.string()]).optional(),
        variant_id: z.union([z.number(), z.string()]).optional(),
        method: z.string().optional(),
        value: z.number().optional(),
      })
      .optional(),
  }),
});

export interface HintResult {
  outcome: 'echo' | 'synced' | 'unknown-unit' | 'ignored' | 'reservations-queued';
  sku?: string;
  sync?: SyncResult;
}

/** The reservations job of a connection (same keys as its schedule: they coalesce). */
export async function queueReservationsRefresh(ctx: InventoryFlowContext): Promise<void> {
  const key = `${INVENTORY_TASKS.reservations}:${ctx.connectionId}`;
  await ctx.engine.queue.enqueue({
    connectionId: ctx.connectionId,
    task: INVENTORY_TASKS.reservations,
    entityKey: key,
    coalesceKey: key,
    payload: {},
    // One coalesced job that holds the units of every order not yet in Heartland: never behind a backlog.
    priority: INVENTORY_PRIORITY.dispatch,
  });
}

/** variant/product id → SKU, from the stock links (refreshed at most once a minute on a miss). */
const unitIndexes = new WeakMap<object, { at: number; map: Map<string, string> }>();

async function skuForUnit(ctx: InventoryFlowContext, key: string): Promise<string | undefined> {
  const cached = unitIndexes.get(ctx.engine);
  const hit = cached?.map.get(key);
  if (hit || (cached && ctx.now() - cached.at < 60_000)) return hit;
  const map = new Map<string, string>();
  for (const l of (await stockLinksFor(ctx).all()).values()) {
    if (l.variantId !== undefined) map.set(`sku:${l.variantId}`, l.sku);
    if (l.productId !== undefined) map.set(`product:${l.productId}`, l.sku);
  }
  unitIndexes.set(ctx.engine, { at: ctx.now(), map });
  return map.get(key);
}

function totalKnown(ctx: InventoryFlowContext, link: StockLink | undefined): number | undefined {
  if (!link) return undefined;
  let sum = 0;
  for (const loc of ctx.inventory.locations) {
    const v = lastKnownLevel(link, loc.bcLocationId);
    if (v === undefined) return undefined;
    sum += v;
  }
  return sum;
}

export async function handleBcInventoryHint(
  ctx: InventoryFlowContext,
  payload: unknown,
): Promise<HintResult> {
  const parsed = hintSchema.safeParse(payload);
  if (!parsed.success) return { outcome: 'ignored' };
  const { scope, data } = parsed.data;
  const variantId = Number(
    data.inventory?.variant_id ?? data.variant_id ?? (data.type === 'sku' ? data.id : NaN),
  );
  const productId = Number(
    data.inventory?.product_id ?? data.product_id ?? (data.type === 'product' ? data.id : NaN),
  );
  const kind: 'sku' | 'product' = variantId > 0 ? 'sku' : 'product';
  const id = kind === 'sku' ? variantId : productId;
  if (!(id > 0)) return { outcome: 'ignored' };
  let sku = await skuForUnit(ctx, `${kind}:${id}`);
  if (/\/order\/updated$|low_stock_reached|out_of_stock_reached/.test(scope)) {
    // BigCommerce lowered the level itself: the job re-reads it for this SKU (marked durably) after
    // holding the sale, so a level our links no longer describe is put right, as a hint once did inline.
    // A unit no link knows yet (after a write-first sync, until reconcile learns the ids): one read.
    const marked = sku ?? (await bcUnitByEntity(ctx, kind, id))[0]?.sku;
    if (marked) await markSkusForResync(ctx, [marked]);
    await queueReservationsRefresh(ctx);
    return { outcome: 'reservations-queued', sku: marked };
  }

  const link = sku ? (await stockLinksFor(ctx).bySkus([sku])).get(sku) : undefined;
  const method = data.inventory?.method;
  const value = data.inventory?.value;
  if (method === 'absolute' && value !== undefined && value === totalKnown(ctx, link)) {
    return { outcome: 'echo', sku };
  }

  const units = await bcUnitByEntity(ctx, kind, id);
  const unit = units.find((u) => u.sku === sku) ?? units[0];
  if (!unit) return { outcome: 'unknown-unit' };
  sku = unit.sku;
  const sync = await syncSkus(ctx, [sku], { bcActual: new Map([[sku, unit.levels]]) });
  return { outcome: 'synced', sku, sync };
}
