/**
 * Payment reconciliation of a period: every BigCommerce order created in [from, to) (incomplete checkouts
 * aside) is checked against its Heartland order by the pure `checkOrderPayments`
 * (src/mapping/payment-check.ts), and the totals per payment method are what a bookkeeper compares with
 * the bank and the POS. Run by `heartbridge payments reconcile` and by the daily `payments.reconcile` job,
 * which records the report in the audit log and raises an alert when an order needs a person.
 *
 * Reads only: one BigCommerce listing page per 250 orders, then per order its transactions (BigCommerce)
 * and, when linked, the Heartland order with its payments embedded. BigCommerce reads go through the
 * connection's rate budget like every other call; `concurrency` orders are read at once.
 */
import type { BcOrder } from '../../connectors/bigcommerce/schemas.js';
import type { DeadLetter } from '../../engine/dlq.js';
import {
  checkOrderPayments,
  type OrderPaymentCheck,
  type PaymentMethodTotals,
  summarisePayments,
} from '../../mapping/payment-check.js';
import type { FlowContext } from '../flow-context.js';
import { orderEntityKey, TASKS } from '../routing.js';

export type PaymentsContext = Pick<FlowContext, 'connectionId' | 'engine' | 'bc' | 'hl' | 'now'>;

export interface PaymentsReportOptions {
  /** Start of the period, epoch ms (inclusive). */
  from: number;
  /** End of the period, epoch ms (exclusive). */
  to: number;
  /** Orders read at once. Default 4. */
  concurrency?: number;
  /** Called after each order (progress). */
  onOrder?(done: number): void;
}

export interface PaymentsReport {
  connectionId: string;
  from: string;
  to: string;
  generatedAt: string;
  orders: number;
  /** Orders of the period that have a Heartland order (0 of many: wrong connection or database?). */
  linked: number;
  /** Orders with at least one issue, oldest first. */
  issues: OrderPaymentCheck[];
  byMethod: PaymentMethodTotals[];
  all: PaymentMethodTotals;
}

export async function reconcilePayments(
  ctx: PaymentsContext,
  options: PaymentsReportOptions,
): Promise<PaymentsReport> {
  const { from, to } = options;
  if (!(to > from)) throw new RangeError('the period must end after it starts');
  const orders: BcOrder[] = [];
  // BigCommerce compares dates to the second, both ends inclusive: ask to the last whole second before
  // `to`, then keep exactly [from, to).
  const filters = {
    min_date_created: new Date(from).toISOString(),
    max_date_created: new Date(Math.max(from, to - 1_000)).toISOString(),
    sort: 'id:asc',
  };
  for await (const page of ctx.bc.orders.list(filters)) {
    for (const o of page.items) {
      const created = Date.parse(o.date_created);
      if (o.status_id !== 0 && created >= from && created < to) orders.push(o);
    }
  }
  const parked = await parkedOrders(ctx);
  const checks: OrderPaymentCheck[] = new Array(orders.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (let i = next++; i < orders.length; i = next++) {
      checks[i] = await checkOne(ctx, orders[i]!, parked);
      options.onOrder?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  const summary = summarisePayments(checks);
  return {
    connectionId: ctx.connectionId,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    generatedAt: new Date(ctx.now()).toISOString(),
    orders: checks.length,
    linked: checks.filter((k) => k.hlOrderId !== null).length,
    issues: checks.filter((k) => k.issues.length > 0),
    ...summary,
  };
}

async function checkOne(
  ctx: PaymentsContext,
  order: BcOrder,
  parked: ReadonlyMap<string, DeadLetter>,
): Promise<OrderPaymentCheck> {
  const [transactions, link] = await Promise.all([
    ctx.bc.orders.transactions(order.id),
    ctx.engine.links.findByBcId(ctx.connectionId, 'order', String(order.id)),
  ]);
  const hlId = link?.hlId ? Number(link.hlId) : undefined;
  const hlOrder = hlId === undefined ? undefined : await ctx.hl.getSalesOrderWithDetails(hlId);
  const entry = parked.get(orderEntityKey(order.id));
  return checkOrderPayments({
    bc: {
      orderId: order.id,
      statusId: order.status_id,
      status: order.status,
      total: order.total_inc_tax,
      paymentMethod: order.payment_method ?? null,
      refunded: order.refunded_amount ?? null,
      transactions,
    },
    hl: hlOrder
      ? {
          orderId: hlOrder.id,
          status: hlOrder.status,
          payments: hlOrder.payments,
          total: hlOrder.total ?? null,
          balance: hlOrder.balance ?? null,
        }
      : null,
    parked: entry ? { reason: entry.errorMessage, suggestedFix: entry.suggestedFix } : null,
    inFlight: link?.data?.state === 'creating',
  });
}

/** Open quarantine / DLQ entries of the orders flow, by entity key (newest wins). */
async function parkedOrders(ctx: PaymentsContext): Promise<Map<string, DeadLetter>> {
  const open = await ctx.engine.dlq.list({
    connectionId: ctx.connectionId,
    task: TASKS.ordersSync,
    status: 'open',
    limit: 10_000,
  });
  const byKey = new Map<string, DeadLetter>();
  for (const d of open)
    if (!byKey.has(d.entityKey) || byKey.get(d.entityKey)!.createdAt < d.createdAt) byKey.set(d.entityKey, d);
  return byKey;
}
