/**
 * Exact money arithmetic for the mapping layer. BigCommerce sends money as decimal strings with up to
 * 4 dp ("62.6793"); Heartland takes amounts in cents precision. Everything here is decimal.js or
 * integer cents, never a binary float.
 *
 * Rounding choice: HALF_UP ("commercial" rounding) by default, because that is what the BigCommerce
 * storefront and its receipts show the shopper ("62.6750" is displayed as 62.68). Rounding half-even
 * would make the Heartland line price differ by a cent from the price the shopper saw in exactly those
 * .xx5 cases. Half-even stays available for callers that aggregate many amounts (it has no bias).
 */
import { Decimal } from 'decimal.js';
import { PermanentError } from '../engine/errors.js';

/** A private Decimal clone so nobody's global Decimal.set() can change our precision or rounding. */
const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -30, toExpPos: 40 });
export type Money = Decimal;
export type RoundingMode = 'half-up' | 'half-even';

const DECIMAL_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
/** 10^13 cents = 100 billion units: far beyond any order, safely inside Number.MAX_SAFE_INTEGER. */
const MAX_ABS_CENTS = 10 ** 13;

/**
 * Parses a BigCommerce money value. Strings must be plain decimals (no exponent, no thousands
 * separators). Numbers are accepted because BC v3 transactions send `amount` as a JSON number; their
 * shortest round-trip text (`String(n)`) is what the sender meant, so it is parsed from that text.
 */
export function parseMoney(value: string | number, field = 'amount'): Money {
  const text = typeof value === 'number' ? numberText(value) : value.trim();
  if (text === undefined || !DECIMAL_RE.test(text)) {
    throw new PermanentError({
      code: 'HB_ERR_MAP_MONEY_INVALID',
      message: `${field} is not a decimal amount: ${JSON.stringify(String(value)).slice(0, 40)}`,
      context: { field },
    });
  }
  const d = new D(text);
  if (d.abs().times(100).gt(MAX_ABS_CENTS)) {
    throw new PermanentError({
      code: 'HB_ERR_MAP_MONEY_INVALID',
      message: `${field} is out of range`,
      context: { field },
    });
  }
  return d;
}

function numberText(n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  const s = String(n);
  return /e/i.test(s) ? new D(n).toFixed() : s;
}

/** Non-throwing variant for validation passes: undefined when the value is not a decimal amount. */
export function tryParseMoney(value: string | number | null | undefined): Money | undefined {
  if (value === null || value === undefined) return undefined;
  try {
    return parseMoney(value);
  } catch {
    return undefined;
  }
}

export function money(value: string | number | Money): Money {
  return Decimal.isDecimal(value) ? new D(value) : parseMoney(value as string | number);
}

/** Rounds to whole cents and returns them as an integer number (always a safe integer). */
export function toCents(value: Money | string, mode: RoundingMode = 'half-up'): number {
  const d = typeof value === 'string' ? parseMoney(value) : value;
  const rm = mode === 'half-even' ? Decimal.ROUND_HALF_EVEN : Decimal.ROUND_HALF_UP;
  const cents = d.times(100).toDecimalPlaces(0, rm);
  if (cents.abs().gt(MAX_ABS_CENTS)) {
    // Derived amounts (e.g. a tax share computed from absurd inputs) must not overflow integer cents.
    throw new PermanentError({
      code: 'HB_ERR_MAP_MONEY_INVALID',
      message: 'amount is out of range',
      context: { field: 'amount' },
    });
  }
  return cents.toNumber();
}

/** Integer cents → "12.34" / "-0.05". */
export function centsToString(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`cents must be a safe integer, got ${cents}`);
  return new D(cents).div(100).toFixed(2);
}

export function roundToCentsString(value: Money | string, mode: RoundingMode = 'half-up'): string {
  return centsToString(toCents(value, mode));
}

export function sumMoney(values: ReadonlyArray<Money | string>): Money {
  let acc = new D(0);
  for (const v of values) acc = acc.plus(typeof v === 'string' ? parseMoney(v) : v);
  return acc;
}

export function sumCents(values: readonly number[]): number {
  let acc = 0;
  for (const v of values) acc += v;
  return acc;
}

/** qty × unit price, exact (no rounding). */
export function multiplyQty(qty: number, unitPrice: Money | string): Money {
  const p = typeof unitPrice === 'string' ? parseMoney(unitPrice) : unitPrice;
  return p.times(qty);
}

export interface SpreadLine {
  /** Exact amount of the line (any precision), e.g. qty × 4-dp unit price. */
  exact: Money | string;
  /** Lines with weight 0 never absorb a rounding cent (e.g. free items). Default 1. */
  weight?: number;
}

export interface SpreadResult {
  /** Cents per line, same order as the input; sums to the target exactly. */
  cents: number[];
  /** How many cents each line was moved from its own half-up rounding (explicit, for audit). */
  adjustments: number[];
  /** target − Σ(half-up rounded lines): the difference that was spread. */
  difference: number;
}

/**
 * Rounds each line to cents and spreads the difference to `targetCents` explicitly, one cent at a time
 * (largest-remainder method): cents go first to the lines whose exact amount lost the most to
 * rounding (or, when taking cents away, gained the most), ties broken by the larger line, then by
 * position — so the result is deterministic. The caller decides how big a difference is acceptable;
 * this function always returns lines that sum to the target.
 */
export function spreadRounding(lines: readonly SpreadLine[], targetCents: number): SpreadResult {
  if (!Number.isSafeInteger(targetCents)) throw new RangeError('targetCents must be a safe integer');
  const exacts = lines.map((l) => (typeof l.exact === 'string' ? parseMoney(l.exact) : l.exact).times(100));
  const rounded = exacts.map((e) => e.toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber());
  const cents = [...rounded];
  const difference = targetCents - sumCents(rounded);
  if (lines.length === 0) {
    if (difference !== 0) throw new RangeError('cannot spread a non-zero difference over no lines');
    return { cents, adjustments: [], difference };
  }
  const eligible = lines.map((l, i) => ({ i, w: l.weight ?? 1 })).filter((x) => x.w > 0);
  const pool = eligible.length > 0 ? eligible : lines.map((_, i) => ({ i, w: 1 }));
  const sign = Math.sign(difference);
  // Residual = what rounding took from the line (positive: line was rounded down).
  const order = [...pool].sort((a, b) => {
    const ra = exacts[a.i]!.minus(rounded[a.i]!).times(sign);
    const rb = exacts[b.i]!.minus(rounded[b.i]!).times(sign);
    const byResidual = rb.comparedTo(ra);
    if (byResidual !== 0) return byResidual;
    const bySize = exacts[b.i]!.abs().comparedTo(exacts[a.i]!.abs());
    return bySize !== 0 ? bySize : a.i - b.i;
  });
  let remaining = Math.abs(difference);
  if (sign > 0) {
    // Whole rounds first (a difference larger than the number of lines), then the remainder by rank.
    const perLine = Math.floor(remaining / order.length);
    if (perLine > 0) {
      for (const o of order) cents[o.i]! += perLine;
      remaining -= perLine * order.length;
    }
    for (let k = 0; k < remaining; k++) cents[order[k]!.i]! += 1;
  } else {
    // Taking cents away, one at a time by rank, never from a line already at zero (a 0.0001 line must not
    // become −0.01: found by the discount property test). Only when every line is at zero does a cent go
    // below — the caller's target is then below zero itself.
    // In passes, not cent by cent: a difference can be large (a junk order's totals) and each pass
    // either finishes or empties at least one line.
    while (remaining > 0) {
      const givers = order.filter((o) => cents[o.i]! > 0);
      if (givers.length === 0) {
        // Every line is at zero: the target is below zero; spread what is left evenly, as before.
        const per = Math.floor(remaining / order.length);
        order.forEach((o, k) => {
          cents[o.i]! -= per + (k < remaining - per * order.length ? 1 : 0);
        });
        remaining = 0;
        break;
      }
      const per = Math.max(1, Math.floor(remaining / givers.length));
      for (const o of givers) {
        if (remaining === 0) break;
        const take = Math.min(per, cents[o.i]!, remaining);
        cents[o.i]! -= take;
        remaining -= take;
      }
    }
  }
  return { cents, adjustments: cents.map((c, i) => c - rounded[i]!), difference };
}

/**
 * Splits `totalCents` over `weights` proportionally (largest remainder), e.g. an order-level discount
 * over lines, or a bundle's price over its children. All-zero weights split evenly.
 */
export function allocateCents(totalCents: number, weights: ReadonlyArray<Money | number>): number[] {
  if (weights.length === 0) return [];
  const ws = weights.map((w) => (typeof w === 'number' ? new D(w) : w).abs());
  const sumW = ws.reduce((a, b) => a.plus(b), new D(0));
  const shares = sumW.isZero()
    ? ws.map(() => new D(totalCents).div(ws.length))
    : ws.map((w) => new D(totalCents).times(w).div(sumW));
  return spreadRounding(
    shares.map((s) => ({ exact: s.div(100) })),
    totalCents,
  ).cents;
}

/**
 * A line total `cents` for `qty` units cannot always be written as qty × one cent-precise unit price
 * (10.00 for 3 units). Returns one or two (qty, unitCents) parts that add up exactly: the flow writes
 * the second part as a separate Heartland line of the same item.
 */
export function splitLineTotal(totalCents: number, qty: number): Array<{ qty: number; unitCents: number }> {
  if (!Number.isSafeInteger(qty) || qty <= 0) throw new RangeError('qty must be a positive integer');
  const unit = Math.floor(totalCents / qty);
  const rest = totalCents - unit * qty; // 0 ≤ rest < qty
  if (rest === 0) return [{ qty, unitCents: unit }];
  return [
    { qty: qty - rest, unitCents: unit },
    { qty: rest, unitCents: unit + 1 },
  ];
}
