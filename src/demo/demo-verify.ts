/**
 * The demo's verdict, read from the simulators' OWN state — what BigCommerce and Heartland actually hold —
 * not from heartbridge's database (a bridge that lost an order would also have lost the record of it).
 * The only thing taken from heartbridge is the quarantine list, because the reason and the suggested fix
 * are what the user should see.
 *
 * The promises checked:
 * - every storefront order that is not quarantined exists exactly once in Heartland, with the same total
 *   to the cent; a deliberately bad order does not exist there at all;
 * - every completed Heartland fulfilment of a synced order became exactly one BigCommerce shipment.
 */
import type { DeadLetter } from '../engine/dlq.js';
import { toCents } from '../mapping/money.js';
import type { Sandbox } from '../sandbox/index.js';
import type { PlacedOrder } from './demo-storefront.js';

export interface QuarantineView {
  bcOrderId: number | null;
  code: string;
  reason: string;
  suggestedFix: string | null;
  /** Closest existing SKUs, for an unknown SKU. */
  closestSkus: string[];
  /** Whether the demo meant this order to be quarantined. */
  expected: boolean;
}

export interface DemoSummary {
  ok: boolean;
  /** Why `ok` is false, one line each. */
  failures: string[];
  placed: number;
  /** Orders that exist exactly once in Heartland. */
  synced: number;
  /** Synced orders whose Heartland total equals BigCommerce's total_inc_tax to the cent. */
  totalsMatch: number;
  /** Heartland fulfilments (completed invoices) of synced orders. */
  fulfilments: number;
  /** Orders the demo shipped from Heartland, of which partially. */
  shippedFromHeartland: number;
  partiallyShipped: number;
  /** Fulfilments that exist exactly once as a BigCommerce shipment with tracking. */
  shippedBack: number;
  /** BigCommerce orders now Shipped (2) / Partially Shipped (3). */
  bcShipped: number;
  bcPartiallyShipped: number;
  quarantined: QuarantineView[];
  duplicates: number;
  lost: number;
}

export interface VerifyInput {
  sandbox: Sandbox;
  placed: PlacedOrder[];
  /** Open quarantine entries of the demo's connection. */
  quarantine: DeadLetter[];
  /** Heartland order ids the demo's staff shipped, and how. */
  shipped: Map<number, 'full' | 'partial'>;
  bcOrderIdField: string;
  /** A wait that timed out before the verdict (it is a failure of its own). */
  timedOut?: string;
}

function quarantineView(d: DeadLetter, expected: Set<number>): QuarantineView {
  const m = /^bc:order:(\d+)$/.exec(d.entityKey);
  const bcOrderId = m ? Number(m[1]) : null;
  const problems = d.errorChain[0]?.context?.problems;
  const closest: string[] = [];
  if (Array.isArray(problems)) {
    for (const p of problems as Array<{ suggestions?: Array<{ sku?: string }> }>) {
      for (const s of p.suggestions ?? []) if (s.sku && closest.length < 3) closest.push(s.sku);
    }
  }
  return {
    bcOrderId,
    code: d.errorCode,
    reason: d.errorMessage,
    suggestedFix: d.suggestedFix,
    closestSkus: closest,
    expected: bcOrderId !== null && expected.has(bcOrderId),
  };
}

/** Heartland's total of a sales order in cents: lines (after adjustments) + line tax + shipping + order tax. */
function hlTotalCents(sb: Sandbox, hlOrderId: number): number {
  const st = sb.hl.state;
  const order = st.salesOrders.get(hlOrderId);
  let cents = toCents(String(order?.shipping_charge ?? 0));
  for (const l of st.orderLines.where((x) => x.order_id === hlOrderId))
    cents += l.qty * toCents(String(l.adjusted_unit_price)) + toCents(String(l.total_tax));
  for (const a of st.orderAdjustments.where((x) => x.order_id === hlOrderId && x.kind === 'tax'))
    cents += toCents(String(a.value));
  return cents;
}

export function verifyDemo(input: VerifyInput): DemoSummary {
  const { sandbox: sb, placed, bcOrderIdField } = input;
  const failures: string[] = [];
  if (input.timedOut) failures.push(input.timedOut);
  const bad = new Set(placed.filter((p) => p.kind !== 'good').map((p) => p.id));
  const quarantined = input.quarantine.map((d) => quarantineView(d, bad));
  const quarantinedIds = new Set(quarantined.map((q) => q.bcOrderId));

  // Heartland orders by the BigCommerce order id they carry.
  const hlByBc = new Map<number, number[]>();
  for (const o of sb.hl.state.salesOrders.all()) {
    const bcId = Number((o.custom as Record<string, unknown>)[bcOrderIdField] ?? Number.NaN);
    if (!Number.isFinite(bcId)) continue;
    hlByBc.set(bcId, [...(hlByBc.get(bcId) ?? []), o.id]);
  }

  let synced = 0;
  let totalsMatch = 0;
  let duplicates = 0;
  let lost = 0;
  const syncedHl = new Map<number, number>(); // HL order id → BC order id
  for (const p of placed) {
    const hl = hlByBc.get(p.id) ?? [];
    if (hl.length > 1) {
      duplicates += hl.length - 1;
      failures.push(`order ${p.id} exists ${hl.length} times in Heartland (${hl.join(', ')})`);
    }
    if (p.kind !== 'good') {
      if (hl.length > 0) failures.push(`order ${p.id} (${p.flaw}) reached Heartland instead of quarantine`);
      else if (!quarantinedIds.has(p.id)) failures.push(`order ${p.id} (${p.flaw}) was not quarantined`);
      continue;
    }
    if (hl.length === 0) {
      if (!quarantinedIds.has(p.id)) {
        lost++;
        failures.push(`order ${p.id} never reached Heartland and is not quarantined`);
      }
      continue;
    }
    synced++;
    const hlId = hl[0] as number;
    syncedHl.set(hlId, p.id);
    if (hlTotalCents(sb, hlId) === toCents(p.total)) totalsMatch++;
    else failures.push(`order ${p.id}: Heartland total differs from BigCommerce's ${p.total}`);
  }

  // Fulfilments: each completed invoice of a synced order → exactly one BC shipment carrying its marker.
  let fulfilments = 0;
  let shippedBack = 0;
  for (const inv of sb.hl.state.invoices.all()) {
    const bcId = syncedHl.get(inv.order_id);
    if (bcId === undefined || inv.status !== 'complete') continue;
    fulfilments++;
    const marker = `heartland-invoice:${inv.id}`;
    const shipments = (sb.bc.state.orders.get(bcId)?.shipments ?? []).filter((s) =>
      String((s as { comments?: unknown }).comments ?? '').includes(marker),
    );
    if (shipments.length === 0) {
      lost++;
      failures.push(`Heartland fulfilment ${inv.id} of order ${bcId} never reached BigCommerce`);
    } else if (shipments.length > 1) {
      duplicates += shipments.length - 1;
      failures.push(`Heartland fulfilment ${inv.id} became ${shipments.length} shipments on order ${bcId}`);
    } else if (!(shipments[0] as { tracking_number?: string }).tracking_number) {
      failures.push(`the shipment of fulfilment ${inv.id} (order ${bcId}) has no tracking number`);
    } else shippedBack++;
  }
  let bcShipped = 0;
  let bcPartiallyShipped = 0;
  for (const p of placed) {
    const status = sb.bc.state.orders.get(p.id)?.status_id;
    if (status === 2) bcShipped++;
    if (status === 3) bcPartiallyShipped++;
  }
  const partiallyShipped = [...input.shipped.values()].filter((v) => v === 'partial').length;
  return {
    ok: failures.length === 0,
    failures,
    placed: placed.length,
    synced,
    totalsMatch,
    fulfilments,
    shippedFromHeartland: input.shipped.size,
    partiallyShipped,
    shippedBack,
    bcShipped,
    bcPartiallyShipped,
    quarantined,
    duplicates,
    lost,
  };
}
