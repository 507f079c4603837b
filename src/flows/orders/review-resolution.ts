/**
 * Resolving a review item (e.g. `heartbridge review resolve 7 --use 100234`): record the decision, then
 * let the flow that parked it run again so it honours the decision:
 * - a customer match (`--use` / `--create`) or a held order (`--approve` / `--reject`): the parked
 *   order or profile jobs are replayed;
 * - a held price (`--approve` / `--reject`): an approved price is published by a `catalog.item` job for
 *   that item; a rejected one stays unpublished (and is not asked about again).
 */
import type { Engine } from '../../engine/engine.js';
import { PRICE_ANOMALY_KIND } from '../catalog/catalog-sync.js';
import { CUSTOMER_QUARANTINE } from '../customers/quarantine.js';
import { CUSTOMER_REVIEW_KIND } from '../customers/sync-customer.js';
import { CATALOG_TASKS, INVENTORY_PRIORITY } from '../inventory/routing.js';
import {
  CUSTOMER_MATCH_KIND,
  createReviewItems,
  ORDER_RISK_KIND,
  type ReviewItem,
  type ReviewResolution,
} from './review-items.js';
import { ORDER_RISK_HOLD_CODE } from './risk-step.js';

export const PARKED_BY_REVIEW = 'HB_ERR_ORDER_CUSTOMER_AMBIGUOUS';

export interface ReviewResolutionResult {
  item: ReviewItem;
  replayed: Array<{ id: number; jobId: string }>;
}

const CUSTOMER_KINDS = new Set([CUSTOMER_MATCH_KIND, CUSTOMER_REVIEW_KIND]);
const ANOMALY_KINDS = new Set([ORDER_RISK_KIND, PRICE_ANOMALY_KIND]);

/** Why this decision does not fit this kind of item, or null when it does. */
export function resolutionMismatch(kind: string, resolution: ReviewResolution): string | null {
  const forCustomer = 'use' in resolution || 'create' in resolution;
  if (CUSTOMER_KINDS.has(kind) && !forCustomer)
    return `review item kind ${kind} is a customer match: resolve it with --use <customerId> or --create`;
  if (ANOMALY_KINDS.has(kind) && forCustomer)
    return `review item kind ${kind} is an anomaly: resolve it with --approve or --reject`;
  return null;
}

export async function resolveReviewItem(
  engine: Engine,
  id: number,
  resolution: ReviewResolution,
  actor: string,
): Promise<ReviewResolutionResult | { error: string }> {
  const reviews = createReviewItems(engine.store.db);
  const before = await reviews.get(id);
  if (!before) return { error: `no review item ${id}` };
  if (before.status !== 'open') return { error: `review item ${id} is already ${before.status}` };
  const mismatch = resolutionMismatch(before.kind, resolution);
  if (mismatch) return { error: mismatch };
  const item = (await reviews.resolve(id, resolution)) ?? before;
  await engine.audit.record({
    actor,
    action: 'review.resolve',
    target: `review_item:${id}`,
    connectionId: item.connectionId,
    detail: { entityKey: item.entityKey, kind: item.kind, resolution },
  });
  if (item.kind === PRICE_ANOMALY_KIND) {
    const hlItemId = (item.candidates as { hlItemId?: unknown } | null)?.hlItemId;
    const replayed: ReviewResolutionResult['replayed'] = [];
    if ('approve' in resolution && typeof hlItemId === 'number') {
      const job = await engine.queue.enqueue({
        connectionId: item.connectionId,
        task: CATALOG_TASKS.item,
        entityKey: `hl:item:${hlItemId}`,
        coalesceKey: `${CATALOG_TASKS.item}:hl:item:${hlItemId}`,
        payload: { itemId: hlItemId },
        priority: INVENTORY_PRIORITY.realtime,
      });
      replayed.push({ id: hlItemId, jobId: job.jobId });
    }
    return { item, replayed };
  }
  const parked = [];
  for (const errorCode of [PARKED_BY_REVIEW, ORDER_RISK_HOLD_CODE, CUSTOMER_QUARANTINE.ambiguous]) {
    const open = await engine.dlq.list({
      connectionId: item.connectionId,
      kind: 'quarantine',
      errorCode,
      status: 'open',
      limit: 100,
    });
    parked.push(...open.filter((d) => d.entityKey === item.entityKey));
  }
  const replayed: ReviewResolutionResult['replayed'] = [];
  for (const d of parked) replayed.push(...(await engine.dlq.replay(d.id, actor)).replayed);
  return { item, replayed };
}
