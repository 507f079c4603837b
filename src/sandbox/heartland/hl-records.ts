/**
 * Record shapes held by the Heartland simulator, stored exactly as the API returns them: snake_case,
 * booleans with a `?` suffix (NOTES §3), money as JSON numbers rounded to cents (Heartland sends
 * numbers, e.g. `price: 25.0`, `amount: 52.1`), times as ISO-8601 UTC strings.
 */
export type Custom = Record<string, unknown>;

export interface HlItem {
  id: number;
  uuid: string;
  public_id: string;
  description: string;
  long_description: string | null;
  price: number;
  cost: number;
  original_price: number | null;
  'active?': boolean;
  custom: Custom;
  grid_id: number | null;
  primary_vendor_id: number | null;
  primary_barcode: string | null;
  weight: number | null;
  'track_inventory?': boolean;
  'available_online?': boolean;
  'allow_fractional_qty?': boolean;
  type: string;
  created_at: string;
  updated_at: string;
}

export interface HlGrid {
  id: number;
  uuid: string;
  item_description: string;
  item_long_description: string | null;
  item_price: number;
  item_cost: number;
  item_primary_vendor_id: number | null;
  custom: Custom;
  created_at: string;
  updated_at: string;
}

export interface HlLocation {
  id: number;
  public_id: string;
  name: string;
  'active?': boolean;
  created_at: string;
  updated_at: string;
}

export interface HlStation {
  id: number;
  location_id: number;
  name: string;
  'active?': boolean;
}

/** Stock of one item at one location (the source of `/inventory/values` rows). */
export interface HlStock {
  item_id: number;
  location_id: number;
  qty_on_hand: number;
  qty_committed: number;
  qty_on_po: number;
  qty_in_transit: number;
  unit_cost: number | null;
}

/** One ledger entry of `/inventory/transactions`; a delta the change did not touch is null (S7 filters
 * `delta_qty_committed: {$neq: null}`). */
export interface HlInventoryTransaction {
  id: number;
  item_id: number;
  location_id: number;
  delta_qty_on_hand: number | null;
  delta_qty_committed: number | null;
  delta_qty_available: number | null;
  unit_cost: number | null;
  source_type: string;
  source_id: number | null;
  reason_id: number | null;
  created_at: string;
}

export interface HlAdjustmentSet {
  id: number;
  location_id: number;
  adjustment_reason_id: number | null;
  status: string;
  created_at: string;
  updated_at: string;
}

export interface HlAdjustmentLine {
  id: number;
  adjustment_set_id: number | null;
  item_id: number;
  location_id: number;
  qty: number;
  unit_cost: number | null;
  adjustment_reason_id: number | null;
  created_at: string;
}

export interface HlCustomer {
  id: number;
  uuid: string;
  public_id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  'active?': boolean;
  custom: Custom;
  created_at: string;
  updated_at: string;
}

export interface HlAddress {
  id: number;
  customer_id: number;
  first_name: string | null;
  last_name: string | null;
  line_1: string | null;
  line_2: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  country: string | null;
  phone: string | null;
  created_at: string;
  updated_at: string;
}

export type OrderStatus = 'pending' | 'open' | 'closed' | 'canceled';

export interface HlSalesOrder {
  id: number;
  uuid: string;
  public_id: string;
  status: OrderStatus;
  customer_id: number | null;
  billing_address_id: number | null;
  shipping_address_id: number | null;
  source_location_id: number | null;
  station_id: number | null;
  shipping_method_id: number | null;
  shipping_charge: number;
  sales_rep: string | null;
  custom: Custom;
  subtotal: number;
  total_tax: number;
  total_discounts: number;
  total: number;
  total_paid: number;
  balance: number;
  created_at: string;
  updated_at: string;
}

export interface HlOrderLine {
  id: number;
  order_id: number;
  type: 'ItemLine';
  item_id: number;
  description: string | null;
  qty: number;
  qty_invoiced: number;
  original_unit_price: number;
  adjusted_unit_price: number;
  ship_from_location_id: number | null;
  total_tax: number;
  created_at: string;
  updated_at: string;
}

export interface HlPayment {
  id: number;
  order_id: number | null;
  ticket_id: number | null;
  type: string;
  'deposit?': boolean;
  amount: number;
  payment_type_id: number | null;
  description: string | null;
  status: string;
  custom: Custom;
  completed_at: string;
  local_completed_at: string;
  created_at: string;
}

export interface HlOrderAdjustment {
  id: number;
  order_id: number;
  kind: 'tax' | 'discount';
  description: string | null;
  value: number;
  created_at: string;
}

export interface HlInvoice {
  id: number;
  type: 'Invoice';
  public_id: string;
  order_id: number;
  customer_id: number | null;
  source_location_id: number | null;
  station_id: number | null;
  status: 'pending' | 'complete';
  'completed?': boolean;
  total: number;
  shipping_method_id: number | null;
  /** [INF] Tracking is not described in NOTES; the simulator carries it on the invoice so a fulfilment
   * poller has something to read. */
  tracking_number: string | null;
  shipping_carrier: string | null;
  completed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface HlInvoiceLine {
  id: number;
  invoice_id: number;
  type: 'ItemLine';
  item_id: number;
  order_line_id: number | null;
  qty: number;
  created_at: string;
}

export interface HlTicket {
  id: number;
  type: 'Ticket' | 'Return';
  public_id: string;
  status: 'incomplete' | 'complete';
  'completed?': boolean;
  'voided?': boolean;
  customer_id: number | null;
  customer_name: string | null;
  sales_rep: string | null;
  source_location_id: number | null;
  station_id: number | null;
  parent_transaction_id: number | null;
  subtotal: number;
  tax_total: number;
  total_discounts: number;
  total: number;
  total_paid: number;
  balance: number;
  custom: Custom;
  completed_at: string | null;
  local_completed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface HlTicketLine {
  id: number;
  ticket_id: number;
  type: 'ItemLine' | 'TaxLine' | 'ShippingLine' | 'GiftCardLine';
  item_id: number | null;
  qty: number | null;
  unit_price: number | null;
  original_unit_price: number | null;
  adjusted_unit_price: number | null;
  description: string | null;
  value: number | null;
  created_at: string;
}

export interface HlGiftCard {
  id: number;
  number: string;
  balance: number;
  import_set_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface HlGiftCardAdjustment {
  id: number;
  gift_card_id: number;
  reason_id: number | null;
  delta_balance: number;
  created_at: string;
}

export interface HlNamed {
  id: number;
  name: string;
  description: string | null;
  'active?': boolean;
  created_at: string;
}

export interface HlCustomFieldDef {
  id: number;
  group_id: string;
  key: string;
  name: string;
  'required?': boolean;
  'unique?': boolean;
  validation_type: string;
  metadata: Custom;
  created_at: string;
  updated_at: string;
}

export interface HlWebhook {
  id: number;
  url: string;
  events: string[];
  created_at: string;
  updated_at: string;
}

export interface HlWebhookDelivery {
  id: number;
  webhook_id: number;
  event: string;
  url: string;
  body: Record<string, unknown>;
  attempts: number;
  status: number | null;
  error: string | null;
  delivered_at: string | null;
}
