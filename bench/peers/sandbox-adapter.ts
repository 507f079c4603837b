/**
 * One face over "the upstreams" for the peer benchmark: the real sandbox (`src/sandbox/index.ts`, the
 * BigCommerce and Heartland simulators) when it exists, else the fake upstreams in this folder. Both
 * peers (Node-RED and heartbridge) are pointed at the same instance in one run.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeRedConfig } from './run-node-red.js';

const here = dirname(fileURLToPath(import.meta.url));
const SANDBOX = join(here, '..', '..', 'src', 'sandbox');

export interface HeartlandOrderSeen {
  bcOrderId: string;
  status: string;
}

export interface UpstreamFaults {
  /** Fixed extra latency on every API call. */
  latencyMs?: number;
  /** Share of API calls answered with a 5xx. */
  errorRate?: number;
  /** Share of Heartland sales-order creates that commit, then lose their answer. */
  commitThenTimeoutRate?: number;
}

/** Sales orders per BigCommerce order id. */
export function countByBcId(orders: HeartlandOrderSeen[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const o of orders) counts.set(o.bcOrderId, (counts.get(o.bcOrderId) ?? 0) + 1);
  return counts;
}

export interface Upstreams {
  kind: 'sandbox' | 'fake';
  /** What Node-RED's flow needs (also what heartbridge needs, by other names). */
  peerConfig: NodeRedConfig;
  /** Create an order on the BigCommerce side; resolves to its id. */
  placeOrder(): Promise<number>;
  /** Every Heartland sales order, with the BigCommerce order id it carries (`custom.bc_order_id`), from HL's own state. */
  heartlandOrders(): Promise<HeartlandOrderSeen[]>;
  /** Upstream faults for both APIs; `{}` turns them off. */
  setFaults(faults: UpstreamFaults): Promise<void>;
  /** API requests each upstream has answered so far (sandbox: the simulators' own counters). */
  apiRequests(): { bc: number; hl: number } | null;
  close(): Promise<void>;
}

export function sandboxExists(): boolean {
  return ['bigcommerce/index.ts', 'heartland/index.ts', 'seed/generate-seed.ts'].every((f) =>
    existsSync(join(SANDBOX, f)),
  );
}

export interface UpstreamOptions {
  /** Use the fake upstreams even when the sandbox exists. */
  fake?: boolean;
  /**
   * `simulators` (default): the two simulators composed here with BigCommerce's out-of-stock refusal
   * off, which a benchmark placing thousands of orders needs and `startSandbox()` does not expose.
   * `startSandbox`: the sandbox's own entry point, as users and tests start it (fine for a few orders).
   */
  via?: 'simulators' | 'startSandbox';
}

export async function startUpstreams(options: UpstreamOptions = {}): Promise<Upstreams> {
  if (!options.fake && sandboxExists()) return startSandboxUpstreams(options.via ?? 'simulators');
  return startFakeUpstreamsAdapter();
}

async function startFakeUpstreamsAdapter(): Promise<Upstreams> {
  const { startFakeUpstreams } = await import('./fake-upstreams.js');
  const fake = await startFakeUpstreams();
  let nextOrderId = 1000;
  return {
    kind: 'fake',
    peerConfig: {
      bcApiUrl: fake.bigcommerce.apiUrl,
      storeHash: fake.bigcommerce.storeHash,
      bcToken: fake.bigcommerce.accessToken,
      hlApiUrl: fake.heartland.apiUrl,
      hlToken: fake.heartland.token,
      hlLocationId: fake.heartland.locationId,
    },
    // The fake BigCommerce answers any order id, so "placing" one is picking a new id.
    placeOrder: async () => ++nextOrderId,
    heartlandOrders: async () =>
      fake.salesOrders.map((o) => ({ bcOrderId: String(o.custom.bc_order_id), status: o.status })),
    async setFaults(faults) {
      fake.setFaults(faults);
    },
    apiRequests: () => null,
    close: () => fake.close(),
  };
}

/**
 * The store's API quota as the simulator reports it (`X-Rate-Limit-Requests-Quota` etc.): far above what
 * any peer uses, so the benchmark measures the peer, not the plan. Not `'off'`: that mode still reports a
 * Standard plan (150 per 30 s) in its headers, and a client that honours them (heartbridge keeps to 70 %
 * of what the store reports) would be held to ~3.5 requests/s while one that ignores them is not.
 */
export const BENCH_QUOTA = { quota: 10_000_000, windowMs: 30_000 };

/** The two simulators from one generated seed, so SKUs match on both sides. */
async function startSandboxUpstreams(via: 'simulators' | 'startSandbox'): Promise<Upstreams> {
  const { generateSeed } = await import('../../src/sandbox/seed/generate-seed.js');
  const seedName = 'bench-peers';
  // startSandbox() seeds with generateSeed({ seed }) too, so this is the same seed it loads.
  const seed = generateSeed({ seed: seedName });
  let bc: import('../../src/sandbox/bigcommerce/index.js').BigCommerceSimulator;
  let hl: import('../../src/sandbox/heartland/index.js').HeartlandSimulator;
  if (via === 'startSandbox') {
    const { startSandbox } = await import('../../src/sandbox/index.js');
    ({ bc, hl } = await startSandbox({ seed: seedName, rateLimit: BENCH_QUOTA }));
  } else {
    const { createBigCommerceSimulator } = await import('../../src/sandbox/bigcommerce/index.js');
    const { createHeartlandSimulator } = await import('../../src/sandbox/heartland/index.js');
    bc = await createBigCommerceSimulator({ seed: seed.bc, rateLimit: BENCH_QUOTA, rejectOutOfStock: false });
    hl = await createHeartlandSimulator({ seed: seed.hl, tokenSeed: `heartland:${seedName}` });
  }
  const hlSkus = new Set(seed.hl.items.map((i) => i.public_id));
  const skus = seed.bc.products
    .flatMap((p) => (p.variants.length > 0 ? p.variants.map((v) => v.sku) : [p.sku]))
    .filter((sku) => hlSkus.has(sku));
  const location = hl.state.locations.all()[0];
  const station = location && hl.state.stations.where((s) => s.location_id === location.id)[0];
  if (!location || !station || skus.length === 0)
    throw new Error('sandbox seed has no location, station or shared SKU');
  let n = 0;
  return {
    kind: 'sandbox',
    peerConfig: {
      bcApiUrl: bc.url,
      storeHash: bc.storeHash,
      bcToken: bc.accessToken,
      hlApiUrl: hl.url,
      hlToken: hl.token,
      hlLocationId: location.id,
      hlStationId: station.id,
    },
    async placeOrder() {
      n++;
      const order = bc.placeOrder({
        status_id: 11,
        products: [
          { sku: skus[n % skus.length]!, quantity: 1 },
          { sku: skus[(n * 7 + 3) % skus.length]!, quantity: 2 },
        ],
        billing_address: {
          first_name: 'Bench',
          last_name: `Buyer ${n}`,
          street_1: '1 Main St',
          city: 'Nashville',
          state: 'Tennessee',
          zip: '37201',
          country: 'United States',
          country_iso2: 'US',
          email: `bench${n}@example.com`,
        },
      });
      return order.id;
    },
    heartlandOrders: async () =>
      hl.state.salesOrders.all().map((o) => ({ bcOrderId: String(o.custom.bc_order_id), status: o.status })),
    async setFaults(faults) {
      const latency = faults.latencyMs ? { min: faults.latencyMs, max: faults.latencyMs } : undefined;
      const enabled = Object.values(faults).some(Boolean);
      const global = { latencyMs: latency, errorRate: faults.errorRate ?? 0 };
      bc.faults.set({ enabled, seed: 'bench-peers', global });
      hl.faults.set({
        enabled,
        seed: 'bench-peers',
        global,
        routes: { 'POST /api/sales/orders': { commitThenTimeoutRate: faults.commitThenTimeoutRate ?? 0 } },
      });
    },
    apiRequests: () => ({ bc: bc.faults.counters.requests, hl: hl.faults.counters.requests }),
    async close() {
      await Promise.all([bc.close(), hl.close()]);
    },
  };
}

/** End-to-end check of the Node-RED flow against whatever `startUpstreams()` gives. */
export async function checkAgainstSandbox(): Promise<void> {
  const { startNodeRed, orderWebhook } = await import('./run-node-red.js');
  const up = await startUpstreams({ via: 'startSandbox' });
  const red = await startNodeRed(up.peerConfig);
  try {
    const id = await up.placeOrder();
    const res = await fetch(red.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(orderWebhook(up.peerConfig.storeHash, id)),
    });
    await res.arrayBuffer();
    const count = countByBcId(await up.heartlandOrders()).get(String(id)) ?? 0;
    console.log(`${up.kind}: BC order ${id} → webhook ${res.status} → ${count} Heartland sales order(s)`);
    if (res.status !== 200 || count !== 1) throw new Error('flow did not create exactly one sales order');
  } finally {
    await red.stop();
    await up.close();
  }
}
