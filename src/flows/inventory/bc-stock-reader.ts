/**
 * BigCommerce inventory reads: `/v3/inventory/items` (every location per item, up to 1,000 items a page)
 * in full for mapping and drift checks, or by SKU / variant / product for single hints.
 */

import type { RequestPriority } from '../../connectors/bigcommerce/rate-budget.js';
import type { BcInventoryItem } from '../../connectors/bigcommerce/schemas.js';
import type { InventoryFlowContext } from './inventory-context.js';
import type { Levels } from './stock-links.js';

export interface BcUnit {
  sku: string;
  variantId?: number;
  productId?: number;
  /** On-hand per location (what an absolute adjustment sets). */
  levels: Levels;
}

export function toUnit(item: BcInventoryItem): BcUnit | undefined {
  const sku = item.identity.sku;
  if (!sku) return undefined;
  const levels: Levels = {};
  for (const l of item.locations) levels[String(l.location_id)] = l.total_inventory_onhand;
  return {
    sku,
    variantId: item.identity.variant_id ?? undefined,
    productId: item.identity.product_id ?? undefined,
    levels,
  };
}

const SKU_CHUNK = 50;

export async function* allBcUnits(
  ctx: InventoryFlowContext,
  priority: RequestPriority,
): AsyncGenerator<BcUnit[]> {
  for await (const page of ctx.bc.inventory.items({}, { limit: 1000, priority })) {
    yield page.items.map(toUnit).filter((u): u is BcUnit => u !== undefined);
  }
}

export async function bcUnitsBySku(
  ctx: InventoryFlowContext,
  skus: readonly string[],
  priority: RequestPriority,
): Promise<Map<string, BcUnit>> {
  const out = new Map<string, BcUnit>();
  for (let i = 0; i < skus.length; i += SKU_CHUNK) {
    const chunk = skus.slice(i, i + SKU_CHUNK);
    for await (const page of ctx.bc.inventory.items({ skus: chunk }, { limit: 1000, priority })) {
      for (const it of page.items) {
        const u = toUnit(it);
        if (u) out.set(u.sku, u);
      }
    }
  }
  return out;
}

export async function bcUnitByEntity(
  ctx: InventoryFlowContext,
  kind: 'sku' | 'product',
  id: number,
): Promise<BcUnit[]> {
  const filters = kind === 'sku' ? { variantIds: [id] } : { productIds: [id] };
  const out: BcUnit[] = [];
  for await (const page of ctx.bc.inventory.items(filters, { limit: 1000 })) {
    for (const it of page.items) {
      const u = toUnit(it);
      if (u) out.push(u);
    }
  }
  return out;
}
