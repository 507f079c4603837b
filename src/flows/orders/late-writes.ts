/**
 * Orders flow, after step 6: the late-write check.
 *
 * A POST that timed out may still commit on Heartland's side AFTER its retry re-read the order and wrote
 * again. The retry waits `writeSettleMs` first (src/connectors/shared/write-settle.ts), but that is a bet
 * on Heartland's own server timeout, which is undocumented — and the full chaos run lost it: a create
 * held ~36 s landed 200 ms after its retry's create (54 orders twice, 43 taxes twice). What cannot be
 * prevented is repaired: every order whose write had to be re-run is looked at again `polling.lateWrites`
 * later, in its own job (same entity key as `orders.sync`, so the two never run at once):
 *
 * - a second Heartland order carrying the BigCommerce id is cancelled when it is still pending/open with
 *   no invoice, else a critical alert asks a person. (With `orderNumber.from: bigcommerce`, the default,
 *   Heartland already refuses the second order by its number; this catches `from: heartland`.)
 * - a tax written more times than the order has it is reversed by a negative tax of the same description
 *   (Heartland has no tax DELETE that we know of; posting a negative tax is what S7 does, NOTES §17 item 11);
 * - a deposit payment recorded twice raises a critical alert: undoing money is left to a person.
 *
 * Every repair is audited and alerted. The check needs what step 6 meant to write: the link keeps it
 * (`data.written`, see {@link writtenSnapshot}).
 */
import { z } from 'zod';
import type { JobContext, JsonObject } from '../../engine/queue/queue-backend.js';
import type { HlSalesOrderDraft } from '../../mapping/hl-draft.js';
import { centsToString, money, toCents } from '../../mapping/money.js';
import { type FlowContext, flowOptions, raiseAlert } from '../flow-context.js';
import { orderEntityKey, PRIORITY, TASKS } from '../routing.js';
import { addOrderTax, findByBcOrderId, orderTaxes } from './hl-order-writer.js';

const ACTOR = 'flow:orders.late-writes';
/** Appended to the description of a tax that reverses a duplicate (and stripped to group it). */
export const REVERSAL_SUFFIX = ' (duplicate reversed)';

const writtenSchema = z.object({
  taxes: z.array(z.object({ description: z.string(), cents: z.number().int() })),
  paymentCents: z.array(z.number().int()),
});
export type WrittenSnapshot = z.infer<typeof writtenSchema>;

/** What step 6 writes besides the lines, kept on the link for the check. */
export function writtenSnapshot(draft: HlSalesOrderDraft): WrittenSnapshot {
  return {
    taxes: draft.taxes.map((t) => ({ description: t.description, cents: toCents(money(t.value)) })),
    paymentCents: draft.payments.map((p) => toCents(money(p.amount))),
  };
}

/**
 * Called before a write that follows an unfinished one (the link says `creating`): schedules the
 * check `polling.lateWrites` from now. Coalesced per order, so the last re-run's check is the one kept.
 * Scheduled BEFORE the write, so a crash right after the write cannot skip it.
 */
export async function scheduleLateWriteCheck(ctx: FlowContext, bcOrderId: number): Promise<void> {
  const entityKey = orderEntityKey(bcOrderId);
  await ctx.engine.queue.enqueue({
    connectionId: ctx.connectionId,
    task: TASKS.ordersLateWrites,
    entityKey,
    coalesceKey: `${TASKS.ordersLateWrites}:${entityKey}`,
    payload: { orderId: bcOrderId },
    // Above the order backlog: the check must run before the warehouse closes the order (a tax on a
    // closed order cannot be reversed). The full chaos run queued them at poll priority: they ran 20+
    // minutes late, after the orders had shipped. Few and cheap (2–3 reads), so they may go first.
    priority: PRIORITY.dispatch,
    runAt: ctx.now() + flowOptions(ctx).lateWriteCheckMs,
  });
}

export type LateWriteOutcome = 'not-written' | 'clean' | 'repaired' | 'needs-person';

const payloadSchema = z.object({ orderId: z.coerce.number().int().positive() });

export async function checkLateWrites(
  ctx: FlowContext,
  payload: JsonObject,
  job: Pick<JobContext, 'attempt' | 'entityKey'>,
): Promise<LateWriteOutcome> {
  const { orderId } = payloadSchema.parse(payload);
  // This job's own writes may land late too: a re-run of it is checked again later.
  if (job.attempt > 1) await scheduleLateWriteCheck(ctx, orderId);
  const link = await ctx.engine.links.findByBcId(ctx.connectionId, 'order', String(orderId));
  // Still being written: its next attempt schedules a fresh check.
  if (!link?.hlId || link.data?.state === 'creating') return 'not-written';
  const keep = Number(link.hlId);
  const copies = await cancelLateCopies(ctx, orderId, keep);
  const order = await ctx.hl.getSalesOrderWithDetails(keep);
  const written = writtenSchema.safeParse(link.data?.written);
  if (!written.success) return copies;
  const editable = order.status === 'pending' || order.status === 'open';
  const taxes = await reverseDuplicateTaxes(ctx, orderId, keep, written.data, editable);
  const payments = await reportDuplicatePayments(ctx, orderId, keep, written.data, order.payments);
  const outcomes = [copies, taxes, payments];
  if (outcomes.includes('needs-person')) return 'needs-person';
  return outcomes.includes('repaired') ? 'repaired' : 'clean';
}

async function cancelLateCopies(
  ctx: FlowContext,
  bcOrderId: number,
  keep: number,
): Promise<LateWriteOutcome> {
  const others = (await findByBcOrderId(ctx, bcOrderId)).filter((id) => id !== keep);
  let outcome: LateWriteOutcome = 'clean';
  for (const id of others) {
    const copy = await ctx.hl.getSalesOrderWithDetails(id);
    if (copy.status === 'canceled') continue;
    const invoices = await ctx.hl.invoicesForOrder(id);
    if ((copy.status === 'pending' || copy.status === 'open') && invoices.length === 0) {
      await ctx.hl.setOrderStatus(id, 'canceled');
      await record(ctx, bcOrderId, 'order.late_copy_cancelled', { kept: keep, cancelled: id });
      await raiseAlert(ctx, {
        key: `orders:late-copy:${bcOrderId}`,
        severity: 'warning',
        title: `BigCommerce order ${bcOrderId} was created twice in Heartland; the late copy was cancelled`,
        detail: `a create that timed out landed after its retry: Heartland order ${id} cancelled, ${keep} kept`,
      });
      outcome = 'repaired';
      continue;
    }
    await raiseAlert(ctx, {
      key: `orders:duplicate:${bcOrderId}`,
      severity: 'critical',
      title: `BigCommerce order ${bcOrderId} exists twice in Heartland`,
      detail: `Heartland order ${id} (status ${copy.status}, ${invoices.length} invoice(s)) duplicates ${keep}: it is too far along to cancel automatically — cancel or return it by hand`,
    });
    outcome = 'needs-person';
  }
  return outcome;
}

async function reverseDuplicateTaxes(
  ctx: FlowContext,
  bcOrderId: number,
  hlOrderId: number,
  written: WrittenSnapshot,
  editable: boolean,
): Promise<LateWriteOutcome> {
  if (written.taxes.length === 0) return 'clean';
  const want = new Map<string, number>();
  for (const t of written.taxes) want.set(t.description, (want.get(t.description) ?? 0) + t.cents);
  const have = new Map<string, number>();
  for (const t of await orderTaxes(ctx.hl, hlOrderId)) {
    const d = (t.description ?? '').replace(REVERSAL_SUFFIX, '');
    if (!want.has(d)) continue; // not ours
    have.set(d, (have.get(d) ?? 0) + toCents(money(String(t.value))));
  }
  let outcome: LateWriteOutcome = 'clean';
  for (const [description, cents] of want) {
    const extra = (have.get(description) ?? 0) - cents;
    if (extra === 0) continue;
    if (!editable) {
      await raiseAlert(ctx, {
        key: `orders:tax-twice:${bcOrderId}`,
        severity: 'critical',
        title: `Heartland order ${hlOrderId} has ${centsToString(Math.abs(extra))} too ${extra > 0 ? 'much' : 'little'} "${description}"`,
        detail: `BigCommerce order ${bcOrderId}: the order is no longer editable — correct the tax by hand`,
      });
      outcome = 'needs-person';
      continue;
    }
    // A surplus is reversed under a marked description; a shortfall (a reversal that landed twice) is
    // put back under the plain one.
    await addOrderTax(ctx.hl, hlOrderId, {
      description: extra > 0 ? `${description}${REVERSAL_SUFFIX}` : description,
      value: centsToString(-extra),
    });
    await record(ctx, bcOrderId, 'order.tax_corrected', {
      hlOrderId,
      description,
      correction: centsToString(-extra),
    });
    await raiseAlert(ctx, {
      key: `orders:tax-twice:${bcOrderId}`,
      severity: 'warning',
      title: `a tax on Heartland order ${hlOrderId} was written twice; heartbridge reversed the copy`,
      detail: `BigCommerce order ${bcOrderId}: "${description}" corrected by ${centsToString(-extra)}`,
    });
    outcome = 'repaired';
  }
  return outcome;
}

async function reportDuplicatePayments(
  ctx: FlowContext,
  bcOrderId: number,
  hlOrderId: number,
  written: WrittenSnapshot,
  payments: ReadonlyArray<{ id: number; amount: string | number }>,
): Promise<LateWriteOutcome> {
  const left = [...written.paymentCents];
  const extra: number[] = [];
  for (const p of payments) {
    const i = left.indexOf(toCents(money(String(p.amount))));
    if (i >= 0) left.splice(i, 1);
    else extra.push(p.id);
  }
  if (extra.length === 0) return 'clean';
  await record(ctx, bcOrderId, 'order.payment_extra_found', { hlOrderId, payments: extra });
  await raiseAlert(ctx, {
    key: `orders:payment-twice:${bcOrderId}`,
    severity: 'critical',
    title: `Heartland order ${hlOrderId} has a deposit payment the BigCommerce order does not`,
    detail: `BigCommerce order ${bcOrderId}: payment(s) ${extra.join(', ')} are extra (a write that landed late, or added by hand) — check the order's payments in Heartland`,
  });
  return 'needs-person';
}

async function record(ctx: FlowContext, bcOrderId: number, action: string, detail: JsonObject) {
  await ctx.engine.audit.record({
    actor: ACTOR,
    action,
    target: orderEntityKey(bcOrderId),
    connectionId: ctx.connectionId,
    detail,
  });
}
