/**
 * The verdict, read from the simulators' own state (never from what heartbridge says about itself):
 * every order placed on BigCommerce exists exactly once in Heartland with the same lines and the same
 * total to the cent (unless heartbridge parked it on purpose); every Heartland fulfilment came back as
 * exactly one BigCommerce shipment; BigCommerce stock equals Heartland's minus safety (once the inventory
 * flow is wired into `serve`).
 */

import type { MappingConfig } from '../../src/mapping/mapping-config.js';
import { toCents } from '../../src/mapping/money.js';
import { bcStatusToHeartland } from '../../src/mapping/status-map.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import type { PlacedOrder, StockCheck, VerifyRequest, VerifyResult } from './protocol.js';

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
    wrongTotals: [],
    wrongLines: [],
    strays,
    fulfilments: 0,
    shipmentsLost: [],
    shipmentsDuplicated: [],
    stock: { wired: false, compared: 0, drift: [] },
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
    if (hlIds.length > 1) out.duplicated.push({ bcOrderId: bcId, hlOrders: hlIds.length });
    out.synced++;
    const h = st.salesOrders.get(hlIds[0] as number);
    const bcOrder = sb.bc.state.orders.get(bcId);
    if (!h || !bcOrder) continue;
    const lines = st.orderLines.where((l) => l.order_id === h.id);
    const hlLines = lines
      .map((l) => `${st.items.get(l.item_id)?.public_id ?? `item${l.item_id}`}×${l.qty}`)
      .sort()
      .join(',');
    const bcLines = bcOrder.lines
      .map((l) => `${l.sku}×${l.quantity}`)
      .sort()
      .join(',');
    if (hlLines !== bcLines) out.wrongLines.push({ bcOrderId: bcId, bc: bcLines, hl: hlLines });
    let cents = toCents(String(h.shipping_charge));
    for (const l of lines)
      cents += l.qty * toCents(String(l.adjusted_unit_price)) + toCents(String(l.total_tax));
    for (const t of st.orderAdjustments.where((a) => a.order_id === h.id && a.kind === 'tax'))
      cents += toCents(String(t.value));
    if (cents !== toCents(total)) out.wrongTotals.push({ bcOrderId: bcId, bc: toCents(total), hl: cents });

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
  out.stock = req.stock ? stockCheck(sb, req.stock) : { wired: false, compared: 0, drift: [] };
  return out;
}

/** BigCommerce on-hand per mapped location = Heartland available − safety, for every SKU both know. */
function stockCheck(sb: Sandbox, cfg: { locations: Record<string, number>; safety: number }): StockCheck {
  const bc = sb.bc.state;
  const hl = sb.hl.state;
  const out: StockCheck = { wired: true, compared: 0, drift: [] };
  for (const variant of bc.variants.values()) {
    const product = bc.products.get(variant.product_id);
    if (!product || product.inventory_tracking === 'none' || !variant.sku) continue;
    const item = hl.itemBySku(variant.sku);
    if (!item) continue;
    const key = bc.stockKeyFor(product, variant);
    for (const [hlLoc, bcLoc] of Object.entries(cfg.locations)) {
      const stock = bc.stock(key, bcLoc);
      const hlStock = hl.peekStock(item.id, Number(hlLoc));
      if (!stock || !hlStock) continue;
      out.compared++;
      const expected = Math.max(0, hlStock.qty_on_hand - hlStock.qty_committed - cfg.safety);
      if (stock.onHand !== expected)
        out.drift.push({ sku: variant.sku, locationId: bcLoc, bc: stock.onHand, expected });
    }
  }
  return out;
}
