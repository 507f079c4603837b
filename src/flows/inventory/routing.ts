/**
 * Which inventory / catalog task a webhook topic becomes (composed with the orders routing by the lead:
 * `routeTopic(t, k) ?? inventoryTopicRoute(t, k)`).
 *
 * BigCommerce inventory events are coalesced per inventory unit and run a couple of seconds late on
 * purpose: one absolute write of N locations echoes N events, and only the last (carrying the final
 * total) needs to be looked at. Heartland item webhooks (topic `hl/item`, entity `hl:item:<id>`) are
 * hints for both the catalog and the stock of that item.
 */
import type { IngestJob } from '../../engine/inbox.js';

export const INVENTORY_TASKS = {
  poll: 'inventory.poll',
  bcHint: 'inventory.bc_hint',
  reservations: 'inventory.reservations',
  reconcile: 'inventory.reconcile',
  full: 'inventory.full',
  item: 'inventory.item',
} as const;

export const CATALOG_TASKS = {
  poll: 'catalog.poll',
  item: 'catalog.item',
} as const;

/**
 * Same scale as src/flows/routing.ts PRIORITY (dispatch 20, real-time 10, poll 5, bulk 0). Hints sit just
 * below real time: a busy store's stock changes echo tens of events a second, and at real-time priority
 * their jobs (mostly echoes that make no call) held every order and shipment behind them (chaos: 13,000
 * hints queued ahead of 4,000 orders). What a hint is for still happens: the ledger poll and the
 * reservations job run at dispatch priority, and the reconcile repairs the rest.
 */
export const INVENTORY_PRIORITY = { dispatch: 20, realtime: 10, hint: 8, poll: 5, bulk: 0 } as const;

/** Echo bursts of one write arrive within this window; the coalesced job then sees only the last. */
export const HINT_DELAY_MS = 2_000;

const BC_STOCK_TOPIC =
  /^store\/(sku|product)\/inventory\/(order\/)?updated$|^store\/channel\/\d+\/inventory\/product\/(stock_changed|low_stock_reached|out_of_stock_reached)$/;

export function inventoryTopicRoute(
  topic: string,
  entityKey: string,
  now: number = Date.now(),
): IngestJob | undefined {
  if (BC_STOCK_TOPIC.test(topic) && /^bc:(sku|product):/.test(entityKey)) {
    return {
      task: INVENTORY_TASKS.bcHint,
      coalesceKey: `${INVENTORY_TASKS.bcHint}:${entityKey}`,
      priority: INVENTORY_PRIORITY.hint,
      runAt: now + HINT_DELAY_MS,
    };
  }
  if (
    (topic === 'hl/item' || topic === 'item_created' || topic === 'item_updated') &&
    entityKey.startsWith('hl:item:')
  ) {
    return {
      task: CATALOG_TASKS.item,
      coalesceKey: `${CATALOG_TASKS.item}:${entityKey}`,
      priority: INVENTORY_PRIORITY.hint,
    };
  }
  return undefined;
}
