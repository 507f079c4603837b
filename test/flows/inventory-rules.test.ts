import { afterEach, describe, expect, it } from 'vitest';
import { handleBcInventoryHint } from '../../src/flows/inventory/bc-hints.js';
import { fullSync } from '../../src/flows/inventory/full-sync.js';
import { reconcileInventory } from '../../src/flows/inventory/reconcile.js';
import {
  refreshReservations,
  reservedBySku,
  runReservationsJob,
} from '../../src/flows/inventory/reservations.js';
import { pollLedger, syncSkus } from '../../src/flows/inventory/stock-sync.js';
import { type Harness, hlAvailable, sharedSkus, startHarness } from './inventory-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const sale = (x: Harness, location_id: number, sku: string, qty: number) =>
  x.hlPost('/__sandbox/heartland/sale', { location_id, lines: [{ sku, qty }] });
const restock = (x: Harness, location_id: number, sku: string, qty: number) =>
  x.hlPost('/__sandbox/heartland/restock', { location_id, lines: [{ sku, qty }] });

describe('location map', () => {
  it('sums the Heartland locations of a BigCommerce location and ignores unlisted ones', async () => {
    h = await startHarness({
      inventory: {
        locations: [
          { bcLocationId: 1, hlLocationIds: [100001, 100003] },
          { bcLocationId: 2, hlLocationIds: [100002] },
        ],
      },
    });
    await fullSync(h.ctx);
    const sku = sharedSkus(h)[0] as string;
    await restock(h, 100001, sku, 5);
    await restock(h, 100003, sku, 4);
    await pollLedger(h.ctx);
    expect(h.bcLevel(sku, 1)).toBe(hlAvailable(h, sku, 100001) + hlAvailable(h, sku, 100003));
    expect(h.bcLevel(sku, 2)).toBe(hlAvailable(h, sku, 100002));

    // BigCommerce location 3 is fed by nobody now: Heartland 100003 only feeds location 1.
    const l3 = h.bcLevel(sku, 3);
    await restock(h, 100003, sku, 10);
    const r = await pollLedger(h.ctx);
    expect(h.bcLevel(sku, 3)).toBe(l3);
    expect(r.written).toBe(1);
  });

  it('a Heartland location on no list never feeds the web (no read, no write)', async () => {
    h = await startHarness({ inventory: { locations: [{ bcLocationId: 1, hlLocationIds: [100001] }] } });
    await fullSync(h.ctx);
    await pollLedger(h.ctx);
    const sku = sharedSkus(h)[0] as string;
    const requests = h.bcRequests();
    await restock(h, 100002, sku, 9);
    const r = await pollLedger(h.ctx);
    expect(r.items).toBe(0);
    expect(h.bcRequests()).toBe(requests);
  });
});

describe('safety stock', () => {
  it('keeps back a fixed number, a percentage, and honours per-SKU overrides', async () => {
    h = await startHarness();
    const [a, b, c] = sharedSkus(h).filter((s) => hlAvailable(h as Harness, s, 100001) >= 10);
    h.ctx.inventory = {
      ...h.ctx.inventory,
      locations: [
        {
          bcLocationId: 1,
          hlLocationIds: [100001],
          safety: { keep: 3 },
          skuSafety: { [b as string]: { percent: 50 } },
        },
        { bcLocationId: 2, hlLocationIds: [100002], safety: { percent: 10 }, skuSafety: {} },
      ],
      skuSafety: { [c as string]: { keep: 0 } },
    };
    await fullSync(h.ctx);
    const av = (sku: string, loc: number) => hlAvailable(h as Harness, sku, loc);
    expect(h.bcLevel(a as string, 1)).toBe(av(a as string, 100001) - 3);
    expect(h.bcLevel(b as string, 1)).toBe(av(b as string, 100001) - Math.ceil(av(b as string, 100001) / 2));
    expect(h.bcLevel(c as string, 1)).toBe(av(c as string, 100001));
    expect(h.bcLevel(a as string, 2)).toBe(
      Math.max(0, av(a as string, 100002) - Math.ceil(av(a as string, 100002) * 0.1)),
    );
  });

  it('oversell: availability at or below safety shows 0 at once', async () => {
    h = await startHarness();
    const sku = sharedSkus(h).find((s) => hlAvailable(h as Harness, s, 100001) >= 6) as string;
    h.ctx.inventory = {
      ...h.ctx.inventory,
      locations: [{ bcLocationId: 1, hlLocationIds: [100001], safety: { keep: 2 }, skuSafety: {} }],
    };
    await fullSync(h.ctx);
    await pollLedger(h.ctx);
    await sale(h, 100001, sku, hlAvailable(h, sku, 100001) - 2);
    await pollLedger(h.ctx);
    expect(hlAvailable(h, sku, 100001)).toBe(2);
    expect(h.bcLevel(sku, 1)).toBe(0);
  });
});

describe('reservations (BigCommerce orders not yet in Heartland)', () => {
  it('holds an online order until Heartland has it, then releases it', async () => {
    h = await startHarness();
    await fullSync(h.ctx);
    await pollLedger(h.ctx);
    const sku = sharedSkus(h).find((s) => hlAvailable(h as Harness, s, 100001) >= 6) as string;
    const start = h.bcLevel(sku, 1);
    const order = h.sb.bc.placeOrder({
      products: [{ sku, quantity: 2 }],
      billing_address: { first_name: 'A', last_name: 'B', email: 'a@example.com' },
    }) as { id: number };
    expect(h.bcLevel(sku, 1)).toBe(start - 2);

    // The order-driven webhook queues the connection's reservations job; the job holds the units.
    const v = h.sb.bc.state.variantBySku(sku);
    const p = v ? h.sb.bc.state.products.get(v.product_id) : undefined;
    const data =
      p?.inventory_tracking === 'variant'
        ? {
            type: 'sku',
            id: v?.id,
            inventory: { product_id: p.id, variant_id: v?.id, method: 'relative', value: -2 },
          }
        : { type: 'product', id: p?.id, inventory: { product_id: p?.id, method: 'relative', value: -2 } };
    const writes = h.absoluteCalls();
    const hint = await handleBcInventoryHint(h.ctx, {
      scope: `store/${data.type}/inventory/order/updated`,
      data,
    });
    expect(hint.outcome).toBe('reservations-queued');
    await runReservationsJob(h.ctx, (skus) => syncSkus(h!.ctx, skus));
    // Nothing given back: the re-sync writes what BigCommerce already shows (one batched call per job).
    expect(h.bcLevel(sku, 1)).toBe(start - 2);
    expect(h.absoluteCalls()).toBeLessThanOrEqual(writes + 1);
    expect((await reservedBySku(h.ctx, [sku])).get(sku)?.get(1)).toBe(2);

    // An in-store sale meanwhile: the web level follows Heartland but keeps the 2 held back.
    await sale(h, 100001, sku, 1);
    await pollLedger(h.ctx);
    expect(h.bcLevel(sku, 1)).toBe(hlAvailable(h, sku, 100001) - 2);

    // The orders flow puts the order into Heartland (stock committed there) and links it.
    await sale(h, 100001, sku, 2);
    await h.engine.links.upsert({
      connectionId: 'test',
      kind: 'order',
      bcId: String(order.id),
      hlId: '900001',
      data: { state: 'open' },
    });
    // The ledger poll sees Heartland's commit while the hold is still open: for a moment the web shows
    // the units twice held back.
    await pollLedger(h.ctx);
    expect(h.bcLevel(sku, 1)).toBe(hlAvailable(h, sku, 100001) - 2);
    // The re-sync that the release calls for fails once (BigCommerce down, a crash): the hold is released
    // and committed, but the SKU stays marked, so the next run of the job still re-syncs it.
    await expect(
      runReservationsJob(h.ctx, async () => {
        throw new Error('BigCommerce unreachable');
      }),
    ).rejects.toThrow('unreachable');
    expect((await reservedBySku(h.ctx, [sku])).size).toBe(0);
    expect(h.bcLevel(sku, 1)).toBe(hlAvailable(h, sku, 100001) - 2); // still two low
    const again = await runReservationsJob(h.ctx, (skus) => syncSkus(h!.ctx, skus));
    expect(again.refresh.released).toEqual([]);
    expect(again.resynced).toEqual([sku]);
    expect(h.bcLevel(sku, 1)).toBe(hlAvailable(h, sku, 100001));
    // Markers are cleared once synced.
    expect((await runReservationsJob(h.ctx, (skus) => syncSkus(h!.ctx, skus))).resynced).toEqual([]);
  });

  it('releases the hold when the order is cancelled', async () => {
    h = await startHarness();
    await fullSync(h.ctx);
    const sku = sharedSkus(h).find((s) => hlAvailable(h as Harness, s, 100001) >= 3) as string;
    const order = h.sb.bc.placeOrder({
      products: [{ sku, quantity: 1 }],
      billing_address: { first_name: 'A', last_name: 'B', email: 'a@example.com' },
    }) as { id: number };
    expect((await refreshReservations(h.ctx)).reserved).toContain(sku);
    await h.ctx.bc.orders.updateStatus(order.id, 5);
    const r = await refreshReservations(h.ctx);
    expect(r.released).toContain(sku);
    expect((await reservedBySku(h.ctx, [sku])).size).toBe(0);
  });

  // The chaos run (10,000 orders in 30 min, 500 parked on purpose) kept this job running back to back:
  // every run re-read each order modified in the last 10 minutes and looked up each open order's link
  // one query at a time. A run must cost what changed since the last one, and still hold every order
  // that took stock and is not in Heartland — including one that shows up in the list late.
  it('a run costs what changed since the last one; late-listed orders are still held, then released', async () => {
    const x = await startHarness();
    h = x;
    await fullSync(x.ctx);
    const skus = sharedSkus(x).filter((s) => x.bcLevel(s, 1) >= 2);
    expect(skus.length).toBeGreaterThanOrEqual(16);
    const t0 = Date.now();
    const billing_address = { first_name: 'A', last_name: 'B', email: 'a@example.com' };
    /** A BigCommerce order of one unit of `sku`, as if last modified at `modifiedAt`. */
    const place = (sku: string, modifiedAt: number) => {
      const o = x.sb.bc.placeOrder({ products: [{ sku, quantity: 1 }], billing_address }) as { id: number };
      const rec = x.sb.bc.state.orders.get(o.id);
      if (!rec) throw new Error(`no order ${o.id}`);
      rec.date_created = modifiedAt;
      rec.date_modified = modifiedAt;
      return String(o.id);
    };
    const link = (bcId: string, state: string) =>
      x.engine.links.upsert({
        connectionId: 'test',
        kind: 'order',
        bcId,
        hlId: `hl-${bcId}`,
        data: { state },
      });
    const held = async (sku: string) => (await reservedBySku(x.ctx, [sku])).get(sku)?.get(1) ?? 0;

    // 12 orders spread over the last 9 minutes; one already in Heartland, one still being created there.
    const ids = skus.slice(0, 12).map((sku, i) => place(sku, t0 - 9 * 60_000 + i * 30_000));
    const inHl = place(skus[12] as string, t0 - 8 * 60_000);
    const creating = place(skus[13] as string, t0 - 8 * 60_000);
    await link(inHl, 'open');
    await link(creating, 'creating');

    const first = await refreshReservations(x.ctx);
    expect(first.ordersChecked).toBe(14);
    expect(new Set(first.reserved)).toEqual(new Set([...skus.slice(0, 12), skus[13]]));
    expect(await held(skus[12] as string)).toBe(0);

    // Nothing changed: one list request, and only the orders next to the newest seen are read again
    // (before: all 14, every run, as they were modified in the last 10 minutes).
    let before = x.bcRequests();
    const quiet = await refreshReservations(x.ctx);
    expect(quiet.ordersChecked).toBeLessThanOrEqual(1);
    expect(x.bcRequests() - before).toBe(1);
    expect(quiet).toMatchObject({ reserved: [], released: [] });

    // Releases still follow Heartland and cancellations.
    await link(ids[0] as string, 'creating');
    expect((await refreshReservations(x.ctx)).released).toEqual([]);
    await link(ids[0] as string, 'open');
    await link(creating, 'open');
    await x.ctx.bc.orders.updateStatus(Number(ids[1]), 5);
    const released = await refreshReservations(x.ctx);
    expect(new Set(released.released)).toEqual(new Set([skus[0], skus[1], skus[13]]));
    expect(released.ordersChecked).toBeLessThanOrEqual(2);

    // An order BigCommerce stamped minutes ago that only now shows up in the list (a late commit, a
    // lagging replica): the fresh listing is past it, the settle sweep is not. Once BigCommerce's clock
    // is 10 minutes past it, the next run lists that stretch again, once, and holds the order.
    place(skus[14] as string, t0 - 6 * 60_000);
    await refreshReservations(x.ctx);
    x.ctx.now = () => Date.now() + 12 * 60_000;
    const swept = await refreshReservations(x.ctx);
    expect(swept.reserved).toContain(skus[14]);
    expect(await held(skus[14] as string)).toBe(1);
    expect(swept.ordersChecked).toBeLessThanOrEqual(16); // every order at most once more
    before = x.bcRequests();
    const after = await refreshReservations(x.ctx);
    expect(after.ordersChecked).toBeLessThanOrEqual(1); // the sweep is not repeated
    expect(x.bcRequests() - before).toBe(1);

    // Orders that never reach Heartland are held until the TTL, then released with an alert.
    x.ctx.now = () => Date.now() + 49 * 3_600_000;
    const expired = await refreshReservations(x.ctx);
    expect(expired.released).toEqual(expect.arrayContaining([skus[2], skus[11], skus[14]]));
    expect(x.alerts.some((a) => a.key === 'inventory:reservation-expired:test')).toBe(true);
    expect((await reservedBySku(x.ctx)).size).toBe(0);
  });

  it('a walk cut short carries on after the last page it finished; an order Heartland got meanwhile is not held', async () => {
    const x = await startHarness();
    h = x;
    await fullSync(x.ctx);
    // 260 one-unit orders: two pages of the orders list (250 a page).
    const units = sharedSkus(x).flatMap((sku) => Array<string>(Math.min(x.bcLevel(sku, 1), 20)).fill(sku));
    expect(units.length).toBeGreaterThanOrEqual(260);
    const billing_address = { first_name: 'A', last_name: 'B', email: 'a@example.com' };
    const ids = units
      .slice(0, 260)
      .map(
        (sku) =>
          (x.sb.bc.placeOrder({ products: [{ sku, quantity: 1 }], billing_address }) as { id: number }).id,
      );
    const orders = x.ctx.bc.orders;
    const read = orders.products.bind(orders);
    let cut = true;
    orders.products = async (id: number) => {
      // Heartland gets the first order while the walk is reading it.
      if (id === ids[0])
        await x.engine.links.upsert({
          connectionId: 'test',
          kind: 'order',
          bcId: String(id),
          hlId: 'hl-1',
          data: { state: 'open' },
        });
      // The walk dies on the second page (a kill, a lost lease).
      if (id === ids[255] && cut) {
        cut = false;
        throw new Error('killed');
      }
      return read(id);
    };
    await expect(refreshReservations(x.ctx)).rejects.toThrow('killed');
    const resumed = await refreshReservations(x.ctx);
    expect(resumed.ordersChecked).toBe(10); // the second page only, not all 260 again
    const open = await x.ctx.engine.store.db
      .selectFrom('reservations' as never)
      .select('bc_order_id' as never)
      .where('released_at' as never, 'is', null)
      .execute();
    const heldIds = new Set(open.map((r) => Number((r as { bc_order_id: string }).bc_order_id)));
    expect(heldIds.has(ids[0] as number)).toBe(false);
    expect(ids.slice(1).every((id) => heldIds.has(id))).toBe(true);
  });
});

describe('echoes, drift', () => {
  it('echoes of our own writes cause no write and no read (after a read-first full sync)', async () => {
    h = await startHarness();
    // Read-first learns every unit's ids; after write-first see inventory-write-first.test.ts.
    await fullSync(h.ctx, { mode: 'read-first' });
    await pollLedger(h.ctx);
    const sku = sharedSkus(h)[0] as string;
    await restock(h, 100001, sku, 3);
    await pollLedger(h.ctx);
    const v = h.sb.bc.state.variantBySku(sku);
    const p = v ? h.sb.bc.state.products.get(v.product_id) : undefined;
    const total = [1, 2, 3].reduce((s, l) => s + (h as Harness).bcLevel(sku, l), 0);
    const data =
      p?.inventory_tracking === 'variant'
        ? {
            type: 'sku',
            id: v?.id,
            inventory: { product_id: p.id, variant_id: v?.id, method: 'absolute', value: total },
          }
        : { type: 'product', id: p?.id, inventory: { product_id: p?.id, method: 'absolute', value: total } };
    const requests = h.bcRequests();
    const r = await handleBcInventoryHint(h.ctx, { scope: `store/${data.type}/inventory/updated`, data });
    expect(r.outcome).toBe('echo');
    expect(h.bcRequests()).toBe(requests);

    // A manual edit in BigCommerce is not an echo: re-read, and Heartland's level is put back.
    await h.ctx.bc.inventory.setAbsolute([{ location_id: 1, quantity: 999, sku }]);
    const writes = h.absoluteCalls();
    const edit = await handleBcInventoryHint(h.ctx, {
      scope: `store/${data.type}/inventory/updated`,
      data: { ...data, inventory: { ...data.inventory, value: 12345 } },
    });
    expect(edit.outcome).toBe('synced');
    expect(h.absoluteCalls()).toBe(writes + 1);
    expect(h.bcLevel(sku, 1)).toBe(hlAvailable(h, sku, 100001));
  });

  it('a periodic full compare repairs drift, counts it and alerts over the threshold', async () => {
    h = await startHarness({ inventory: { driftAlertThreshold: 1 } });
    await fullSync(h.ctx);
    const [a, b] = sharedSkus(h);
    // Lost updates: someone changed BigCommerce behind our back.
    await h.ctx.bc.inventory.setAbsolute([
      { location_id: 1, quantity: 500, sku: a as string },
      { location_id: 2, quantity: 501, sku: b as string },
    ]);
    const r = await reconcileInventory(h.ctx, { settleMs: 0 });
    expect(r.drifted).toBe(2);
    expect(h.bcLevel(a as string, 1)).toBe(hlAvailable(h, a as string, 100001));
    expect(h.bcLevel(b as string, 2)).toBe(hlAvailable(h, b as string, 100002));
    expect(h.drift).toEqual([2]);
    expect(h.alerts.map((x) => x.key)).toContain('inventory:drift:test');
    expect((await reconcileInventory(h.ctx, { settleMs: 0 })).drifted).toBe(0);
  });
});

describe('full sync after a crash', () => {
  it('read-first resumes from its cursor without redoing finished batches', async () => {
    h = await startHarness({ products: 60 });
    // Make every level differ so the full sync has many batches to write.
    for (const s of h.sb.bc.state.inventory.values()) s.onHand = 7777;
    const crashAfter = 2;
    const first = fullSync(h.ctx, {
      mode: 'read-first',
      batchSize: 25,
      afterBatch: ({ index }) => {
        if (index + 1 === crashAfter) throw new Error('simulated crash');
      },
    });
    await expect(first).rejects.toThrow('simulated crash');
    const callsBeforeResume = h.absoluteCalls();
    expect(callsBeforeResume).toBe(crashAfter);
    const reads = h.bcRequests();

    const resumed = await fullSync(h.ctx, { batchSize: 25 });
    expect(resumed.resumed).toBe(true);
    expect(resumed.mode).toBe('read-first');
    const total = Math.ceil((resumed.changes + crashAfter * 25) / 25);
    expect(h.absoluteCalls()).toBe(total);
    expect(resumed.batches).toBe(total - crashAfter);
    // Resuming did not read BigCommerce's inventory again (the map phase was done): its only read is
    // the one-call location check.
    expect(h.bcRequests() - reads).toBe(resumed.calls + 1);
    for (const sku of sharedSkus(h)) expect(h.bcLevel(sku, 1)).toBe(hlAvailable(h, sku, 100001));
  });
});
