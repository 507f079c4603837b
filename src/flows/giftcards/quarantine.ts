/**
 * Parking a gift card that cannot be synced as it is (a code Heartland cannot take, balances that
 * disagree on first sight, a write whose outcome cannot be told): a dead letter of kind `quarantine`
 * with the reason and a suggested fix, plus an alert — as orders do (src/flows/orders/quarantine.ts).
 * One open entry per (card, code); the poll leaves a quarantined card alone until what it sees of the
 * card changes (`payload.seen`), so a broken card costs one entry, not one per poll.
 * `heartbridge quarantine replay <id>` re-runs the card with the current config.
 */

import { type QuarantinedJob, type QuarantineReason, upsertQuarantine } from '../../engine/quarantine.js';
import type { JsonObject } from '../../engine/queue/queue-backend.js';
import type { GiftCardFlowContext } from './giftcards-context.js';

export type GiftCardQuarantineReason = QuarantineReason;
export type QuarantineJob = QuarantinedJob;

export async function quarantineCard(
  ctx: GiftCardFlowContext,
  job: QuarantineJob,
  payload: JsonObject,
  reason: GiftCardQuarantineReason,
): Promise<number> {
  const id = await upsertQuarantine(ctx.engine.store.db, {
    connectionId: ctx.connectionId,
    job,
    payload,
    reason,
    now: ctx.now(),
  });
  ctx.logger?.warn({ entityKey: job.entityKey, code: reason.code, deadLetterId: id }, reason.message);
  await ctx.alerts?.raise({
    connectionId: ctx.connectionId,
    key: `giftcards:quarantine:${reason.code}`,
    severity: 'warning',
    title: `Gift card quarantined: ${reason.code}`,
    detail: `${job.entityKey}: ${reason.message}. Fix: ${reason.suggestedFix} (heartbridge quarantine fix ${id})`,
  });
  return id;
}

/** Marks the card's open quarantine entries resolved (it has synced since). */
export async function resolveCardQuarantine(ctx: GiftCardFlowContext, entityKey: string): Promise<number> {
  const r = await ctx.engine.store.db
    .updateTable('dead_letters')
    .set({ status: 'resolved', updated_at: ctx.now() })
    .where('connection_id', '=', ctx.connectionId)
    .where('entity_key', '=', entityKey)
    .where('kind', '=', 'quarantine')
    .where('status', '=', 'open')
    .executeTakeFirst();
  return Number(r.numUpdatedRows ?? 0);
}

/** Open quarantine entries of gift cards: entity key → the `seen` fingerprint stored with it. */
export async function openCardQuarantines(
  ctx: GiftCardFlowContext,
  task: string,
): Promise<Map<string, string | undefined>> {
  const rows = await ctx.engine.store.db
    .selectFrom('dead_letters')
    .select(['entity_key', 'payload_json'])
    .where('connection_id', '=', ctx.connectionId)
    .where('task', '=', task)
    .where('kind', '=', 'quarantine')
    .where('status', '=', 'open')
    .execute();
  const out = new Map<string, string | undefined>();
  for (const r of rows) {
    let seen: string | undefined;
    try {
      const p = JSON.parse(r.payload_json) as { seen?: unknown };
      seen = typeof p.seen === 'string' ? p.seen : undefined;
    } catch {
      seen = undefined;
    }
    out.set(r.entity_key, seen);
  }
  return out;
}
