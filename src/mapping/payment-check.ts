/**
 * Payment reconciliation of one order, pure: what BigCommerce collected for it (its transactions and
 * refunds) against what Heartland books for it (the deposits on the linked sales order), and the
 * differences a bookkeeper must act on, each with what to do. Amounts are integer cents.
 *
 * BigCommerce side, from the v3 transactions (event enum in orders.v3.yml): money is *collected* by
 * `purchase` and `capture`; an `authorization` not followed by a capture or void is *authorised only*;
 * `pending` is an offline payment not received yet (bank deposit, cash on delivery). Refunds are the
 * order's `refunded_amount` (v2), which BigCommerce keeps whatever the gateway. Only `ok` transactions count.
 *
 * Heartland side: the orders flow records what the shopper paid at checkout as deposit payments
 * (src/flows/orders/hl-order-writer.ts step 6e); a Heartland order whose `total` and `balance` are
 * given also says whether anything is still due there.
 */
import { centsToString, toCents } from './money.js';

export interface BcPaymentFacts {
  orderId: number;
  statusId: number;
  status: string;
  /** BigCommerce `total_inc_tax`. */
  total: string;
  paymentMethod: string | null;
  /** BigCommerce `refunded_amount`; null when absent. */
  refunded: string | null;
  transactions: ReadonlyArray<{ event: string; status: string; amount: string }>;
}

export interface HlPaymentFacts {
  orderId: number;
  status: string;
  payments: ReadonlyArray<{ amount: string }>;
  total?: string | null;
  balance?: string | null;
}

export interface PaymentCheckInput {
  bc: BcPaymentFacts;
  /** The linked Heartland order, or null when there is none. */
  hl: HlPaymentFacts | null;
  /** Why the order is not in Heartland, when the bridge parked it (open quarantine / DLQ entry). */
  parked?: { reason: string; suggestedFix?: string | null } | null;
  /** The bridge is creating the Heartland order right now (link marker `creating`). */
  inFlight?: boolean;
}

export type PaymentIssueCode =
  | 'not_in_heartland'
  | 'amount_differs'
  | 'refund_not_in_heartland'
  | 'charged_but_cancelled'
  | 'not_captured'
  | 'balance_due_in_heartland';

export interface PaymentIssue {
  code: PaymentIssueCode;
  message: string;
  suggestedFix: string;
}

export interface OrderPaymentCheck {
  bcOrderId: number;
  hlOrderId: number | null;
  method: string;
  totalCents: number;
  collectedCents: number;
  authorisedCents: number;
  pendingCents: number;
  refundedCents: number;
  /** Σ Heartland deposits; null when there is no Heartland order. */
  recordedCents: number | null;
  issues: PaymentIssue[];
}

/** BigCommerce status ids of an order that will not be fulfilled (Refunded, Cancelled). */
const CANCELLED_STATUSES = new Set([4, 5]);
/** BigCommerce status ids after which a payment must have been captured (Shipped, Partially Shipped, Completed). */
const SHIPPED_STATUSES = new Set([2, 3, 10]);

const c = (cents: number) => centsToString(cents);

export function checkOrderPayments(input: PaymentCheckInput): OrderPaymentCheck {
  const { bc, hl } = input;
  const ok = bc.transactions.filter((t) => t.status === 'ok');
  const sum = (events: readonly string[]) =>
    ok.filter((t) => events.includes(t.event)).reduce((s, t) => s + toCents(t.amount), 0);
  const collectedCents = sum(['purchase', 'capture']);
  // A capture or void settles its authorisation; what remains is money promised but not taken.
  const authorisedCents = Math.max(0, sum(['authorization']) - sum(['capture', 'void']));
  const pendingCents = sum(['pending']);
  const refundedCents = bc.refunded === null ? sum(['refund']) : toCents(bc.refunded);
  const totalCents = toCents(bc.total);
  const promisedCents = collectedCents + authorisedCents + pendingCents;
  const netCents = promisedCents - refundedCents;
  const recordedCents = hl ? hl.payments.reduce((s, p) => s + toCents(p.amount), 0) : null;
  const issues: PaymentIssue[] = [];
  const order = `BigCommerce order ${bc.orderId}`;

  if (!hl) {
    if (netCents > 0 && CANCELLED_STATUSES.has(bc.statusId)) {
      issues.push({
        code: 'charged_but_cancelled',
        message: `${order} is ${bc.status} but still holds ${c(netCents)}`,
        suggestedFix: 'refund the shopper in BigCommerce (the order was never sent to Heartland)',
      });
    } else if (netCents > 0) {
      issues.push(
        input.inFlight
          ? {
              code: 'not_in_heartland',
              message: `${order} holds ${c(netCents)} and is being created in Heartland right now`,
              suggestedFix: 'nothing yet: run the report again in a few minutes',
            }
          : input.parked
            ? {
                code: 'not_in_heartland',
                message: `${order} holds ${c(netCents)} but is not in Heartland: ${input.parked.reason}`,
                suggestedFix: input.parked.suggestedFix ?? 'see `heartbridge quarantine list`',
              }
            : {
                code: 'not_in_heartland',
                message: `${order} holds ${c(netCents)} but has no Heartland order`,
                suggestedFix: `look for it with \`heartbridge jobs list\` and \`heartbridge dlq list\`; the order poll re-enqueues orders it finds unsynced`,
              },
      );
    }
  } else {
    const hlOrder = `Heartland order ${hl.orderId}`;
    const cancelled = hl.status === 'canceled';
    if (cancelled) {
      if (netCents > 0)
        issues.push({
          code: 'charged_but_cancelled',
          message: `${hlOrder} is cancelled but ${order} still holds ${c(netCents)}`,
          suggestedFix:
            'refund the shopper in BigCommerce, or reopen the order in Heartland if it should ship',
        });
    } else {
      if (recordedCents !== promisedCents)
        issues.push({
          code: 'amount_differs',
          message: `${hlOrder} books ${c(recordedCents ?? 0)} in deposits; ${order} took ${c(promisedCents)} (${c(
            (recordedCents ?? 0) - promisedCents,
          )} difference)`,
          suggestedFix:
            'compare the payments of both orders; lines Heartland does not fulfil (digital goods) are not sent to it',
        });
      if (refundedCents > 0)
        issues.push({
          code: 'refund_not_in_heartland',
          message: `${order} refunded ${c(refundedCents)}; ${hlOrder} still books ${c(recordedCents ?? 0)}`,
          suggestedFix: `record a return of ${c(refundedCents)} against ${hlOrder} in Heartland`,
        });
      if (hl.balance !== undefined && hl.balance !== null && toCents(hl.balance) !== 0)
        issues.push({
          code: 'balance_due_in_heartland',
          message: `${hlOrder} shows ${c(toCents(hl.balance))} still due (total ${hl.total ?? '?'})`,
          suggestedFix: 'add the missing payment in Heartland, or correct the order lines',
        });
    }
  }
  if (authorisedCents > 0 && SHIPPED_STATUSES.has(bc.statusId))
    issues.push({
      code: 'not_captured',
      message: `${order} is ${bc.status} but ${c(authorisedCents)} is only authorised, never captured`,
      suggestedFix:
        'capture the payment in BigCommerce before the authorisation expires (or turn on captureOnShipment)',
    });
  return {
    bcOrderId: bc.orderId,
    hlOrderId: hl?.orderId ?? null,
    method: bc.paymentMethod?.trim() || '(none)',
    totalCents,
    collectedCents,
    authorisedCents,
    pendingCents,
    refundedCents,
    recordedCents,
    issues,
  };
}

export interface PaymentMethodTotals {
  method: string;
  orders: number;
  totalCents: number;
  collectedCents: number;
  refundedCents: number;
  recordedCents: number;
  withIssues: number;
}

/** Per payment method and overall: what a bookkeeper compares with the bank and the POS. */
export function summarisePayments(checks: readonly OrderPaymentCheck[]): {
  byMethod: PaymentMethodTotals[];
  all: PaymentMethodTotals;
} {
  const rows = new Map<string, PaymentMethodTotals>();
  const blank = (method: string): PaymentMethodTotals => ({
    method,
    orders: 0,
    totalCents: 0,
    collectedCents: 0,
    refundedCents: 0,
    recordedCents: 0,
    withIssues: 0,
  });
  const all = blank('all');
  for (const k of checks) {
    const row = rows.get(k.method) ?? blank(k.method);
    rows.set(k.method, row);
    for (const r of [row, all]) {
      r.orders++;
      r.totalCents += k.totalCents;
      r.collectedCents += k.collectedCents + k.pendingCents + k.authorisedCents;
      r.refundedCents += k.refundedCents;
      r.recordedCents += k.recordedCents ?? 0;
      if (k.issues.length > 0) r.withIssues++;
    }
  }
  return { byMethod: [...rows.values()].sort((a, b) => a.method.localeCompare(b.method)), all };
}
