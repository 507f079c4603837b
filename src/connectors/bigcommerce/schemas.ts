/**
 * Runtime checks on the BigCommerce fields heartbridge READS. Each schema is loose: unknown fields pass
 * through untouched (the full shape is in `generated/`), but a missing or mistyped field we rely on is
 * caught at the edge as `HB_ERR_BC_BAD_RESPONSE` instead of deep inside a flow.
 *
 * Money stays a decimal string (`money`): BigCommerce sends v2 money as strings such as "62.6793";
 * v3 fields that arrive as JSON numbers are converted to their exact decimal text (see lossless-json.ts).
 * Ids are numbers: every BigCommerce id is far below 2^53 (lossless-json keeps larger ones as strings).
 */
import { z } from 'zod';

const id = z.number().int();
/** Decimal money as a string, whether it arrived as a string or a number. */
export const money = z
  .union([z.string(), z.number()])
  .transform((v) => (typeof v === 'number' ? String(v) : v));
const opt = <T extends z.ZodType>(s: T) => s.nullish();

export const orderSchema = z.looseObject({
  id,
  status_id: z.number().int(),
  status: z.string(),
  customer_id: z.number().int(),
  date_created: z.string(),
  date_modified: z.string(),
  currency_code: opt(z.string()),
  total_inc_tax: money,
  total_ex_tax: money,
  total_tax: opt(money),
  subtotal_inc_tax: opt(money),
  shipping_cost_inc_tax: opt(money),
  discount_amount: opt(money),
  gift_certificate_amount: opt(money),
  payment_status: opt(z.string()),
  payment_method: opt(z.string()),
  refunded_amount: opt(money),
  is_deleted: opt(z.boolean()),
  items_total: opt(z.number()),
  shipping_address_count: opt(z.number().int()),
  billing_address: z.looseObject({
    email: opt(z.string()),
    first_name: opt(z.string()),
    last_name: opt(z.string()),
  }),
});
export type BcOrder = z.infer<typeof orderSchema>;

export const orderProductSchema = z.looseObject({
  id,
  order_id: id,
  product_id: z.number().int(),
  variant_id: opt(z.number().int()),
  order_address_id: opt(z.number().int()),
  sku: z.string(),
  name: z.string(),
  quantity: z.number().int(),
  quantity_shipped: opt(z.number().int()),
  price_inc_tax: money,
  price_ex_tax: money,
  total_inc_tax: money,
  total_ex_tax: money,
  discounted_total_inc_tax: opt(money),
  parent_order_product_id: opt(z.number().int()),
});
export type BcOrderProduct = z.infer<typeof orderProductSchema>;

export const shippingAddressSchema = z.looseObject({
  id,
  order_id: id,
  first_name: z.string(),
  last_name: z.string(),
  street_1: z.string(),
  city: z.string(),
  zip: z.string(),
  country_iso2: z.string(),
  shipping_method: opt(z.string()),
});
export type BcShippingAddress = z.infer<typeof shippingAddressSchema>;

/**
 * `consignments` of `GET /v2/orders/{id}?include=consignments.line_items&consignment_structure=object`
 * (orders.v2 orderConsignment_Get). A shipping consignment carries the shipping address fields (no
 * `order_id`), its costs (typed as numbers by the spec) and its line items, each the object
 * `/v2/orders/{id}/products` answers. Line items given as links (`{url, resource}`, without `.line_items`)
 * do not match: the caller then reads `/products` instead.
 */
const consignmentLines = z.looseObject({ line_items: z.array(orderProductSchema) });
export const shippingConsignmentSchema = shippingAddressSchema
  .omit({ order_id: true })
  .extend({ line_items: z.array(orderProductSchema) });
export type BcShippingConsignment = z.infer<typeof shippingConsignmentSchema>;
export const orderConsignmentsSchema = z.looseObject({
  pickups: z.array(consignmentLines).optional(),
  shipping: z.array(shippingConsignmentSchema),
  downloads: z.array(consignmentLines).optional(),
  email: z.looseObject({ gift_certificates: z.array(consignmentLines).optional() }).optional(),
});

export const shipmentSchema = z.looseObject({
  id,
  order_id: id,
  order_address_id: z.number().int(),
  tracking_number: opt(z.string()),
  items: z.array(z.looseObject({ order_product_id: z.number().int(), quantity: z.number().int() })),
});
export type BcShipment = z.infer<typeof shipmentSchema>;

export const transactionSchema = z.looseObject({
  id,
  order_id: z.union([z.string(), z.number()]).transform(String),
  event: z.string(),
  method: z.string(),
  amount: money,
  currency: z.string(),
  gateway: z.string(),
  status: z.string(),
  date_created: z.string(),
});
export type BcTransaction = z.infer<typeof transactionSchema>;

export const variantSchema = z.looseObject({
  id,
  product_id: id,
  sku: z.string(),
  price: opt(money),
  inventory_level: opt(z.number()),
});
export type BcVariant = z.infer<typeof variantSchema>;

export const productSchema = z.looseObject({
  id,
  name: z.string(),
  sku: z.string(),
  price: money,
  inventory_tracking: opt(z.enum(['none', 'product', 'variant'])),
  date_modified: opt(z.string()),
  variants: z.array(variantSchema).optional(),
});
export type BcProduct = z.infer<typeof productSchema>;

export const inventoryItemSchema = z.looseObject({
  identity: z.looseObject({
    sku: opt(z.string()),
    variant_id: opt(z.number().int()),
    product_id: opt(z.number().int()),
  }),
  locations: z.array(
    z.looseObject({
      location_id: z.number().int(),
      available_to_sell: z.number(),
      total_inventory_onhand: z.number(),
      settings: opt(z.looseObject({ safety_stock: opt(z.number()) })),
    }),
  ),
});
export type BcInventoryItem = z.infer<typeof inventoryItemSchema>;

export const locationSchema = z.looseObject({
  id,
  code: z.string(),
  label: z.string(),
  enabled: z.boolean(),
  managed_by_external_source: opt(z.boolean()),
});
export type BcLocation = z.infer<typeof locationSchema>;

export const customerSchema = z.looseObject({
  id,
  email: z.string(),
  first_name: z.string(),
  last_name: z.string(),
  phone: opt(z.string()),
  date_modified: opt(z.string()),
});
export type BcCustomer = z.infer<typeof customerSchema>;

export const giftCertificateSchema = z.looseObject({
  id,
  code: z.string(),
  amount: money,
  balance: money,
  status: z.string(),
});
export type BcGiftCertificate = z.infer<typeof giftCertificateSchema>;

export const hookSchema = z.looseObject({
  id,
  scope: z.string(),
  destination: z.string(),
  is_active: z.boolean(),
  headers: z.record(z.string(), z.string()).nullish(),
});
export type BcHook = z.infer<typeof hookSchema>;

export const transactionIdSchema = z.looseObject({ transaction_id: z.string() });

/** v3 list/single envelope: `{data, meta}`. */
export const v3Envelope = <T extends z.ZodType>(data: T) =>
  z.looseObject({ data, meta: z.looseObject({}).optional() });

export const countSchema = z.looseObject({ count: z.number().int() });
