/**
 * Money for the BigCommerce simulator: decimal.js all the way, rendered as the API renders it —
 * strings with 4 decimal places ("62.6793"). Never a binary float.
 */
import { Decimal } from 'decimal.js';

export type MoneyInput = string | number | Decimal;

export const ZERO = new Decimal(0);

/** Parse a money value. Numbers are accepted because the v2 spec types some inputs as number; they are
 * converted through their shortest string form, which is exact for what a client meant to send. */
export function dec(value: MoneyInput | null | undefined): Decimal {
  if (value === null || value === undefined || value === '') return ZERO;
  if (value instanceof Decimal) return value;
  return new Decimal(typeof value === 'number' ? value.toString() : value.trim());
}

export function isMoney(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'string') return false;
  return /^-?\d+(\.\d+)?$/.test(value.trim());
}

/** "12.5" → "12.5000" (half-up at 4 dp, as BigCommerce stores money). */
export function m4(value: MoneyInput | null | undefined): string {
  return dec(value).toDecimalPlaces(4, Decimal.ROUND_HALF_UP).toFixed(4);
}

/** JSON number for the few v3 fields that are numbers (transactions, refunds): rounded to 2 dp. */
export function num2(value: MoneyInput): number {
  return dec(value).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber();
}

export function sum(values: Iterable<MoneyInput>): Decimal {
  let total = ZERO;
  for (const v of values) total = total.plus(dec(v));
  return total;
}

export { Decimal };

/**
 * Splits `total` over `weights` in proportion, at 4 dp (how BigCommerce stores money), so the parts add
 * up to `total` exactly: each part is rounded down, then the leftover ten-thousandths go to the parts
 * that lost most (largest remainder, ties to the earlier part). All-zero weights get nothing but the
 * first part (there is nothing to be proportional to).
 */
export function allocate4dp(total: MoneyInput, weights: readonly MoneyInput[]): Decimal[] {
  const units = dec(total).times(10000).toDecimalPlaces(0, Decimal.ROUND_HALF_UP);
  if (weights.length === 0) return [];
  const ws = weights.map((w) => Decimal.max(ZERO, dec(w)));
  const sumW = sum(ws);
  if (sumW.isZero()) return ws.map((_, i) => (i === 0 ? units.div(10000) : ZERO));
  const exact = ws.map((w) => units.times(w).div(sumW));
  const floors = exact.map((e) => e.floor());
  let left = units.minus(sum(floors)).toNumber();
  const byRemainder = exact
    .map((e, i) => ({ i, r: e.minus(floors[i] ?? ZERO) }))
    .sort((a, b) => b.r.comparedTo(a.r) || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left <= 0) break;
    floors[i] = (floors[i] ?? ZERO).plus(1);
    left -= 1;
  }
  return floors.map((f) => f.div(10000));
}
