/**
 * Heartland JSON carries money as numbers (`price: 25.0`, `amount: 52.1`). Every sum and product the
 * simulator computes goes through decimal.js and is rounded half-up to cents before it becomes a number
 * again, so totals never show binary-float drift (0.1 + 0.2).
 */
import { Decimal } from 'decimal.js';

export function cents(value: Decimal.Value): number {
  return new Decimal(value).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber();
}

export function sumMoney(values: Decimal.Value[]): number {
  let total = new Decimal(0);
  for (const v of values) total = total.plus(v);
  return cents(total);
}

export function mulMoney(a: Decimal.Value, b: Decimal.Value): number {
  return cents(new Decimal(a).times(b));
}

/** Parses a money input (number or numeric string) or returns null when it is not one. */
export function parseMoney(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return cents(value);
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return cents(value);
  return null;
}
