/**
 * Resolving a review item (e.g. `heartbridge review resolve 7 --use 100234`): record the decision, then
 * replay the jobs it parked (an order's, or a customer profile's), so the flow runs again and honours
 * the decision.
 */
import type { Engine } from '../../engine/engine.js';
import { CUSTOMER_QUARANTINE } from '../customers/quarantine.js';
import { createReviewItems, type ReviewItem, type ReviewResolution } from './review-items.js';

export const PARKED_BY_REVIEW = 'HB_ERR_ORDER_CUSTOMER_AMBIGUOUS';

export interface ReviewResolutionResult {
  item: ReviewItem;
  replayed: Array<{ id: number; jobId: string }>;
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
  const item = (await reviews.resolve(id, resolution)) ?? before;
  await engine.audit.record({
    actor,
    action: 'review.resolve',
    target: `review_item:${id}`,
    connectionId: item.connectionId,
    detail: { entityKey: item.entityKey, kind: item.kind, resolution },
  });
  const parked = [];
  for (const errorCode of [PARKED_BY_REVIEW, CUSTOMER_QUARANTINE.ambiguous]) {
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
