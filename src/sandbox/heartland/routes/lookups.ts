/** Resolves references in write bodies, answering with Heartland validation errors when they dangle. */
import { validationError } from '../hl-errors.js';
import type { HlContext } from '../hl-http.js';
import type { HlItem, HlLocation } from '../hl-records.js';

/** `item_id`, or `item_lookup` (an Item # / SKU; the PHP script sends lines this way). */
export function resolveItem(ctx: HlContext, body: { item_id?: number | null; item_lookup?: string }): HlItem {
  if (body.item_id !== undefined && body.item_id !== null) {
    const item = ctx.state.items.get(body.item_id);
    if (!item) throw validationError({ item_id: ['does not exist'] });
    return item;
  }
  if (body.item_lookup !== undefined) {
    const item = ctx.state.itemBySku(body.item_lookup);
    if (!item) throw validationError({ item_lookup: ['does not match an item'] });
    return item;
  }
  throw validationError({ item_id: ["can't be blank"] });
}

export function resolveLocation(ctx: HlContext, id: number | null | undefined, field: string): HlLocation {
  if (id === undefined || id === null) throw validationError({ [field]: ["can't be blank"] });
  const loc = ctx.state.locations.get(id);
  if (!loc) throw validationError({ [field]: ['does not exist'] });
  return loc;
}

export function optionalRef(exists: boolean, id: number | null | undefined, field: string): void {
  if (id !== undefined && id !== null && !exists) throw validationError({ [field]: ['does not exist'] });
}

export function checkQty(item: HlItem, qty: number, field = 'qty'): void {
  if (!Number.isFinite(qty)) throw validationError({ [field]: ['is not a number'] });
  if (!item['allow_fractional_qty?'] && !Number.isInteger(qty)) {
    throw validationError({ [field]: ['must be a whole number for this item'] });
  }
}
