/**
 * Task handlers and schedules of the customer profile flow, for the app to register:
 *
 *   handlers: { ...createCustomerHandlers((id) => customersContextFor(id)) }
 *   schedules: customerSchedules(cfg, conn.polling.customers).map((s) => toScheduleDefinition(s, engine, id))
 */
import type { TaskHandler } from '../../engine/queue/queue-backend.js';
import type { FlowSchedule } from '../inventory/handlers.js';
import { type ContextSource, resolveContext } from '../inventory/inventory-context.js';
import { createReviewItems } from '../orders/review-items.js';
import { type CustomersConfig, pollsHeartland } from './customers-config.js';
import { applyHlCustomer, pollCustomers } from './poll-customers.js';
import { CUSTOMER_PRIORITY, CUSTOMER_TASKS } from './routing.js';
import { type CustomersFlowContext, syncBcCustomer } from './sync-customer.js';

export function createCustomerHandlers(
  source: ContextSource<CustomersFlowContext>,
): Record<string, TaskHandler> {
  const ctxFor = (connectionId: string) => resolveContext(source, connectionId);
  return {
    async [CUSTOMER_TASKS.sync](payload, job) {
      const ctx = await ctxFor(job.connectionId);
      await syncBcCustomer(ctx, createReviewItems(ctx.engine.store.db, ctx.now), payload, job);
    },
    async [CUSTOMER_TASKS.fromHl](payload, job) {
      const ctx = await ctxFor(job.connectionId);
      await applyHlCustomer(ctx, payload, job);
    },
    async [CUSTOMER_TASKS.poll](_payload, job) {
      const ctx = await ctxFor(job.connectionId);
      if (!pollsHeartland(ctx.customers)) return;
      const r = await pollCustomers(ctx);
      // A bounded run (a first poll over a big account): carry on in a fresh job, so other work interleaves.
      if (r.more) {
        await ctx.engine.queue.enqueue({
          connectionId: ctx.connectionId,
          task: CUSTOMER_TASKS.poll,
          entityKey: `${CUSTOMER_TASKS.poll}:${ctx.connectionId}`,
          coalesceKey: `${CUSTOMER_TASKS.poll}:${ctx.connectionId}`,
          payload: {},
          priority: CUSTOMER_PRIORITY.poll,
        });
      }
    },
  };
}

/** The Heartland poll, only when something flows Heartland → BigCommerce. */
export function customerSchedules(cfg: CustomersConfig, every: string): FlowSchedule[] {
  if (!pollsHeartland(cfg)) return [];
  return [
    {
      name: CUSTOMER_TASKS.poll,
      every,
      task: CUSTOMER_TASKS.poll,
      payload: {},
      priority: CUSTOMER_PRIORITY.poll,
    },
  ];
}
