import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocateCents,
  centsToString,
  multiplyQty,
  parseMoney,
  roundToCentsString,
  splitLineTotal,
  spreadRounding,
  sumMoney,
  toCents,
} from '../../src/mapping/money.js';

describe('money', () => {
  it('parses BigCommerce 4-dp strings exactly', () => {
    expect(parseMoney('62.6793').toFixed()).toBe('62.6793');
    expect(sumMoney(['0.1000', '0.2000']).toFixed()).toBe('0.3'); // a float would give 0.30000000000000004
    expect(parseMoney(12.5).toFixed()).toBe('12.5');
  });

  it('rejects non-decimals with a permanent mapping error', () => {
    for (const bad of ['', 'abc', '1e5', '1,000.00', 'NaN', '--1']) {
      expect(() => parseMoney(bad)).toThrowError(
        expect.objectContaining({ code: 'HB_ERR_MAP_MONEY_INVALID' }),
      );
    }
    expect(() => parseMoney(Number.NaN)).toThrow();
  });

  it('rounds half-up by default and half-even on request', () => {
    expect(roundToCentsString('62.6750')).toBe('62.68');
    expect(roundToCentsString('62.6750', 'half-even')).toBe('62.68');
    expect(roundToCentsString('62.6650', 'half-even')).toBe('62.66');
    expect(roundToCentsString('62.6650')).toBe('62.67');
    expect(toCents('-0.005')).toBe(-1);
    expect(centsToString(-5)).toBe('-0.05');
  });

  it('multiplies qty × price exactly', () => {
    expect(multiplyQty(3, '33.3333').toFixed()).toBe('99.9999');
  });

  it('spreads the rounding difference explicitly so lines hit the target', () => {
    const r = spreadRounding([{ exact: '33.3333' }, { exact: '33.3333' }, { exact: '33.3334' }], 10000);
    expect(r.cents.reduce((a, b) => a + b, 0)).toBe(10000);
    expect(r.difference).toBe(1);
    expect(r.adjustments.filter((a) => a !== 0)).toEqual([1]);
  });

  it('never gives a rounding cent to a zero-weight line', () => {
    const r = spreadRounding([{ exact: '0', weight: 0 }, { exact: '10.004' }], 1001);
    expect(r.cents).toEqual([0, 1001]);
  });

  it('allocates proportionally and splits a line total into cent-exact unit prices', () => {
    expect(allocateCents(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocateCents(10, [0, 0])).toEqual([5, 5]);
    expect(splitLineTotal(1000, 3)).toEqual([
      { qty: 2, unitCents: 333 },
      { qty: 1, unitCents: 334 },
    ]);
    expect(splitLineTotal(900, 3)).toEqual([{ qty: 3, unitCents: 300 }]);
  });
});

describe('money properties', () => {
  const amount4dp = fc.integer({ min: -10_000_000, max: 100_000_000 }).map(String);
  const asDecimal = (tenThousandths: string) => {
    const n = BigInt(tenThousandths);
    const neg = n < 0n;
    const abs = neg ? -n : n;
    return `${neg ? '-' : ''}${abs / 10000n}.${(abs % 10000n).toString().padStart(4, '0')}`;
  };

  it('spread lines always sum to the target exactly', () => {
    fc.assert(
      fc.property(
        fc.array(amount4dp.map(asDecimal), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: -500, max: 500 }),
        (lines, skew) => {
          const exactCents = toCents(sumMoney(lines));
          const target = exactCents + skew;
          const r = spreadRounding(
            lines.map((exact) => ({ exact })),
            target,
          );
          expect(r.cents.reduce((a, b) => a + b, 0)).toBe(target);
          expect(r.cents.every(Number.isSafeInteger)).toBe(true);
          // Taking cents away never takes a line below zero while another line still has cents.
          const rounded = r.cents.map((c, i) => c - r.adjustments[i]!);
          if (target >= 0 && rounded.every((c) => c >= 0)) expect(r.cents.every((c) => c >= 0)).toBe(true);
          // No line moves more than needed: at most ceil(|diff| / n) cents from its own rounding. When taking
          // away, lines with few cents give out first, so the bound is the whole difference.
          const bound =
            r.difference < 0 ? Math.abs(r.difference) : Math.ceil(Math.abs(r.difference) / lines.length);
          expect(r.adjustments.every((a) => Math.abs(a) <= bound)).toBe(true);
        },
      ),
    );
  });

  it('has no float drift: summing many 4-dp amounts as decimals equals integer arithmetic', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000_000 }), { maxLength: 200 }), (ints) => {
        const total = sumMoney(ints.map((i) => asDecimal(String(i))));
        const expected = ints.reduce((a, b) => a + BigInt(b), 0n);
        expect(total.times(10000).toFixed()).toBe(expected.toString());
      }),
    );
  });

  it('split line parts always multiply back to the line total', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 1000 }),
        (total, qty) => {
          const parts = splitLineTotal(total, qty);
          expect(parts.reduce((a, p) => a + p.qty * p.unitCents, 0)).toBe(total);
          expect(parts.reduce((a, p) => a + p.qty, 0)).toBe(qty);
        },
      ),
    );
  });
});
