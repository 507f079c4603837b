import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { riskConfigSchema, robustLogZ, scoreOrderRisk } from '../../src/mapping/order-risk.js';

const cfg = riskConfigSchema.parse({ enabled: true });
// A store whose orders cost 40–160 (cents), 60 of them.
const history = Array.from({ length: 60 }, (_, i) => 4_000 + ((i * 7_919) % 12_000));
const order = (over: Partial<Parameters<typeof scoreOrderRisk>[0]> = {}) => ({
  total: '95.00',
  billingCountry: 'US',
  shippingCountries: ['US'],
  newCustomer: false,
  lines: [{ sku: 'SKU-1', quantity: 2 }],
  recentTotalsCents: history,
  ...over,
});

describe('scoreOrderRisk', () => {
  it('a typical order scores 0 and is not held', () => {
    expect(scoreOrderRisk(order(), cfg)).toEqual({ score: 0, hold: false, signals: [] });
  });

  it('a total far above this store’s normal is held on its own, with the figures in the reason', () => {
    const r = scoreOrderRisk(order({ total: '4980.00' }), cfg);
    expect(r.hold).toBe(true);
    expect(r.signals.map((s) => s.code)).toEqual(['amount']);
    expect(r.signals[0]!.reason).toMatch(
      /^total 4980\.00 is \d+\.\d robust deviations above this store's typical order \(median \d+\.\d\d over the last 60\)$/,
    );
    // Inside the store's spread: silent.
    expect(scoreOrderRisk(order({ total: '160.00' }), cfg).signals).toEqual([]);
  });

  it('says nothing about amounts until it has enough history, or when every order costs the same', () => {
    expect(
      scoreOrderRisk(order({ total: '4980.00', recentTotalsCents: history.slice(0, 10) }), cfg).score,
    ).toBe(0);
    expect(
      scoreOrderRisk(order({ total: '4980.00', recentTotalsCents: Array(50).fill(2_500) }), cfg).score,
    ).toBe(0);
  });

  it('weaker signals add up: country mismatch + new customer over 500 + bulk quantity', () => {
    const r = scoreOrderRisk(
      order({
        total: '620.00',
        billingCountry: 'us',
        shippingCountries: ['NG'],
        newCustomer: true,
        lines: [{ sku: 'SKU-9', quantity: 12 }],
        recentTotalsCents: [],
      }),
      cfg,
    );
    expect(r.signals.map((s) => [s.code, s.weight])).toEqual([
      ['countryMismatch', 20],
      ['newCustomerOver', 30],
      ['bulkQuantity', 20],
    ]);
    expect(r).toMatchObject({ score: 70, hold: true });
    expect(r.signals[0]!.reason).toBe('billed in US but shipped to NG');
    expect(r.signals[2]!.reason).toBe('12 × SKU-9 (≥ 10 of one SKU)');
    // One weak signal alone does not hold at the default threshold.
    expect(scoreOrderRisk(order({ shippingCountries: ['CA'] }), cfg)).toMatchObject({
      score: 20,
      hold: false,
    });
  });

  it('config: a zero weight turns a signal off; the threshold is the retailer’s', () => {
    const strict = riskConfigSchema.parse({ enabled: true, holdAtScore: 20, bulkQuantity: { weight: 0 } });
    expect(scoreOrderRisk(order({ shippingCountries: ['CA'] }), strict).hold).toBe(true);
    expect(scoreOrderRisk(order({ lines: [{ sku: 'A', quantity: 50 }] }), strict).score).toBe(0);
    expect(() => riskConfigSchema.parse({ newCustomerOver: { amount: '5e2' } })).toThrow();
  });

  it('the robust score is not moved by a few extreme orders in the history (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1_000_000, max: 100_000_000 }), { maxLength: 5 }),
        (outliers) => {
          const z = robustLogZ(498_000, [...history, ...outliers]);
          return z !== undefined && z.z > 4;
        },
      ),
    );
  });
});
