/**
 * Found by the chaos run (medium profile, `full` mix): every order-driven BigCommerce inventory hint runs
 * a whole `refreshReservations` inline (src/flows/inventory/bc-hints.ts), and hint jobs are keyed per
 * SKU, so they run side by side. Each one lists every order modified since the reservations cursor minus
 * 10 minutes (24 h before the first refresh has finished) and fetches the products of every order not yet
 * reserved; the cursor only moves when a whole refresh finishes. During a burst of sales N hints do the
 * same O(orders) calls N times over, all worker slots hold hint jobs, and orders, the ledger poll and
 * reconcile wait (chaos medium: nothing finished for ~4 minutes; stock went stale for 6 minutes).
 *
 * Fixed: order-driven hints now only mark their SKU and queue ONE coalesced `inventory.reservations` job
 * per connection (jobs of one entity never run at once), which walks the orders once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleBcInventoryHint } from '../../src/flows/inventory/bc-hints.js';
import { fullSync } from '../../src/flows/inventory/full-sync.js';
import { createInventoryHandlers } from '../../src/flows/inventory/handlers.js';
import { reservedBySku } from '../../src/flows/inventory/reservations.js';
import { INVENTORY_TASKS } from '../../src/flows/inventory/routing.js';
import { Prng } from '../../src/sandbox/shared/prng.js';
import { buildStorefrontOrder } from '../../src/sandbox/traffic/storefront-order.js';
import { type Harness, startHarness } from '../flows/inventory-harness.js';

const ORDERS = 60;
const HINTS = 8;
let h: Harness;
let hintVariants: number[] = [];

beforeAll(async () => {
  h = await startHarness({ seed: 'hint-storm', products: 40 });
  await fullSync(h.ctx);
  const variants = [...h.sb.bc.state.variants.values()]
    .filter((v) => v.sku && h.sb.hl.state.itemBySku(v.sku))
    .map((v) => v.id);
  for (let i = 0; i < ORDERS; i++) {
    const body = buildStorefrontOrder(h.sb.bc, variants, new Prng(`storm-${i}`), i);
    if (!body) continue;
    body.status_id = 11;
    h.sb.bc.placeOrder(body);
  }
  hintVariants = variants.slice(0, HINTS);
});
afterAll(async () => {
  await h?.close();
});

const hint = (variantId: number) => ({
  scope: 'store/sku/inventory/order/updated',
  data: { type: 'sku', id: variantId, inventory: { variant_id: variantId, method: 'relative', value: -1 } },
});

describe('order-driven inventory hints during a burst of sales', () => {
  it(`${HINTS} concurrent hints cost less than twice one reservations refresh`, async () => {
    const before = h.bcRequests();
    const results = await Promise.all(hintVariants.map((id) => handleBcInventoryHint(h.ctx, hint(id))));
    expect(results.every((r) => r.outcome === 'reservations-queued')).toBe(true);
    // The hints walk nothing: at most one read each, to learn the SKU of a unit no link knows yet (the
    // write-first full sync leaves the ids to the first reconcile).
    expect(h.bcRequests() - before).toBeLessThanOrEqual(HINTS);

    // One pending reservations job for the whole burst; running it reserves every order's units.
    const pending = await h.engine.queue.listJobs({ task: INVENTORY_TASKS.reservations, state: 'pending' });
    expect(pending).toHaveLength(1);
    const job = {
      jobId: String(pending[0]?.id ?? '1'),
      connectionId: 'test',
      task: INVENTORY_TASKS.reservations,
      entityKey: `${INVENTORY_TASKS.reservations}:test`,
      attempt: 1,
      maxAttempts: 5,
      inboxId: null,
      configVersion: null,
      signal: new AbortController().signal,
    };
    await createInventoryHandlers(h.ctx)[INVENTORY_TASKS.reservations]?.({}, job);
    const calls = h.bcRequests() - before;
    // One refresh = the order list pages + one products call per order (≈ ORDERS) + the re-sync writes;
    // before the fix 8 hints over 120 orders made 971 calls.
    expect(calls).toBeLessThan(2 * ORDERS + 10 * HINTS);
    expect((await reservedBySku(h.ctx)).size).toBeGreaterThan(0);
  }, 60_000);
});
