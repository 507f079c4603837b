/** zod schemas for the v2 order write bodies (POST/PUT /v2/orders, POST /shipments). */
import { z } from 'zod';

export const moneyIn = z.union([z.string().regex(/^-?\d+(\.\d+)?$/), z.number().finite()]);

export const addressIn = z
  .object({
    first_name: z.string().default(''),
    last_name: z.string().default(''),
    company: z.string().default(''),
    street_1: z.string().default(''),
    street_2: z.string().default(''),
    city: z.string().default(''),
    state: z.string().default(''),
    zip: z.string().default(''),
    country: z.string().default(''),
    country_iso2: z.string().default(''),
    phone: z.string().default(''),
    email: z.string().default(''),
  })
  .passthrough();

export const shippingAddressIn = addressIn.extend({ shipping_method: z.string().default('') });

export const orderLineIn = z
  .object({
    product_id: z.number().int().optional(),
    variant_id: z.number().int().optional(),
    /** Sandbox convenience: a catalog line by sku (the real API wants product_id + options). */
    sku: z.string().optional(),
    name: z.string().optional(),
    quantity: z.number().int().positive(),
    price_ex_tax: moneyIn.optional(),
    price_inc_tax: moneyIn.optional(),
    upc: z.string().optional(),
    product_options: z
      .array(z.object({ id: z.number().int(), value: z.union([z.string(), z.number()]) }))
      .optional(),
  })
  .passthrough();
export type OrderLineIn = z.infer<typeof orderLineIn>;

export const orderPostIn = z
  .object({
    products: z.array(orderLineIn).min(1),
    billing_address: addressIn,
    shipping_addresses: z.array(shippingAddressIn).optional(),
    status_id: z.number().int().min(0).max(14).default(1),
    customer_id: z.number().int().min(0).default(0),
    payment_method: z.string().default(''),
    payment_provider_id: z.union([z.string(), z.number()]).optional(),
    date_created: z.string().optional(),
    base_shipping_cost: moneyIn.optional(),
    shipping_cost_ex_tax: moneyIn.optional(),
    shipping_cost_inc_tax: moneyIn.optional(),
    base_handling_cost: moneyIn.optional(),
    handling_cost_ex_tax: moneyIn.optional(),
    handling_cost_inc_tax: moneyIn.optional(),
    base_wrapping_cost: moneyIn.optional(),
    wrapping_cost_ex_tax: moneyIn.optional(),
    wrapping_cost_inc_tax: moneyIn.optional(),
    discount_amount: moneyIn.optional(),
    store_credit_amount: moneyIn.optional(),
    gift_certificate_amount: moneyIn.optional(),
    customer_message: z.string().default(''),
    staff_notes: z.string().default(''),
    order_source: z.string().optional(),
    channel_id: z.number().int().default(1),
    external_source: z.string().nullable().optional(),
    external_id: z.string().nullable().optional(),
    external_order_id: z.string().default(''),
    customer_locale: z.string().default('en'),
    ip_address: z.string().default(''),
    default_currency_code: z.string().optional(),
  })
  .passthrough();
export type OrderPostIn = z.input<typeof orderPostIn>;

export const orderPutIn = z
  .object({
    status_id: z.number().int().min(0).max(14).optional(),
    customer_id: z.number().int().min(0).optional(),
    billing_address: addressIn.partial().optional(),
    payment_method: z.string().optional(),
    staff_notes: z.string().optional(),
    customer_message: z.string().optional(),
    external_order_id: z.string().optional(),
    discount_amount: moneyIn.optional(),
  })
  .passthrough();

export const shipmentPostIn = z
  .object({
    order_address_id: z.number().int(),
    tracking_number: z.string().max(50).default(''),
    shipping_method: z.string().default(''),
    shipping_provider: z.string().default(''),
    tracking_carrier: z.string().default(''),
    comments: z.string().default(''),
    items: z
      .array(z.object({ order_product_id: z.number().int(), quantity: z.number().int().positive() }))
      .min(1),
  })
  .passthrough();
