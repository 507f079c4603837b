/**
 * Orders flow step 6: write the Heartland sales order — create (pending, lines inline) → taxes → deposit
 * payments → status — exactly once, whatever happened before (NOTES §12, DESIGN §5.2).
 *
 * - Before any create that may follow an unknown outcome (the link says `creating`, or this is not the
 *   job's first attempt) the order is looked up by the BigCommerce id stored on it
 *   (`custom@<bcOrderIdCustomField>`); it is created only when absent.
 * - The link row is written in state `creating` BEFORE the POST, so even a crash between the POST and
 *   the final link write is followed by a lookup, not a second create.
 * - Lines go inline on the create (NOTES §12 [C2]: one request, all or nothing). An order found by the
 *   lookup or through the link is read back and compared: lines as a multiset of item/qty/price, taxes,
 *   payments — only what is missing is added, so a re-run after a partial write completes the order,
 *   including orders made line by line before lines went inline.
 * - The HTTP client never re-POSTs after a timeout: it raises RetryableError and the queue re-runs this.
 */
import { z } from 'zod';
import type { HeartlandApi } from '../../connectors/heartland/heartland-api.js';
import { hlMoney } from '../../connectors/heartland/schemas.js';
import { PermanentError, RetryableError } from '../../engine/errors.js';
import type { Link, LinkUpsert } from '../../engine/index.js';
import type { HlSalesOrderDraft, HlStatus } from '../../mapping/hl-draft.js';
import { money, toCents } from '../../mapping/money.js';
import { isForwardHlTransition } from '../../mapping/status-map.js';
import { type FlowContext, raiseAlert } from '../flow-context.js';
import { commitOrderWrites } from './order-writes.js';
import type { ReferenceData } from './reference-data.js';

/** Which Heartland line carries which BigCommerce order product (fulfilment maps invoices back). */
export interface LineLink {
  /**
   * Null when the order was created with its lines inline and no item appears on two BigCommerce lines:
   * the 201 names no line ids, and fulfilment matches invoice lines by item then (apply-fulfilment.ts).
   */
  hlLineId: number | null;
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
  /** For the log line of the create. */
  jobId?: string;
  /** Other links learnt on the way (the customer's): committed with the `creating` marker if one is written. */
  alsoWrite?: LinkUpsert[];
  /** SKUs whose item ids came from the reference cache: a create refused with them is retried fresh. */
  itemsFromCache?: string[];
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
    // On disk before the POST (SQLite commits the flows' writes without an fsync): after a power cut the
    // retry must see `creating` and look the order up, not POST a second one.
    await ctx.engine.durable();
    wroteAlso = true;
    // Lines inline (NOTES §12, C2): one request for the order and all its lines.
    try {
      hlOrderId = await ctx.hl.createSalesOrderWithLines(
        {
          ...header,
          shipping_method_id: shippingMethodId,
          billing_address_id: input.billingAddressId,
          shipping_address_id: input.shippingAddressId,
        },
        draft.lines.map((d) => ({ ...d.body })),
      );
      created = true;
    } catch (err) {
      if (!isOrderNumberTaken(err)) throw staleItemsOr(err, refs, input.itemsFromCache ?? []);
      // Heartland already has an order with this number: an earlier create of ours landed after all
      // (the order number is the fence, mapping `orderNumber`). Continue with it.
      hlOrderId = await orderHoldingNumber(ctx, bcOrderId, header.public_id ?? '', err);
      foundByLookup = true;
    }
    if (created) {
      // The one write that must never happen twice: its own line, so a duplicate can be traced to its runs.
      ctx.logger?.info(
        { entityKey: `bc:order:${bcOrderId}`, hlOrderId, attempt: input.attempt, jobId: input.jobId },
        'orders.sync created the Heartland order',
      );
    }
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
  // Just created with its lines inline: they are all there (the create is atomic), so nothing is read
  // back — unless one item sits on two BigCommerce lines, where fulfilment needs the Heartland line ids
  // to tell them apart. Anything else (a resume, a lookup hit) reads the order: one request with embeds,
  // over a new connection, so that a write of the earlier run still queued at Heartland lands before the
  // read decides what is missing (reset-on-abort.ts, `freshConnectionFor`).
  type CurrentLine = Record<string, unknown> & { id: number | null };
  const current: {
    status: string;
    lines: CurrentLine[];
    payments: Array<{ id: number; amount: string | number; payment_type_id?: number | null }>;
  } =
    created && !needsLineIds(draft)
      ? {
          status: 'pending',
          lines: draft.lines.map((d) => ({ ...d.body, id: null })),
          payments: [],
        }
      : await ctx.hl.getSalesOrderWithDetails(hlOrderId, { newConnection: !created });
  const added = { lines: created ? draft.lines.length : 0, taxes: 0, payments: 0 };
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

/** A create refused because the order number (`public_id`) is in use (NOTES §3 error body). */
function isOrderNumberTaken(err: unknown): err is PermanentError {
  return (
    err instanceof PermanentError &&
    err.code === 'HB_ERR_HL_VALIDATION' &&
    (err.fieldErrors?.public_id ?? []).some((m) => /taken|exists|unique/i.test(m))
  );
}

/**
 * The order that holds our order number: ours if it carries this BigCommerce id. Anything else is an
 * order heartbridge did not make (an in-store number in the same range): a person must choose a prefix.
 */
async function orderHoldingNumber(
  ctx: FlowContext,
  bcOrderId: number,
  publicId: string,
  err: PermanentError,
): Promise<number> {
  const ids = await findByBcOrderId(ctx, bcOrderId);
  if (ids[0] !== undefined) return ids[0];
  throw new PermanentError({
    code: 'HB_ERR_ORDER_NUMBER_TAKEN',
    message: `Heartland order number ${publicId} is used by an order that is not BigCommerce order ${bcOrderId}`,
    suggestedFix:
      'set mapping.orderNumber.prefix to one no in-store order number starts with (or orderNumber.from: heartland), then replay',
    cause: err,
  });
}

/** True when an item is on two BigCommerce lines: only Heartland line ids can tell them apart. */
function needsLineIds(draft: HlSalesOrderDraft): boolean {
  const owner = new Map<number, number>();
  for (const d of draft.lines) {
    const seen = owner.get(d.body.item_id);
    if (seen !== undefined && seen !== d.bcOrderProductId) return true;
    owner.set(d.body.item_id, d.bcOrderProductId);
  }
  return false;
}

/**
 * A create refused (4xx) while some item ids came from the cache: an item may have been replaced in
 * Heartland (same SKU, new id). Forget them and let the queue retry; the retry reads items fresh, so a
 * refusal that has nothing to do with items still ends as the permanent error it is.
 */
function staleItemsOr(err: unknown, refs: ReferenceData, fromCache: string[]): unknown {
  if (fromCache.length === 0 || !(err instanceof PermanentError)) return err;
  refs.forgetItems(fromCache);
  return new RetryableError({
    code: 'HB_ERR_ORDER_ITEMS_STALE',
    message: `Heartland refused the order; its item ids came from the cache, retrying with fresh ones (${err.message})`,
    cause: err,
  });
}

function statusPath(target: HlStatus): HlStatus[] {
  if (target === 'open') return ['open'];
  if (target === 'closed') return ['open', 'closed'];
  return [];
}

export function isHlStatus(s: string): s is HlStatus {
  return s === 'pending' || s === 'open' || s === 'closed' || s === 'canceled';
}
