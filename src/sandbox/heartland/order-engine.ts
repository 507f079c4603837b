/**
 * Sales-order bookkeeping shared by the order and invoice routes: totals (decimal.js, to the cent) and
 * stock commitment. A line with `ship_from_location_id` on a live order commits its not-yet-invoiced
 * quantity at that location (qty_committed up, qty_available down); invoicing, cancelling or moving the
 * line adjusts the commitment, each change appending a ledger row.
 */
import { Decimal } from 'decimal.js';
import type { HlContext } from './hl-http.js';
import { cents } from './hl-money.js';
import type { HlOrderLine, HlSalesOrder } from './hl-records.js';

/** line id → what is currently committed for it. */
const commitments = new WeakMap<HlContext, Map<number, { locationId: number; qty: number }>>();

function committedMap(ctx: HlContext): Map<number, { locationId: number; qty: number }> {
  let m = commitments.get(ctx);
  if (!m) {
    m = new Map();
    commitments.set(ctx, m);
  }
  return m;
}

export function orderLines(ctx: HlContext, orderId: number): HlOrderLine[] {
  return ctx.state.orderLines.where((l) => l.order_id === orderId);
}

function shouldCommit(ctx: HlContext, order: HlSalesOrder): boolean {
  if (order.status === 'open') return true;
  return order.status === 'pending' && ctx.options.commitOn === 'distribute';
}

/** Brings the commitment of one line in line with the order's state. */
export function syncLineCommitment(ctx: HlContext, order: HlSalesOrder, line: HlOrderLine): void {
  const map = committedMap(ctx);
  const current = map.get(line.id);
  const item = ctx.state.items.get(line.item_id);
  const tracked = item ? item['track_inventory?'] : false;
  const wantQty =
    tracked && line.ship_from_location_id !== null && shouldCommit(ctx, order)
      ? Math.max(0, line.qty - line.qty_invoiced)
      : 0;
  const wantLoc = line.ship_from_location_id;
  const source = { type: 'SalesOrder', id: order.id };
  if (current && (current.locationId !== wantLoc || wantQty === 0)) {
    ctx.state.changeStock(line.item_id, current.locationId, { committed: -current.qty }, source);
    map.delete(line.id);
  }
  if (wantQty > 0 && wantLoc !== null) {
    const have = map.get(line.id)?.qty ?? 0;
    if (have !== wantQty) ctx.state.changeStock(line.item_id, wantLoc, { committed: wantQty - have }, source);
    map.set(line.id, { locationId: wantLoc, qty: wantQty });
  }
}

export function syncOrderCommitments(ctx: HlContext, order: HlSalesOrder): void {
  for (const line of orderLines(ctx, order.id)) syncLineCommitment(ctx, order, line);
}

/** Recomputes subtotal, taxes, discounts, total, total_paid and balance to the cent. */
export function recomputeOrder(ctx: HlContext, order: HlSalesOrder): void {
  let subtotal = new Decimal(0);
  let tax = new Decimal(0);
  for (const line of orderLines(ctx, order.id)) {
    subtotal = subtotal.plus(new Decimal(line.adjusted_unit_price).times(line.qty));
    tax = tax.plus(line.total_tax);
  }
  let discounts = new Decimal(0);
  for (const adj of ctx.state.orderAdjustments.where((a) => a.order_id === order.id)) {
    if (adj.kind === 'tax') tax = tax.plus(adj.value);
    else discounts = discounts.plus(adj.value);
  }
  let paid = new Decimal(0);
  for (const p of ctx.state.payments.where((x) => x.order_id === order.id)) paid = paid.plus(p.amount);
  // Discounts are stored with the sign the client sent (the example uses a negative amount; the
  // convention is undocumented), and are added as they are.
  const total = subtotal.plus(tax).plus(order.shipping_charge).plus(discounts);
  order.subtotal = cents(subtotal);
  order.total_tax = cents(tax);
  order.total_discounts = cents(discounts);
  order.total = cents(total);
  order.total_paid = cents(paid);
  order.balance = cents(total.minus(paid));
}

export function touchOrder(ctx: HlContext, order: HlSalesOrder): void {
  recomputeOrder(ctx, order);
  order.updated_at = ctx.state.nowIso();
}
