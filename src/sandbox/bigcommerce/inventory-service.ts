/**
 * Stock changes and the inventory webhooks they fire.
 *
 * - API adjustments (absolute/relative) fire `store/product/inventory/updated` (tracked by product)
 *   or `store/sku/inventory/updated` (tracked by variant); absolute carries the new level as `value`
 *   (what the docs' sample shows), relative the signed change.
 * - Order-driven changes fire the `…/inventory/order/updated` variants with `method: "relative"`.
 * Validation runs on the whole batch before anything changes: one bad item fails the request.
 *
 * A refused item is reported the way the Inventory API's own 422 example does (inventory.v3.yml, absolute
 * and relative adjustments): problem+json, `errors: {}`, and a `title` that is a bracketed list of
 * per-item messages, e.g. `[Item with variant_id 106 is tracked by product, please update stock by product
 * id]`. The spec only shows a one-item list; that a batch with several bad items lists every one of them
 * (`[Item with sku A not found, Item with sku B is tracked by …]`) is our reading of the bracketed form
 * and of the relative error, which lists several identities in one message (`Items with identity:
 * [product_id 113] requires …`). The wording for an unknown SKU (`not found`) is not documented.
 */
import { randomUUID } from 'node:crypto';
import { BcError, unprocessable } from './bc-errors.js';
import type { ProductRecord, StoreState, VariantRecord } from './store-state.js';
import type { WebhookDispatcher } from './webhooks.js';

export const MAX_UNITS = 2_147_483_647;

export interface ItemIdentity {
  sku?: string;
  variant_id?: number;
  product_id?: number;
}

export interface ResolvedItem {
  product: ProductRecord;
  variant: VariantRecord | undefined;
  stockKey: string;
}

function describe(id: ItemIdentity): string {
  if (id.variant_id !== undefined) return `variant_id ${id.variant_id}`;
  if (id.product_id !== undefined) return `product_id ${id.product_id}`;
  return `sku ${id.sku}`;
}

export class InventoryService {
  constructor(
    private readonly state: StoreState,
    private readonly webhooks: WebhookDispatcher,
  ) {}

  /** Find the inventory unit an identity names, enforcing the tracking-mode rule of the real API. */
  resolve(id: ItemIdentity): ResolvedItem {
    const r = this.tryResolve(id);
    if (typeof r === 'string') throw unprocessable(`[${r}]`);
    return r;
  }

  /** The unit, or the per-item message the API gives for this identity (without the list brackets). */
  private tryResolve(id: ItemIdentity): ResolvedItem | string {
    const s = this.state;
    let product: ProductRecord | undefined;
    let variant: VariantRecord | undefined;
    let by: 'product' | 'variant';
    if (id.product_id !== undefined) {
      product = s.products.get(id.product_id);
      by = 'product';
    } else if (id.variant_id !== undefined) {
      variant = s.variants.get(id.variant_id);
      product = variant ? s.products.get(variant.product_id) : undefined;
      by = 'variant';
    } else if (id.sku !== undefined) {
      variant = s.variantBySku(id.sku);
      product = variant ? s.products.get(variant.product_id) : s.productBySku(id.sku);
      // A product's own sku (or its base variant's) identifies the product.
      by = product && (product.sku === id.sku || variant?.is_base) ? 'product' : 'variant';
      if (product && product.inventory_tracking === 'variant' && variant) by = 'variant';
    } else {
      return 'Each item needs one of sku, variant_id or product_id.';
    }
    if (!product) return `Item with ${describe(id)} not found`;
    if (product.inventory_tracking === 'none') return `Item with ${describe(id)} does not track inventory`;
    // A variant id names a variant even when it is the base variant of a simple product: the real API
    // refuses it for products tracked by product (its own 422 example uses exactly that case).
    if (
      product.inventory_tracking === 'product' &&
      (id.variant_id !== undefined || (by === 'variant' && !variant?.is_base))
    ) {
      return `Item with ${describe(id)} is tracked by product, please update stock by product id`;
    }
    if (product.inventory_tracking === 'variant' && by === 'product') {
      return `Item with ${describe(id)} is tracked by variant, please update stock by variant id or sku`;
    }
    return { product, variant, stockKey: s.stockKeyFor(product, variant) };
  }

  private checkLocation(locationId: number): void {
    const loc = this.state.locations.get(locationId);
    if (!loc) throw unprocessable(`[Location with id ${locationId} not found]`);
    if (!loc.enabled) throw unprocessable(`[Location with id ${locationId} is disabled]`);
  }

  private transaction(kind: string, items: number): string {
    const id = randomUUID();
    this.state.inventoryTransactions.push({ id, kind, items });
    return id;
  }

  absolute(items: Array<ItemIdentity & { location_id: number; quantity: number }>): string {
    for (const it of items) this.checkLocation(it.location_id);
    // Every bad item of the batch is named in the one 422 (each identity once, in request order).
    const refused = new Set<string>();
    const resolved: Array<{ it: (typeof items)[number]; r: ResolvedItem }> = [];
    for (const it of items) {
      if (!Number.isInteger(it.quantity) || it.quantity < 0 || it.quantity > MAX_UNITS) {
        refused.add(`Item with ${describe(it)} has an invalid quantity ${it.quantity}`);
        continue;
      }
      const r = this.tryResolve(it);
      if (typeof r === 'string') refused.add(r);
      else resolved.push({ it, r });
    }
    if (refused.size > 0) throw unprocessable(`[${[...refused].join(', ')}]`);
    for (const { it, r } of resolved) {
      const s = this.state.ensureStock(r.stockKey, it.location_id);
      s.onHand = it.quantity;
      s.absoluteSet = true;
      this.fire(r, 'absolute', this.state.availableTotal(r.stockKey), false);
    }
    return this.transaction('absolute', items.length);
  }

  relative(items: Array<ItemIdentity & { location_id: number; quantity: number }>): string {
    const needAbsolute: string[] = [];
    const resolved = items.map((it) => {
      this.checkLocation(it.location_id);
      if (!Number.isInteger(it.quantity))
        throw unprocessable(`[Item with ${describe(it)} has an invalid quantity]`);
      const r = this.resolve(it);
      const s = this.state.stock(r.stockKey, it.location_id);
      if (!s?.absoluteSet) needAbsolute.push(describe(it));
      return { it, r, s };
    });
    if (needAbsolute.length > 0) {
      throw unprocessable(
        `Items with identity: [${needAbsolute.join(', ')}] requires absolute adjustment before relative`,
      );
    }
    // Apply in order against a scratch copy so several items on one unit add up before we check.
    const after = new Map<string, number>();
    for (const { it, r, s } of resolved) {
      const key = `${r.stockKey}@${it.location_id}`;
      const next = (after.get(key) ?? s?.onHand ?? 0) + it.quantity;
      if (next < (s?.safetyStock ?? 0) || next < 0 || next > MAX_UNITS) {
        throw unprocessable(
          `[Item with ${describe(it)} cannot go below its safety stock at location ${it.location_id}]`,
        );
      }
      after.set(key, next);
    }
    for (const { it, r } of resolved) {
      const s = this.state.ensureStock(r.stockKey, it.location_id);
      s.onHand += it.quantity;
      this.fire(r, 'relative', it.quantity, false);
    }
    return this.transaction('relative', items.length);
  }

  settingsTransaction(items: number): string {
    return this.transaction('settings', items);
  }

  /** Stock moved by an order (placement, shipping, cancellation): always at the default location. */
  orderChange(r: ResolvedItem, delta: number, locationId = 1): void {
    if (r.product.inventory_tracking === 'none' || delta === 0) return;
    const s = this.state.ensureStock(r.stockKey, locationId);
    s.onHand += delta;
    this.fire(r, 'relative', delta, true);
  }

  /** Units available to sell at one location (on hand − safety stock). */
  available(r: ResolvedItem, locationId = 1): number {
    const s = this.state.stock(r.stockKey, locationId);
    return s ? s.onHand - s.safetyStock : 0;
  }

  private fire(r: ResolvedItem, method: 'absolute' | 'relative', value: number, byOrder: boolean): void {
    const suffix = byOrder ? 'inventory/order/updated' : 'inventory/updated';
    if (r.product.inventory_tracking === 'variant' && r.variant) {
      this.webhooks.emit(`store/sku/${suffix}`, {
        type: 'sku',
        id: r.variant.id,
        inventory: { product_id: r.product.id, variant_id: r.variant.id, method, value },
      });
    } else {
      this.webhooks.emit(`store/product/${suffix}`, {
        type: 'product',
        id: r.product.id,
        inventory: { product_id: r.product.id, method, value },
      });
    }
  }
}

export { BcError };
