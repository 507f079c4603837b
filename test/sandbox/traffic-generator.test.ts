import { describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { runTraffic } from '../../src/sandbox/traffic/run-traffic.js';

async function bcOrders(sb: Sandbox) {
  const res = await fetch(`${sb.bigcommerce.apiUrl}/stores/${sb.bigcommerce.storeHash}/v2/orders?limit=250`, {
    headers: { 'X-Auth-Token': sb.bigcommerce.accessToken, accept: 'application/json' },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>[];
}

async function run(seed: string) {
  const sb = await startSandbox({ seed, products: 30, customers: 10, rateLimit: 'off' });
  try {
    const counts = await runTraffic(sb, {
      ratePerSec: 200,
      durationMs: 200,
      seed,
      mix: { storefrontOrder: 3, inStoreSale: 1, restock: 1, priceChange: 1, customerEdit: 1 },
    });
    const orders = await bcOrders(sb);
    const tickets = sb.hl.state.tickets.size;
    return {
      counts,
      tickets,
      orders: orders.map((o) => ({
        total: o.total_inc_tax,
        items: o.items_total,
        method: o.payment_method,
        state: (o.billing_address as { state: string }).state,
        name: (o.billing_address as { first_name: string }).first_name,
      })),
    };
  } finally {
    await sb.close();
  }
}

describe('runTraffic', () => {
  it('creates storefront orders in BigCommerce and sales in Heartland, deterministically', async () => {
    const a = await run('traffic-1');
    expect(a.counts.storefrontOrders).toBeGreaterThan(5);
    expect(a.orders.length).toBe(a.counts.storefrontOrders);
    expect(a.counts.inStoreSales).toBeGreaterThan(0);
    expect(a.tickets).toBe(a.counts.inStoreSales);
    expect(a.counts.failed).toBe(0);
    // Full state names, more than one payment method, money as decimal strings.
    expect(a.orders.every((o) => typeof o.state === 'string' && o.state.length > 2)).toBe(true);
    expect(new Set(a.orders.map((o) => o.method)).size).toBeGreaterThan(1);
    expect(a.orders.every((o) => typeof o.total === 'string' && /^\d+\.\d+$/.test(o.total as string))).toBe(
      true,
    );

    const b = await run('traffic-1');
    expect(b.counts).toEqual(a.counts);
    expect(b.orders).toEqual(a.orders);
  });
});
