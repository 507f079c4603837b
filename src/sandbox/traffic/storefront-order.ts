/**
 * Builds a storefront-like `POST /v2/orders` body: 1–4 lines chosen by product id + option values (what
 * the real API wants), taxes (line `price_inc_tax` at a state's rate), shipping, an occasional discount or
 * gift-certificate payment, mixed payment methods, full state names ("California"), unicode names, and
 * sometimes a different ship-to. Money is computed in integer cents and sent as decimal strings.
 */
import type { BigCommerceSimulator } from '../bigcommerce/index.js';
import { FIRST_NAMES, LAST_NAMES, STATES, STREETS } from '../seed/pools.js';
import type { Prng } from '../shared/prng.js';

const PAYMENT_METHODS = [
  'Credit Card',
  'PayPal',
  'Apple Pay',
  'Cash on Delivery',
  'Bank Deposit',
  'Gift Certificate',
];
/** Basis points of sales tax by state index (rough, stable). */
const TAX_BPS = [950, 825, 887, 975, 1025, 1025, 700, 881, 625, 0, 725, 890];

const dollars = (cents: number) => (cents / 100).toFixed(2);
const toCents = (s: string) => Math.round(Number(s) * 100);

export interface CatalogPick {
  productId: number;
  optionValues: { id: number; option_id: number }[];
  priceCents: number;
}

/** A variant with enough stock at location 1, or null after a few tries (the store is selling out). */
export function pickSellable(
  bc: BigCommerceSimulator,
  variants: number[],
  rng: Prng,
  qty: number,
): CatalogPick | null {
  const { state } = bc;
  for (let attempt = 0; attempt < 12; attempt++) {
    const v = state.variants.get(rng.pick(variants));
    const p = v ? state.products.get(v.product_id) : undefined;
    if (!v || !p || p.inventory_tracking === 'none') continue;
    const stock = state.stock(state.stockKeyFor(p, v), 1);
    if (!stock || stock.onHand - stock.safetyStock < qty) continue;
    return {
      productId: p.id,
      optionValues: v.option_values.map((ov) => ({ id: ov.id, option_id: ov.option_id })),
      priceCents: toCents(v.price ?? p.price),
    };
  }
  return null;
}

export function buildStorefrontOrder(
  bc: BigCommerceSimulator,
  variants: number[],
  rng: Prng,
  seq: number,
): Record<string, unknown> | null {
  const stateIdx = rng.int(0, STATES.length - 1);
  const st = STATES[stateIdx] as (typeof STATES)[number];
  const taxBps = TAX_BPS[stateIdx] ?? 0;
  const lines: Record<string, unknown>[] = [];
  let subtotalEx = 0;
  let subtotalInc = 0;
  const lineCount = rng.pick([1, 1, 2, 2, 3, 4]);
  for (let i = 0; i < lineCount; i++) {
    const qty = rng.pick([1, 1, 1, 2, 3]);
    const pick = pickSellable(bc, variants, rng, qty);
    if (!pick) continue;
    const inc = Math.round((pick.priceCents * (10000 + taxBps)) / 10000);
    subtotalEx += pick.priceCents * qty;
    subtotalInc += inc * qty;
    lines.push({
      product_id: pick.productId,
      quantity: qty,
      price_ex_tax: dollars(pick.priceCents),
      price_inc_tax: dollars(inc),
      ...(pick.optionValues.length > 0
        ? { product_options: pick.optionValues.map((o) => ({ id: o.option_id, value: String(o.id) })) }
        : {}),
    });
  }
  if (lines.length === 0) return null;
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const customer = rng.chance(0.5) ? rng.pick([...bc.state.customers.values()]) : undefined;
  const email = customer?.email ?? `shopper${seq}@example.com`;
  const phone = `${st.area}555${String(rng.int(0, 9999)).padStart(4, '0')}`;
  const billing = {
    first_name: customer?.first_name ?? first,
    last_name: customer?.last_name ?? last,
    company: rng.chance(0.1) ? 'Café Ångström & Söhne' : '',
    street_1: `${rng.int(1, 9999)} ${rng.pick(STREETS)}`,
    street_2: rng.chance(0.2) ? `Apt ${rng.int(1, 40)}` : '',
    city: st.city,
    state: st.name,
    zip: `${st.zip}${String(rng.int(0, 99)).padStart(2, '0')}`,
    country: 'United States',
    country_iso2: 'US',
    phone: rng.chance(0.5) ? `(${phone.slice(0, 3)}) ${phone.slice(3, 6)}-${phone.slice(6)}` : `+1${phone}`,
    email,
  };
  const shipTo = rng.chance(0.25)
    ? {
        ...billing,
        first_name: rng.pick(FIRST_NAMES),
        last_name: rng.pick(LAST_NAMES),
        street_1: `${rng.int(1, 500)} Gift Ln`,
      }
    : billing;
  const shippingEx = rng.pick([0, 599, 799, 1299]);
  const shippingInc = Math.round((shippingEx * (10000 + taxBps)) / 10000);
  const discount = rng.chance(0.2) ? Math.min(subtotalEx, rng.pick([500, 1000, 1500])) : 0;
  const method = rng.pick(PAYMENT_METHODS);
  const total = subtotalInc + shippingInc - discount;
  const giftCert = method === 'Gift Certificate' ? Math.min(total, 2500) : 0;
  return {
    customer_id: customer?.id ?? 0,
    status_id: rng.chance(0.1) ? 0 : rng.chance(0.15) ? 1 : 11,
    billing_address: billing,
    shipping_addresses: [{ ...shipTo, shipping_method: shippingEx === 0 ? 'Free Shipping' : 'Flat Rate' }],
    products: lines,
    shipping_cost_ex_tax: dollars(shippingEx),
    shipping_cost_inc_tax: dollars(shippingInc),
    discount_amount: dollars(discount),
    gift_certificate_amount: dollars(giftCert),
    payment_method: method,
    customer_message: rng.chance(0.1) ? 'Bitte als Geschenk verpacken — merci! 🎁' : '',
  };
}
