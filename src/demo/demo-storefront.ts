/**
 * The demo's shoppers: storefront orders placed on the simulated BigCommerce store over its HTTP API
 * (`POST /v2/orders`, as the sandbox traffic generator does), so the store raises its webhooks exactly as
 * it would for a real checkout.
 *
 * Good orders use only SKUs Heartland knows (the seed also holds BigCommerce-only SKUs). Up to two orders
 * are bad on purpose, so the quarantine shows up: one with a line whose SKU Heartland has never heard of,
 * one paid with a payment method the mapping does not map.
 */
import type { Sandbox } from '../sandbox/index.js';
import { Prng } from '../sandbox/shared/prng.js';
import { buildStorefrontOrder } from '../sandbox/traffic/storefront-order.js';
import { UNMAPPED_PAYMENT_METHOD } from './demo-mapping.js';

export type PlannedKind = 'good' | 'unknown-sku' | 'unmapped-payment';

export interface PlannedOrder {
  kind: PlannedKind;
  body: Record<string, unknown>;
  /** For bad orders: what is wrong, in the words the summary uses. */
  flaw?: string;
}

export interface PlacedOrder {
  id: number;
  kind: PlannedKind;
  flaw?: string;
  total: string;
  lines: number;
}

/** Variant ids with at least `minStock` units at location 1, split by whether Heartland knows the SKU. */
function variantsByMatch(sb: Sandbox, minStock: number): { known: number[]; unknown: number[] } {
  const { state } = sb.bc;
  const known: number[] = [];
  const unknown: number[] = [];
  for (const v of state.variants.values()) {
    const p = state.products.get(v.product_id);
    if (!p || !v.sku) continue;
    const stock = state.stock(state.stockKeyFor(p, v), 1);
    if (p.inventory_tracking !== 'none' && (!stock || stock.onHand - stock.safetyStock < minStock)) continue;
    (sb.hl.state.itemBySku(v.sku) ? known : unknown).push(v.id);
  }
  return { known, unknown };
}

/**
 * Plans the demo's `count` orders one at a time (each right before it is placed, so stock taken by the
 * previous orders is seen): good ones, plus (count ≥ 4) an unknown-SKU order at about a third and
 * (count ≥ 3) an unmapped-payment order at about two thirds. Deterministic under `seed`.
 */
export function orderPlanner(sb: Sandbox, count: number, seed: string): (n: number) => PlannedOrder {
  const rng = new Prng(`demo-orders:${seed}`);
  const unknown = variantsByMatch(sb, 2).unknown;
  const badSkuAt = count >= 4 && unknown.length > 0 ? Math.floor(count / 3) : -1;
  const badPaymentAt = count >= 3 ? Math.floor((2 * count) / 3) : -1;
  return (n) => {
    let body: Record<string, unknown> | null = null;
    for (let attempt = 0; !body && attempt < 20; attempt++) {
      const known = variantsByMatch(sb, 3).known;
      if (known.length === 0) throw new Error('the sandbox has no SKU in stock that Heartland knows');
      body = buildStorefrontOrder(sb.bc, known, rng.fork(`order-${n}-${attempt}`), n);
    }
    if (!body) throw new Error('could not build a storefront order (the store is sold out)');
    // Checkout completed, awaiting fulfilment: the storefront generator also makes incomplete (status 0)
    // carts, which are correctly never synced — true to life, but noise in a first demo.
    body.status_id = 11;
    if (n === badSkuAt) {
      const variant = sb.bc.state.variants.get(rng.pick(unknown));
      const product = variant ? sb.bc.state.products.get(variant.product_id) : undefined;
      if (variant && product) {
        const price = variant.price ?? product.price;
        (body.products as Record<string, unknown>[]).push({
          product_id: product.id,
          quantity: 1,
          price_ex_tax: price,
          price_inc_tax: price,
          ...(variant.option_values.length > 0
            ? {
                product_options: variant.option_values.map((o) => ({ id: o.option_id, value: String(o.id) })),
              }
            : {}),
        });
        return {
          kind: 'unknown-sku',
          body,
          flaw: `a line with SKU ${variant.sku}, which only BigCommerce has`,
        };
      }
    }
    if (n === badPaymentAt) {
      body.payment_method = UNMAPPED_PAYMENT_METHOD;
      body.gift_certificate_amount = '0.00';
      return {
        kind: 'unmapped-payment',
        body,
        flaw: `paid with "${UNMAPPED_PAYMENT_METHOD}", which is not mapped`,
      };
    }
    return { kind: 'good', body };
  };
}

/** Places one order through the storefront API. Throws with the store's answer if it refuses. */
export async function placeOrder(sb: Sandbox, planned: PlannedOrder): Promise<PlacedOrder> {
  const res = await fetch(`${sb.bc.apiUrl}/v2/orders`, {
    method: 'POST',
    headers: {
      'X-Auth-Token': sb.bc.accessToken,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify(planned.body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`the store refused an order: HTTP ${res.status} ${text.slice(0, 200)}`);
  const order = JSON.parse(text) as { id: number; total_inc_tax: string; items_total?: number };
  return {
    id: order.id,
    kind: planned.kind,
    flaw: planned.flaw,
    total: order.total_inc_tax,
    lines: (planned.body.products as unknown[]).length,
  };
}
