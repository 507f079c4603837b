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
const SANDBOX_INDEX = join(here, '..', '..', 'src', 'sandbox', 'index.ts');

export interface Upstreams {
  kind: 'sandbox' | 'fake';
  /** What Node-RED's flow needs (also what heartbridge needs, by other names). */
  peerConfig: NodeRedConfig;
  /** Create an order on the BigCommerce side; resolves to its id. */
  placeOrder(): Promise<number>;
  /** Heartland sales orders per BigCommerce order id (from `custom.bc_order_id`), read from HL's own state. */
  heartlandOrdersByBcId(): Promise<Map<string, number>>;
  /** Fixed extra latency on every upstream API call (0 = none). */
  setLatencyMs(ms: number): Promise<void>;
  close(): Promise<void>;
}

export function sandboxExists(): boolean {
  return existsSync(SANDBOX_INDEX);
}

export async function startUpstreams(options: { fake?: boolean } = {}): Promise<Upstreams> {
  if (!options.fake && sandboxExists()) return startSandboxUpstreams();
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
    async heartlandOrdersByBcId() {
      const counts = new Map<string, number>();
      for (const o of fake.salesOrders) {
        const key = String(o.custom.bc_order_id);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    },
    async setLatencyMs(ms) {
      fake.setLatencyMs(ms);
    },
    close: () => fake.close(),
  };
}

async function startSandboxUpstreams(): Promise<Upstreams> {
  throw new Error('sandbox adapter not written yet: run with --fake');
}

/** End-to-end check of the Node-RED flow against whatever `startUpstreams()` gives. */
export async function checkAgainstSandbox(): Promise<void> {
  const { startNodeRed, orderWebhook } = await import('./run-node-red.js');
  const up = await startUpstreams();
  const red = await startNodeRed(up.peerConfig);
  try {
    const id = await up.placeOrder();
    const res = await fetch(red.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(orderWebhook(up.peerConfig.storeHash, id)),
    });
    await res.arrayBuffer();
    const count = (await up.heartlandOrdersByBcId()).get(String(id)) ?? 0;
    console.log(`${up.kind}: BC order ${id} → webhook ${res.status} → ${count} Heartland sales order(s)`);
    if (res.status !== 200 || count !== 1) throw new Error('flow did not create exactly one sales order');
  } finally {
    await red.stop();
    await up.close();
  }
}
