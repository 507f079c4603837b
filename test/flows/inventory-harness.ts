/**
 * Test harness for the inventory and catalog flows: the in-process sandbox (both simulators), an
 * in-memory SQLite store with the real engine, and real API clients. Nothing of ours is mocked.
 */
import { BigCommerceApi } from '../../src/connectors/bigcommerce/bigcommerce-api.js';
import { HeartlandApi } from '../../src/connectors/heartland/heartland-api.js';
import type { AlertInput } from '../../src/engine/alerts/alert-channel.js';
import { createEngine, createQueueBackend, type Engine } from '../../src/engine/engine.js';
import {
  type InventoryConfigInput,
  parseInventoryConfig,
} from '../../src/flows/inventory/inventory-config.js';
import type { InventoryFlowContext } from '../../src/flows/inventory/inventory-context.js';
import { defaultMappingConfig } from '../../src/mapping/mapping-config.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { openStore, type StoreHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';

export interface Harness {
  sb: Sandbox;
  store: StoreHandle;
  engine: Engine;
  ctx: InventoryFlowContext;
  alerts: AlertInput[];
  drift: number[];
  /** Absolute adjustment calls BigCommerce has received. */
  absoluteCalls(): number;
  /** Every request BigCommerce has received (API + admin). */
  bcRequests(): number;
  /** On-hand of a SKU at a BigCommerce location, read from the simulator's state. */
  bcLevel(sku: string, bcLocationId: number): number;
  hlPost(path: string, body: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export const DEFAULT_LOCATIONS: InventoryConfigInput['locations'] = [
  { bcLocationId: 1, hlLocationIds: [100001] },
  { bcLocationId: 2, hlLocationIds: [100002] },
  { bcLocationId: 3, hlLocationIds: [100003] },
];

export async function startHarness(
  opts: { seed?: string; products?: number; inventory?: Partial<InventoryConfigInput> } = {},
): Promise<Harness> {
  const sb = await startSandbox({
    seed: opts.seed ?? 'inv',
    products: opts.products ?? 30,
    rateLimit: 'off',
  });
  const store = openStore(':memory:');
  await migrateToLatest(store);
  const backend = await createQueueBackend(store);
  const engine = createEngine({ store, backend });
  const alerts: AlertInput[] = [];
  const drift: number[] = [];
  const bc = new BigCommerceApi({ ...sb.bigcommerce, getRetryDelaysMs: [10, 10, 10] });
  const hl = new HeartlandApi({ apiUrl: sb.heartland.apiUrl, token: sb.heartland.token });
  const ctx: InventoryFlowContext = {
    connectionId: 'test',
    engine,
    bc,
    hl,
    mapping: defaultMappingConfig({ stationId: 100001, sourceLocationId: 100001 }),
    configVersion: null,
    now: Date.now,
    alerts: { raise: async (a) => void alerts.push(a) },
    metrics: { inventoryDrift: { inc: (_l, v) => void drift.push(v ?? 1) } },
    inventory: parseInventoryConfig({ locations: DEFAULT_LOCATIONS, ...opts.inventory }),
  };
  const state = sb.bc.state;
  return {
    sb,
    store,
    engine,
    ctx,
    alerts,
    drift,
    absoluteCalls: () => state.inventoryTransactions.filter((t) => t.kind === 'absolute').length,
    bcRequests: () => sb.bc.faults.counters.requests,
    bcLevel(sku, loc) {
      const v = state.variantBySku(sku);
      const p = v ? state.products.get(v.product_id) : state.productBySku(sku);
      if (!p) throw new Error(`no BigCommerce product for ${sku}`);
      const key = state.stockKeyFor(p, p.inventory_tracking === 'product' ? undefined : v);
      return state.stock(key, loc)?.onHand ?? 0;
    },
    async hlPost(path, body) {
      const base = sb.heartland.apiUrl.replace(/\/api$/, '');
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status >= 400) throw new Error(`${path} → ${res.status}: ${await res.text()}`);
      return res.json();
    },
    async close() {
      await engine.stop(100);
      await store.close();
      await sb.close();
    },
  };
}

/** SKUs present on both sides, tracked, with stock at Heartland location 100001. */
export function sharedSkus(h: Harness): string[] {
  const hlOnly = new Set(h.sb.seed.unmatched.hlOnly);
  const bcOnly = new Set(h.sb.seed.unmatched.bcOnly);
  const drifted = new Set(h.sb.seed.driftedSkus);
  return [...h.sb.hl.state.items.all()]
    .map((i) => i.public_id)
    .filter((s) => !hlOnly.has(s) && !bcOnly.has(s) && !drifted.has(s));
}

export function hlAvailable(h: Harness, sku: string, hlLocationId: number): number {
  const item = h.sb.hl.state.itemBySku(sku);
  if (!item) throw new Error(`no Heartland item ${sku}`);
  const s = h.sb.hl.state.peekStock(item.id, hlLocationId);
  return (s?.qty_on_hand ?? 0) - (s?.qty_committed ?? 0);
}
