/**
 * BigCommerce identity of the stock links (variant id / product id per SKU) after a write-first full sync.
 *
 * A write-first sync (full-sync.ts) addresses BigCommerce by SKU and never lists its inventory, so the
 * links of the SKUs BigCommerce accepted carry no variant / product id. Those ids are what maps a
 * BigCommerce inventory webhook (which names only ids, NOTES §8) to a SKU, and what lets bc-hints.ts skip
 * the echo of our own write without a call. Without them every echo would cost one read of that unit:
 * ~100k reads after a 100k-SKU initial sync, far more than the ~100-page listing the sync avoided.
 *
 * So, from the start of a write-first sync until identities are known (cursor `inventory.identity` =
 * `pending`):
 * - an `absolute` (or location `stock_changed`) hint for a unit no link knows is taken for our own echo
 *   and dropped (`isUnidentifiedEcho`); order-driven hints and hints for known units go through as usual;
 * - the next reconcile, which lists every BigCommerce unit anyway, fills the ids in and clears the flag
 *   (reconcile.ts). A manual edit made in BigCommerce to such a unit meanwhile is put back by that
 *   reconcile (at most `reconcileInterval`, 6 h by default) instead of within seconds.
 * A read-first sync learns every id in its map phase and clears the flag too.
 */
import { z } from 'zod';
import type { InventoryFlowContext } from './inventory-context.js';
import { stockLinksFor } from './stock-sync.js';

export const IDENTITY_CURSOR = 'inventory.identity';
const INDEX_TTL_MS = 60_000;

export async function setIdentityPending(ctx: InventoryFlowContext, pending: boolean): Promise<void> {
  await ctx.engine.cursors.set(ctx.connectionId, IDENTITY_CURSOR, pending ? 'pending' : 'complete');
}

export async function identityPending(ctx: InventoryFlowContext): Promise<boolean> {
  return (await ctx.engine.cursors.get(ctx.connectionId, IDENTITY_CURSOR)) === 'pending';
}

const id = z.union([z.number(), z.string()]).optional();
const hintSchema = z.looseObject({
  scope: z.string(),
  data: z.looseObject({
    type: z.string().optional(),
    id,
    product_id: id,
    variant_id: id,
    inventory: z.looseObject({ product_id: id, variant_id: id, method: z.string().optional() }).optional(),
  }),
});

/** `sku:<variant id>` / `product:<product id>` of every link that has them, per connection (1 min). */
const indexes = new WeakMap<object, Map<string, { at: number; keys: Set<string> }>>();

async function knownUnits(ctx: InventoryFlowContext): Promise<Set<string>> {
  let perEngine = indexes.get(ctx.engine);
  if (!perEngine) {
    perEngine = new Map();
    indexes.set(ctx.engine, perEngine);
  }
  const cached = perEngine.get(ctx.connectionId);
  if (cached && ctx.now() - cached.at < INDEX_TTL_MS) return cached.keys;
  const keys = new Set<string>();
  for (const l of (await stockLinksFor(ctx).all()).values()) {
    if (l.variantId !== undefined) keys.add(`sku:${l.variantId}`);
    if (l.productId !== undefined) keys.add(`product:${l.productId}`);
  }
  perEngine.set(ctx.connectionId, { at: ctx.now(), keys });
  return keys;
}

/**
 * True when, identities being pending, this BigCommerce inventory hint is a non-order change of a unit no
 * stock link knows: the echo of the write-first sync's own absolute writes (dropped by the caller).
 */
export async function isUnidentifiedEcho(ctx: InventoryFlowContext, payload: unknown): Promise<boolean> {
  const parsed = hintSchema.safeParse(payload);
  if (!parsed.success) return false;
  const { scope, data } = parsed.data;
  if (/\/order\/updated$|low_stock_reached|out_of_stock_reached/.test(scope)) return false;
  const method = data.inventory?.method;
  if (method !== undefined && method !== 'absolute') return false;
  if (!(await identityPending(ctx))) return false;
  const variantId = Number(
    data.inventory?.variant_id ?? data.variant_id ?? (data.type === 'sku' ? data.id : Number.NaN),
  );
  const productId = Number(
    data.inventory?.product_id ?? data.product_id ?? (data.type === 'product' ? data.id : Number.NaN),
  );
  const key = variantId > 0 ? `sku:${variantId}` : productId > 0 ? `product:${productId}` : undefined;
  if (key === undefined) return false;
  return !(await knownUnits(ctx)).has(key);
}
