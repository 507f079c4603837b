/**
 * Deterministic store data for both simulators from one seed: the same catalogue, stock, customers and
 * gift cards seen from BigCommerce (`bc`) and from Heartland (`hl`), with the overlaps and the gaps a real
 * pair of systems has:
 * - Products with variants (BigCommerce variants ⇄ Heartland grid items) and simple products; every
 *   shared SKU is a BigCommerce variant SKU and a Heartland `public_id`.
 * - A few SKUs only in BigCommerce and a few only in Heartland (`meta.unmatched`).
 * - Heartland location i ⇄ BigCommerce location i+1 (`meta.locationMap`); stock equal on both sides
 *   except for a few drifted SKUs (`meta.driftedSkus`) for the reconciler to find.
 * - Customers: some in both systems with the same email (some also with the same phone written
 *   differently), some sharing only a phone, the rest on one side only.
 * - Gift cards: some codes on both sides with the same balance, some on one side only.
 * Money is integer cents internally: BigCommerce gets decimal strings, Heartland JSON numbers.
 */
import type {
  BcSeed,
  BcSeedCustomer,
  BcSeedGiftCertificate,
  BcSeedProduct,
} from '../bigcommerce/seed-types.js';
import type { HlSeed, HlSeedCustomer, HlSeedItem } from '../heartland/seed-types.js';
import { Prng } from '../shared/prng.js';
import {
  ADJECTIVES,
  COLORS,
  FIRST_NAMES,
  LAST_NAMES,
  LOCATIONS,
  NOUNS,
  SIZES,
  STATES,
  STREETS,
} from './pools.js';

export interface GenerateSeedOptions {
  seed?: string | number;
  /** BigCommerce products (default 50). With ~55 % having 2–6 variants, SKUs ≈ 2.4 × products. */
  products?: number;
  /** Locations on each side (default 3, minimum 3, maximum 6). */
  locations?: number;
  customers?: number;
  giftCards?: number;
  /** Some SKUs on one side only (~3 % each way, default true); false: every SKU on both sides. */
  unmatchedSkus?: boolean;
}

export interface SeedMeta {
  seed: string;
  skuCount: { bc: number; hl: number; shared: number };
  unmatched: { bcOnly: string[]; hlOnly: string[] };
  driftedSkus: string[];
  /** Heartland location public_id ⇄ BigCommerce location id. */
  locationMap: { hlPublicId: string; bcLocationId: number }[];
  sharedCustomerEmails: string[];
  phoneOnlyMatches: { bcEmail: string; hlEmail: string }[];
  sharedGiftCardCodes: string[];
}

export interface GeneratedSeed {
  bc: BcSeed;
  hl: HlSeed;
  meta: SeedMeta;
}

const money = (cents: number) => (cents / 100).toFixed(2);
const num = (cents: number) => Math.round(cents) / 100;
const EPOCH = Date.UTC(2024, 0, 1);

export function generateSeed(options: GenerateSeedOptions = {}): GeneratedSeed {
  const seed = String(options.seed ?? 'heartbridge');
  const productCount = Math.max(1, Math.floor(options.products ?? 50));
  const locationCount = Math.min(LOCATIONS.length, Math.max(3, Math.floor(options.locations ?? 3)));
  const customerCount = Math.max(0, Math.floor(options.customers ?? 20));
  const giftCardCount = Math.max(0, Math.floor(options.giftCards ?? 10));
  const root = new Prng(seed);
  const idRng = root.fork('ids');
  const hex = (n: number) => Array.from({ length: n }, () => idRng.int(0, 15).toString(16)).join('');

  const locs = LOCATIONS.slice(0, locationCount);
  const meta: SeedMeta = {
    seed,
    skuCount: { bc: 0, hl: 0, shared: 0 },
    unmatched: { bcOnly: [], hlOnly: [] },
    driftedSkus: [],
    locationMap: locs.map((_, i) => ({ hlPublicId: String(i + 1), bcLocationId: i + 1 })),
    sharedCustomerEmails: [],
    phoneOnlyMatches: [],
    sharedGiftCardCodes: [],
  };
  const bc: BcSeed = {
    storeHash: hex(10),
    accessToken: hex(31),
    storeId: String(1000000 + idRng.int(0, 8999999)),
    currencyCode: 'USD',
    inventorySettings: {
      update_stock_behavior: 'order_placed',
      edit_order_stock_adjustment: true,
      refund_order_stock_adjustment: true,
    },
    locations: locs.map((l, i) => {
      const st = STATES[l.stateIdx] as (typeof STATES)[number];
      return {
        id: i + 1,
        code: l.code,
        label: l.name,
        type_id: i === 1 ? ('VIRTUAL' as const) : ('PHYSICAL' as const),
        enabled: true,
        managed_by_external_source: true,
        storefront_visibility: true,
        time_zone: 'America/Chicago',
        address: {
          address1: `${100 + i} ${STREETS[i % STREETS.length]}`,
          city: st.city,
          state: st.name,
          zip: `${st.zip}01`,
          country_code: 'US',
        },
      };
    }),
    products: [],
    customers: [],
    giftCertificates: [],
  };
  const hl: HlSeed = {
    locations: locs.map((l, i) => ({
      public_id: String(i + 1),
      name: l.name,
      stations: i === 1 ? ['Web Orders'] : ['Register 1', 'Register 2'],
    })),
    grids: [],
    items: [],
    customers: [],
    giftCards: [],
    paymentTypes: ['Cash', 'Credit Card', 'BigCommerce', 'Gift Card', 'Store Credit'],
    shippingMethods: ['Ground', 'Two Day', 'Overnight', 'Store Pickup'],
    inventoryAdjustmentReasons: ['Restock', 'Damaged', 'Shrinkage', 'E-commerce sync'],
    giftCardAdjustmentReasons: ['Redemption', 'Refund', 'E-commerce sync'],
    customFields: [
      {
        group_id: 'item',
        key: 'size',
        name: 'Size',
        required: false,
        unique: false,
        validation_type: 'text',
      },
      {
        group_id: 'item',
        key: 'color',
        name: 'Color',
        required: false,
        unique: false,
        validation_type: 'text',
      },
      { group_id: 'item', key: 'upc', name: 'UPC', required: false, unique: true, validation_type: 'text' },
    ],
  };

  const cat = root.fork('catalog');
  const unmatchedEvery = Math.max(8, Math.floor(productCount / Math.max(2, Math.ceil(productCount * 0.03))));
  const stockFor = () => locs.map((_, i) => (cat.chance(0.15) ? 0 : cat.int(0, i === 1 ? 120 : 30)));
  for (let p = 0; p < productCount; p++) {
    const name = `${cat.pick(ADJECTIVES)} ${cat.pick(NOUNS)}`;
    const base = `SKU-${String(p + 1).padStart(6, '0')}`;
    const priceCents = cat.int(5, 200) * 100 - cat.pick([1, 5, 0]);
    const costCents = Math.round(priceCents * cat.float(0.3, 0.55));
    // Which side this product lives on: most on both; every `unmatchedEvery`-th on one side only.
    const side =
      options.unmatchedSkus === false
        ? 'both'
        : p % unmatchedEvery === 3
          ? 'bc'
          : p % unmatchedEvery === 5
            ? 'hl'
            : 'both';
    const created = new Date(EPOCH + p * 60_000).toISOString();
    const hasVariants = cat.chance(0.55);
    const product: BcSeedProduct = {
      name,
      sku: base,
      price: money(priceCents),
      cost_price: money(costCents),
      weight: cat.int(1, 40) / 10,
      is_visible: true,
      inventory_tracking: hasVariants ? 'variant' : 'product',
      variants: [],
      date_created: created,
      date_modified: created,
    };
    const hlItems: HlSeedItem[] = [];
    const gridKey = hasVariants ? base : null;
    const variants = hasVariants ? variantOptions(cat) : [null];
    for (const opt of variants) {
      const sku = opt ? `${base}-${opt.code}` : base;
      const stock = stockFor();
      const drift = side === 'both' && cat.chance(0.02);
      const bcStock = Object.fromEntries(
        stock.map((q, i) => [String(i + 1), drift && i === 0 ? Math.max(0, q + cat.pick([-2, -1, 3])) : q]),
      );
      if (drift && bcStock['1'] !== stock[0]) meta.driftedSkus.push(sku);
      if (opt) {
        product.variants.push({
          sku,
          price: null,
          option_values: opt.values,
          stock: bcStock,
        });
      } else {
        product.stock = bcStock;
      }
      hlItems.push({
        public_id: sku,
        description: opt ? `${name} ${opt.label}` : name,
        long_description: `<p>${name}</p>`,
        price: num(priceCents),
        cost: num(costCents),
        original_price: null,
        active: true,
        grid_key: gridKey,
        custom: opt ? { size: opt.size ?? null, color: opt.color ?? null } : {},
        track_inventory: true,
        available_online: true,
        weight: product.weight ?? null,
        stock,
      });
    }
    const skus = hlItems.map((i) => i.public_id);
    if (side !== 'hl') {
      bc.products.push(product);
      meta.skuCount.bc += skus.length;
    }
    if (side !== 'bc') {
      if (gridKey) {
        hl.grids.push({
          key: gridKey,
          item_description: name,
          item_long_description: `<p>${name}</p>`,
          item_price: num(priceCents),
          item_cost: num(costCents),
          custom: {},
        });
      }
      hl.items.push(...hlItems);
      meta.skuCount.hl += skus.length;
    }
    if (side === 'both') meta.skuCount.shared += skus.length;
    else if (side === 'bc') meta.unmatched.bcOnly.push(...skus);
    else meta.unmatched.hlOnly.push(...skus);
  }

  generateCustomers(root.fork('customers'), customerCount, bc, hl, meta);
  generateGiftCards(root.fork('giftcards'), giftCardCount, bc, hl, meta);
  return { bc, hl, meta };
}

interface VariantOption {
  code: string;
  label: string;
  size?: string;
  color?: string;
  values: { option_display_name: string; label: string }[];
}

function variantOptions(rng: Prng): VariantOption[] {
  const kind = rng.int(0, 2);
  const sizes = SIZES.slice(rng.int(0, 1), rng.int(3, SIZES.length));
  const colors = rng.shuffle(COLORS).slice(0, rng.int(2, 3));
  const out: VariantOption[] = [];
  if (kind === 0) {
    for (const s of sizes)
      out.push({ code: s, label: s, size: s, values: [{ option_display_name: 'Size', label: s }] });
  } else if (kind === 1) {
    for (const c of colors) {
      out.push({
        code: colorCode(c),
        label: c,
        color: c,
        values: [{ option_display_name: 'Color', label: c }],
      });
    }
  } else {
    for (const c of colors.slice(0, 2)) {
      for (const s of sizes.slice(0, 3)) {
        out.push({
          code: `${colorCode(c)}-${s}`,
          label: `${c} / ${s}`,
          size: s,
          color: c,
          values: [
            { option_display_name: 'Color', label: c },
            { option_display_name: 'Size', label: s },
          ],
        });
      }
    }
  }
  return out;
}

function colorCode(c: string): string {
  return c
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .slice(0, 3)
    .toUpperCase();
}

function asciiSlug(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();
}

function generateCustomers(rng: Prng, count: number, bc: BcSeed, hl: HlSeed, meta: SeedMeta): void {
  for (let i = 0; i < count; i++) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const st = rng.pick(STATES);
    const email = `${asciiSlug(first)}.${asciiSlug(last)}${i + 1}@example.com`;
    const line = `${rng.int(1, 9999)} ${rng.pick(STREETS)}`;
    const zip = `${st.zip}${String(rng.int(0, 99)).padStart(2, '0')}`;
    const local = `${st.area}555${String(rng.int(0, 9999)).padStart(4, '0')}`;
    const e164 = `+1${local}`;
    const pretty = `(${local.slice(0, 3)}) ${local.slice(3, 6)}-${local.slice(6)}`;
    const roll = i % 10; // 0-4 both, 5 phone-only match, 6-7 BC only, 8-9 HL only
    const bcCustomer: BcSeedCustomer = {
      email,
      first_name: first,
      last_name: last,
      phone: pretty,
      addresses: [
        {
          first_name: first,
          last_name: last,
          address1: line,
          city: st.city,
          state_or_province: st.name,
          postal_code: zip,
          country_code: 'US',
          phone: pretty,
          address_type: 'residential',
        },
      ],
    };
    const hlCustomer: HlSeedCustomer = {
      public_id: String(500001 + i),
      first_name: first,
      last_name: last,
      email: roll === 5 ? `${asciiSlug(first)}${i + 1}@mail.example.net` : email,
      phone: roll === 1 ? null : e164,
      custom: {},
      addresses: [
        {
          first_name: first,
          last_name: last,
          line_1: line,
          line_2: null,
          city: st.city,
          state: st.code,
          postal_code: zip,
          country: 'US',
          phone: local,
        },
      ],
    };
    if (roll <= 7) bc.customers.push(bcCustomer);
    if (roll <= 5 || roll >= 8) hl.customers.push(hlCustomer);
    if (roll <= 4) meta.sharedCustomerEmails.push(email);
    if (roll === 5) meta.phoneOnlyMatches.push({ bcEmail: email, hlEmail: hlCustomer.email ?? '' });
  }
}

function generateGiftCards(rng: Prng, count: number, bc: BcSeed, hl: HlSeed, meta: SeedMeta): void {
  for (let i = 0; i < count; i++) {
    const code = `GC${String(i + 1).padStart(4, '0')}${rng.int(1000, 9999)}`;
    const cents = rng.pick([2500, 5000, 7500, 10000, 2000]) - (i % 3 === 0 ? rng.int(0, 1999) : 0);
    const where = i % 4; // 0-1 both, 2 BC only, 3 HL only
    if (where !== 3) {
      const cert: BcSeedGiftCertificate = {
        code,
        amount: money(cents),
        balance: money(cents),
        status: 'active',
        to_name: rng.pick(FIRST_NAMES),
        to_email: `gift${i + 1}@example.com`,
        from_name: rng.pick(FIRST_NAMES),
        from_email: `giver${i + 1}@example.com`,
        currency_code: 'USD',
        purchase_date: new Date(EPOCH + i * 86_400_000).toISOString(),
      };
      bc.giftCertificates.push(cert);
    }
    if (where !== 2) hl.giftCards.push({ number: code, balance: num(cents) });
    if (where <= 1) meta.sharedGiftCardCodes.push(code);
  }
}
