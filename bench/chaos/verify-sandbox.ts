/**
 * The verdict, read from the simulators' own state (never from what heartbridge says about itself):
 * every order placed on BigCommerce exists exactly once in Heartland with the same lines and the same
 * total to the cent (unless heartbridge parked it on purpose); every Heartland fulfilment came back as
 * exactly one BigCommerce shipment; BigCommerce stock per location equals Heartland's available minus
 * safety minus the orders Heartland does not have yet (when the run configures an inventory block).
 */

import type { MappingConfig } from '../../src/mapping/mapping-config.js';
import { toCents } from '../../src/mapping/money.js';
import { bcStatusToHeartland } from '../../src/mapping/status-map.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import type { PlacedOrder, StockCheck, StockExpectation, VerifyRequest, VerifyResult } from './protocol.js';

/** `SKU×qty,…` with quantities summed per SKU, sorted. */
function perSku(lines: Array<[string, number]>): string {
  const m = new Map<string, number>();
  for (const [sku, qty] of lines) m.set(sku, (m.get(sku) ?? 0) + qty);
  return [...m]
    .map(([sku, qty]) => `${sku}×${qty}`)
    .sort()
    .join(',');
}

const NOT_CHECKED: StockCheck = {
  wired: false,
  compared: 0,
  drift: [],
  reservedUnits: 0,
  reservedOrders: 0,
  safetyApplied: 0,
};

export function verifySandbox(
  sb: Sandbox,
  placed: Map<number, PlacedOrder>,
  req: VerifyRequest & { mapping: MappingConfig },
): VerifyResult {
  const customField = req.mapping.bcOrderIdCustomField;
  const st = sb.hl.state;
  const parkedIds = new Set(req.parked.map((k) => Number(k.split(':').pop())));
  const byBcId = new Map<number, number[]>();
  let strays = 0;
  for (const o of st.salesOrders.all()) {
    const raw = (o.custom as Record<string, unknown>)[customField];
    if (raw === undefined || raw === null || raw === '') continue;
    const bcId = Number(raw);
    if (!placed.has(bcId)) {
      strays++;
      continue;
    }
    byBcId.set(bcId, [...(byBcId.get(bcId) ?? []), o.id]);
  }
  const out: VerifyResult = {
    placed: placed.size,
    synced: 0,
    parked: [],
    notForSync: {},
    syncedAgainstMapping: [],
    lost: [],
    duplicated: [],
    lateCopiesCancelled: 0,
    wrongTotals: [],
    overpaid: [],
    wrongLines: [],
    ordersWithSplitLines: 0,
    strays,
    fulfilments: 0,
    shipmentsLost: [],
    shipmentsDuplicated: [],
    stock: NOT_CHECKED,
    faults: { bc: { ...sb.bc.faults.counters }, hl: { ...sb.hl.faults.counters } },
    webhookDeliveries: sb.bc.state.deliveries.length,
  };
  for (const [bcId, { total, statusId }] of placed) {
    const hlIds = byBcId.get(bcId) ?? [];
    const decision = bcStatusToHeartland(statusId, req.mapping);
    if (statusId === 0 || decision.action === 'skip' || decision.status === 'canceled') {
      out.notForSync[String(statusId)] = (out.notForSync[String(statusId)] ?? 0) + 1;
      if (hlIds.length > 0) out.syncedAgainstMapping.push(bcId);
      continue;
    }
    if (hlIds.length === 0) {
      if (parkedIds.has(bcId)) out.parked.push(bcId);
      else out.lost.push(bcId);
      continue;
    }
    // A copy heartbridge cancelled (the late-write check, src/flows/orders/late-writes.ts) is not a
    // duplicate a person could fulfil; it is counted on its own.
    const live = hlIds.filter((id) => st.salesOrders.get(id)?.status !== 'canceled');
    out.lateCopiesCancelled += hlIds.length - live.length;
    if (live.length > 1)
      out.duplicated.push({
        bcOrderId: bcId,
        hlOrders: hlIds.length,
        // When each copy was made: two creates seconds apart point at two runners, 30 s+ at a late commit.
        created: hlIds.map((id) => `${id}@${st.salesOrders.get(id)?.created_at ?? '?'}`),
      });
    out.synced++;
    const h = st.salesOrders.get((live[0] ?? hlIds[0]) as number);
    const bcOrder = sb.bc.state.orders.get(bcId);
    if (!h || !bcOrder) continue;
    const lines = st.orderLines.where((l) => l.order_id === h.id);
    // Quantities per SKU: the mapping may split one BigCommerce line into two Heartland lines of the same
    // item (an order-level discount spread to the exact cent needs two unit prices), which is right.
    const hlLines = perSku(
      lines.map((l) => [st.items.get(l.item_id)?.public_id ?? `item${l.item_id}`, l.qty]),
    );
    const bcLines = perSku(bcOrder.lines.map((l) => [l.sku, l.quantity]));
    if (hlLines !== bcLines) out.wrongLines.push({ bcOrderId: bcId, bc: bcLines, hl: hlLines });
    if (lines.length > bcOrder.lines.length) out.ordersWithSplitLines++;
    let cents = toCents(String(h.shipping_charge));
    for (const l of lines)
      cents += l.qty * toCents(String(l.adjusted_unit_price)) + toCents(String(l.total_tax));
    const taxes = st.orderAdjustments.where((a) => a.order_id === h.id && a.kind === 'tax');
    for (const t of taxes) cents += toCents(String(t.value));
    if (cents !== toCents(total))
      out.wrongTotals.push({
        bcOrderId: bcId,
        bc: toCents(total),
        hl: cents,
        taxes: taxes.map((t) => `${t.value}@${t.created_at ?? '?'}`),
      });

    // Deposits: more paid than the order's total means a payment was recorded twice (a POST that
    // landed after its retry had written it again); money is not checked against BigCommerce's
    // transactions here, only that Heartland does not hold more than the order is worth.
    const payments = st.payments.where((p) => p.order_id === h.id);
    const paid = payments.reduce((c, p) => c + toCents(String(p.amount)), 0);
    if (paid > cents)
      out.overpaid.push({
        bcOrderId: bcId,
        total: cents,
        paid,
        payments: payments.map((p) => `${p.amount}@${p.created_at ?? '?'}`),
      });

    // Shipments: one BigCommerce shipment per completed Heartland invoice (fulfilment) of this order.
    const invoices = hlIds.flatMap((id) =>
      st.invoices.where((i) => i.order_id === id && i.status === 'complete'),
    ).length;
    out.fulfilments += invoices;
    const shipments = bcOrder.shipments.length;
    if (shipments < invoices) out.shipmentsLost.push(bcId);
    else if (shipments > invoices)
      out.shipmentsDuplicated.push({ bcOrderId: bcId, bcShipments: shipments, hlInvoices: invoices });
  }
  out.stock = req.stock ? stockCheck(sb, req.stock, customField) : NOT_CHECKED;
  return out;
}

/**
 * BigCommerce on-hand per mapped location = max(0, Heartland available (on hand − committed) summed over
 * the Heartland locations that feed it − safety − units of BigCommerce orders that took stock but are not
 * in Heartland yet), for every SKU both simulators track. Everything is read from the simulators' state:
 * the reservations are the storefront orders BigCommerce took stock for (`stockTaken`) that no Heartland
 * sales order carries, whatever heartbridge thinks it has reserved.
 */
export function stockCheck(sb: Sandbox, cfg: StockExpectation, customField: string): StockCheck {
  const bc = sb.bc.state;
  const hl = sb.hl.state;
  const out: StockCheck = {
    wired: true,
    compared: 0,
    drift: [],
    reservedUnits: 0,
    reservedOrders: 0,
    safetyApplied: 0,
  };
  const inHeartland = new Set<number>();
  for (const o of hl.salesOrders.all()) {
    const raw = (o.custom as Record<string, unknown>)[customField];
    if (raw !== undefined && raw !== null && raw !== '') inHeartland.add(Number(raw));
  }
  const reserved = new Map<string, number>();
  for (const order of bc.orders.values()) {
    if (!order.stockTaken || inHeartland.has(order.id)) continue;
    out.reservedOrders++;
    for (const l of order.lines) {
      const qty = l.quantity - l.quantity_shipped;
      if (!l.sku || qty <= 0) continue;
      reserved.set(l.sku, (reserved.get(l.sku) ?? 0) + qty);
      out.reservedUnits += qty;
    }
  }
  const seen = new Set<string>();
  for (const variant of bc.variants.values()) {
    const product = bc.products.get(variant.product_id);
    if (!product || product.inventory_tracking === 'none' || !variant.sku) continue;
    const key = bc.stockKeyFor(product, variant);
    if (seen.has(key)) continue;
    seen.add(key);
    const item = hl.itemBySku(variant.sku);
    if (!item?.['track_inventory?']) continue;
    for (const loc of cfg.locations) {
      let available = 0;
      for (const hlLoc of loc.hlLocationIds) {
        const s = hl.peekStock(item.id, hlLoc);
        if (s) available += s.qty_on_hand - s.qty_committed;
      }
      const held = loc.bcLocationId === cfg.orderLocationId ? (reserved.get(variant.sku) ?? 0) : 0;
      const expected = Math.max(0, available - loc.keep - held);
      if (loc.keep > 0 && available > 0) out.safetyApplied++;
      const actual = bc.stock(key, loc.bcLocationId)?.onHand ?? 0;
      out.compared++;
      if (actual !== expected)
        out.drift.push({ sku: variant.sku, locationId: loc.bcLocationId, bc: actual, expected });
    }
  }
  return out;
}
