/** Builds the in-memory store from a `BcSeed`, and provides a small default seed. */
import { m4 } from './money.js';
import type { BcSeed, BcSeedLocation, BcSeedProduct, BcSeedVariant } from './seed-types.js';
import {
  type LocationRecord,
  newCustomerAddress,
  type ProductRecord,
  type StoreState,
  type VariantRecord,
} from './store-state.js';

export const ID_START = {
  product: 111,
  variant: 77,
  option: 100,
  optionValue: 200,
  customer: 1,
  gift: 1,
} as const;

function parseDate(text: string | undefined, fallback: number): number {
  if (!text) return fallback;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? fallback : ms;
}

/** A location's stored address from an input one; BigCommerce keeps coordinates it never takes as input. */
export function locationAddress(
  a: NonNullable<BcSeedLocation['address']>,
  geo = { latitude: 0, longitude: 0 },
): NonNullable<LocationRecord['address']> {
  return {
    address1: a.address1,
    address2: a.address2 ?? '',
    city: a.city,
    state: a.state,
    zip: a.zip,
    email: a.email ?? '',
    phone: a.phone ?? '',
    geo_coordinates: geo,
    country_code: a.country_code,
  };
}

export function locationRecord(seed: BcSeedLocation, now: number): LocationRecord {
  return {
    id: seed.id,
    code: seed.code,
    label: seed.label,
    description: seed.description ?? '',
    managed_by_external_source: seed.managed_by_external_source ?? false,
    type_id: seed.type_id ?? 'PHYSICAL',
    enabled: seed.enabled ?? true,
    storefront_visibility: seed.storefront_visibility ?? true,
    time_zone: seed.time_zone ?? 'Etc/UTC',
    address: seed.address ? locationAddress(seed.address) : null,
    created_at: now,
    updated_at: now,
  };
}

function applyStock(
  state: StoreState,
  key: string,
  stock: Record<string, number> | undefined,
  safety: Record<string, number> | undefined,
) {
  for (const [loc, qty] of Object.entries(stock ?? {})) {
    const s = state.ensureStock(key, Number(loc));
    s.onHand = qty;
    s.absoluteSet = true;
  }
  for (const [loc, qty] of Object.entries(safety ?? {}))
    state.ensureStock(key, Number(loc)).safetyStock = qty;
}

/** Add one catalog product (with variants) to the state. Used by the seed and by POST /catalog/products. */
export function addProduct(state: StoreState, seed: BcSeedProduct, now: number): ProductRecord {
  const id = seed.id ?? state.nextId('product', ID_START.product);
  state.bumpId('product', id, ID_START.product);
  const product: ProductRecord = {
    id,
    name: seed.name,
    type: seed.type ?? 'physical',
    sku: seed.sku,
    description: seed.description ?? '',
    weight: seed.weight ?? 1,
    price: m4(seed.price),
    cost_price: m4(seed.cost_price ?? '0'),
    sale_price: m4(seed.sale_price ?? '0'),
    retail_price: m4('0'),
    upc: seed.upc ?? '',
    brand_id: seed.brand_id ?? 0,
    categories: seed.categories ?? [],
    is_visible: seed.is_visible ?? true,
    inventory_tracking: seed.inventory_tracking,
    inventory_warning_level: 0,
    base_variant_id: 0,
    variantIds: [],
    date_created: parseDate(seed.date_created, now),
    date_modified: parseDate(seed.date_modified ?? seed.date_created, now),
  };
  state.products.set(id, product);
  const variants: BcSeedVariant[] =
    seed.variants.length > 0 ? seed.variants : [{ sku: seed.sku, option_values: [] }];
  const optionIds = new Map<string, number>();
  variants.forEach((vs, index) => {
    const vid = vs.id ?? state.nextId('variant', ID_START.variant);
    state.bumpId('variant', vid, ID_START.variant);
    const variant: VariantRecord = {
      id: vid,
      product_id: id,
      sku: vs.sku,
      sku_id: vs.option_values.length > 0 ? vid : null,
      price: vs.price === undefined || vs.price === null ? null : m4(vs.price),
      cost_price: vs.cost_price === undefined || vs.cost_price === null ? null : m4(vs.cost_price),
      sale_price: null,
      upc: vs.upc ?? '',
      option_values: vs.option_values.map((ov) => {
        let optionId = optionIds.get(ov.option_display_name);
        if (optionId === undefined) {
          optionId = state.nextId('option', ID_START.option);
          optionIds.set(ov.option_display_name, optionId);
        }
        return {
          id: state.nextId('optionValue', ID_START.optionValue),
          label: ov.label,
          option_id: optionId,
          option_display_name: ov.option_display_name,
        };
      }),
      inventory_warning_level: 0,
      is_base: index === 0,
    };
    state.putVariant(variant);
    product.variantIds.push(vid);
    if (product.inventory_tracking === 'variant') applyStock(state, `v${vid}`, vs.stock, vs.safety_stock);
  });
  product.base_variant_id = product.variantIds[0] ?? 0;
  if (product.inventory_tracking === 'product') applyStock(state, `p${id}`, seed.stock, seed.safety_stock);
  return product;
}

export function loadSeed(state: StoreState, seed: BcSeed, now: number): void {
  state.storeHash = seed.storeHash;
  state.accessToken = seed.accessToken;
  state.storeId = seed.storeId;
  state.currencyCode = seed.currencyCode ?? 'USD';
  if (seed.inventorySettings) state.inventorySettings = { ...seed.inventorySettings };
  const locations = seed.locations.some((l) => l.id === 1)
    ? seed.locations
    : [{ id: 1, code: 'BC-DEFAULT', label: 'Default location' }, ...seed.locations];
  for (const l of locations) {
    state.locations.set(l.id, locationRecord(l, now));
    state.bumpId('location', l.id);
  }
  for (const p of seed.products) addProduct(state, p, now);
  for (const c of seed.customers) {
    const id = c.id ?? state.nextId('customer', ID_START.customer);
    state.bumpId('customer', id);
    state.customers.set(id, {
      id,
      email: c.email,
      first_name: c.first_name,
      last_name: c.last_name,
      company: c.company ?? '',
      phone: c.phone ?? '',
      notes: c.notes ?? '',
      customer_group_id: c.customer_group_id ?? 0,
      tax_exempt_category: '',
      registration_ip_address: '',
      accepts_product_review_abandoned_cart_emails: false,
      channel_ids: null,
      origin_channel_id: 1,
      store_credit: '0.0000',
      addresses: (c.addresses ?? []).map((a) => newCustomerAddress(state, id, a)),
      date_created: parseDate(c.date_created, now),
      date_modified: parseDate(c.date_modified ?? c.date_created, now),
    });
  }
  for (const g of seed.giftCertificates) {
    const id = g.id ?? state.nextId('gift', ID_START.gift);
    state.bumpId('gift', id);
    state.giftCertificates.set(id, {
      id,
      code: g.code.slice(0, 20),
      amount: m4(g.amount),
      balance: m4(g.balance ?? g.amount),
      status: g.status ?? 'active',
      to_name: g.to_name,
      to_email: g.to_email,
      from_name: g.from_name,
      from_email: g.from_email,
      customer_id: g.customer_id ?? 0,
      order_id: 0,
      template: 'general.html',
      message: g.message ?? '',
      purchase_date: parseDate(g.purchase_date, now),
      expiry_date: g.expiry_date ? parseDate(g.expiry_date, 0) : 0,
      currency_code: g.currency_code ?? state.currencyCode,
    });
  }
}

/** A small but complete store: 3 locations, product- and variant-tracked products, customers, gift cards. */
export function defaultSeed(): BcSeed {
  return {
    storeHash: 'sbx0store1',
    accessToken: 'sandbox-bc-token-0000000000000000',
    storeId: '1001001',
    locations: [
      { id: 1, code: 'WAREHOUSE', label: 'Warehouse', time_zone: 'America/Chicago' },
      { id: 2, code: 'STORE-AUSTIN', label: 'Austin store', time_zone: 'America/Chicago' },
      { id: 3, code: 'STORE-DALLAS', label: 'Dallas store', time_zone: 'America/Chicago' },
    ],
    products: [
      {
        name: 'Chambray Towel',
        sku: 'TOWEL-CH',
        price: '24.99',
        cost_price: '11.50',
        inventory_tracking: 'product',
        variants: [],
        stock: { '1': 40, '2': 10, '3': 5 },
      },
      {
        name: 'Linen Shirt',
        sku: 'SHIRT-LN',
        price: '59.00',
        inventory_tracking: 'variant',
        variants: [
          {
            sku: 'SHIRT-LN-S',
            option_values: [{ option_display_name: 'Size', label: 'S' }],
            stock: { '1': 12, '2': 3 },
          },
          {
            sku: 'SHIRT-LN-M',
            option_values: [{ option_display_name: 'Size', label: 'M' }],
            stock: { '1': 20, '2': 4 },
          },
          {
            sku: 'SHIRT-LN-L',
            price: '62.00',
            option_values: [{ option_display_name: 'Size', label: 'L' }],
            stock: { '1': 8 },
          },
        ],
      },
      { name: 'Gift Wrap Service', sku: 'SVC-WRAP', price: '5.00', inventory_tracking: 'none', variants: [] },
    ],
    customers: [
      { email: 'jane.doe@example.com', first_name: 'Jane', last_name: 'Doe', phone: '512-555-0100' },
      { email: 'jose.nunez@example.com', first_name: 'José', last_name: 'Núñez', phone: '+1 214 555 0101' },
    ],
    giftCertificates: [
      {
        code: 'GC-SBX-0001',
        amount: '50.00',
        to_name: 'Jane Doe',
        to_email: 'jane.doe@example.com',
        from_name: 'Sam',
        from_email: 'sam@example.com',
      },
    ],
  };
}
