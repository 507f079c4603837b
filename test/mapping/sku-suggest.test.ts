import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSkuIndex, describeSuggestions, suggestSkus } from '../../src/mapping/sku-suggest.js';

const catalogue = [
  { sku: 'S-ORAN', name: 'Fog Linen Chambray Towel - Beige Stripe' },
  { sku: 'S-ORAN-M', name: 'Fog Linen Chambray Towel - Beige Stripe M' },
  { sku: 'ABS', name: 'Able Brewing System' },
  { sku: 'OTS', name: 'Orbit Terrarium - Small' },
  { sku: 'OTL', name: 'Orbit Terrarium - Large' },
  { sku: 'CC3C', name: 'Chemex Coffeemaker 3 Cup' },
];

describe('suggestSkus', () => {
  const index = buildSkuIndex(catalogue);

  it('ranks a typo of an existing SKU first', () => {
    const s = suggestSkus(index, 'S-ORN', 'Fog Linen Chambray Towel');
    expect(s[0]?.sku).toBe('S-ORAN');
    expect(s[0]!.score).toBeGreaterThan(s[1]?.score ?? 0);
  });

  it('treats case and separators as the same SKU', () => {
    expect(suggestSkus(index, 's oran')[0]).toMatchObject({ sku: 'S-ORAN', skuScore: 0.99 });
  });

  it('uses the product name when the SKU is unlike anything', () => {
    const s = suggestSkus(index, 'ZZ-991', 'Orbit Terrarium Large');
    expect(s[0]?.sku).toBe('OTL');
  });

  it('returns nothing useful for garbage, and a readable fix either way', () => {
    expect(suggestSkus(index, '~~~~', null)).toEqual([]);
    expect(describeSuggestions('X1', [])).toMatch(/create an item with public_id "X1"/);
    expect(describeSuggestions('S-ORN', suggestSkus(index, 'S-ORN'))).toMatch(/S-ORAN \("Fog Linen/);
  });

  it('stays quick on a 100k SKU catalogue', () => {
    const big = Array.from({ length: 100_000 }, (_, i) => ({
      sku: `SKU-${(i * 7919).toString(36).toUpperCase()}-${i % 97}`,
      name: `Item ${i % 1000} colour ${i % 13}`,
    }));
    const bigIndex = buildSkuIndex(big);
    const target = big[54_321]!;
    const typo = `${target.sku.slice(0, -1)}X`;
    const s = suggestSkus(bigIndex, typo, target.name);
    expect(s.map((x) => x.sku)).toContain(target.sku);
  });

  it('always returns the exact SKU first when it exists', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({ sku: fc.string({ minLength: 1, maxLength: 12 }), name: fc.string({ maxLength: 20 }) }),
          {
            minLength: 1,
            maxLength: 60,
            selector: (e) => e.sku,
          },
        ),
        fc.nat(),
        fc.option(fc.string({ maxLength: 20 })),
        (cat, pick, name) => {
          const entry = cat[pick % cat.length]!;
          const s = suggestSkus(buildSkuIndex(cat), entry.sku, name);
          expect(s[0]).toMatchObject({ sku: entry.sku, score: 1 });
        },
      ),
    );
  });
});
