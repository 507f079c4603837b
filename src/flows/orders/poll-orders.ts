/**
 * Task `orders.poll` (scheduled every N minutes) — issue 5 step 10, the backstop for lost webhooks.
 * Lists BigCommerce orders modified since the cursor (minus an overlap window) and enqueues
 * `orders.sync` for every order that changed after the version its link last saw and that no webhook
 * announced. Those are "repaired" orders: counted (metric `ordersRepairedByPoll`) and alerted on,
 * because a non-zero count means webhooks are being lost (DESIGN §5.8).
 *
 * Orders modified in the last `pollGraceMs` are left for the next run: their webhook may still be on
 * its way, and counting them would cry wolf. The inbox dedupe key `poll:order:<id>:<date_modified>`
 * makes re-reading the overlap free.
 */
import type { JsonObject } from '../../engine/queue/queue-backend.js';
import { type FlowContext, flowOptions, raiseAlert } from '../flow-context.js';
import { orderEntityKey, PRIORITY, TASKS } from '../routing.js';
import { versionOf } from './fetch-order.js';

export const ORDERS_CURSOR = 'orders.modified_since';
/** BigCommerce and our clocks may disagree a little; a webhook received this much "before" still counts. */
const ANNOUNCE_SKEW_MS = 5_000;

export interface OrdersPollResult {
  seen: number;
  repaired: number[];
  cursor: string;
}

export async function pollOrders(ctx: FlowContext, _payload: JsonObject): Promise<OrdersPollResult> {
  const opts = flowOptions(ctx);
  const { cursors, links, inbox, store } = ctx.engine;
  const stored = await cursors.get(ctx.connectionId, ORDERS_CURSOR);
  const cursorMs = stored ? Date.parse(stored) : ctx.now() - opts.pollInitialLookbackMs;
  const untilMs = ctx.now() - opts.pollGraceMs;
  const repaired: number[] = [];
  let seen = 0;
  if (untilMs > cursorMs - opts.pollOverlapMs) {
    const pages = ctx.bc.orders.list(
      {
        min_date_modified: new Date(cursorMs - opts.pollOverlapMs).toISOString(),
        max_date_modified: new Date(untilMs).toISOString(),
        sort: 'date_modified:asc',
      },
      { priority: 'bulk' },
    );
    for await (const page of pages) {
      for (const o of page.items) {
        seen++;
        if (o.status_id === 0) continue;
        const version = versionOf(o.date_modified);
        const entityKey = orderEntityKey(o.id);
        const link = await links.findByBcId(ctx.connectionId, 'order', String(o.id));
        if (link?.lastSeenVersion && version <= Date.parse(link.lastSeenVersion)) continue;
        const announced = await store.db
          .selectFrom('inbox')
          .select('id')
          .where('connection_id', '=', ctx.connectionId)
          .where('source', '=', 'bigcommerce')
          .where('entity_key', '=', entityKey)
          .where('received_at', '>=', version - ANNOUNCE_SKEW_MS)
          .limit(1)
          .executeTakeFirst();
        if (announced) continue; // the webhook's own job handles it
        const r = await inbox.ingest({
          connectionId: ctx.connectionId,
          source: 'poll:orders',
          dedupeKey: `poll:order:${o.id}:${o.date_modified}`,
          topic: 'poll/orders',
          entityKey,
          payload: { orderId: o.id, source: 'poll' },
          job: {
            task: TASKS.ordersSync,
            coalesceKey: `${TASKS.ordersSync}:${entityKey}`,
            priority: PRIORITY.poll,
          },
        });
        if (!r.duplicate) repaired.push(o.id);
      }
    }
  }
  const cursor = new Date(Math.max(cursorMs, untilMs)).toISOString();
  await cursors.set(ctx.connectionId, ORDERS_CURSOR, cursor);
  if (repaired.length > 0) {
    ctx.metrics?.ordersRepairedByPoll.inc({ connection: ctx.connectionId }, repaired.length);
    await raiseAlert(ctx, {
      key: `orders:repaired-by-poll:${ctx.connectionId}`,
      severity: 'warning',
      title: `${repaired.length} BigCommerce order change(s) arrived by poll, not webhook`,
      detail: `orders ${repaired.slice(0, 20).join(', ')}${repaired.length > 20 ? ', …' : ''}: webhooks are being lost — run heartbridge doctor to check the hooks`,
    });
  }
  return { seen, repaired, cursor };
}
