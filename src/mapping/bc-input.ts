/**
 * Runtime validation of just the BigCommerce fields the mapping reads (BC NOTES §5–§7). Objects are
 * loose (unknown keys pass through untouched) so a new BC field never breaks an order; a missing or
 * mistyped field we read fails here with a precise path instead of deep inside the mapper.
 */
import { z } from 'zod';

/** BC v2 money: a decimal string, usually 4 dp ("62.6793"). */
export const bcMoney = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string such as "12.3400"');
const str = z.string().nullish();

export const bcAddressSchema = z.looseObject({
  first_name: str,
  last_name: str,
  company: str,
  street_1: str,
  street_2: str,
  city: str,
  state: str,
  zip: str,
  country: str,
  country_iso2: str,
  phone: str,
  email: str,
});
export type BcAddress = z.infer<typeof bcAddressSchema>;

export const bcShippingAddressSchema = bcAddressSchema.extend({
  id: z.number().int(),
  shipping_method: str,
});
export type BcShippingAddress = z.infer<typeof bcShippingAddressSchema>;

const bcFeeSchema = z.looseObject({
  id: z.number().int().optional(),
  display_name_merchant: str,
  cost_inc_tax: bcMoney,
  cost_tax: bcMoney.optional(),
});

export const bcOrderSchema = z.looseObject({
  id: z.number().int().positive(),
  status_id: z.number().int().min(0),
  customer_id: z.number().int().min(0).optional(),
  channel_id: z.number().int().optional(),
  order_source: str,
  date_created: str,
  date_modified: str,
  subtotal_ex_tax: bcMoney,
  subtotal_inc_tax: bcMoney,
  shipping_cost_ex_tax: bcMoney,
  shipping_cost_inc_tax: bcMoney,
  shipping_cost_tax: bcMoney.optional(),
  handling_cost_ex_tax: bcMoney.optional(),
  handling_cost_inc_tax: bcMoney.optional(),
  wrapping_cost_ex_tax: bcMoney.optional(),
  wrapping_cost_inc_tax: bcMoney.optional(),
  total_ex_tax: bcMoney,
  total_inc_tax: bcMoney,
  total_tax: bcMoney.optional(),
  is_tax_inclusive_pricing: z.boolean().optional(),
  payment_method: str,
  payment_status: str,
  currency_code: str,
  /** Order-level discounts (manual / coupon); BC also spreads them over the lines (order-discount.ts). */
  discount_amount: bcMoney.optional(),
  coupon_discount: bcMoney.optional(),
  store_credit_amount: bcMoney.optional(),
  gift_certificate_amount: bcMoney.optional(),
  customer_message: str,
  billing_address: bcAddressSchema,
  /** Present with `?include=fees`. */
  fees: z.array(bcFeeSchema).optional(),
});
export type BcOrder = z.infer<typeof bcOrderSchema>;

export const bcOrderProductSchema = z.looseObject({
  id: z.number().int(),
  order_id: z.number().int().optional(),
  product_id: z.number().int().optional(),
  variant_id: z.number().int().nullish(),
  order_address_id: z.number().int().nullish(),
  order_pickup_method_id: z.number().int().nullish(),
  name: str,
  sku: str,
  type: z.string().optional(),
  quantity: z.number().int().min(0),
  price_ex_tax: bcMoney,
  price_inc_tax: bcMoney,
  total_ex_tax: bcMoney,
  total_inc_tax: bcMoney,
  total_tax: bcMoney.optional(),
  discounted_total_inc_tax: bcMoney.optional(),
  applied_discounts: z.array(z.looseObject({ amount: bcMoney, name: str, code: str })).optional(),
  parent_order_product_id: z.number().int().nullish(),
  is_bundled_product: z.boolean().optional(),
  gift_certificate_id: z.number().int().nullish(),
});
export type BcOrderProduct = z.infer<typeof bcOrderProductSchema>;

export const bcTransactionSchema = z.looseObject({
  id: z.number().int(),
  order_id: z.string().optional(),
  event: z.string(),
  method: z.string().optional(),
  amount: z.number().finite(),
  currency: z.string().optional(),
  gateway: z.string().optional(),
  status: z.string().optional(),
  offline: z.looseObject({ display_name: str }).nullish(),
  custom: z.looseObject({ payment_method: str }).nullish(),
});
export type BcTransaction = z.infer<typeof bcTransactionSchema>;

export const bcOrderBundleSchema = z.object({
  order: bcOrderSchema,
  products: z.array(bcOrderProductSchema),
  shippingAddresses: z.array(bcShippingAddressSchema),
  transactions: z.array(bcTransactionSchema),
});
