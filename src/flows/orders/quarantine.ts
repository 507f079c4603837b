/**
 * Parking an order that cannot be written as it is (orders flow step 5): a dead letter of kind
 * `quarantine` with the reason and a suggested fix, plus an alert. The job itself completes, so the
 * entity's queue keeps moving and other orders keep flowing. `heartbridge quarantine replay <id>` (or
 * resolving a review item) re-runs the flow with the current config.
 *
 * One open entry per (order, code): a second webhook for the same still-broken order refreshes the
 * entry instead of piling up copies. A later successful sync marks the order's open entries resolved.
 */

import type { Kysely } from 'kysely';
import { type QuarantineReason, upsertQuarantine } from '../../engine/quarantine.js';
import type { JobContext, JsonObject } from '../../engine/queue/queue-backend.js';
import type { Database } from '../../store/schema.js';
import { type FlowContext, raiseAlert } from '../flow-context.js';

export type { QuarantineReason };

export async function quarantineJob(
  ctx: FlowContext,
  job: Pick<JobContext, 'task' | 'entityKey' | 'attempt' | 'inboxId' | 'configVersion'>,
  payload: JsonObject,
  reason: QuarantineReason,
): Promise<number> {
  const id = await upsertQuarantine(ctx.engine.store.db, {
    connectionId: ctx.connectionId,
    job,
    payload,
    reason,
    now: ctx.now(),
  });
  ctx.logger?.warn({ entityKey: job.entityKey, code: reason.code, deadLetterId: id }, reason.message);
  await raiseAlert(ctx, {
    key: `orders:quarantine:${reason.code}`,
    severity: 'warning',
    title: `Order quarantined: ${reason.code}`,
    detail: `${job.entityKey}: ${reason.message}. Fix: ${reason.suggestedFix} (heartbridge quarantine fix ${id})`,
  });
  return id;
}

/** Marks the order's open quarantine entries resolved (the order has now synced). */
export async function resolveQuarantined(
  ctx: FlowContext,
  entityKey: string,
  db: Kysely<Database> = ctx.engine.store.db,
): Promise<number> {
  const r = await db
    .updateTable('dead_letters')
    .set({ status: 'resolved', updated_at: ctx.now() })
    .where('connection_id', '=', ctx.connectionId)
    .where('entity_key', '=', entityKey)
    .where('kind', '=', 'quarantine')
    .where('status', '=', 'open')
    .executeTakeFirst();
  return Number(r.numUpdatedRows ?? 0);
}
