/**
 * The Heartland sales order draft the mapper produces (HL NOTES §11–§12, examples/sales-order-flow.json).
 * The orders flow writes it as: customer addresses → POST order (`header`, status pending) → lines →
 * order taxes → deposit payments → PUT status `targetStatus`. Money is decimal strings ("12.34");
 * convert to JSON numbers, if Heartland insists, only at the HTTP edge.
 */
import { z } from 'zod';

export const hlStatusSchema = z.enum(['pending', 'open', 'closed', 'canceled']);
export type HlStatus = z.infer<typeof hlStatusSchema>;

const cents = z.string().regex(/^-?\d+\.\d{2}$/);

export const hlAddressSchema = z.object({
  first_name: z.string(),
  last_name: z.string(),
  line_1: z.string(),
  line_2: z.string().nullable(),
  city: z.string(),
  state: z.string(),
  postal_code: z.string(),
  country: z.string().length(2),
  phone: z.string().nullable(),
});

export const hlOrderHeaderSchema = z.object({
  customer_id: z.number().int(),
  source_location_id: z.number().int(),
  station_id: z.number().int(),
  /** Always created `pending`; the flow moves it to `targetStatus` after lines and payments. */
  status: z.literal('pending'),
  shipping_charge: cents,
  shipping_method_id: z.number().int().nullable(),
  /** Set when the config names the method instead of giving its id; the flow resolves it. */
  shipping_method_name: z.string().nullable(),
  sales_rep: z.string().nullable(),
  /**
   * The Heartland order number, when `orderNumber.from` is `bigcommerce`: Heartland refuses a second
   * order with the same number, which makes a create that lands late harmless (hl-order-writer.ts).
   */
  public_id: z.string().optional(),
  custom: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

export const hlOrderLineSchema = z.object({
  item_id: z.number().int(),
  qty: z.number().int().positive(),
  original_unit_price: cents,
  adjusted_unit_price: cents,
  ship_from_location_id: z.number().int(),
  /** Only with `taxHandling.mode: line`. */
  total_tax: cents.optional(),
});

export const hlDraftLineSchema = z.object({
  /** Not sent: ties the line back to BC for shipments (`order_product_id`). */
  bcOrderProductId: z.number().int(),
  sku: z.string(),
  body: hlOrderLineSchema,
});

export const hlOrderTaxSchema = z.object({ description: z.string(), value: cents });

export const hlDepositPaymentSchema = z.object({
  type: z.literal('CustomPayment'),
  deposit: z.literal(true),
  amount: cents,
  payment_type_id: z.number().int().nullable(),
  /** Set when the config names the payment type; the flow resolves it to an id. */
  payment_type_name: z.string().nullable(),
  custom: z.record(z.string(), z.string()),
});

export const hlTotalsSchema = z.object({
  /** BigCommerce `total_inc_tax`, to the cent. */
  bcTotalIncTax: cents,
  /** Σ qty × adjusted_unit_price. */
  lines: cents,
  /** Σ line total_tax + Σ order taxes (0 when prices include tax). */
  tax: cents,
  shipping: cents,
  /** Gift-certificate purchases left out of the Heartland order (see mapping docs). */
  excluded: cents,
  payments: cents,
  /**
   * Order-level discount BigCommerce did not show on the lines, taken off the line amounts by the mapper
   * (order-discount.ts). "0.00" when the lines already carry every discount.
   */
  orderDiscountSpread: cents.optional(),
  /** Cents moved by the explicit rounding spread (target − Σ rounded amounts). */
  roundingCents: z.number().int(),
});

export const hlSalesOrderDraftSchema = z.object({
  bcOrderId: z.number().int(),
  header: hlOrderHeaderSchema,
  billingAddress: hlAddressSchema,
  shippingAddress: hlAddressSchema.nullable(),
  lines: z.array(hlDraftLineSchema),
  taxes: z.array(hlOrderTaxSchema),
  payments: z.array(hlDepositPaymentSchema),
  targetStatus: hlStatusSchema,
  totals: hlTotalsSchema,
});

export type HlAddressDraft = z.infer<typeof hlAddressSchema>;
export type HlOrderHeader = z.infer<typeof hlOrderHeaderSchema>;
export type HlOrderLine = z.infer<typeof hlOrderLineSchema>;
export type HlDraftLine = z.infer<typeof hlDraftLineSchema>;
export type HlOrderTax = z.infer<typeof hlOrderTaxSchema>;
export type HlDepositPayment = z.infer<typeof hlDepositPaymentSchema>;
export type HlSalesOrderDraft = z.infer<typeof hlSalesOrderDraftSchema>;

/** Heartland item as the mapper needs it, looked up by SKU (= item `public_id`). */
export interface HlItemRef {
  id: number;
  public_id: string;
  price?: string | number | null;
  description?: string | null;
}
