/**
 * Orders flow step 6: write the Heartland sales order — create (pending) → lines → taxes → deposit
 * payments → status — exactly once, whatever happened before (NOTES §12, DESIGN §5.2).
 *
 * - Before any create that may follow an unknown outcome (the link says `creating`, or this is not the
 *   job's first attempt) the order is looked up by the BigCommerce id stored on it
 *   (`custom@<bcOrderIdCustomField>`); it is created only when absent.
 * - The link row is written in state `creating` BEFORE the POST, so even a crash between the POST and
 *   the link update is followed by a lookup, not a second create.
 * - Every later step compares with what the order already has and adds only what is missing (lines as a
 *   multiset of item/qty/price, taxes, payments), so a re-run after a partial write completes the order.
 * - The HTTP client never re-POSTs after a timeout: it raises RetryableError and the queue re-runs this.
 */
import { z } from 'zod';
import type { HeartlandApi } from '../../connectors/heartland/heartland-api.js';
import { hlMoney } from '../../connectors/heartland/schemas.js';
import type { Link, LinkUpsert } from '../../engine/index.js';
import type { HlSalesOrderDraft, HlStatus } from '../../mapping/hl-draft.js';
import { money, toCents } from '../../mapping/money.js';
import { isForwardHlTransition } from '../../mapping/status-map.js';
import { type FlowContext, raiseAlert } from '../flow-context.js';
import { commitOrderWrites } from './order-writes.js';
import type { ReferenceData } from './reference-data.js';

/** Which Heartland line carries which BigCommerce order product (fulfilment maps invoices back). */
export interface LineLink {
  hlLineId: number;
  bcOrderProductId: number;
  itemId: number;
  qty: number;
}

export interface WriteOrderInput {
  bcOrderId: number;
  draft: HlSalesOrderDraft;
  billingAddressId: number | null;
  shippingAddressId: number | null;
  link: Link | null;
  attempt: number;
  /** Other links learnt on the way (the customer's): committed with the `creating` marker if one is written. */
  alsoWrite?: LinkUpsert[];
}

export interface WrittenOrder {
  hlOrderId: number;
  created: boolean;
  foundByLookup: boolean;
  lines: LineLink[];
  status: HlStatus | string;
  /** What this run added (0s on a no-op re-run). */
  added: { lines: number; taxes: number; payments: number };
  /** True when `alsoWrite` was committed (with the marker); else the caller still has to write it. */
  wroteAlso: boolean;
}

const cents = (v: unknown): number => toCents(money(String(v ?? '0')));

const hlTaxSchema = z.looseObject({
  id: z.number().int(),
  description: z.string().nullish(),
  value: hlMoney,
});

/** `/sales/orders/{id}/taxes` is not in HeartlandApi yet (move it there). */
export async function orderTaxes(hl: HeartlandApi, orderId: number) {
  const out: Array<z.infer<typeof hlTaxSchema>> = [];
  for await (const page of hl.client.paginate(`/sales/orders/${orderId}/taxes`, hlTaxSchema))
    out.push(...page.items);
  return out;
}

export function addOrderTax(hl: HeartlandApi, orderId: number, body: { description: string; value: string }) {
  return hl.client.createAndGetId(`/sales/orders/${orderId}/taxes`, body);
}

/** Orders carrying this BigCommerce id (exact match on the custom field, lowest id first). */
export async function findByBcOrderId(ctx: FlowContext, bcOrderId: number): Promise<number[]> {
  const field = ctx.mapping.bcOrderIdCustomField;
  const found = await ctx.hl.salesOrdersByCustom(field, String(bcOrderId));
  return found
    .filter((o) => String(o.custom?.[field] ?? '') === String(bcOrderId))
    .map((o) => o.id)
    .sort((a, b) => a - b);
}

export async function writeSalesOrder(
  ctx: FlowContext,
  refs: ReferenceData,
  input: WriteOrderInput,
): Promise<WrittenOrder> {
  const { draft, link, bcOrderId } = input;
  const base = { connectionId: ctx.connectionId, kind: 'order', bcId: String(bcOrderId) };
  let hlOrderId = link?.hlId ? Number(link.hlId) : undefined;
  let foundByLookup = false;
  let created = false;

  // Step 6a: the ambiguous-timeout guard — look before creating when a create may have happened.
  if (hlOrderId === undefined && (link?.data?.state === 'creating' || input.attempt > 1)) {
    const ids = await findByBcOrderId(ctx, bcOrderId);
    if (ids.length > 1) {
      await raiseAlert(ctx, {
        key: `orders:duplicate:${bcOrderId}`,
        severity: 'critical',
        title: `BigCommerce order ${bcOrderId} exists ${ids.length} times in Heartland`,
        detail: `Heartland orders ${ids.join(', ')} carry it; heartbridge keeps ${ids[0]} — cancel the others by hand`,
      });
    }
    hlOrderId = ids[0];
    foundByLookup = hlOrderId !== undefined;
  }

  // Step 6b: create (pending). The link says `creating` first (durably, with the customer link learnt on
  // the way), so a lost answer is looked up next time. The Heartland id is NOT written right after the
  // POST (an fsync per order for a crash window the lookup already covers); it is written in the final
  // transaction, or by the catch below when a later step fails, so a retry resumes without a lookup.
  let wroteAlso = false;
  if (hlOrderId === undefined) {
    const { shipping_method_name, ...header } = draft.header;
    const shippingMethodId =
      header.shipping_method_id ??
      (shipping_method_name ? await refs.shippingMethodId(shipping_method_name) : null);
    await commitOrderWrites(ctx, {
      links: [{ ...base, data: { ...(link?.data ?? {}), state: 'creating' } }, ...(input.alsoWrite ?? [])],
    });
    wroteAlso = true;
    hlOrderId = await ctx.hl.createSalesOrder({
      ...header,
      shipping_method_id: shippingMethodId,
      billing_address_id: input.billingAddressId,
      shipping_address_id: input.shippingAddressId,
    });
    created = true;
  }
  try {
    const rest = await completeOrder(ctx, refs, draft, hlOrderId, created);
    return { hlOrderId, created, foundByLookup, wroteAlso, ...rest };
  } catch (err) {
    if (created) {
      // Best effort: remember which order we made, so the retry resumes it without a lookup.
      const id = hlOrderId;
      await ctx.engine.links
        .upsert({ ...base, hlId: String(id), data: { ...(link?.data ?? {}), state: 'creating' } })
        .catch(() => {});
    }
    throw err;
  }
}

/** Steps 6c–6f on an order that exists: add what is missing, move the status forward. */
async function completeOrder(
  ctx: FlowContext,
  refs: ReferenceData,
  draft: HlSalesOrderDraft,
  hlOrderId: number,
  created: boolean,
): Promise<Pick<WrittenOrder, 'lines' | 'status' | 'added'>> {
  const current = created
    ? {
        status: 'pending',
        lines: [] as Array<Record<string, unknown> & { id: number }>,
        payments: [] as Array<{ id: number; amount: string; payment_type_id?: number | null }>,
      }
    : await ctx.hl.getSalesOrder(hlOrderId);
  const added = { lines: 0, taxes: 0, payments: 0 };
  const editable = current.status === 'pending' || current.status === 'open';

  // Step 6c: lines — match what exists (item, qty, unit price), add only the missing ones.
  const unused = current.lines.map((l) => ({
    id: l.id,
    itemId: Number(l.item_id),
    qty: Number(l.qty),
    price: cents((l as Record<string, unknown>).adjusted_unit_price),
  }));
  const lines: LineLink[] = [];
  for (const d of draft.lines) {
    const price = cents(d.body.adjusted_unit_price);
    const i = unused.findIndex(
      (u) => u.itemId === d.body.item_id && u.qty === d.body.qty && u.price === price,
    );
    if (i >= 0) {
      const [hit] = unused.splice(i, 1);
      lines.push({
        hlLineId: hit!.id,
        bcOrderProductId: d.bcOrderProductId,
        itemId: d.body.item_id,
        qty: d.body.qty,
      });
      continue;
    }
    if (!editable) continue;
    const id = await ctx.hl.addOrderLine(hlOrderId, { ...d.body });
    added.lines++;
    lines.push({
      hlLineId: id,
      bcOrderProductId: d.bcOrderProductId,
      itemId: d.body.item_id,
      qty: d.body.qty,
    });
  }

  // Step 6d: order taxes (shipping tax, or all tax in `order` mode).
  if (draft.taxes.length > 0 && editable) {
    const have = created ? [] : await orderTaxes(ctx.hl, hlOrderId);
    const left = have.map((t) => `${t.description ?? ''}|${cents(t.value)}`);
    for (const t of draft.taxes) {
      const k = `${t.description}|${cents(t.value)}`;
      const i = left.indexOf(k);
      if (i >= 0) left.splice(i, 1);
      else {
        await addOrderTax(ctx.hl, hlOrderId, t);
        added.taxes++;
      }
    }
  }

  // Step 6e: deposit payments, only those not already recorded.
  const paid = current.payments.map((p) => `${p.payment_type_id ?? ''}|${cents(p.amount)}`);
  for (const p of draft.payments) {
    const { payment_type_name, ...body } = p;
    const typeId =
      body.payment_type_id ?? (payment_type_name ? await refs.paymentTypeId(payment_type_name) : null);
    const k = `${typeId ?? ''}|${cents(body.amount)}`;
    const i = paid.indexOf(k);
    if (i >= 0) {
      paid.splice(i, 1);
      continue;
    }
    if (!editable) continue;
    await ctx.hl.addOrderPayment(hlOrderId, { ...body, payment_type_id: typeId });
    added.payments++;
  }

  // Step 6f: status — pending → open (→ closed when BigCommerce already says shipped/completed).
  let status = current.status;
  for (const next of statusPath(draft.targetStatus)) {
    if (isHlStatus(status) && isForwardHlTransition(status, next)) {
      await ctx.hl.setOrderStatus(hlOrderId, next);
      status = next;
    }
  }
  return { lines, status, added };
}

function statusPath(target: HlStatus): HlStatus[] {
  if (target === 'open') return ['open'];
  if (target === 'closed') return ['open', 'closed'];
  return [];
}

export function isHlStatus(s: string): s is HlStatus {
  return s === 'pending' || s === 'open' || s === 'closed' || s === 'canceled';
}
