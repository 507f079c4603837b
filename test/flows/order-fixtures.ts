/** Storefront orders for the flow tests, built from the sandbox seed (SKUs that exist on both sides). */
import type { Sandbox } from '../../src/sandbox/index.js';

export interface SellableSku {
  sku: string;
  price: string;
}

/** SKUs in the BigCommerce catalogue with stock at location 1, optionally only those Heartland knows. */
export function sellableSkus(sb: Sandbox, opts: { inHeartland?: boolean; min?: number } = {}): SellableSku[] {
  const { state } = sb.bc;
  const out: SellableSku[] = [];
  for (const v of state.variants.values()) {
    const p = state.products.get(v.product_id);
    if (!p || !v.sku) continue;
    const stock = state.stock(state.stockKeyFor(p, v), 1);
    if (p.inventory_tracking !== 'none' && (!stock || stock.onHand - stock.safetyStock < (opts.min ?? 5)))
      continue;
    const inHl = sb.hl.state.itemBySku(v.sku) !== undefined;
    if ((opts.inHeartland ?? true) !== inHl) continue;
    out.push({ sku: v.sku, price: String(v.price ?? p.price) });
  }
  return out;
}

export interface OrderSpec {
  lines: Array<{ sku: string; quantity: number; price: string }>;
  email?: string;
  phone?: string;
  paymentMethod?: string;
  statusId?: number;
  state?: string;
  firstName?: string;
}

/** A `POST /v2/orders` body: 8.25 % tax, $7.50 shipping, a full state name (normalised by the mapping). */
export function orderBody(spec: OrderSpec): Record<string, unknown> {
  const address = {
    first_name: spec.firstName ?? 'Ada',
    last_name: 'Lovelace',
    street_1: '12 Analytical Way',
    street_2: 'Apt 3',
    city: 'Austin',
    state: spec.state ?? 'Texas',
    zip: '78701',
    country: 'United States',
    country_iso2: 'US',
    phone: spec.phone ?? '(512) 555-0142',
    email: spec.email ?? 'ada@example.com',
  };
  return {
    status_id: spec.statusId ?? 11,
    payment_method: spec.paymentMethod ?? 'Credit Card',
    billing_address: address,
    shipping_addresses: [{ ...address, shipping_method: 'Flat Rate' }],
    shipping_cost_ex_tax: '7.50',
    shipping_cost_inc_tax: '7.50',
    products: spec.lines.map((l) => {
      const cents = Math.round(Number(l.price) * 100);
      const inc = Math.round((cents * 10825) / 10000);
      return {
        sku: l.sku,
        quantity: l.quantity,
        price_ex_tax: (cents / 100).toFixed(2),
        price_inc_tax: (inc / 100).toFixed(2),
      };
    }),
  };
}
