/**
 * A connection's mapping config: how a BigCommerce order becomes a Heartland sales order. Loaded from
 * YAML by src/config (see src/mapping/examples/mapping.example.yaml), validated here. Every field has a
 * `.describe()` so `mappingConfigJsonSchema()` is useful to editors and the docs.
 */

import { z } from 'zod';
import { PermanentError } from '../engine/errors.js';
import { hlStatusSchema } from './hl-draft.js';
import { riskConfigSchema } from './order-risk.js';

const id = z.number().int().positive();

export const paymentTypeRefSchema = z
  .object({
    id: id.optional().describe('Heartland payment_type id'),
    name: z
      .string()
      .min(1)
      .optional()
      .describe('Heartland payment type name (resolved to an id by the flow)'),
  })
  .refine((r) => r.id !== undefined || r.name !== undefined, 'give the payment type id or name')
  .describe('A Heartland payment type, by id or by name');
export type PaymentTypeRef = z.infer<typeof paymentTypeRefSchema>;

export const shippingMethodRefSchema = z
  .object({
    id: id.optional().describe('Heartland shipping_method_id'),
    name: z.string().min(1).optional().describe('Heartland shipping method name (resolved by the flow)'),
  })
  .refine((r) => r.id !== undefined || r.name !== undefined, 'give the shipping method id or name')
  .describe('A Heartland shipping method, by id or by name');
export type ShippingMethodRef = z.infer<typeof shippingMethodRefSchema>;

const bcStatusKey = z.string().regex(/^(1[0-4]|[0-9])$/, 'a BigCommerce status_id 0–14');

export const DEFAULT_STATUS_TO_HEARTLAND: Record<string, z.infer<typeof hlStatusSchema> | 'skip'> = {
  '0': 'skip', // Incomplete: the shopper never finished checkout
  '1': 'pending', // Pending
  '2': 'closed', // Shipped
  '3': 'open', // Partially Shipped
  '4': 'canceled', // Refunded
  '5': 'canceled', // Cancelled
  '6': 'skip', // Declined: nothing to fulfil
  '7': 'pending', // Awaiting Payment
  '8': 'open', // Awaiting Pickup
  '9': 'open', // Awaiting Shipment
  '10': 'closed', // Completed
  '11': 'open', // Awaiting Fulfillment
  '12': 'pending', // Manual Verification Required
  '13': 'open', // Disputed
  '14': 'open', // Partially Refunded
};

export const DEFAULT_STATUS_TO_BIGCOMMERCE: Record<string, number> = {
  canceled: 5, // Cancelled
  closed: 2, // Shipped (the fulfilment flow sets Partially Shipped itself, from shipments)
};

export const statusMapSchema = z
  .object({
    toHeartland: z
      .record(bcStatusKey, z.union([hlStatusSchema, z.literal('skip')]))
      .default(DEFAULT_STATUS_TO_HEARTLAND)
      .describe(
        'BC status_id → HL order status, or "skip" (do not create/update). Unlisted ids are skipped.',
      ),
    toBigCommerce: z
      .partialRecord(hlStatusSchema, z.number().int().min(0).max(14))
      .default(DEFAULT_STATUS_TO_BIGCOMMERCE)
      .describe(
        'HL order status → BC status_id, for changes made in Heartland. Unlisted statuses are not sent.',
      ),
  })
  .describe('Order status mapping, both ways');

export const paymentMethodsSchema = z
  .object({
    byName: z
      .record(z.string(), paymentTypeRefSchema)
      .default({})
      .describe(
        'BC order payment_method display name (case-insensitive) → HL payment type, e.g. {"Cash": {"name": "Cash"}}',
      ),
    byGateway: z
      .record(z.string(), paymentTypeRefSchema)
      .default({})
      .describe('BC transaction gateway (stripe, square, braintree, …) → HL payment type'),
    byMethod: z
      .record(z.string(), paymentTypeRefSchema)
      .default({})
      .describe('BC transaction method (credit_card, electronic_wallet, …) → HL payment type'),
    giftCertificate: paymentTypeRefSchema
      .optional()
      .describe(
        'HL payment type for the part paid with a BC gift certificate (order gift_certificate_amount)',
      ),
    storeCredit: paymentTypeRefSchema
      .optional()
      .describe('HL payment type for the part paid with BC store credit'),
    default: paymentTypeRefSchema
      .optional()
      .describe('Used when nothing above matches; without it the order is quarantined'),
  })
  .describe('Which Heartland payment type records the BigCommerce payment (as a deposit)');

export const shippingMethodsSchema = z
  .object({
    byName: z
      .record(z.string(), shippingMethodRefSchema)
      .default({})
      .describe('BC shipping address shipping_method (case-insensitive) → HL shipping method'),
    default: shippingMethodRefSchema.optional().describe('Used when the BC method is not listed'),
    required: z
      .boolean()
      .default(false)
      .describe(
        'Quarantine orders whose shipping method maps to nothing (otherwise shipping_method_id is left empty)',
      ),
  })
  .describe('Shipping method mapping');

export const fulfilmentRuleSchema = z
  .object({
    when: z
      .object({
        countries: z.array(z.string().length(2)).optional().describe('Ship-to country ISO-2 codes'),
        states: z.array(z.string().min(1)).optional().describe('Ship-to state/province postal abbreviations'),
        channelIds: z.array(z.number().int()).optional().describe('BC order channel_id'),
        orderAddressIds: z.array(z.number().int()).optional().describe('BC order_address_id of the line'),
        pickup: z
          .boolean()
          .optional()
          .describe('true: lines collected in store (order_pickup_method_id set)'),
      })
      .describe('All given conditions must hold'),
    locationId: id.describe('HL location that ships the line (ship_from_location_id)'),
  })
  .describe('One fulfilment rule; the first matching rule wins');

export const fulfilmentLocationSchema = z
  .object({
    rules: z.array(fulfilmentRuleSchema).default([]).describe('Checked in order for each line'),
    defaultLocationId: id.optional().describe('When no rule matches; defaults to defaults.sourceLocationId'),
  })
  .describe('Which Heartland location fulfils each line (fixed: no rules, only defaultLocationId)');

export const taxHandlingSchema = z
  .object({
    mode: z
      .enum(['line', 'order'])
      .default('line')
      .describe(
        'line: tax on each line (total_tax) and shipping tax as an order tax; order: all tax as one order tax',
      ),
    pricesIncludeTax: z
      .union([z.boolean(), z.literal('auto')])
      .default('auto')
      .describe('Heartland unit prices include tax; auto = follow the BC order is_tax_inclusive_pricing'),
    description: z.string().default('Sales Tax').describe('Description of order-level tax entries'),
    maxRoundingCents: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        'Largest difference to BC total_inc_tax spread as rounding; more is quarantined. Default: lines + 2',
      ),
  })
  .describe('Tax handling');

export const defaultsSchema = z
  .object({
    stationId: id.describe('HL station_id for created orders'),
    sourceLocationId: id.describe('HL source_location_id (where revenue is booked)'),
    salesRep: z.string().nullable().default(null).describe('HL sales_rep on created orders'),
    customer: z
      .object({
        firstName: z.string().default('Guest').describe('Used when the BC billing address has no first name'),
        lastName: z
          .string()
          .default('Customer')
          .describe('Used when the BC billing address has no last name'),
        custom: z
          .record(z.string(), z.string())
          .default({})
          .describe('HL customer custom fields set on create'),
      })
      .default({ firstName: 'Guest', lastName: 'Customer', custom: {} })
      .describe('Defaults for created customers'),
  })
  .describe('Fixed values for created orders and customers');

export const mappingConfigSchema = z
  .object({
    statusMap: statusMapSchema.default({
      toHeartland: DEFAULT_STATUS_TO_HEARTLAND,
      toBigCommerce: DEFAULT_STATUS_TO_BIGCOMMERCE,
    }),
    paymentMethods: paymentMethodsSchema.default({ byName: {}, byGateway: {}, byMethod: {} }),
    shippingMethods: shippingMethodsSchema.default({ byName: {}, required: false }),
    fulfilmentLocation: fulfilmentLocationSchema.default({ rules: [] }),
    taxHandling: taxHandlingSchema.default({
      mode: 'line',
      pricesIncludeTax: 'auto',
      description: 'Sales Tax',
    }),
    defaults: defaultsSchema,
    bcOrderIdCustomField: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,62}$/, 'a Heartland custom field key (snake_case)')
      .default('bc_order_id')
      .describe('HL sales order custom field holding the BC order id (idempotency lookup)'),
    orderNumber: z
      .strictObject({
        from: z
          .enum(['bigcommerce', 'heartland'])
          .default('bigcommerce')
          .describe(
            "bigcommerce: the HL order number (public_id) is the BC order id with `prefix` — staff find web orders by their number, and Heartland refuses a second order with the same number, so a create that timed out and landed late cannot make a duplicate; heartland: Heartland's own counter (late copies are then found and cancelled by the late-write check)",
          ),
        prefix: z
          .string()
          .regex(/^[A-Za-z0-9-]{0,12}$/, 'letters, digits and - (at most 12)')
          .default('BC-')
          .describe('Prefix of the HL order number, so web numbers never collide with in-store ones'),
      })
      .prefault({})
      .describe('Heartland order numbers of web orders'),
    giftCertificateLines: z
      .enum(['exclude', 'reject'])
      .default('exclude')
      .describe(
        'BC gift-certificate purchase lines: exclude from the HL order (the gift card flow issues them) or quarantine',
      ),
    bundles: z
      .enum(['parent', 'children'])
      .default('parent')
      .describe(
        'parent: sell the bundle SKU, skip its components; children: sell the components, parent price spread over them',
      ),
    expressions: z
      .record(
        z.string().regex(/^(custom\.[a-z][a-z0-9_]{0,62}|sales_rep)$/, 'target custom.<key> or sales_rep'),
        z.string().min(1).max(2000),
      )
      .default({})
      .refine((e) => Object.keys(e).length <= 50, 'at most 50 expressions')
      .describe(
        'JSONata expressions evaluated against {order, products, shippingAddresses, transactions}; the result sets the target',
      ),
    risk: riskConfigSchema.describe(
      'Order risk screening: unusual orders are held for review before fulfilment (off by default; see src/mapping/order-risk.ts)',
    ),
  })
  .describe('heartbridge order mapping config (BigCommerce → Heartland)');

export type MappingConfig = z.infer<typeof mappingConfigSchema>;
export type MappingConfigInput = z.input<typeof mappingConfigSchema>;

/** Validates a config (e.g. parsed YAML). Throws PermanentError HB_ERR_MAP_CONFIG_INVALID listing each issue. */
export function parseMappingConfig(input: unknown): MappingConfig {
  const r = mappingConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of r.error.issues) {
    const path = issue.path.map(String).join('.') || '(root)';
    fieldErrors[path] = [...(fieldErrors[path] ?? []), issue.message];
  }
  throw new PermanentError({
    code: 'HB_ERR_MAP_CONFIG_INVALID',
    message: `mapping config is invalid: ${Object.entries(fieldErrors)
      .map(([k, v]) => `${k}: ${v.join('; ')}`)
      .join(' | ')}`,
    fieldErrors,
    suggestedFix: 'fix the listed fields in the mapping config (see mapping.example.yaml)',
  });
}

/**
 * The documented default: statuses as in DEFAULT_STATUS_TO_HEARTLAND, tax per line following BC's
 * inclusive/exclusive setting, every line shipped from the source location, no payment or shipping
 * maps (orders quarantine until payment methods are mapped — deliberately: a wrong payment type is a
 * money error), gift certificates excluded, bundles sold as the parent SKU.
 */
export function defaultMappingConfig(ids: { stationId: number; sourceLocationId: number }): MappingConfig {
  return parseMappingConfig({ defaults: ids });
}

export function mappingConfigJsonSchema(): unknown {
  return z.toJSONSchema(mappingConfigSchema, { io: 'input' });
}
