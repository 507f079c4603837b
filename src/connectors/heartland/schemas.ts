/**
 * Runtime checks on the Heartland fields heartbridge reads (after `?`-boolean normalisation). Loose:
 * everything else passes through. Heartland money arrives as JSON numbers (e.g. `price: 25.0`); it is
 * turned into its decimal text here so no flow computes with binary floats.
 */
import { z } from 'zod';

const id = z.number().int();
const opt = <T extends z.ZodType>(s: T) => s.nullish();
export const hlMoney = z.union([z.number(), z.string()]).transform((v) => String(v));
const custom = z.record(z.string(), z.unknown()).nullish();

export const hlItemSchema = z.looseObject({
  id,
  public_id: z.string(),
  description: opt(z.string()),
  price: opt(hlMoney),
  cost: opt(hlMoney),
  active: opt(z.boolean()),
  grid_id: opt(z.number().int()),
  custom,
  updated_at: opt(z.string()),
});
export type HlItem = z.infer<typeof hlItemSchema>;

export const hlGridSchema = z.looseObject({ id, item_description: opt(z.string()), custom });
export type HlGrid = z.infer<typeof hlGridSchema>;

export const hlLocationSchema = z.looseObject({ id, public_id: opt(z.string()), name: z.string() });
export type HlLocation = z.infer<typeof hlLocationSchema>;

export const hlInventoryValueSchema = z.looseObject({
  item_id: opt(z.number().int()),
  location_id: opt(z.number().int()),
  qty_on_hand: opt(z.number()),
  qty_available: opt(z.number()),
  qty_committed: opt(z.number()),
});
export type HlInventoryValue = z.infer<typeof hlInventoryValueSchema>;

export const hlInventoryTransactionSchema = z.looseObject({
  id,
  item_id: z.number().int(),
  location_id: opt(z.number().int()),
  created_at: opt(z.string()),
});
export type HlInventoryTransaction = z.infer<typeof hlInventoryTransactionSchema>;

export const hlCustomerSchema = z.looseObject({
  id,
  public_id: opt(z.string()),
  first_name: opt(z.string()),
  last_name: opt(z.string()),
  email: opt(z.string()),
  custom,
  updated_at: opt(z.string()),
});
export type HlCustomer = z.infer<typeof hlCustomerSchema>;

export const hlAddressSchema = z.looseObject({
  id,
  line_1: opt(z.string()),
  city: opt(z.string()),
  phone: opt(z.string()),
});
export type HlAddress = z.infer<typeof hlAddressSchema>;

export const hlOrderLineSchema = z.looseObject({
  id,
  item_id: opt(z.number().int()),
  qty: z.number(),
  ship_from_location_id: opt(z.number().int()),
});
export type HlOrderLine = z.infer<typeof hlOrderLineSchema>;

export const hlPaymentSchema = z.looseObject({ id, amount: hlMoney, payment_type_id: opt(z.number().int()) });
export type HlPayment = z.infer<typeof hlPaymentSchema>;

export const hlSalesOrderSchema = z.looseObject({
  id,
  public_id: opt(z.string()),
  status: z.string(),
  customer_id: opt(z.number().int()),
  custom,
  updated_at: opt(z.string()),
  /** Order total and what is still due (NOTES §13 lists them on tickets [C2]; read when present). */
  total: opt(hlMoney),
  balance: opt(hlMoney),
  lines: z.array(hlOrderLineSchema).optional(),
  payments: z.array(hlPaymentSchema).optional(),
});
export type HlSalesOrder = z.infer<typeof hlSalesOrderSchema>;

export const hlInvoiceSchema = z.looseObject({
  id,
  order_id: opt(z.number().int()),
  status: opt(z.string()),
  updated_at: opt(z.string()),
});
export type HlInvoice = z.infer<typeof hlInvoiceSchema>;

export const hlNamedSchema = z.looseObject({ id, name: z.string() });
export type HlNamed = z.infer<typeof hlNamedSchema>;

export const hlGiftCardSchema = z.looseObject({ id, number: z.string(), balance: hlMoney });
export type HlGiftCard = z.infer<typeof hlGiftCardSchema>;

/** `/gift_card/adjustments` rows (NOTES §14): used to tell whether an adjustment whose answer was lost landed. */
export const hlGiftCardAdjustmentSchema = z.looseObject({
  id,
  gift_card_id: z.number().int(),
  reason_id: opt(z.number().int()),
  delta_balance: hlMoney,
});
export type HlGiftCardAdjustment = z.infer<typeof hlGiftCardAdjustmentSchema>;

export const hlWebhookSchema = z.looseObject({ id, url: z.string(), events: z.array(z.string()).nullish() });
export type HlWebhook = z.infer<typeof hlWebhookSchema>;

export const hlCustomFieldSchema = z.looseObject({
  id,
  group_id: z.string(),
  key: z.string(),
  name: z.string(),
  required: opt(z.boolean()),
});
export type HlCustomField = z.infer<typeof hlCustomFieldSchema>;

export const hlWhoAmISchema = z.looseObject({ id, login: opt(z.string()) });
