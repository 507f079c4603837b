/**
 * The small chaos profile inside `npm test`: real `heartbridge serve` on SQLite, SIGKILLed at least twice,
 * with 5xx / hangs / outages on reads, 429s and committed-then-timeout writes everywhere, duplicated and
 * reordered webhooks — then judged from the simulators' own state, stock included (after one reconcile).
 * The full run is `npm run chaos`.
 */
import { describe, expect, it } from 'vitest';
import { runChaos } from '../../bench/chaos/run-chaos.js';

describe('chaos (small profile, SQLite)', () => {
  it('loses nothing, duplicates nothing and keeps every total, whatever happens', async () => {
    const r = await runChaos({ profile: 'small', backend: 'sqlite', log: () => {} });
    const failed = r.promises.filter((p) => p.ok === false).map((p) => `${p.name}: ${p.detail}`);
    expect(failed, 'promises that failed').toEqual([]);
    expect(r.kills).toBeGreaterThanOrEqual(2);
    expect(r.verify.lost).toEqual([]);
    expect(r.verify.duplicated).toEqual([]);
    expect(r.verify.wrongTotals).toEqual([]);
    expect(r.verify.shipmentsLost).toEqual([]);
    expect(r.verify.shipmentsDuplicated).toEqual([]);
    // Enough happened for the verdict to mean something.
    expect(r.verify.synced).toBeGreaterThan(20);
    // Stock: BigCommerce per location = Heartland available − safety − reservations of the orders
    // Heartland does not have (the parked ones), after one reconcile cycle, for every shared SKU.
    expect(r.verify.stock.wired).toBe(true);
    expect(r.verify.stock.compared).toBeGreaterThan(100);
    expect(r.verify.stock.drift).toEqual([]);
    expect(r.verify.stock.safetyApplied).toBeGreaterThan(0);
    expect(r.verify.stock.reservedOrders).toBeGreaterThan(0);
    expect(r.inventory?.finalJobs).toEqual({ reservations: 'done', reconcile: 'done' });
    expect(r.verify.fulfilments).toBeGreaterThan(10);
  }, 240_000);
});
