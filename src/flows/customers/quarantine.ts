/**
 * Parking a customer that cannot be synced as it is (an unreadable phone, no email and no phone, a
 * name hundreds of characters long, two Heartland customers that could be this person): a dead letter
 * of kind `quarantine` with the reason and a suggested fix, plus an alert — the pattern of the orders
 * flow (src/flows/orders/quarantine.ts), with customer wording. The job completes, so the customer's
 * queue keeps moving; `heartbridge quarantine replay <id>` re-runs the flow once the data is fixed (an
 * edit in BigCommerce re-runs it by itself, through its webhook).
 *
 * One open entry per (customer, code): a second event for a still-broken customer refreshes the entry.
 */
import type { Kysely } from 'kysely';
import { type QuarantinedJob, type QuarantineReason, upsertQuarantine } from '../../engine/quarantine.js';
import type { JsonObject } from '../../engine/queue/queue-backend.js';
import type { Database } from '../../store/schema.js';
import { type FlowContext, raiseAlert } from '../flow-context.js';
import type { CustomerProblem } from './profile.js';

export const CUSTOMER_QUARANTINE = {
  /** The BigCommerce customer's data cannot be written to Heartland. */
  invalid: 'HB_ERR_CUSTOMER_INVALID',
  /** Some addresses cannot be written (the profile was). */
  address: 'HB_ERR_CUSTOMER_ADDRESS_INVALID',
  /** Two or more Heartland customers could be this person: a review item waits for a decision. */
  ambiguous: 'HB_ERR_CUSTOMER_AMBIGUOUS',
  /** The Heartland customer's data cannot be written to BigCommerce. */
  hlInvalid: 'HB_ERR_CUSTOMER_HL_INVALID',
  /** The other side refused the write (validation, email already used by another account). */
  rejected: 'HB_ERR_CUSTOMER_REJECTED',
} as const;

export type CustomerQuarantineReason = QuarantineReason;
export type QuarantineJob = QuarantinedJob;

export function problemsReason(
  code: string,
  subject: string,
  problems: CustomerProblem[],
): CustomerQuarantineReason {
  return {
    code,
    message: `${subject}: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`,
    suggestedFix: [...new Set(problems.map((p) => p.suggestedFix))].join(' | '),
    context: { problems: problems.map((p) => ({ code, ...p })) },
  };
}

export async function quarantineCustomer(
  ctx: FlowContext,
  job: QuarantineJob,
  payload: JsonObject,
  reason: CustomerQuarantineReason,
): Promise<number> {
  const message = reason.message.slice(0, 2_000);
  const id = await upsertQuarantine(ctx.engine.store.db, {
    connectionId: ctx.connectionId,
    job,
    payload,
    reason,
    now: ctx.now(),
  });
  ctx.logger?.warn({ entityKey: job.entityKey, code: reason.code, deadLetterId: id }, message);
  await raiseAlert(ctx, {
    key: `customers:quarantine:${reason.code}`,
    severity: 'warning',
    title: `Customer quarantined: ${reason.code}`,
    detail: `${job.entityKey}: ${message}. Fix: ${reason.suggestedFix} (heartbridge quarantine fix ${id})`,
  });
  return id;
}

/** Marks the customer's open quarantine entries resolved (it has now synced), except `keep`'s code. */
export async function resolveCustomerQuarantine(
  ctx: FlowContext,
  entityKey: string,
  opts: { keep?: string; db?: Kysely<Database> } = {},
): Promise<number> {
  let q = (opts.db ?? ctx.engine.store.db)
    .updateTable('dead_letters')
    .set({ status: 'resolved', updated_at: ctx.now() })
    .where('connection_id', '=', ctx.connectionId)
    .where('entity_key', '=', entityKey)
    .where('kind', '=', 'quarantine')
    .where('status', '=', 'open');
  if (opts.keep) q = q.where('error_code', '!=', opts.keep);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows ?? 0);
}
