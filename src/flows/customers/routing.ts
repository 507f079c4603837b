/**
 * Which customer task a webhook topic becomes, and the customer tasks' names.
 *
 * BigCommerce customer and address events route to `customers.sync` on the customer's entity key
 * (`bc:customer:<id>`; for address events the connector takes the id from `data.address.customer_id`),
 * coalesced per customer: the flow always fetches the current customer, so a sign-up's burst
 * (customer/created, address/created, customer/updated) waiting together is one job. Deletions are
 * not routed: heartbridge never deletes a Heartland customer (its sales history hangs off it).
 */
import type { IngestJob } from '../../engine/inbox.js';

export const CUSTOMER_TASKS = {
  /** BigCommerce → Heartland, one BigCommerce customer. */
  sync: 'customers.sync',
  /** The Heartland `updated_at` poll. */
  poll: 'customers.poll',
  /** Heartland → BigCommerce, one Heartland customer. */
  fromHl: 'customers.from_hl',
} as const;

/** Same scale as src/flows/routing.ts PRIORITY (real-time 10, poll 5, bulk 0); not imported: no cycle. */
export const CUSTOMER_PRIORITY = { realtime: 10, poll: 5 } as const;

const BC_CUSTOMER_TOPIC = /^store\/customer\/(created|updated|address\/created|address\/updated)$/;

export function customerEntityKey(bcCustomerId: number | string): string {
  return `bc:customer:${bcCustomerId}`;
}

export function hlCustomerEntityKey(hlCustomerId: number | string): string {
  return `hl:customer:${hlCustomerId}`;
}

export function customerTopicRoute(topic: string, entityKey: string): IngestJob | undefined {
  if (!BC_CUSTOMER_TOPIC.test(topic) || !/^bc:customer:\d+$/.test(entityKey)) return undefined;
  return {
    task: CUSTOMER_TASKS.sync,
    coalesceKey: `${CUSTOMER_TASKS.sync}:${entityKey}`,
    priority: CUSTOMER_PRIORITY.realtime,
  };
}
