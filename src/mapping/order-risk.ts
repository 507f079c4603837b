/**
 * Order risk screening, pure: signals that an online order is unusual for THIS store, each with a weight
 * and a sentence a person can check, summed into a score. At or above `holdAtScore` the orders flow holds
 * the order for review (`heartbridge review resolve <id> --approve | --reject`) instead of sending it to
 * Heartland for fulfilment. Off unless `mapping.risk.enabled`.
 *
 * What the brief calls "AI-powered fraud detection" is, here, a statistical anomaly test that learns the
 * store's own normal and explains itself, not a black box:
 * - `amount`: the order total against the store's recent order totals, as a robust z-score on the
 *   log scale ((ln x − median) / (1.4826 × MAD)), which a few huge orders in the history cannot skew. It
 *   stays silent until `minHistory` orders are known (a new store has no "normal" yet);
 * - `countryMismatch`: billing and shipping in different countries (a classic card-testing pattern);
 * - `newCustomerOver`: a first order from an unknown shopper above an amount;
 * - `bulkQuantity`: one line with many units of the same SKU (resellers, stolen cards).
 */
import { z } from 'zod';
import { toCents } from './money.js';

const weight = (d: number) =>
  z.number().int().min(0).max(1000).default(d).describe('Score added when it fires.');

export const riskConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Screen orders before they reach Heartland.'),
    holdAtScore: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(50)
      .describe('Hold an order for review when its score reaches this.'),
    amount: z
      .strictObject({
        weight: weight(50),
        robustZ: z.number().positive().default(4).describe('Deviations above the typical order that fire.'),
        minHistory: z.number().int().min(5).default(30).describe('Orders needed before the test speaks.'),
        history: z
          .number()
          .int()
          .min(10)
          .max(5_000)
          .default(200)
          .describe('Recent orders that make "typical".'),
      })
      .prefault({}),
    countryMismatch: z.strictObject({ weight: weight(20) }).prefault({}),
    newCustomerOver: z
      .strictObject({
        weight: weight(30),
        amount: z
          .string()
          .regex(/^\d+(\.\d{1,2})?$/, 'a decimal amount such as 500.00')
          .default('500.00'),
      })
      .prefault({}),
    bulkQuantity: z
      .strictObject({ weight: weight(20), quantity: z.number().int().min(2).default(10) })
      .prefault({}),
  })
  .prefault({});

export type RiskConfig = z.infer<typeof riskConfigSchema>;

export interface RiskInput {
  /** BigCommerce `total_inc_tax`. */
  total: string;
  billingCountry: string | null;
  shippingCountries: readonly string[];
  /** No Heartland customer matched the shopper (a create is planned). */
  newCustomer: boolean;
  lines: ReadonlyArray<{ sku: string; quantity: number }>;
  /** Totals of the store's recent orders, in cents (most recent first or any order). */
  recentTotalsCents: readonly number[];
}

export interface RiskSignal {
  code: 'amount' | 'countryMismatch' | 'newCustomerOver' | 'bulkQuantity';
  weight: number;
  reason: string;
}

export interface RiskAssessment {
  score: number;
  hold: boolean;
  signals: RiskSignal[];
}

const c2 = (cents: number) => (cents / 100).toFixed(2);

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Robust z-score of `x` against `history` on the log scale; undefined when the history is flat. */
export function robustLogZ(
  x: number,
  history: readonly number[],
): { z: number; medianCents: number } | undefined {
  const logs = history.filter((h) => h > 0).map((h) => Math.log(h));
  if (logs.length === 0 || x <= 0) return undefined;
  const sorted = [...logs].sort((a, b) => a - b);
  const med = median(sorted);
  const mad = median([...sorted.map((l) => Math.abs(l - med))].sort((a, b) => a - b));
  // A store whose orders all cost the same has no spread to measure against: say nothing.
  if (mad === 0) return undefined;
  return { z: (Math.log(x) - med) / (1.4826 * mad), medianCents: Math.round(Math.exp(med)) };
}

export function scoreOrderRisk(input: RiskInput, cfg: RiskConfig): RiskAssessment {
  const signals: RiskSignal[] = [];
  const totalCents = toCents(input.total);
  const history = input.recentTotalsCents.slice(0, cfg.amount.history);
  if (cfg.amount.weight > 0 && history.length >= cfg.amount.minHistory) {
    const r = robustLogZ(totalCents, history);
    if (r && r.z >= cfg.amount.robustZ)
      signals.push({
        code: 'amount',
        weight: cfg.amount.weight,
        reason: `total ${c2(totalCents)} is ${r.z.toFixed(1)} robust deviations above this store's typical order (median ${c2(r.medianCents)} over the last ${history.length})`,
      });
  }
  const billing = input.billingCountry?.trim().toUpperCase() || null;
  const elsewhere = [
    ...new Set(input.shippingCountries.map((s) => s.trim().toUpperCase()).filter(Boolean)),
  ].filter((s) => s !== billing);
  if (cfg.countryMismatch.weight > 0 && billing && elsewhere.length > 0)
    signals.push({
      code: 'countryMismatch',
      weight: cfg.countryMismatch.weight,
      reason: `billed in ${billing} but shipped to ${elsewhere.join(', ')}`,
    });
  const limit = toCents(cfg.newCustomerOver.amount);
  if (cfg.newCustomerOver.weight > 0 && input.newCustomer && totalCents > limit)
    signals.push({
      code: 'newCustomerOver',
      weight: cfg.newCustomerOver.weight,
      reason: `first order of a new customer, over ${c2(limit)} (${c2(totalCents)})`,
    });
  const bulk = input.lines.filter((l) => l.quantity >= cfg.bulkQuantity.quantity);
  if (cfg.bulkQuantity.weight > 0 && bulk.length > 0)
    signals.push({
      code: 'bulkQuantity',
      weight: cfg.bulkQuantity.weight,
      reason: `${bulk.map((l) => `${l.quantity} × ${l.sku}`).join(', ')} (≥ ${cfg.bulkQuantity.quantity} of one SKU)`,
    });
  const score = signals.reduce((s, x) => s + x.weight, 0);
  return { score, hold: score >= cfg.holdAtScore, signals };
}
