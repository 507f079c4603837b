/**
 * The flows' public surface for the composition root (src/app): task handlers, the webhook router and
 * the schedules that drive the polls.
 *
 *   const handlers = createFlowHandlers((connectionId) => flowContextFor(connectionId));
 *   createApp({ handlers, schedules: (parts) => flowSchedules({ engine: parts.engine, connectionIds }) })
 *   registerBigCommerceWebhookRoute(server, { inbox, connection, route: webhookTaskRouter })
 */
import type { Engine } from '../engine/engine.js';
import type { JsonObject, TaskHandler } from '../engine/queue/queue-backend.js';
import type { ScheduleDefinition } from '../engine/scheduler/index.js';
import { type FlowContext, type FlowContextResolver, flowOptions } from './flow-context.js';
import { applyFulfilment } from './fulfilment/apply-fulfilment.js';
import { pollFulfilments } from './fulfilment/poll-fulfilments.js';
import { checkLateWrites } from './orders/late-writes.js';
import { pollOrders } from './orders/poll-orders.js';
import { ReferenceData } from './orders/reference-data.js';
import { createReviewItems } from './orders/review-items.js';
import { type OrdersDeps, syncOrder } from './orders/sync-order.js';
import { PRIORITY, TASKS } from './routing.js';

export {
  type CustomersConfig,
  type CustomersFlowContext,
  createCustomerHandlers,
  customerSchedules,
  customerTopicRoute,
  parseCustomersConfig,
} from './customers/index.js';
export * from './flow-context.js';
export { applyFulfilment, type FulfilmentOutcome, shipmentMarker } from './fulfilment/apply-fulfilment.js';
export { FULFILMENT_CURSOR, pollFulfilments } from './fulfilment/poll-fulfilments.js';
export { ORDERS_CURSOR, pollOrders } from './orders/poll-orders.js';
export {
  CUSTOMER_MATCH_KIND,
  createReviewItems,
  type ReviewItem,
  type ReviewItems,
} from './orders/review-items.js';
export { type SyncOutcome, syncOrder } from './orders/sync-order.js';
export { orderEntityKey, PRIORITY, routeTopic, TASKS, webhookTaskRouter } from './routing.js';

/** Flow handlers by task name, for `engine.startWorkers` / `createApp({ handlers })`. */
export function createFlowHandlers(resolve: FlowContextResolver): Record<string, TaskHandler> {
  const deps = new Map<string, { holder: { ctx: FlowContext }; orders: OrdersDeps }>();
  const contextFor = async (connectionId: string) => {
    const ctx = await resolve(connectionId);
    let entry = deps.get(connectionId);
    if (!entry) {
      const holder = { ctx };
      entry = {
        holder,
        orders: {
          reviews: createReviewItems(ctx.engine.store.db, ctx.now),
          // The getter follows the latest context (credentials may be rotated between jobs).
          refs: new ReferenceData(() => holder.ctx.hl, flowOptions(ctx).referenceCacheMs, ctx.now),
        },
      };
      deps.set(connectionId, entry);
    }
    entry.holder.ctx = ctx;
    return { ctx, orders: entry.orders };
  };
  return {
    [TASKS.ordersSync]: async (payload, job) => {
      const { ctx, orders } = await contextFor(job.connectionId);
      await syncOrder(ctx, orders, payload, job);
    },
    [TASKS.ordersLateWrites]: async (payload, job) => {
      const { ctx } = await contextFor(job.connectionId);
      const outcome = await checkLateWrites(ctx, payload, job);
      if (outcome !== 'clean')
        ctx.logger?.info({ entityKey: job.entityKey, outcome }, 'orders.late-writes checked the order');
    },
    [TASKS.ordersPoll]: async (payload, job) => {
      const { ctx } = await contextFor(job.connectionId);
      await pollOrders(ctx, payload);
    },
    [TASKS.fulfilmentPoll]: async (payload, job) => {
      const { ctx } = await contextFor(job.connectionId);
      await pollFulfilments(ctx, payload);
    },
    [TASKS.fulfilmentApply]: async (payload, job) => {
      const { ctx } = await contextFor(job.connectionId);
      await applyFulfilment(ctx, payload, job);
    },
  };
}

export interface FlowSchedulesOptions {
  engine: Pick<Engine, 'queue'>;
  connectionIds: readonly string[];
  /** Interval of the BigCommerce order poll backstop (`5m`). */
  ordersEvery?: string;
  /** Interval of the Heartland fulfilment poll (`1m`). */
  fulfilmentEvery?: string;
}

/** One schedule per poll and connection; each slot enqueues one poll job (coalesced if one is waiting). */
export function flowSchedules(options: FlowSchedulesOptions): ScheduleDefinition[] {
  const out: ScheduleDefinition[] = [];
  for (const connectionId of options.connectionIds) {
    const enqueue = (task: string) => async (slot: number) => {
      const payload: JsonObject = { slot };
      await options.engine.queue.enqueue({
        connectionId,
        task,
        entityKey: `poll:${task}:${connectionId}`,
        coalesceKey: `poll:${task}:${connectionId}`,
        payload,
        // A poll is one cheap job that unlocks many: behind an order backlog it starved (chaos runs: a
        // fulfilment poll waited 160 s at poll priority, 10 min at real-time priority behind 17,000 jobs).
        priority: PRIORITY.dispatch,
        maxAttempts: 3,
      });
    };
    out.push({
      name: `${TASKS.ordersPoll}:${connectionId}`,
      every: options.ordersEvery ?? '5m',
      run: enqueue(TASKS.ordersPoll),
    });
    out.push({
      name: `${TASKS.fulfilmentPoll}:${connectionId}`,
      every: options.fulfilmentEvery ?? '1m',
      run: enqueue(TASKS.fulfilmentPoll),
    });
  }
  return out;
}
