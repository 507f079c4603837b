/**
 * Write-first full sync (src/flows/inventory/full-sync.ts): a connection with no stock link writes every
 * Heartland target by SKU without listing BigCommerce first, and learns from BigCommerce's refusals.
 * Real sandbox and engine; BigCommerce requests are recorded (and, in one test, some are refused the way
 * a stricter reading of the spec would).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BigCommerceApi } from '../../src/connectors/bigcommerce/bigcommerce-api.js';
import type { JsonObject } from '../../src/engine/queue/queue-backend.js';
import { handleBcInventoryHint } from '../../src/flows/inventory/bc-hints.js';
import { fullSync } from '../../src/flows/inventory/full-sync.js';
import { createInventoryHandlers } from '../../src/flows/inventory/handlers.js';
import { identityPending, isUnidentifiedEcho } from '../../src/flows/inventory/identity.js';
import { reconcileInventory } from '../../src/flows/inventory/reconcile.js';
import { INVENTORY_TASKS } from '../../src/flows/inventory/routing.js';
import { lastKnownLevel } from '../../src/flows/inventory/stock-links.js';
import { pollLedger, stockLinksFor } from '../../src/flows/inventory/stock-sync.js';
import { parseRefusals } from '../../src/flows/inventory/stock-writer.js';
import { type Harness, hlAvailable, sharedSkus, startHarness } from './inventory-harness.js';

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

async function harness(products: number): Promise<Harness> {
  const h = await startHarness({ products });
  open.push(h);
  // A cold store: every BigCommerce level differs from Heartland.
  for (const s of h.sb.bc.state.inventory.values()) s.onHand = 7777;
  return h;
}

type Item = { location_id: number; quantity: number; sku?: string; product_id?: number };
interface Call {
  method: string;
  path: string;
  search: string;
  status: number;
  items: Item[];
}

/** Replaces the harness's BigCommerce client by one that records every request (and may answer some). */
function record(
  h: Harness,
  intercept?: (
    method: string,
    path: string,
    body: { items?: Item[] } | undefined,
    pass: () => Promise<Response>,
  ) => Response | undefined | Promise<Response | undefined>,
): Call[] {
  const calls: Call[] = [];
  const fetchFn = async (input: string, init: RequestInit): Promise<Response> => {
    const url = new URL(input);
    const path = url.pathname.replace(/^\/stores\/[^/]+/, '');
    const method = init.method ?? 'GET';
    const body = init.body ? (JSON.parse(String(init.body)) as { items?: Item[] }) : undefined;
    const res =
      (await intercept?.(method, path, body, () => fetch(input, init))) ?? (await fetch(input, init));
    calls.push({
      method,
      path,
      search: decodeURIComponent(url.search),
      status: res.status,
      items: body?.items ?? [],
    });
    return res;
  };
  h.ctx = {
    ...h.ctx,
    bc: new BigCommerceApi({ ...h.sb.bigcommerce, getRetryDelaysMs: [10, 10, 10], fetch: fetchFn }),
  };
  return calls;
}

const LOCATIONS: Array<[number, number]> = [
  [1, 100001],
  [2, 100002],
  [3, 100003],
];
const isAbsolute = (c: Call) => c.method === 'PUT' && c.path === '/v3/inventory/adjustments/absolute';

describe('parseRefusals', () => {
  it("reads every item a 422 title names, in BigCommerce's documented bracketed form", () => {
    expect(
      parseRefusals(
        'BigCommerce PUT /v3/inventory/adjustments/absolute → 422: [Item with variant_id 106 is tracked by product, please update stock by product id]',
      ),
    ).toEqual([{ by: 'variant_id', id: '106', reason: 'tracked-by-product' }]);
    expect(
      parseRefusals(
        '[Item with sku A B-1 not found, Item with sku X is tracked by product, please update stock by product id, Item with product_id 7 does not track inventory]',
      ),
    ).toEqual([
      { by: 'sku', id: 'A B-1', reason: 'not-found' },
      { by: 'sku', id: 'X', reason: 'tracked-by-product' },
      { by: 'product_id', id: '7', reason: 'no-tracking' },
    ]);
    expect(parseRefusals('Location not found, identities: [3,2]')).toEqual([]);
  });
});

describe('write-first full sync', () => {
  it('a fresh connection writes every level without listing BigCommerce; unknown SKUs become missing links, each sent once', async () => {
    const h = await harness(60);
    const calls = record(h);
    const r = await fullSync(h.ctx);
    expect(r).toMatchObject({ mode: 'write-first', listed: false });
    // The only BigCommerce read is the location check.
    expect(calls.filter((c) => c.method === 'GET').map((c) => c.path)).toEqual(['/v3/inventory/locations']);
    const puts = calls.filter(isAbsolute);
    expect(r.calls).toBe(puts.length);
    const hlOnly = h.sb.seed.unmatched.hlOnly;
    expect(hlOnly.length).toBeGreaterThan(0);
    expect(r.skus.hlOnly).toBe(hlOnly.length);
    expect(r.rejected).toEqual([]);
    // An unknown SKU is refused once (at the first location) and left out of every later batch.
    for (const sku of hlOnly) expect(puts.filter((c) => c.items.some((i) => i.sku === sku))).toHaveLength(1);
    const refused = puts.filter((c) => c.status === 422);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThanOrEqual(Math.ceil(h.sb.hl.state.items.all().length / 2000));
    expect(r.written).toBe(r.changes - LOCATIONS.length * hlOnly.length);
    for (const sku of sharedSkus(h)) {
      for (const [bc, hl] of LOCATIONS) expect(h.bcLevel(sku, bc)).toBe(hlAvailable(h, sku, hl));
    }
    const links = await stockLinksFor(h.ctx).all();
    for (const sku of hlOnly) expect(links.get(sku)?.missing).toBe(true);
    // A second full sync (links exist now) reads BigCommerce first and finds nothing to write.
    const again = await fullSync(h.ctx);
    expect(again.mode).toBe('read-first');
    expect(again.changes).toBe(0);
  });

  it('leaves the links a read-first sync leaves, except the BigCommerce ids, which the next reconcile fills in', async () => {
    const h = await harness(60);
    const twin = await harness(60);
    await fullSync(h.ctx);
    await fullSync(twin.ctx, { mode: 'read-first' });
    const wf = await stockLinksFor(h.ctx).all();
    const rf = await stockLinksFor(twin.ctx).all();
    expect([...wf.keys()].sort()).toEqual([...rf.keys()].sort());
    for (const [sku, want] of rf) {
      const got = wf.get(sku);
      expect(got?.hlItemId).toBe(want.hlItemId);
      expect(Boolean(got?.missing)).toBe(Boolean(want.missing));
      for (const [bc] of LOCATIONS) expect(lastKnownLevel(got, bc)).toBe(lastKnownLevel(want, bc));
      expect(got?.variantId).toBeUndefined();
    }
    expect(await identityPending(h.ctx)).toBe(true);
    expect(await identityPending(twin.ctx)).toBe(false);

    const rec = await reconcileInventory(h.ctx, { settleMs: 0 });
    expect(rec.drifted).toBe(0);
    expect(await identityPending(h.ctx)).toBe(false);
    const filled = await stockLinksFor(h.ctx).all();
    for (const [sku, want] of rf) {
      const got = filled.get(sku);
      expect({ v: got?.variantId, p: got?.productId }).toEqual({ v: want.variantId, p: want.productId });
    }
  });

  it('SKUs refused as tracked by product are read back by sku:in only, resent by product_id, and stay so', async () => {
    const h = await harness(30);
    const state = h.sb.bc.state;
    const productOf = (sku: string) => {
      const v = state.variantBySku(sku);
      const p = v ? state.products.get(v.product_id) : state.productBySku(sku);
      return p?.inventory_tracking === 'product' ? p : undefined;
    };
    // The sandbox takes a simple product's own SKU; a stricter API ("If a product has no variants, use
    // product_id", inventory.v3.yml) would refuse it with the documented message. Emulate that one.
    const calls = record(h, (method, path, body) => {
      if (method !== 'PUT' || path !== '/v3/inventory/adjustments/absolute') return undefined;
      const bad = [
        ...new Set((body?.items ?? []).flatMap((i) => (i.sku && productOf(i.sku) ? [i.sku] : []))),
      ];
      if (bad.length === 0) return undefined;
      const title = `[${bad.map((s) => `Item with sku ${s} is tracked by product, please update stock by product id`).join(', ')}]`;
      return new Response(
        JSON.stringify({
          status: 422,
          title,
          type: 'https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes',
          errors: {},
        }),
        { status: 422, headers: { 'content-type': 'application/problem+json' } },
      );
    });
    const r = await fullSync(h.ctx);
    const tracked = h.sb.hl.state.items
      .all()
      .map((i) => i.public_id)
      .filter((s) => productOf(s));
    expect(tracked.length).toBeGreaterThan(0);
    expect(r.lookedUp).toBe(tracked.length);
    expect(r.rejected).toEqual([]);
    const reads = calls.filter((c) => c.method === 'GET' && c.path === '/v3/inventory/items');
    expect(reads).toHaveLength(Math.ceil(tracked.length / 50));
    expect(reads.every((c) => c.search.includes('sku:in='))).toBe(true);
    // What the lookup learnt is used at once: the resend after it is accepted first time.
    const resend = calls.slice(calls.lastIndexOf(reads[reads.length - 1] as Call) + 1).filter(isAbsolute);
    expect(resend.map((c) => c.status)).toEqual(resend.map(() => 200));
    expect(resend.every((c) => c.items.every((i) => i.product_id !== undefined))).toBe(true);
    const links = await stockLinksFor(h.ctx).all();
    for (const sku of tracked) {
      expect(links.get(sku)).toMatchObject({ byProduct: true, productId: productOf(sku)?.id });
      for (const [bc, hl] of LOCATIONS) expect(h.bcLevel(sku, bc)).toBe(Math.max(0, hlAvailable(h, sku, hl)));
    }

    // Steady state writes them by product_id from then on: no refusal.
    const sku = tracked[0] as string;
    await pollLedger(h.ctx);
    await h.hlPost('/__sandbox/heartland/restock', { location_id: 100001, lines: [{ sku, qty: 4 }] });
    const before = calls.length;
    await pollLedger(h.ctx);
    const later = calls.slice(before).filter(isAbsolute);
    expect(later.map((c) => c.status)).toEqual([200]);
    expect(later[0]?.items).toContainEqual({
      location_id: 1,
      quantity: hlAvailable(h, sku, 100001),
      product_id: productOf(sku)?.id,
    });
    expect(h.bcLevel(sku, 1)).toBe(hlAvailable(h, sku, 100001));
  });

  it('lists BigCommerce after all once refusals cost more than a listing (a 422 naming one item at a time)', async () => {
    const h = await harness(60);
    // If BigCommerce named only the first refused item, every unknown SKU would cost a refused call.
    const calls = record(h, async (method, path, _body, pass) => {
      if (method !== 'PUT' || path !== '/v3/inventory/adjustments/absolute') return undefined;
      const res = await pass();
      if (res.status !== 422) return res;
      const problem = (await res.json()) as { title: string };
      const first =
        /^\[(Item with .+?(?:not found|please update stock by product id))(?:, Item with |\])/.exec(
          problem.title,
        );
      return new Response(JSON.stringify({ ...problem, title: `[${first?.[1] ?? problem.title}]` }), {
        status: 422,
        headers: { 'content-type': 'application/problem+json' },
      });
    });
    const r = await fullSync(h.ctx, { batchSize: 50 });
    expect(r).toMatchObject({ mode: 'write-first', listed: true, rejected: [] });
    const listing = calls.filter((c) => c.path === '/v3/inventory/items');
    expect(listing).toHaveLength(Math.ceil(h.sb.seed.skuCount.bc / 1000));
    expect(listing.every((c) => !c.search.includes('sku:in'))).toBe(true);
    // Learning by refusal stopped as soon as it promised to cost more than the listing.
    const firstListing = calls.findIndex((c) => c.path === '/v3/inventory/items');
    expect(
      calls.slice(0, firstListing).filter((c) => isAbsolute(c) && c.status === 422).length,
    ).toBeLessThanOrEqual(2);
    const refusedAfterListing = calls
      .slice(calls.findIndex((c) => c.path === '/v3/inventory/items'))
      .filter((c) => isAbsolute(c) && c.status === 422);
    expect(refusedAfterListing).toEqual([]);
    expect(r.skus.hlOnly).toBe(h.sb.seed.unmatched.hlOnly.length);
    for (const sku of sharedSkus(h)) {
      for (const [bc, hl] of LOCATIONS) expect(h.bcLevel(sku, bc)).toBe(hlAvailable(h, sku, hl));
    }
    // The listing gave every link its ids: nothing is pending.
    expect(await identityPending(h.ctx)).toBe(false);
    const links = await stockLinksFor(h.ctx).all();
    for (const sku of sharedSkus(h)) expect(links.get(sku)?.variantId).toBeDefined();
  });

  it('resumes after a crash without redoing written batches or resending SKUs found missing', async () => {
    const h = await harness(60);
    const calls = record(h);
    const first = fullSync(h.ctx, {
      batchSize: 25,
      afterBatch: ({ index }) => {
        if (index + 1 === 2) throw new Error('simulated crash');
      },
    });
    await expect(first).rejects.toThrow('simulated crash');
    const key = (i: Item) => `${i.sku}@${i.location_id}`;
    const writtenBefore = new Set(
      calls.filter((c) => isAbsolute(c) && c.status === 200).flatMap((c) => c.items.map(key)),
    );
    const refusedBefore = new Set(
      calls.filter((c) => isAbsolute(c) && c.status === 422).flatMap((c) => c.items.map((i) => i.sku)),
    );
    expect(writtenBefore.size).toBeGreaterThan(0);
    const n = calls.length;

    const resumed = await fullSync(h.ctx, { batchSize: 25 });
    expect(resumed).toMatchObject({ resumed: true, mode: 'write-first' });
    const after = calls.slice(n);
    expect(after.filter((c) => c.path === '/v3/inventory/items')).toEqual([]);
    for (const c of after.filter(isAbsolute)) {
      for (const i of c.items) expect(writtenBefore.has(key(i))).toBe(false);
    }
    const missingBefore = h.sb.seed.unmatched.hlOnly.filter((s) => refusedBefore.has(s));
    for (const c of after.filter(isAbsolute)) {
      for (const i of c.items) expect(missingBefore).not.toContain(i.sku);
    }
    expect(resumed.skus.hlOnly).toBe(h.sb.seed.unmatched.hlOnly.length);
    for (const sku of sharedSkus(h)) {
      for (const [bc, hl] of LOCATIONS) expect(h.bcLevel(sku, bc)).toBe(hlAvailable(h, sku, hl));
    }
  });

  it('until the ids are known, echoes of the sync are dropped without a call; after reconcile bc-hints sees them as echoes', async () => {
    const h = await harness(30);
    await fullSync(h.ctx);
    await pollLedger(h.ctx);
    expect(await identityPending(h.ctx)).toBe(true);
    const sku = sharedSkus(h)[0] as string;
    const v = h.sb.bc.state.variantBySku(sku);
    const p = v ? h.sb.bc.state.products.get(v.product_id) : undefined;
    if (!v || !p) throw new Error(`no BigCommerce unit for ${sku}`);
    const total = LOCATIONS.reduce((s, [bc]) => s + h.bcLevel(sku, bc), 0);
    const data: JsonObject & { type: string; id: number; inventory: JsonObject } =
      p.inventory_tracking === 'variant'
        ? {
            type: 'sku',
            id: v.id,
            inventory: { product_id: p.id, variant_id: v.id, method: 'absolute', value: total },
          }
        : { type: 'product', id: p.id, inventory: { product_id: p.id, method: 'absolute', value: total } };
    const echo = { scope: `store/${data.type}/inventory/updated`, data };
    const orderDriven = {
      scope: `store/${data.type}/inventory/order/updated`,
      data: { ...data, inventory: { ...data.inventory, method: 'relative', value: -1 } },
    };
    expect(await isUnidentifiedEcho(h.ctx, echo)).toBe(true);
    expect(await isUnidentifiedEcho(h.ctx, orderDriven)).toBe(false);

    const job = {
      jobId: '1',
      connectionId: 'test',
      task: INVENTORY_TASKS.bcHint,
      entityKey: `bc:${data.type}:${data.id}`,
      attempt: 1,
      maxAttempts: 5,
      inboxId: null,
      configVersion: null,
      signal: new AbortController().signal,
    };
    const requests = h.bcRequests();
    await createInventoryHandlers(h.ctx)[INVENTORY_TASKS.bcHint]?.(echo, job);
    expect(h.bcRequests()).toBe(requests);

    await reconcileInventory(h.ctx, { settleMs: 0 });
    expect(await identityPending(h.ctx)).toBe(false);
    expect(await isUnidentifiedEcho(h.ctx, echo)).toBe(false);
    const before = h.bcRequests();
    expect((await handleBcInventoryHint(h.ctx, echo)).outcome).toBe('echo');
    expect(h.bcRequests()).toBe(before);
  });
});
