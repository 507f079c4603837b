/**
 * Task `fulfilment.apply`: one completed Heartland invoice (= a fulfilment, NOTES §12) becomes one
 * BigCommerce shipment, exactly once. Runs on the order's entity key, so it is serialised with
 * `orders.sync` for the same order.
 *
 * - Items by `order_product_id`: the order link records which Heartland line carries which BC line.
 * - Ambiguous-timeout safe: the shipment carries `heartland-invoice:<id>` in its comments; the order's
 *   shipments are listed first and an invoice already shipped is not shipped again. Quantities are also
 *   capped at what is left to ship.
 * - Status: real BigCommerce moves the order to Shipped / Partially Shipped when shipments cover its
 *   items; we read the order back and set the status only if it did not.
 * - Optional capture on shipment (v3 payment actions) when the payment was only authorised.
 * - Echo suppression: the hash of the BC state after our writes is recorded on the link, so the
 *   `store/order/updated` webhooks they cause are recognised and cause no Heartland writes.
 */
import { z } from 'zod';
import type { ShipmentCreateBody } from '../../connectors/bigcommerce/resources/body-types.js';
import { PermanentError, RetryableError } from '../../engine/errors.js';
import type { JobContext, JsonObject } from '../../engine/queue/queue-backend.js';
import { type FlowContext, flowOptions, raiseAlert } from '../flow-context.js';
import { bcOrderStateHash } from '../orders/fetch-order.js';
import type { LineLink } from '../orders/hl-order-writer.js';

export type FulfilmentOutcome = 'shipped' | 'already_shipped' | 'nothing_to_ship';

const invoiceSchema = z.looseObject({
  id: z.number().int(),
  order_id: z.number().int().nullish(),
  status: z.string().nullish(),
  tracking_number: z.string().nullish(),
  shipping_carrier: z.string().nullish(),
});
const invoiceLineSchema = z.looseObject({
  id: z.number().int(),
  item_id: z.number().int().nullish(),
  order_line_id: z.number().int().nullish(),
  qty: z.union([z.number(), z.string()]).transform(Number),
});

/** AfterShip slugs BigCommerce accepts as `tracking_carrier`; anything else goes in `shipping_method`. */
const CARRIERS = new Set([
  'ups',
  'fedex',
  'usps',
  'dhl',
  'canada-post',
  'australia-post',
  'royal-mail',
  'ontrac',
]);

export function shipmentMarker(invoiceId: number): string {
  return `heartland-invoice:${invoiceId}`;
}

export async function applyFulfilment(
  ctx: FlowContext,
  payload: JsonObject,
  job: Pick<JobContext, 'entityKey'>,
): Promise<FulfilmentOutcome> {
  const invoiceId = Number(payload.invoiceId);
  const bcOrderId = Number(payload.bcOrderId ?? job.entityKey.replace(/^bc:order:/, ''));
  if (!Number.isSafeInteger(invoiceId) || !Number.isSafeInteger(bcOrderId)) {
    throw new PermanentError({
      code: 'HB_ERR_FULFILMENT_BAD_PAYLOAD',
      message: `fulfilment job for ${job.entityKey} names no invoice/order`,
      suggestedFix: 'discard this entry; the next fulfilment poll re-reads completed invoices',
    });
  }
  const link = await ctx.engine.links.findByBcId(ctx.connectionId, 'order', String(bcOrderId));
  if (!link?.hlId || link.data?.state === 'creating') {
    // Shipped before the orders flow finished the order (its job waits to retry after the POST; the
    // link has no Heartland id or no line map yet): this job runs again later, by then behind that
    // retry on the same entity. Returning would lose the shipment; if the order never completes, this
    // ends in the DLQ where someone sees it.
    throw new RetryableError({
      code: 'HB_ERR_FULFILMENT_ORDER_NOT_LINKED',
      message: `BigCommerce order ${bcOrderId} has no finished Heartland order link yet; invoice ${invoiceId} waits for it`,
      suggestedFix:
        'let the order sync finish (see its job or quarantine entry); this job then ships the invoice',
    });
  }

  const invoice = await ctx.hl.client.getJson(`/sales/invoices/${invoiceId}`, invoiceSchema);
  const invLines: Array<z.infer<typeof invoiceLineSchema>> = [];
  for await (const page of ctx.hl.client.paginate(`/sales/invoices/${invoiceId}/lines`, invoiceLineSchema))
    invLines.push(...page.items);

  const marker = shipmentMarker(invoiceId);
  const existing = await ctx.bc.orders.shipments(bcOrderId);
  if (existing.some((s) => String((s as Record<string, unknown>).comments ?? '').includes(marker))) {
    await recordWrittenState(ctx, bcOrderId, link.data ?? {});
    return 'already_shipped';
  }

  // Invoice lines → BC order products (summed: one BC line may be two HL lines, see the mapping).
  const lineLinks = (Array.isArray(link.data?.lines) ? link.data.lines : []) as LineLink[];
  const wanted = new Map<number, number>();
  for (const il of invLines) {
    // Orders created with inline lines record no line ids (hl-order-writer.ts) unless an item is on two
    // BigCommerce lines; a null must never match an invoice line that names no order line.
    const byLine =
      il.order_line_id == null ? undefined : lineLinks.find((l) => l.hlLineId === il.order_line_id);
    const byItem = byLine ?? lineLinks.find((l) => l.itemId === il.item_id);
    if (!byItem) continue;
    wanted.set(byItem.bcOrderProductId, (wanted.get(byItem.bcOrderProductId) ?? 0) + il.qty);
  }
  const [products, addresses] = await Promise.all([
    ctx.bc.orders.products(bcOrderId),
    ctx.bc.orders.shippingAddresses(bcOrderId),
  ]);
  const items: Array<{ order_product_id: number; quantity: number }> = [];
  let addressId: number | undefined;
  for (const [productId, qty] of wanted) {
    const p = products.find((x) => x.id === productId);
    if (!p) continue;
    const left = p.quantity - (p.quantity_shipped ?? 0);
    const quantity = Math.min(qty, left);
    if (quantity <= 0) continue;
    items.push({ order_product_id: productId, quantity });
    addressId ??= p.order_address_id && p.order_address_id > 0 ? p.order_address_id : undefined;
  }
  addressId ??= addresses[0]?.id;
  if (items.length === 0 || addressId === undefined) return 'nothing_to_ship';

  const carrier = (invoice.shipping_carrier ?? '').trim();
  const slug = carrier.toLowerCase().replace(/\s+/g, '-');
  const body = {
    order_address_id: addressId,
    items,
    tracking_number: (invoice.tracking_number ?? '').slice(0, 50),
    tracking_carrier: CARRIERS.has(slug) ? slug : '',
    shipping_method: carrier,
    comments: `${marker} (shipped in Heartland)`,
  } as ShipmentCreateBody;
  const shipment = await ctx.bc.orders.createShipment(bcOrderId, body);

  // Status: Shipped when every line is shipped, else Partially Shipped (only if BC did not do it).
  const after = await ctx.bc.orders.products(bcOrderId);
  const allShipped = after.every((p) => (p.quantity_shipped ?? 0) >= p.quantity);
  const expected = allShipped ? 2 : 3;
  const order = await ctx.bc.orders.get(bcOrderId);
  if (order.status_id !== expected) await ctx.bc.orders.updateStatus(bcOrderId, expected);

  if (flowOptions(ctx).captureOnShipment) await captureIfAuthorised(ctx, bcOrderId);

  await recordWrittenState(ctx, bcOrderId, link.data ?? {});
  await ctx.engine.audit.record({
    actor: 'flow:fulfilment.apply',
    action: 'order.shipped',
    target: job.entityKey,
    connectionId: ctx.connectionId,
    detail: {
      invoiceId,
      shipmentId: shipment.id,
      items,
      trackingNumber: body.tracking_number,
      statusId: expected,
    },
  });
  return 'shipped';
}

/** Captures an authorised-only payment (after the shipment, so a failed capture never blocks shipping). */
async function captureIfAuthorised(ctx: FlowContext, bcOrderId: number): Promise<void> {
  const tx = await ctx.bc.orders.transactions(bcOrderId);
  const auth = tx.find((t) => t.event === 'authorization' && t.status !== 'error');
  const settled = tx.some((t) => (t.event === 'capture' || t.event === 'void') && t.status !== 'error');
  if (!auth || settled) return;
  try {
    await ctx.bc.orders.capture(bcOrderId);
  } catch (err) {
    await raiseAlert(ctx, {
      key: `fulfilment:capture-failed:${bcOrderId}`,
      severity: 'warning',
      title: `BigCommerce order ${bcOrderId} shipped but the payment capture failed`,
      detail: `${err instanceof Error ? err.message : String(err)} — the job retries the capture`,
    });
    throw err;
  }
}

/** Hash of the BC state after our writes: the resulting webhooks are echoes (orders.sync skips them). */
async function recordWrittenState(ctx: FlowContext, bcOrderId: number, data: Record<string, unknown>) {
  const [order, products, shippingAddresses] = await Promise.all([
    ctx.bc.orders.get(bcOrderId),
    ctx.bc.orders.products(bcOrderId),
    ctx.bc.orders.shippingAddresses(bcOrderId),
  ]);
  await ctx.engine.links.upsert({
    connectionId: ctx.connectionId,
    kind: 'order',
    bcId: String(bcOrderId),
    data: { ...data, bcWrittenHash: bcOrderStateHash({ order, products, shippingAddresses }) },
  });
}
