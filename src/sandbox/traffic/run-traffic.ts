/**
 * Traffic generator: drives both simulators at `ratePerSec` for `durationMs` with a weighted mix of
 * storefront orders (over BigCommerce HTTP `POST /v2/orders`), in-store sales and restocks (Heartland
 * HTTP), price changes and customer edits. Which action runs and with what data is drawn from a seeded
 * stream, so two runs with the same seed against the same starting sandbox issue the same requests.
 * Actions run one after another (a slow answer delays the schedule rather than piling up requests).
 */
import type { BigCommerceSimulator } from '../bigcommerce/index.js';
import type { HeartlandSimulator } from '../heartland/index.js';
import { FIRST_NAMES, LAST_NAMES } from '../seed/pools.js';
import { Prng } from '../shared/prng.js';
import { buildStorefrontOrder } from './storefront-order.js';

export interface TrafficMix {
  storefrontOrder: number;
  inStoreSale: number;
  restock: number;
  priceChange: number;
  customerEdit: number;
}

export interface TrafficOptions {
  ratePerSec: number;
  durationMs: number;
  mix?: Partial<TrafficMix>;
  seed?: string | number;
  /** Stop early when aborted. */
  signal?: AbortSignal;
}

export interface TrafficCounts {
  storefrontOrders: number;
  inStoreSales: number;
  restocks: number;
  priceChanges: number;
  customerEdits: number;
  /** Actions the simulators refused or that failed (faults, out of stock…). */
  failed: number;
  skipped: number;
  /** BigCommerce order ids created. */
  orderIds: number[];
}

export const DEFAULT_MIX: TrafficMix = {
  storefrontOrder: 5,
  inStoreSale: 3,
  restock: 1,
  priceChange: 1,
  customerEdit: 1,
};

export interface TrafficTarget {
  bc: BigCommerceSimulator;
  hl: HeartlandSimulator;
}

type Action = keyof TrafficMix;

export async function runTraffic(sandbox: TrafficTarget, options: TrafficOptions): Promise<TrafficCounts> {
  const { bc, hl } = sandbox;
  const rng = new Prng(`traffic:${options.seed ?? 'heartbridge'}`);
  const mix = { ...DEFAULT_MIX, ...options.mix };
  const actions = Object.entries(mix).filter(([, w]) => w > 0) as [Action, number][];
  const totalWeight = actions.reduce((s, [, w]) => s + w, 0);
  const counts: TrafficCounts = {
    storefrontOrders: 0,
    inStoreSales: 0,
    restocks: 0,
    priceChanges: 0,
    customerEdits: 0,
    failed: 0,
    skipped: 0,
    orderIds: [],
  };
  if (totalWeight <= 0 || options.ratePerSec <= 0) return counts;
  const variants = [...bc.state.variants.keys()];
  const hlItems = hl.state.items.all().filter((i) => i['track_inventory?']);
  const hlStations = hl.state.stations.all();
  const total = Math.max(1, Math.round((options.ratePerSec * options.durationMs) / 1000));
  const interval = 1000 / options.ratePerSec;
  const started = Date.now();

  const bcFetch = (method: string, path: string, body: unknown) =>
    fetch(`${bc.apiUrl}${path}`, {
      method,
      headers: {
        'X-Auth-Token': bc.accessToken,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  const hlFetch = (method: string, path: string, body: unknown) =>
    fetch(`${hl.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${hl.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });

  for (let n = 0; n < total; n++) {
    if (options.signal?.aborted) break;
    const wait = started + n * interval - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    let roll = rng.float(0, totalWeight);
    let action: Action = actions[0]?.[0] ?? 'storefrontOrder';
    for (const [name, w] of actions) {
      if (roll < w) {
        action = name;
        break;
      }
      roll -= w;
    }
    const a = rng.fork(`action-${n}`); // per-action stream: a failed action cannot shift later data
    try {
      const ok = await perform(action, a, n);
      if (ok === null) counts.skipped++;
      else if (!ok) counts.failed++;
    } catch {
      counts.failed++;
    }
  }
  return counts;

  async function perform(action: Action, a: Prng, n: number): Promise<boolean | null> {
    switch (action) {
      case 'storefrontOrder': {
        const body = buildStorefrontOrder(bc, variants, a, n);
        if (!body) return null;
        const res = await bcFetch('POST', '/v2/orders', body);
        if (!res.ok) return false;
        const order = (await res.json()) as { id: number };
        counts.storefrontOrders++;
        counts.orderIds.push(order.id);
        return true;
      }
      case 'inStoreSale': {
        if (hlItems.length === 0 || hlStations.length === 0) return null;
        const station = a.pick(hlStations);
        const lines = Array.from({ length: a.int(1, 3) }, () => {
          const item = a.pick(hlItems);
          return { type: 'ItemLine', item_id: item.id, qty: a.pick([1, 1, 2]), unit_price: item.price };
        });
        const res = await hlFetch('POST', '/sales/tickets', {
          station_id: station.id,
          status: 'complete',
          lines,
        });
        await res.arrayBuffer();
        if (res.status !== 201) return false;
        counts.inStoreSales++;
        return true;
      }
      case 'restock': {
        const loc = hl.state.locations.all();
        if (hlItems.length === 0 || loc.length === 0) return null;
        const reason = hl.state.inventoryAdjustmentReasons.all()[0]?.id;
        const res = await hlFetch('POST', '/inventory/adjustments', {
          location_id: a.pick(loc).id,
          item_id: a.pick(hlItems).id,
          qty: a.int(5, 24),
          adjustment_reason_id: reason,
        });
        await res.arrayBuffer();
        if (res.status !== 201) return false;
        counts.restocks++;
        return true;
      }
      case 'priceChange': {
        if (hlItems.length === 0) return null;
        const item = a.pick(hlItems);
        const cents = Math.max(99, Math.round(item.price * 100) + a.pick([-500, -100, 100, 200, 500]));
        const res = await hlFetch('PUT', `/items/${item.id}`, { price: (cents / 100).toFixed(2) });
        await res.arrayBuffer();
        if (!res.ok) return false;
        counts.priceChanges++;
        return true;
      }
      case 'customerEdit': {
        if (a.chance(0.5)) {
          const customers = hl.state.customers.all();
          if (customers.length === 0) return null;
          const c = a.pick(customers);
          const res = await hlFetch('PUT', `/customers/${c.id}`, { last_name: a.pick(LAST_NAMES) });
          await res.arrayBuffer();
          if (!res.ok) return false;
        } else {
          const customers = [...bc.state.customers.values()];
          if (customers.length === 0) return null;
          const c = a.pick(customers);
          const res = await bcFetch('PUT', '/v3/customers', [{ id: c.id, first_name: a.pick(FIRST_NAMES) }]);
          await res.arrayBuffer();
          if (!res.ok) return false;
        }
        counts.customerEdits++;
        return true;
      }
    }
  }
}
