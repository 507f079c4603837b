/**
 * What the Heartland simulator is seeded with (produced by `src/sandbox/seed`). Compact on purpose: a
 * 100k-SKU store must build in a few seconds, so stock is one number per seeded location, in the
 * order of `locations`.
 */
export interface HlSeedLocation {
  public_id: string;
  name: string;
  stations: string[];
}

export interface HlSeedGrid {
  key: string;
  item_description: string;
  item_long_description: string | null;
  item_price: number;
  item_cost: number;
  custom: Record<string, unknown>;
}

export interface HlSeedItem {
  public_id: string;
  description: string;
  long_description: string | null;
  price: number;
  cost: number;
  original_price: number | null;
  active: boolean;
  /** `key` of a grid in `HlSeed.grids`, or null for a stand-alone item. */
  grid_key: string | null;
  custom: Record<string, unknown>;
  track_inventory: boolean;
  available_online: boolean;
  weight: number | null;
  /** On-hand quantity per location, aligned with `HlSeed.locations`. */
  stock: number[];
}

export interface HlSeedAddress {
  first_name: string;
  last_name: string;
  line_1: string;
  line_2: string | null;
  city: string;
  /** Abbreviation, as Heartland stores it (NOTES §11). */
  state: string;
  postal_code: string;
  country: string;
  phone: string | null;
}

export interface HlSeedCustomer {
  public_id: string;
  first_name: string;
  last_name: string;
  email: string | null;
  phone: string | null;
  custom: Record<string, unknown>;
  addresses: HlSeedAddress[];
}

export interface HlSeedGiftCard {
  number: string;
  balance: number;
}

export interface HlSeedCustomField {
  group_id: string;
  key: string;
  name: string;
  required: boolean;
  unique: boolean;
  validation_type: string;
}

export interface HlSeed {
  locations: HlSeedLocation[];
  grids: HlSeedGrid[];
  items: HlSeedItem[];
  customers: HlSeedCustomer[];
  giftCards: HlSeedGiftCard[];
  paymentTypes: string[];
  shippingMethods: string[];
  inventoryAdjustmentReasons: string[];
  giftCardAdjustmentReasons: string[];
  customFields: HlSeedCustomField[];
}
