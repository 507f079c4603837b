import { describe, expect, it } from 'vitest';
import { createBigCommerceSimulator } from '../../src/sandbox/bigcommerce/index.js';
import { createHeartlandSimulator } from '../../src/sandbox/heartland/index.js';
import { generateSeed } from '../../src/sandbox/seed/generate-seed.js';

const bcSkus = (s: ReturnType<typeof generateSeed>) =>
  s.bc.products.flatMap((p) => (p.variants.length ? p.variants.map((v) => v.sku) : [p.sku]));

describe('generateSeed', () => {
  it('is deterministic under a seed and differs across seeds', () => {
    const a = generateSeed({ seed: 'alpha', products: 30, customers: 20, giftCards: 8 });
    const b = generateSeed({ seed: 'alpha', products: 30, customers: 20, giftCards: 8 });
    const c = generateSeed({ seed: 'beta', products: 30, customers: 20, giftCards: 8 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('shares most SKUs across sides and leaves a few unmatched on each', () => {
    const s = generateSeed({ seed: 'overlap', products: 60 });
    const bc = new Set(bcSkus(s));
    const hl = new Set(s.hl.items.map((i) => i.public_id));
    const shared = [...bc].filter((x) => hl.has(x));
    expect(shared.length).toBe(s.meta.skuCount.shared);
    expect(shared.length / bc.size).toBeGreaterThan(0.8);
    expect(s.meta.unmatched.bcOnly.length).toBeGreaterThanOrEqual(2);
    expect(s.meta.unmatched.hlOnly.length).toBeGreaterThanOrEqual(2);
    for (const sku of s.meta.unmatched.bcOnly) expect(hl.has(sku)).toBe(false);
    for (const sku of s.meta.unmatched.hlOnly) expect(bc.has(sku)).toBe(false);
    // Variants ⇄ grids: every multi-variant product's SKUs are items of one Heartland grid.
    const multi = s.bc.products.find((p) => p.variants.length > 1 && hl.has(p.variants[0]?.sku ?? ''));
    const gridKeys = new Set(
      multi?.variants.map((v) => s.hl.items.find((i) => i.public_id === v.sku)?.grid_key),
    );
    expect(gridKeys.size).toBe(1);
    expect([...gridKeys][0]).toBe(multi?.sku);
  });

  it('has ≥3 locations with stock, matching customers by email and by phone, and shared gift cards', () => {
    const s = generateSeed({ seed: 'people', products: 10, customers: 30, giftCards: 12 });
    expect(s.hl.locations.length).toBeGreaterThanOrEqual(3);
    expect(s.bc.locations.length).toBe(s.hl.locations.length);
    expect(s.hl.items.every((i) => i.stock.length === s.hl.locations.length)).toBe(true);
    const hlEmails = new Set(s.hl.customers.map((c) => c.email));
    const shared = s.bc.customers.filter((c) => hlEmails.has(c.email));
    expect(shared.length).toBeGreaterThanOrEqual(5);
    expect(s.bc.customers.length).toBeGreaterThan(shared.length); // some BC-only
    expect(s.hl.customers.length).toBeGreaterThan(shared.length); // some HL-only
    expect(s.meta.phoneOnlyMatches.length).toBeGreaterThan(0);
    expect(s.bc.customers.every((c) => (c.addresses?.[0]?.state_or_province.length ?? 0) > 2)).toBe(true);
    expect(s.hl.customers.every((c) => /^[A-Z]{2}$/.test(c.addresses[0]?.state ?? ''))).toBe(true);
    const hlCards = new Map(s.hl.giftCards.map((g) => [g.number, g.balance]));
    for (const code of s.meta.sharedGiftCardCodes) {
      const cert = s.bc.giftCertificates.find((g) => g.code === code);
      expect(Number(cert?.balance)).toBe(hlCards.get(code));
    }
    expect(s.meta.sharedGiftCardCodes.length).toBeGreaterThan(0);
  });

  it('loads into both simulators', async () => {
    const s = generateSeed({ seed: 'load', products: 20, customers: 10, giftCards: 4 });
    const bc = await createBigCommerceSimulator({ seed: s.bc });
    const hl = await createHeartlandSimulator({ seed: s.hl });
    try {
      const sku = s.meta.unmatched.bcOnly.length
        ? bcSkus(s).find((x) => !s.meta.unmatched.bcOnly.includes(x))
        : '';
      const res = await fetch(
        `${hl.url}/items?_filter=${encodeURIComponent(JSON.stringify({ public_id: sku }))}`,
        {
          headers: { authorization: `Bearer ${hl.token}` },
        },
      );
      expect(((await res.json()) as { total: number }).total).toBe(1);
      const bcRes = await fetch(`${bc.apiUrl}/v3/catalog/variants?sku=${encodeURIComponent(sku ?? '')}`, {
        headers: { 'X-Auth-Token': bc.accessToken, accept: 'application/json' },
      });
      expect(bcRes.status).toBe(200);
      expect(((await bcRes.json()) as { data: unknown[] }).data).toHaveLength(1);
    } finally {
      await bc.close();
      await hl.close();
    }
  });
});
