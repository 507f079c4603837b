/**
 * Order-level discounts that BigCommerce does not show on the lines.
 *
 * BigCommerce orders carry order-level discounts twice: on the order (`discount_amount` for manual
 * discounts, `coupon_discount` for coupons) and, spread over the products, in each line's
 * `applied_discounts` (`target: order`, e.g. "Manual Discount") and `discounted_total_inc_tax` ("includes
 * all types of discounts (automatic, coupon, manual) … you don't need to deduct any more discounts at
 * line item level or order level", orders.v2 `orderProducts`). The mapper reads the lines, so such an
 * order needs nothing more. But an order whose lines do not carry the discount (edited in the control
 * panel, created through the API by another system, older data) would otherwise add up to more than
 * `total_inc_tax` and be quarantined.
 *
 * Neither field alone tells how much is missing from the lines (whether `discount_amount` includes
 * product-level promotions is not documented), so the totals decide: the gap between what the lines and
 * charges add up to and `total_inc_tax` is the part not on the lines, accepted only when the order
 * declares at least that much order-level discount. That part is spread over the lines in proportion to
 * their amounts (exact cents, largest remainder), exactly as if BigCommerce had put it there; each
 * line's tax shrinks in the same proportion, as the mapper does for discounts BigCommerce shows.
 */
import { allocateCents, centsToString, type Money, money, toCents } from './money.js';

export interface LineAmounts {
  /** Exact amount incl. tax after the line's own discounts. */
  incTax: Money;
  tax: Money;
}

export interface OrderDiscountInput {
  /** BC `discount_amount` + `coupon_discount`, in cents. */
  declaredCents: number;
  /** Σ line amounts incl. tax + charges incl. tax − target, in cents (positive: lines too high). */
  gapCents: number;
  /** Differences up to this many cents are rounding, not a discount. */
  maxRoundingCents: number;
}

export interface OrderDiscountResult<T extends LineAmounts> {
  lines: T[];
  /** Cents taken off the lines (0 when the discount is on the lines already, or none applies). */
  spreadCents: number;
  /** Why nothing was spread although a gap remains (for the mismatch message), else undefined. */
  note?: string;
}

/** Declared order-level discount in cents: `discount_amount` + `coupon_discount` (both optional). */
export function declaredOrderDiscountCents(order: {
  discount_amount?: string | undefined;
  coupon_discount?: string | undefined;
}): number {
  return toCents(money(order.discount_amount ?? '0').plus(money(order.coupon_discount ?? '0')));
}

/**
 * How many cents of the declared order-level discount are missing from the lines: none when the totals
 * already agree (within rounding), all of it when the gap is the declared amount (within rounding), the
 * gap when it is smaller (part of it is on the lines), none when the gap is larger than declared (then
 * it is not a discount we can explain: the caller quarantines the mismatch). A discount of a few cents
 * fits both "rounding" and "the whole discount": the nearer explanation wins, so a 0.03 discount missing
 * from the lines (gap 0.03) is spread, not taken as 3 cents of rounding on top of the charges' own.
 */
export function unreflectedDiscountCents({ declaredCents, gapCents, maxRoundingCents }: OrderDiscountInput): {
  cents: number;
  note?: string;
} {
  if (declaredCents <= 0 || gapCents <= 0) return { cents: 0 };
  const asRounding = gapCents <= maxRoundingCents;
  const offDiscount = Math.abs(gapCents - declaredCents);
  if (offDiscount <= maxRoundingCents && (!asRounding || offDiscount < gapCents))
    return { cents: declaredCents };
  if (asRounding) return { cents: 0 };
  if (gapCents < declaredCents) return { cents: gapCents };
  return {
    cents: 0,
    note: `the order-level discount of ${centsToString(declaredCents)} does not explain a gap of ${centsToString(gapCents)}`,
  };
}

/**
 * Takes `cents` off the lines in proportion to their exact amounts incl. tax (largest remainder); a line
 * is never taken below zero, even one worth less than a cent. Returns the lines unchanged when there is
 * nothing to take or nothing to take it from (the caller's total check then reports the mismatch).
 */
export function spreadOrderDiscount<T extends LineAmounts>(
  lines: readonly T[],
  cents: number,
): OrderDiscountResult<T> {
  if (cents <= 0) return { lines: [...lines], spreadCents: 0 };
  // Exact amounts, not amounts rounded to cents: six 0.0249 lines hold 0.1494, enough for a 0.13 discount,
  // though rounded they hold only 0.12.
  const weights = lines.map((l) => (l.incTax.isNegative() ? money('0') : l.incTax));
  const available = weights.reduce((a, b) => a.plus(b), money('0'));
  if (available.times(100).lt(cents)) {
    return {
      lines: [...lines],
      spreadCents: 0,
      note: `the order-level discount of ${centsToString(cents)} is more than the lines (${centsToString(toCents(available))})`,
    };
  }
  const shares = allocateCents(cents, weights);
  const out = lines.map((l, i) => {
    const share = shares[i] ?? 0;
    if (share === 0) return l;
    // Shares are whole cents, so a line worth less than its share (0.0050 drawing 0.01) stops at zero
    // rather than going below (−0.005 used to map to a −0.01 price). The part of a cent it could not give
    // is a rounding difference, which the mapper's final spread settles to the cent.
    const after = l.incTax.minus(money(centsToString(share)));
    const incTax = after.isNegative() ? money('0') : after;
    const tax = l.incTax.isZero() ? money('0') : l.tax.times(incTax).div(l.incTax);
    return { ...l, incTax, tax };
  });
  return { lines: out, spreadCents: cents };
}
