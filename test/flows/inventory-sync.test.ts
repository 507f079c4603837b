import { afterEach, describe, expect, it } from 'vitest';
import { fullSync } from '../../src/flows/inventory/full-sync.js';
import { pollLedger } from '../../src/flows/inventory/stock-sync.js';
import { type Harness, hlAvailable, sharedSkus, startHarness } from './inventory-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('stock Heartland → BigCommerce', () => {
  it('an in-store sale in Heartland changes the BigCommerce level within one poll run', async () => {
    h = await startHarness();
    await fullSync(h.ctx);
    await pollLedger(h.ctx);
    const sku = sharedSkus(h).find((s) => hlAvailable(h as Harness, s, 100001) >= 3) as string;
    const before = h.bcLevel(sku, 1);
    expect(before).toBe(hlAvailable(h, sku, 100001));

    await h.hlPost('/__sandbox/heartland/sale', { location_id: 100001, lines: [{ sku, qty: 2 }] });
    const r = await pollLedger(h.ctx);

    expect(r.items).toBe(1);
    expect(h.bcLevel(sku, 1)).toBe(before - 2);
  });

  it('many changes to one SKU in one poll become one level in one call; unchanged values cause no call', async () => {
    h = await startHarness();
    await fullSync(h.ctx);
    await pollLedger(h.ctx);
    const [a, b] = sharedSkus(h).filter((s) => hlAvailable(h as Harness, s, 100001) >= 5);
    for (let i = 0; i < 4; i++) {
      await h.hlPost('/__sandbox/heartland/sale', { location_id: 100001, lines: [{ sku: a, qty: 1 }] });
    }
    await h.hlPost('/__sandbox/heartland/restock', { location_id: 100002, lines: [{ sku: b, qty: 7 }] });
    const calls = h.absoluteCalls();
    const r = await pollLedger(h.ctx);
    expect(r.written).toBe(2);
    expect(h.absoluteCalls() - calls).toBe(1);
    expect(h.bcLevel(a as string, 1)).toBe(hlAvailable(h, a as string, 100001));
    expect(h.bcLevel(b as string, 2)).toBe(hlAvailable(h, b as string, 100002));

    // A sale and its return: the ledger moved, the level did not → no write at all.
    await h.hlPost('/__sandbox/heartland/sale', { location_id: 100001, lines: [{ sku: a, qty: 1 }] });
    await h.hlPost('/__sandbox/heartland/sale', {
      location_id: 100001,
      type: 'Return',
      lines: [{ sku: a, qty: -1 }],
    });
    const requests = h.bcRequests();
    const again = await pollLedger(h.ctx);
    expect(again.items).toBeGreaterThanOrEqual(1); // the overlap re-reads earlier rows too
    expect(again.written).toBe(0);
    expect(h.bcRequests()).toBe(requests);
    // A poll with nothing new costs no BigCommerce request either.
    await pollLedger(h.ctx);
    expect(h.bcRequests()).toBe(requests);
  });

  it('a read-first full sync writes only what differs and never writes SKUs BigCommerce lacks', async () => {
    h = await startHarness();
    const r = await fullSync(h.ctx, { mode: 'read-first' });
    // The seed has a few drifted SKUs at location 1; everything else already matches.
    expect(r.changes).toBeGreaterThanOrEqual(h.sb.seed.driftedSkus.length);
    for (const sku of h.sb.seed.driftedSkus) expect(h.bcLevel(sku, 1)).toBe(hlAvailable(h, sku, 100001));
    expect(r.skus.hlOnly).toBe(h.sb.seed.unmatched.hlOnly.length);
    expect(r.rejected).toEqual([]);
    const again = await fullSync(h.ctx);
    expect(again.changes).toBe(0);
  });
});
