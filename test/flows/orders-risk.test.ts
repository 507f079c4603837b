/**
 * The orders flow's risk screen (mapping.risk) against the sandbox: typical orders flow; an unusual one
 * is held before Heartland with its reasons and the command to decide; approving sends it exactly once,
 * rejecting keeps it out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createReviewItems, ORDER_RISK_KIND } from '../../src/flows/orders/review-items.js';
import { resolveReviewItem } from '../../src/flows/orders/review-resolution.js';
import { type Bridge, startBridge } from '../helpers/bridge.js';
import { orderJob } from '../helpers/job-context.js';
import { orderBody, sellableSkus } from './order-fixtures.js';

const bridges: Bridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((b) => b.close()));
});

async function heldEntry(b: Bridge, orderId: number) {
  return (await b.engine.dlq.list({ kind: 'quarantine', status: 'open' })).find(
    (d) => d.entityKey === `bc:order:${orderId}`,
  );
}

describe('orders.sync risk screen', () => {
  it('holds an unusual order for a person; approve sends it once, reject keeps it out', async () => {
    const b = await startBridge({
      sandbox: { seed: 'orders-risk', products: 30 },
      mapping: { risk: { enabled: true, amount: { minHistory: 5 } } },
    });
    bridges.push(b);
    const skus = sellableSkus(b.sandbox);
    // Bulk orders need the stock on the web: give the dearest SKU plenty (the screen, not the storefront,
    // must stop them).
    const bulkSku = [...skus].sort((x, y) => Number(y.price) - Number(x.price))[0]!;
    const st = b.sandbox.bc.state;
    const variant = [...st.variants.values()].find((v) => v.sku === bulkSku.sku)!;
    st.stock(st.stockKeyFor(st.products.get(variant.product_id)!, variant), 1)!.onHand += 500;
    const place = (quantity: number, sku = skus[0]!, shipTo?: string) => {
      const body = orderBody({ lines: [{ ...sku, quantity }] }) as {
        shipping_addresses: Array<Record<string, unknown>>;
      };
      if (shipTo) body.shipping_addresses[0]!.country_iso2 = shipTo;
      return b.sandbox.bc.placeOrder(body) as { id: number };
    };
    // The store's normal: a few ordinary orders, which pass the screen.
    const normal = [1, 2, 1, 3, 2, 1].map((q, i) => place(q, skus[i % 4]!));
    for (const o of normal)
      await b.waitFor(() => b.hlOrdersFor(o.id).some((h) => h.status === 'open'), 10_000, `order ${o.id}`);

    // 40 units of a dear SKU: far above this store's orders, and a bulk quantity.
    const big = place(40, bulkSku);
    await b.waitFor(async () => (await heldEntry(b, big.id)) !== undefined, 10_000, 'the hold');
    await b.idle();
    expect(b.hlOrdersFor(big.id)).toHaveLength(0);
    const entry = (await heldEntry(b, big.id))!;
    expect(entry.errorCode).toBe('HB_ERR_ORDER_RISK_HOLD');
    expect(entry.errorMessage).toMatch(/held for review, risk score \d+: total .* robust deviations above/);
    expect(entry.errorMessage).toContain(`40 × ${bulkSku.sku}`);
    const [item] = (await createReviewItems(b.engine.store.db).list({ status: 'open' })).filter(
      (i) => i.kind === ORDER_RISK_KIND,
    );
    expect(entry.suggestedFix).toBe(
      `heartbridge review resolve ${item!.id} --approve   (or --reject, then cancel it in BigCommerce)`,
    );
    expect(b.alerts.some((a) => a.key === 'orders:quarantine:HB_ERR_ORDER_RISK_HOLD')).toBe(true);

    // A customer decision does not fit; approving replays the order, which reaches Heartland once.
    expect(await resolveReviewItem(b.engine, item!.id, { create: true }, 'cli:test')).toMatchObject({
      error: expect.stringContaining('--approve or --reject'),
    });
    const approved = await resolveReviewItem(b.engine, item!.id, { approve: true }, 'cli:test');
    expect('replayed' in approved && approved.replayed).toHaveLength(1);
    await b.waitFor(
      () => b.hlOrdersFor(big.id).some((h) => h.status === 'open'),
      10_000,
      'the approved order',
    );
    await b.idle();
    expect(b.hlOrdersFor(big.id)).toHaveLength(1);
    expect(await heldEntry(b, big.id)).toBeUndefined();

    // Billed in the US, shipped abroad, 40 units again: held; rejected → never in Heartland.
    const odd = place(40, bulkSku, 'NG');
    await b.waitFor(async () => (await heldEntry(b, odd.id)) !== undefined, 10_000, 'the second hold');
    const [second] = (await createReviewItems(b.engine.store.db).list({ status: 'open' })).filter(
      (i) => i.kind === ORDER_RISK_KIND,
    );
    expect(second!.reason).toContain('billed in US but shipped to NG');
    await resolveReviewItem(b.engine, second!.id, { reject: true }, 'cli:test');
    await b.waitFor(
      async () => (await heldEntry(b, odd.id))?.errorCode === 'HB_ERR_ORDER_RISK_REJECTED',
      10_000,
      'the rejection',
    );
    await b.idle();
    expect(b.hlOrdersFor(odd.id)).toHaveLength(0);
    expect((await heldEntry(b, odd.id))!.suggestedFix).toMatch(/cancel and refund the order in BigCommerce/);
    // Normal orders kept flowing throughout, each exactly once.
    for (const o of normal) expect(b.hlOrdersFor(o.id)).toHaveLength(1);
  });

  it('does not hold an order whose create may already have happened (its link says creating)', async () => {
    const b = await startBridge({
      sandbox: { seed: 'orders-risk', products: 30 },
      workers: false,
      hooks: false,
      mapping: { risk: { enabled: true, holdAtScore: 20 } },
    });
    bridges.push(b);
    const [sku] = sellableSkus(b.sandbox);
    const abroad = () => {
      const body = orderBody({ lines: [{ ...sku!, quantity: 1 }] }) as {
        shipping_addresses: Array<Record<string, unknown>>;
      };
      body.shipping_addresses[0]!.country_iso2 = 'NG';
      return b.sandbox.bc.placeOrder(body) as { id: number };
    };
    const sync = (id: number, attempt: number) =>
      b.handlers['orders.sync']!({ orderId: id }, orderJob('orders.sync', id, attempt));
    // Screened on its first run: held.
    const fresh = abroad();
    await sync(fresh.id, 1);
    expect(b.hlOrdersFor(fresh.id)).toHaveLength(0);
    expect((await heldEntry(b, fresh.id))?.errorCode).toBe('HB_ERR_ORDER_RISK_HOLD');
    // A run after a crash between the `creating` marker and the answer: finished, not held half-made.
    const midway = abroad();
    await b.engine.links.upsert({
      connectionId: b.connectionId,
      kind: 'order',
      bcId: String(midway.id),
      data: { state: 'creating' },
    });
    await sync(midway.id, 2);
    expect(b.hlOrdersFor(midway.id).map((o) => o.status)).toEqual(['open']);
    expect(await heldEntry(b, midway.id)).toBeUndefined();
  });
});
