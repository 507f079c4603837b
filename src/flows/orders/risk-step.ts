/**
 * Orders flow step 5b (only with `mapping.risk.enabled`): the risk screen. An order the pure scorer
 * (src/mapping/order-risk.ts) finds unusual for this store is parked before Heartland sees it — a
 * review item with the reasons, a quarantine entry and an alert — until a person decides:
 * `heartbridge review resolve <id> --approve` sends it on; `--reject` keeps it out of Heartland for good
 * (cancel and refund it in BigCommerce). A decision is asked once per order.
 *
 * "Typical" comes from the totals of the store's recent orders the flow created (audit `order.created`).
 */
import type { JobContext, JsonObject } from '../../engine/queue/queue-backend.js';
import { toCents, tryParseMoney } from '../../mapping/money.js';
import { type RiskAssessment, scoreOrderRisk } from '../../mapping/order-risk.js';
import type { FlowContext } from '../flow-context.js';
import { orderEntityKey } from '../routing.js';
import type { OrderBundle } from './fetch-order.js';
import { quarantineJob } from './quarantine.js';
import { ORDER_RISK_KIND, type ReviewItems } from './review-items.js';

export const ORDER_RISK_HOLD_CODE = 'HB_ERR_ORDER_RISK_HOLD';
export const ORDER_RISK_REJECTED_CODE = 'HB_ERR_ORDER_RISK_REJECTED';

type Job = Pick<JobContext, 'task' | 'entityKey' | 'attempt' | 'inboxId' | 'configVersion'>;

export type RiskOutcome =
  | { pass: true; assessment?: RiskAssessment }
  | { pass: false; reviewItemId?: number };

export async function screenOrderRisk(
  ctx: FlowContext,
  reviews: ReviewItems,
  job: Job,
  payload: JsonObject,
  bundle: OrderBundle,
  newCustomer: boolean,
): Promise<RiskOutcome> {
  const cfg = ctx.mapping.risk;
  const { order } = bundle;
  const entityKey = orderEntityKey(order.id);
  const decided = await reviews.resolutionFor(ctx.connectionId, ORDER_RISK_KIND, entityKey);
  if (decided?.resolution && 'approve' in decided.resolution) return { pass: true };
  if (decided?.resolution && 'reject' in decided.resolution) {
    await quarantineJob(ctx, job, payload, {
      code: ORDER_RISK_REJECTED_CODE,
      message: `order ${order.id} was rejected on review (item ${decided.id}); it is not sent to Heartland`,
      suggestedFix: 'cancel and refund the order in BigCommerce, then discard this entry',
      context: { reviewItemId: decided.id },
    });
    return { pass: false, reviewItemId: decided.id };
  }
  const assessment = scoreOrderRisk(
    {
      total: order.total_inc_tax,
      billingCountry: (order.billing_address as { country_iso2?: unknown }).country_iso2?.toString() ?? null,
      shippingCountries: bundle.shippingAddresses.map((s) => s.country_iso2),
      newCustomer,
      lines: bundle.products.map((p) => ({ sku: p.sku, quantity: p.quantity })),
      recentTotalsCents: await recentOrderTotals(ctx, cfg.amount.history, cfg.amount.minHistory),
    },
    cfg,
  );
  if (!assessment.hold) return { pass: true, assessment };
  const reasons = assessment.signals.map((s) => s.reason).join('; ');
  const item = await reviews.open({
    connectionId: ctx.connectionId,
    kind: ORDER_RISK_KIND,
    entityKey,
    reason: `risk score ${assessment.score} (hold at ${cfg.holdAtScore}): ${reasons}`,
    candidates: {
      score: assessment.score,
      holdAtScore: cfg.holdAtScore,
      signals: assessment.signals,
      total: order.total_inc_tax,
    },
  });
  await quarantineJob(ctx, job, payload, {
    code: ORDER_RISK_HOLD_CODE,
    message: `order ${order.id} held for review, risk score ${assessment.score}: ${reasons}`,
    suggestedFix: `heartbridge review resolve ${item.id} --approve   (or --reject, then cancel it in BigCommerce)`,
    context: {
      reviewItemId: item.id,
      score: assessment.score,
      signals: assessment.signals.map((s) => s.code),
    },
  });
  return { pass: false, reviewItemId: item.id };
}

const HISTORY_TTL_MS = 60_000;
const historyCache = new WeakMap<object, Map<string, { at: number; totals: number[] }>>();

/**
 * Totals (cents) of the orders this connection created most recently, newest first. Cached a minute once
 * there are enough to judge by; until then (a new store) read each time, so the test starts as soon as
 * the `minHistory`-th order is in.
 */
async function recentOrderTotals(ctx: FlowContext, limit: number, enough: number): Promise<number[]> {
  let byConn = historyCache.get(ctx.engine);
  if (!byConn) {
    byConn = new Map();
    historyCache.set(ctx.engine, byConn);
  }
  const hit = byConn.get(ctx.connectionId);
  if (hit && ctx.now() - hit.at < HISTORY_TTL_MS && hit.totals.length >= enough)
    return hit.totals.slice(0, limit);
  const entries = await ctx.engine.audit.list({
    action: 'order.created',
    connectionId: ctx.connectionId,
    limit,
  });
  const totals: number[] = [];
  for (const e of entries) {
    const t = (e.detail as { totals?: { bcTotalIncTax?: unknown } } | null)?.totals?.bcTotalIncTax;
    const money = typeof t === 'string' || typeof t === 'number' ? tryParseMoney(t) : undefined;
    const cents = money ? toCents(money) : 0;
    if (cents > 0) totals.push(cents);
  }
  byConn.set(ctx.connectionId, { at: ctx.now(), totals });
  return totals;
}
