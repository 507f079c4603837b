/**
 * Task `fulfilment.poll` (scheduled): Heartland sends no order webhooks, so completed invoices are read
 * with a cursor on `updated_at`, re-reading an overlap window (clock skew, late commits — the inbox
 * dedupe key `poll:invoice:<id>` makes the overlap free). Each invoice of an order we created becomes a
 * `fulfilment.apply` job on the BigCommerce order's entity key (serialised with `orders.sync`).
 * Invoices of orders heartbridge did not make (POS, other channels) are ignored; "made by heartbridge"
 * is the link, or — while the orders flow has not finished the order — the order's own custom field.
 */
import { z } from 'zod';
import { hlFilter } from '../../connectors/heartland/filter.js';
import { hlSalesOrderSchema } from '../../connectors/heartland/schemas.js';
import type { JsonObject } from '../../engine/queue/queue-backend.js';
import { type FlowContext, flowOptions } from '../flow-context.js';
import { orderEntityKey, PRIORITY, TASKS } from '../routing.js';

export const FULFILMENT_CURSOR = 'fulfilment.invoices_completed_since';

const invoiceSchema = z.looseObject({
  id: z.number().int(),
  order_id: z.number().int().nullish(),
  status: z.string().nullish(),
  updated_at: z.string(),
});

export interface FulfilmentPollResult {
  invoices: number;
  enqueued: number;
  cursor: string;
}

/**
 * The BigCommerce order id of a Heartland order, or undefined when heartbridge did not make it.
 *
 * The link knows once the orders flow has finished the order. Until then (its job failed after the POST
 * and is waiting to retry — the link is still `creating` without the Heartland id) the store may
 * already have shipped it: the order itself says whose it is (the BigCommerce id in its custom field).
 * Skipping it as "not ours" would move the cursor past the invoice and lose the shipment for good (chaos
 * full profile: 3 of 7,193). One Heartland read per invoice of an unlinked order; POS and other
 * channels' orders carry no such field and are skipped after it.
 */
async function bcOrderIdOf(
  ctx: FlowContext,
  hlOrderId: number,
  seen: Map<number, string | undefined>,
): Promise<string | undefined> {
  if (seen.has(hlOrderId)) return seen.get(hlOrderId);
  const link = await ctx.engine.links.findByHlId(ctx.connectionId, 'order', String(hlOrderId));
  let bcId = link?.bcId ?? undefined;
  if (!bcId) {
    const order = await ctx.hl.client.getJson(`/sales/orders/${hlOrderId}`, hlSalesOrderSchema);
    const v = order.custom?.[ctx.mapping.bcOrderIdCustomField];
    bcId = v !== undefined && v !== null && /^\d+$/.test(String(v)) ? String(v) : undefined;
  }
  seen.set(hlOrderId, bcId);
  return bcId;
}

/**
 * Answers kept across polls (per engine, bounded): the overlap window re-reads the same invoices every
 * poll, and a Heartland order's owner never changes, so an order found not to be ours is not read again.
 */
const knownOwners = new WeakMap<object, Map<number, string | undefined>>();
function answersFor(ctx: FlowContext): Map<number, string | undefined> {
  let m = knownOwners.get(ctx.engine);
  if (!m) {
    m = new Map();
    knownOwners.set(ctx.engine, m);
  }
  if (m.size > 10_000) m.clear();
  return m;
}

export async function pollFulfilments(ctx: FlowContext, _payload: JsonObject): Promise<FulfilmentPollResult> {
  const opts = flowOptions(ctx);
  const { cursors, inbox } = ctx.engine;
  const ours = answersFor(ctx);
  const stored = await cursors.get(ctx.connectionId, FULFILMENT_CURSOR);
  const cursorMs = stored ? Date.parse(stored) : ctx.now() - opts.pollInitialLookbackMs;
  const since = new Date(cursorMs - opts.pollOverlapMs).toISOString();
  let newest = stored ?? new Date(cursorMs).toISOString();
  let invoices = 0;
  let enqueued = 0;
  const pages = ctx.hl.client.paginate('/sales/invoices', invoiceSchema, {
    query: {
      _filter: hlFilter.and(hlFilter.eq('status', 'complete'), hlFilter.gt('updated_at', since)),
      'sort[]': ['updated_at'],
    },
    perPage: 100,
  });
  for await (const page of pages) {
    for (const inv of page.items) {
      invoices++;
      if (Date.parse(inv.updated_at) > Date.parse(newest)) newest = inv.updated_at;
      if (!inv.order_id) continue;
      const bcId = await bcOrderIdOf(ctx, inv.order_id, ours);
      if (bcId === undefined) continue;
      const r = await inbox.ingest({
        connectionId: ctx.connectionId,
        source: 'poll:fulfilment',
        dedupeKey: `poll:invoice:${inv.id}`,
        topic: 'hl/invoice/completed',
        entityKey: orderEntityKey(bcId),
        payload: { invoiceId: inv.id, hlOrderId: inv.order_id, bcOrderId: Number(bcId) },
        job: { task: TASKS.fulfilmentApply, priority: PRIORITY.realtime },
      });
      if (!r.duplicate) enqueued++;
    }
  }
  await cursors.set(ctx.connectionId, FULFILMENT_CURSOR, newest);
  return { invoices, enqueued, cursor: newest };
}
