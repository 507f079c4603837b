/**
 * The seed a BigCommerce simulator starts from. Plain JSON (no Dates, no classes) so the seed
 * generator can write it to disk and tests can build small ones by hand.
 *
 * Conventions:
 * - Money is a decimal string (`"24.9900"` or `"24.99"`), never a number.
 * - Stock maps are keyed by location id as a string (`{"1": 12, "2": 0}`); a location present in the
 *   map counts as "absolute-set" there (the real API refuses a relative adjustment before a first
 *   absolute one at that location). Omitted ids start unset.
 * - Every product has at least one variant. A product without options gets one "base variant"
 *   whose sku is the product sku; the simulator creates it when `variants` is empty.
 * - With `inventory_tracking: 'product'` stock lives on the product (`stock`); with `'variant'` on
 *   each variant (`variant.stock`); with `'none'` stock is ignored.
 * - Ids are optional; the simulator assigns sequential ids (products from 111, variants from 77,
 *   customers from 1, gift certificates from 1) in array order when absent.
 */

export type BcInventoryTracking = 'none' | 'product' | 'variant';

export interface BcSeedAddress {
  first_name: string;
  last_name: string;
  company?: string;
  address1: string;
  address2?: string;
  city: string;
  /** Full state name, e.g. "Texas" (BigCommerce stores the name, not the code). */
  state_or_province: string;
  postal_code: string;
  /** ISO 3166-1 alpha-2. */
  country_code: string;
  phone?: string;
  address_type?: 'residential' | 'commercial';
}

export interface BcSeedLocation {
  /** 1 is the default location; the simulator adds it when the seed omits it. */
  id: number;
  code: string;
  label: string;
  description?: string;
  type_id?: 'PHYSICAL' | 'VIRTUAL';
  enabled?: boolean;
  managed_by_external_source?: boolean;
  storefront_visibility?: boolean;
  /** IANA zone, e.g. "America/Chicago". */
  time_zone?: string;
  address?: {
    address1: string;
    address2?: string;
    city: string;
    state: string;
    zip: string;
    country_code: string;
    email?: string;
    phone?: string;
  };
}

export interface BcSeedOptionValue {
  /** Option name, e.g. "Size". */
  option_display_name: string;
  /** Value, e.g. "M". */
  label: string;
}

export interface BcSeedVariant {
  id?: number;
  sku: string;
  /** null/absent → inherits the product price. */
  price?: string | null;
  cost_price?: string | null;
  upc?: string;
  option_values: BcSeedOptionValue[];
  /** Used when the product tracks inventory by variant. */
  stock?: Record<string, number>;
  /** Safety stock per location id (default 0). */
  safety_stock?: Record<string, number>;
}

export interface BcSeedProduct {
  id?: number;
  name: string;
  sku: string;
  type?: 'physical' | 'digital';
  price: string;
  cost_price?: string;
  sale_price?: string;
  /** Weight in the store's unit; defaults to 1. */
  weight?: number;
  upc?: string;
  description?: string;
  brand_id?: number;
  categories?: number[];
  is_visible?: boolean;
  inventory_tracking: BcInventoryTracking;
  /** Used when tracking by product. */
  stock?: Record<string, number>;
  safety_stock?: Record<string, number>;
  variants: BcSeedVariant[];
  /** ISO-8601; defaults to the simulator's start time. */
  date_created?: string;
  date_modified?: string;
}

export interface BcSeedCustomer {
  id?: number;
  email: string;
  first_name: string;
  last_name: string;
  company?: string;
  /** Free-form as entered by the shopper (may or may not be E.164). */
  phone?: string;
  notes?: string;
  customer_group_id?: number;
  addresses?: BcSeedAddress[];
  date_created?: string;
  date_modified?: string;
}

export interface BcSeedGiftCertificate {
  id?: number;
  code: string;
  amount: string;
  /** Defaults to amount. */
  balance?: string;
  status?: 'active' | 'pending' | 'disabled' | 'expired';
  to_name: string;
  to_email: string;
  from_name: string;
  from_email: string;
  customer_id?: number;
  message?: string;
  currency_code?: string;
  /** ISO-8601 or absent (no expiry). */
  expiry_date?: string;
  purchase_date?: string;
}

export interface BcSeedInventorySettings {
  update_stock_behavior: 'order_placed' | 'order_completed_or_shipped';
  edit_order_stock_adjustment: boolean;
  refund_order_stock_adjustment: boolean;
}

export interface BcSeed {
  /** Lowercase alphanumeric, e.g. "abc123def4". */
  storeHash: string;
  /** Value the client must send in X-Auth-Token. */
  accessToken: string;
  /** Numeric store id as a string; appears as `store_id` in webhook envelopes. */
  storeId: string;
  /** Store default currency (default "USD"). */
  currencyCode?: string;
  inventorySettings?: BcSeedInventorySettings;
  locations: BcSeedLocation[];
  products: BcSeedProduct[];
  customers: BcSeedCustomer[];
  giftCertificates: BcSeedGiftCertificate[];
}
