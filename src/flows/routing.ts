/**
 * Which task a BigCommerce webhook topic becomes (the server's `WebhookTaskRouter`). Topics no flow
 * handles yet return `undefined`: the delivery is acknowledged and counted as ignored.
 *
 * Order events coalesce per order: the flow always fetches the current order, so ten `updated` events
 * waiting for one order are one job. Real-time orders outrank bulk work (priority).
 */
import type { IngestJob } from '../engine/inbox.js';
import type { WebhookTaskRouter } from '../server/routes/webhook-deps.js';
import { customerTopicRoute } from './customers/routing.js';

export const TASKS = {
  ordersSync: 'orders.sync',
  ordersPoll: 'orders.poll',
  /** The late-write check after an order write that had to be re-run (orders/late-writes.ts). */
  ordersLateWrites: 'orders.late-writes',
  fulfilmentPoll: 'fulfilment.poll',
  fulfilmentApply: 'fulfilment.apply',
} as const;

/**
 * Job priorities (higher runs first; equal priorities run oldest first):
 * - dispatch: the scheduled polls themselves — one cheap job each that finds the work of many. At any
 *   lower level they wait behind the whole backlog (oldest first), and a backlog is exactly when their
 *   cursor must keep moving: in the full chaos run the fulfilment poll waited 10 minutes behind 13,000
 *   stock hints and 4,000 orders, so no shipment came back meanwhile;
 * - realtime: an order, a shipment, a customer — what a person is waiting for;
 * - poll: what a poll found that a webhook should have brought;
 * - bulk: full syncs and reconciles.
 */
export const PRIORITY = { dispatch: 20, realtime: 10, poll: 5, bulk: 0 } as const;

const ORDER_TOPIC =
  /^store\/order\/(created|updated|statusUpdated|archived|refund\/created|transaction\/(created|updated))$/;

export function orderEntityKey(orderId: number | string): string {
  return `bc:order:${orderId}`;
}

export function routeTopic(topic: string, entityKey: string): IngestJob | undefined {
  if (ORDER_TOPIC.test(topic) && entityKey.startsWith('bc:order:')) {
    return {
      task: TASKS.ordersSync,
      coalesceKey: `${TASKS.ordersSync}:${entityKey}`,
      priority: PRIORITY.realtime,
    };
  }
  // store/shipment/* are the echoes of our own fulfilment writes: the order events that accompany them
  // already carry the change. Customer / product / sku scopes belong to other flows (not routed here).
  return undefined;
}

/**
 * Adapter to the webhook route's router signature (connection id is not needed to pick the task): orders
 * and customer profiles. The app's router (src/app/sync-module.ts) routes customers only for connections
 * whose `customers` block is enabled, and stock / catalog topics per connection.
 */
export const webhookTaskRouter: WebhookTaskRouter = (_connectionId, topic, entityKey) =>
  routeTopic(topic, entityKey) ?? customerTopicRoute(topic, entityKey);
