/**
 * The daily payment reconciliation as a job: `payments.reconcile` checks the orders of one period
 * (payload `{ from, to }`, epoch ms), records the report in the audit log (`payments.reconciled`, shown
 * by `heartbridge audit` and the admin API) and raises one alert per connection while orders need a
 * person; a clean period resolves nothing by itself (alerts clear after their quiet period).
 *
 * The schedule fires every `polling.payments` (default 24 h, aligned to UTC midnight) and checks the
 * period that ended `PAYMENTS_SETTLE_MS` before the slot, so orders placed just before it had time to sync.
 */
import { z } from 'zod';
import { parseDurationMs } from '../../config/duration.js';
import type { Engine } from '../../engine/engine.js';
import { PermanentError } from '../../engine/errors.js';
import type { TaskHandler } from '../../engine/queue/queue-backend.js';
import type { ScheduleDefinition } from '../../engine/scheduler/index.js';
import { type FlowContext, type FlowContextResolver, raiseAlert } from '../flow-context.js';
import { PRIORITY } from '../routing.js';
import { type PaymentsReport, reconcilePayments } from './reconcile-payments.js';

export const PAYMENTS_TASK = 'payments.reconcile';
/** How long after a period ends its orders are reconciled. */
export const PAYMENTS_SETTLE_MS = 60 * 60_000;
/** Orders with issues kept in the audit entry (the CLI shows the whole report). */
const AUDIT_ISSUES_MAX = 200;

const payloadSchema = z
  .object({ from: z.number().int(), to: z.number().int() })
  .refine((p) => p.to > p.from, {
    message: 'to must be after from',
  });

export function createPaymentsHandlers(resolve: FlowContextResolver): Record<string, TaskHandler> {
  return {
    [PAYMENTS_TASK]: async (payload, job) => {
      const parsed = payloadSchema.safeParse(payload);
      if (!parsed.success)
        throw new PermanentError({
          code: 'HB_ERR_PAYMENTS_BAD_PERIOD',
          message: `payments.reconcile needs { from, to } in epoch ms: ${parsed.error.issues[0]?.message}`,
          suggestedFix: 'discard this job; the schedule enqueues correct ones',
        });
      const ctx = await resolve(job.connectionId);
      const report = await reconcilePayments(ctx, parsed.data);
      await recordPaymentsReport(ctx, report);
    },
  };
}

export async function recordPaymentsReport(ctx: FlowContext, report: PaymentsReport): Promise<void> {
  await ctx.engine.audit.record({
    actor: 'flow:payments',
    action: 'payments.reconciled',
    target: `${report.from}/${report.to}`,
    connectionId: ctx.connectionId,
    detail: {
      orders: report.orders,
      ordersWithIssues: report.issues.length,
      all: report.all,
      byMethod: report.byMethod,
      issues: report.issues.slice(0, AUDIT_ISSUES_MAX),
    } as unknown as Record<string, unknown>,
  });
  if (report.issues.length === 0) return;
  const first = report.issues[0]!.issues[0]!;
  await raiseAlert(ctx, {
    key: `payments:unreconciled:${ctx.connectionId}`,
    severity: 'warning',
    title: `${report.issues.length} of ${report.orders} orders do not reconcile (${report.from.slice(0, 10)} – ${report.to.slice(0, 10)})`,
    detail: `e.g. ${first.message}. Fix: ${first.suggestedFix}. Full list: heartbridge payments reconcile --from ${report.from} --to ${report.to}`,
  });
}

/** One schedule per connection: each slot enqueues the reconciliation of the period before it. */
export function paymentsSchedule(
  engine: Pick<Engine, 'queue'>,
  connectionId: string,
  every: string,
): ScheduleDefinition {
  const periodMs = parseDurationMs(every);
  return {
    name: `${PAYMENTS_TASK}:${connectionId}`,
    every,
    async run(slot) {
      const to = slot - PAYMENTS_SETTLE_MS;
      await engine.queue.enqueue({
        connectionId,
        task: PAYMENTS_TASK,
        entityKey: `${PAYMENTS_TASK}:${connectionId}`,
        payload: { from: to - periodMs, to },
        priority: PRIORITY.bulk,
        maxAttempts: 5,
      });
    },
  };
}
