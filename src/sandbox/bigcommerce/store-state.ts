/**
 * The simulator's in-memory store. Plain maps of records, inspectable by tests (`sim.state`).
 * Records keep timestamps as epoch ms and money as decimal strings; rendering into the API's JSON
 * shapes happens in `render.ts`, so one stored fact has exactly one representation.
 */
import type { BcInventoryTracking, BcSeedAddress, BcSeedInventorySettings } from './seed-types.js';

export interface OptionValue {
  id: number;
  label: string;
  option_id: number;
  option_display_name: string;
}

export interface ProductRecord {
  id: number;
  name: string;
  type: 'physical' | 'digital';
  sku: string;
  description: string;
  weight: number;
  price: string;
  cost_price: string;
  sale_price: string;
  retail_price: string;
  upc: string;
  brand_id: number;
  categories: number[];
  is_visible: boolean;
  inventory_tracking: BcInventoryTracking;
  inventory_warning_level: number;
  base_variant_id: number;
  variantIds: number[];
  date_created: number;
  date_modified: number;
}

export interface VariantRecord {
  id: number;
  product_id: number;
  sku: string;
  sku_id: number | null;
  price: string | null;
  cost_price: string | null;
  sale_price: string | null;
  upc: string;
  option_values: OptionValue[];
  inventory_warning_level: number;
  is_base: boolean;
}

/** Stock of one inventory unit (a product when tracked by product, a variant when by variant) at one location. */
export interface StockRecord {
  onHand: number;
  safetyStock: number;
  isInStock: boolean;
  warningLevel: number;
  binPickingNumber: string;
  /** The real API refuses a relative adjustment before a first absolute one at a location. */
  absoluteSet: boolean;
}

export interface LocationRecord {
  id: number;
  code: string;
  label: string;
  description: string;
  managed_by_external_source: boolean;
  type_id: 'PHYSICAL' | 'VIRTUAL';
  enabled: boolean;
  storefront_visibility: boolean;
  time_zone: string;
  address: {
    address1: string;
    address2: string;
    city: string;
    state: string;
    zip: string;
    email: string;
    phone: string;
    geo_coordinates: { latitude: number; longitude: number };
    country_code: string;
  } | null;
  created_at: number;
  updated_at: number;
}

export interface AddressV2 {
  first_name: string;
  last_name: string;
  company: string;
  street_1: string;
  street_2: string;
  city: string;
  state: string;
  zip: string;
  country: string;
  country_iso2: string;
  phone: string;
  email: string;
}

export interface OrderLine {
  id: number;
  product_id: number;
  variant_id: number | null;
  /** The unit whose stock this line moved ('' for custom products). */
  stockKey: string;
  name: string;
  sku: string;
  upc: string;
  type: 'physical' | 'digital' | 'giftcertificate';
  base_price: string;
  price_ex_tax: string;
  price_inc_tax: string;
  base_cost_price: string;
  quantity: number;
  quantity_shipped: number;
  quantity_refunded: number;
  order_address_id: number;
  weight: string;
  product_options: Array<{ display_name: string; display_value: string; option_id: number; value: string }>;
}

export interface ShippingAddressRecord extends AddressV2 {
  id: number;
  shipping_method: string;
  base_cost: string;
  cost_ex_tax: string;
  cost_inc_tax: string;
}

export interface ShipmentRecord {
  id: number;
  order_id: number;
  customer_id: number;
  order_address_id: number;
  date_created: number;
  tracking_number: string;
  shipping_method: string;
  shipping_provider: string;
  tracking_carrier: string;
  comments: string;
  items: Array<{ order_product_id: number; product_id: number; quantity: number }>;
}

export interface TransactionRecord {
  id: number;
  order_id: number;
  event: 'purchase' | 'authorization' | 'capture' | 'refund' | 'void' | 'pending' | 'settled';
  method: string;
  amount: string;
  currency: string;
  gateway: string;
  gateway_transaction_id: string;
  date_created: number;
  test: boolean;
  status: 'ok' | 'error';
  reference_transaction_id: number | null;
  offline: { display_name: string } | null;
  gift_certificate: {
    code: string;
    original_balance: number;
    starting_balance: number;
    remaining_balance: number;
    status: string;
  } | null;
}

export interface RefundRecord {
  id: number;
  order_id: number;
  reason: string;
  total_amount: string;
  total_tax: string;
  created: number;
  items: Array<{ item_type: string; item_id: number; quantity?: number; requested_amount?: string | null }>;
  payments: Array<{
    id: number;
    provider_id: string;
    amount: string;
    offline: boolean;
    is_declined: boolean;
  }>;
}

export interface OrderRecord {
  id: number;
  customer_id: number;
  status_id: number;
  date_created: number;
  date_modified: number;
  date_shipped: number | null;
  billing_address: AddressV2 & { form_fields: Array<{ name: string; value: string }> };
  lines: OrderLine[];
  shippingAddresses: ShippingAddressRecord[];
  shipments: ShipmentRecord[];
  transactions: TransactionRecord[];
  refunds: RefundRecord[];
  money: {
    subtotal_ex_tax: string;
    subtotal_inc_tax: string;
    base_shipping_cost: string;
    shipping_cost_ex_tax: string;
    shipping_cost_inc_tax: string;
    base_handling_cost: string;
    handling_cost_ex_tax: string;
    handling_cost_inc_tax: string;
    base_wrapping_cost: string;
    wrapping_cost_ex_tax: string;
    wrapping_cost_inc_tax: string;
    discount_amount: string;
    coupon_discount: string;
    refunded_amount: string;
    store_credit_amount: string;
    gift_certificate_amount: string;
  };
  payment_method: string;
  payment_provider_id: string;
  payment_status: string;
  currency_code: string;
  customer_message: string;
  staff_notes: string;
  order_source: string;
  channel_id: number;
  external_source: string | null;
  external_id: string | null;
  external_order_id: string;
  customer_locale: string;
  ip_address: string;
  is_deleted: boolean;
  /** Whether this order's stock has been taken (per inventory settings). */
  stockTaken: boolean;
}

export interface CustomerAddressRecord {
  id: number;
  customer_id: number;
  first_name: string;
  last_name: string;
  company: string;
  address1: string;
  address2: string;
  city: string;
  state_or_province: string;
  postal_code: string;
  country_code: string;
  country: string;
  phone: string;
  address_type: 'residential' | 'commercial';
}

/** A stored address from an input one (a seed's or an API write's): a fresh id, blanks for what is absent. */
export function newCustomerAddress(
  state: StoreState,
  customerId: number,
  a: BcSeedAddress,
): CustomerAddressRecord {
  return {
    id: state.nextId('customerAddress'),
    customer_id: customerId,
    first_name: a.first_name,
    last_name: a.last_name,
    company: a.company ?? '',
    address1: a.address1,
    address2: a.address2 ?? '',
    city: a.city,
    state_or_province: a.state_or_province,
    postal_code: a.postal_code,
    country_code: a.country_code,
    country: a.country_code === 'US' ? 'United States' : a.country_code,
    phone: a.phone ?? '',
    address_type: a.address_type ?? 'residential',
  };
}

export interface CustomerRecord {
  id: number;
  email: string;
  first_name: string;
  last_name: string;
  company: string;
  phone: string;
  notes: string;
  customer_group_id: number;
  tax_exempt_category: string;
  registration_ip_address: string;
  accepts_product_review_abandoned_cart_emails: boolean;
  channel_ids: number[] | null;
  origin_channel_id: number;
  addresses: CustomerAddressRecord[];
  store_credit: string;
  date_created: number;
  date_modified: number;
}

export interface GiftCertificateRecord {
  id: number;
  code: string;
  amount: string;
  balance: string;
  status: 'active' | 'pending' | 'disabled' | 'expired';
  to_name: string;
  to_email: string;
  from_name: string;
  from_email: string;
  customer_id: number;
  order_id: number;
  template: string;
  message: string;
  purchase_date: number;
  expiry_date: number;
  currency_code: string;
}

export interface HookRecord {
  id: number;
  client_id: string;
  store_hash: string;
  created_at: number;
  updated_at: number;
  scope: string;
  destination: string;
  is_active: boolean;
  headers: Record<string, string> | null;
  /** When the first failed attempt of the current failure streak happened (for deactivation). */
  failingSince: number | null;
  status: 'active' | 'inactive' | 'deactivated';
}

export interface DeliveryRecord {
  id: number;
  hookId: number;
  scope: string;
  destination: string;
  body: WebhookEnvelope;
  attempt: number;
  at: number;
  status: number | null;
  error: string | null;
  ok: boolean;
}

export interface WebhookEnvelope {
  scope: string;
  store_id: string;
  data: Record<string, unknown>;
  hash: string;
  created_at: number;
  producer: string;
}

export class StoreState {
  storeHash = '';
  accessToken = '';
  storeId = '';
  currencyCode = 'USD';
  inventorySettings: BcSeedInventorySettings = {
    update_stock_behavior: 'order_placed',
    edit_order_stock_adjustment: true,
    refund_order_stock_adjustment: true,
  };
  adminEmails: string[] = [];

  readonly products = new Map<number, ProductRecord>();
  readonly variants = new Map<number, VariantRecord>();
  readonly variantIdBySku = new Map<string, number>();
  /** key: `${stockKey}@${locationId}`; stockKey is `p<productId>` or `v<variantId>`. */
  readonly inventory = new Map<string, StockRecord>();
  readonly locations = new Map<number, LocationRecord>();
  readonly orders = new Map<number, OrderRecord>();
  readonly customers = new Map<number, CustomerRecord>();
  readonly giftCertificates = new Map<number, GiftCertificateRecord>();
  readonly hooks = new Map<number, HookRecord>();
  readonly deliveries: DeliveryRecord[] = [];
  /** Every inventory transaction id handed out, with what it did (for tests). */
  readonly inventoryTransactions: Array<{ id: string; kind: string; items: number }> = [];

  private counters = new Map<string, number>();

  /** Next id of a sequence (`product`, `order`, …), starting at `start`. */
  nextId(kind: string, start = 1): number {
    const next = (this.counters.get(kind) ?? start - 1) + 1;
    this.counters.set(kind, next);
    return next;
  }

  /** Make sure a sequence continues after an id that was given explicitly. */
  bumpId(kind: string, used: number, start = 1): void {
    const cur = this.counters.get(kind) ?? start - 1;
    if (used > cur) this.counters.set(kind, used);
  }

  stockKeyFor(product: ProductRecord, variant: VariantRecord | undefined): string {
    if (product.inventory_tracking === 'variant' && variant) return `v${variant.id}`;
    if (product.inventory_tracking === 'none') return '';
    return `p${product.id}`;
  }

  stock(stockKey: string, locationId: number): StockRecord | undefined {
    return this.inventory.get(`${stockKey}@${locationId}`);
  }

  ensureStock(stockKey: string, locationId: number): StockRecord {
    const key = `${stockKey}@${locationId}`;
    let s = this.inventory.get(key);
    if (!s) {
      s = {
        onHand: 0,
        safetyStock: 0,
        isInStock: true,
        warningLevel: 0,
        binPickingNumber: '',
        absoluteSet: false,
      };
      this.inventory.set(key, s);
    }
    return s;
  }

  /** Total available to sell across enabled locations (what the catalog's inventory_level shows). */
  availableTotal(stockKey: string): number {
    let total = 0;
    for (const loc of this.locations.values()) {
      if (!loc.enabled) continue;
      const s = this.stock(stockKey, loc.id);
      if (s) total += Math.max(0, s.onHand - s.safetyStock);
    }
    return total;
  }

  /** Insert or replace a variant, keeping the sku index right (100k-SKU stores look up by sku a lot). */
  putVariant(v: VariantRecord): void {
    const old = this.variants.get(v.id);
    if (old && old.sku !== v.sku && this.variantIdBySku.get(old.sku) === v.id)
      this.variantIdBySku.delete(old.sku);
    this.variants.set(v.id, v);
    if (v.sku) this.variantIdBySku.set(v.sku, v.id);
  }

  variantBySku(sku: string): VariantRecord | undefined {
    const id = this.variantIdBySku.get(sku);
    return id === undefined ? undefined : this.variants.get(id);
  }

  productBySku(sku: string): ProductRecord | undefined {
    for (const p of this.products.values()) if (p.sku === sku) return p;
    return undefined;
  }
}
