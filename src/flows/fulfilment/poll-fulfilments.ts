/**
 * Task `fulfilment.poll` (scheduled): Heartland sends no order webhooks, so completed invoices are read
 * with a cursor on `updated_at`, re-reading an overlap window (clock skew, late commits — the inbox
 * dedupe key `poll:invoice:<id>` makes the overlap free). Each invoice of an order we created becomes a
 * `fulfilment.apply` job on the BigCommerce order's entity key (serialised with `orders.sync`).
 * Invoices of orders heartbridge did not make (POS, other channels) are ignored.
 */
import { z } from 'zod';
import { hlFilter } from '../../connectors/heartland/filter.js';
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

export async function pollFulfilments(ctx: FlowContext, _payload: JsonObject): Promise<FulfilmentPollResult> {
  const opts = flowOptions(ctx);
  const { cursors, links, inbox } = ctx.engine;
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
      const link = await links.findByHlId(ctx.connectionId, 'order', String(inv.order_id));
      if (!link?.bcId) continue;
      const r = await inbox.ingest({
        connectionId: ctx.connectionId,
        source: 'poll:fulfilment',
        dedupeKey: `poll:invoice:${inv.id}`,
        topic: 'hl/invoice/completed',
        entityKey: orderEntityKey(link.bcId),
        payload: { invoiceId: inv.id, hlOrderId: inv.order_id, bcOrderId: Number(link.bcId) },
        job: { task: TASKS.fulfilmentApply, priority: PRIORITY.realtime },
      });
      if (!r.duplicate) enqueued++;
    }
  }
  await cursors.set(ctx.connectionId, FULFILMENT_CURSOR, newest);
  return { invoices, enqueued, cursor: newest };
}
