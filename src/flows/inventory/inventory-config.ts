/**
 * The inventory block of a connection's config: which Heartland locations feed which BigCommerce
 * location, how much stock is held back (safety stock) and how often to poll. Versioned with the rest of
 * the config (DESIGN §5.10), never in code. Example: `inventory.example.yaml` next to this file.
 *
 * Allow-list semantics: only the Heartland locations listed under some BigCommerce location feed the web;
 * every other Heartland location is ignored (its stock never reaches BigCommerce).
 *
 * Safety stock precedence for one SKU at one BigCommerce location (first that applies):
 *   location.skuSafety[sku] → skuSafety[sku] → location.safety → 0.
 * A rule is `{keep: N}` (hold back N units) or `{percent: P}` (hold back ⌈available × P / 100⌉).
 */
import { z } from 'zod';
import { durationSchema } from '../../config/duration.js';

export const safetyRuleSchema = z
  .union([
    z.object({ keep: z.number().int().min(0).describe('Units held back from the web.') }).strict(),
    z
      .object({
        percent: z.number().min(0).max(100).describe('Share of available units held back (rounded up).'),
      })
      .strict(),
  ])
  .describe('Safety stock rule: `{keep: N}` or `{percent: P}`.');
export type SafetyRule = z.infer<typeof safetyRuleSchema>;

const skuSafetySchema = z
  .record(z.string().min(1), safetyRuleSchema)
  .default({})
  .describe('Per-SKU safety stock overrides.');

export const locationMapEntrySchema = z
  .object({
    bcLocationId: z.number().int().positive().describe('BigCommerce inventory location id.'),
    hlLocationIds: z
      .array(z.number().int().positive())
      .min(1)
      .describe('Heartland location ids whose available stock is summed into this BigCommerce location.'),
    label: z
      .string()
      .optional()
      .describe('Label used by `heartbridge locations sync` when it creates the location.'),
    code: z
      .string()
      .optional()
      .describe('Location code used by `heartbridge locations sync` (default HB-<id>).'),
    safety: safetyRuleSchema.optional().describe('Safety stock at this location (default none).'),
    skuSafety: skuSafetySchema,
  })
  .strict();
export type LocationMapEntry = z.infer<typeof locationMapEntrySchema>;

export const inventoryConfigSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Sync Heartland stock to BigCommerce.'),
    locations: z
      .array(locationMapEntrySchema)
      .min(1)
      .describe(
        'BigCommerce location ← Heartland locations. Unlisted Heartland locations never feed the web.',
      ),
    skuSafety: skuSafetySchema,
    orderLocationId: z
      .number()
      .int()
      .positive()
      .default(1)
      .describe('BigCommerce location whose stock storefront orders take (reservations are held there).'),
    pollInterval: durationSchema.default('15s').describe('How often the Heartland stock ledger is polled.'),
    reservationsInterval: durationSchema
      .default('1m')
      .describe('Backstop for refreshing reservations of BigCommerce orders not yet in Heartland.'),
    reconcileInterval: durationSchema
      .default('6h')
      .describe('How often BigCommerce levels are compared in full.'),
    reconcileSettle: durationSchema
      .default('60s')
      .describe(
        'A reconcile does not judge levels written this recently: BigCommerce applies adjustments shortly after answering, so a read right after a write may still show the old value.',
      ),
    reservationTtl: durationSchema
      .default('48h')
      .describe(
        'A reservation whose order never reaches Heartland is released after this long (and alerted).',
      ),
    driftAlertThreshold: z
      .number()
      .int()
      .min(0)
      .default(25)
      .describe('Alert when one reconcile run repairs more levels than this.'),
    ledgerOverlap: z
      .number()
      .int()
      .min(0)
      .default(20)
      .describe('Ledger ids re-read before the cursor (late commits); re-reads cost nothing when unchanged.'),
    batchSize: z
      .number()
      .int()
      .min(1)
      .max(2000)
      .default(2000)
      .describe('Items per absolute adjustment call.'),
    hlPageSize: z
      .number()
      .int()
      .min(10)
      .max(1000)
      .default(500)
      .describe('Heartland page size for bulk reads.'),
  })
  .strict();
export type InventoryConfig = z.output<typeof inventoryConfigSchema>;
export type InventoryConfigInput = z.input<typeof inventoryConfigSchema>;

export function parseInventoryConfig(input: unknown): InventoryConfig {
  return inventoryConfigSchema.parse(input);
}

/** Units held back for one SKU at one BigCommerce location, given the summed Heartland availability. */
export function safetyFor(
  cfg: InventoryConfig,
  loc: LocationMapEntry,
  sku: string,
  available: number,
): number {
  const rule = loc.skuSafety[sku] ?? cfg.skuSafety[sku] ?? loc.safety;
  if (!rule) return 0;
  if ('keep' in rule) return rule.keep;
  return Math.ceil((Math.max(0, available) * rule.percent) / 100);
}

/**
 * What BigCommerce should show: max(0, available − safety − reserved). Availability at or below safety
 * is 0 at once (oversell protection). Heartland's `qty_available` may be null (NOTES §10): treated as 0.
 */
export function targetLevel(available: number, safety: number, reserved: number): number {
  const t = Math.floor(available) - safety - reserved;
  return Math.max(t, 0);
}

/** Heartland location id → the BigCommerce locations it feeds (normally one). */
export function hlToBcIndex(cfg: InventoryConfig): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const loc of cfg.locations) {
    for (const hl of loc.hlLocationIds) out.set(hl, [...(out.get(hl) ?? []), loc.bcLocationId]);
  }
  return out;
}

/** Every Heartland location that feeds the web (the allow-list). */
export function feedingHlLocations(cfg: InventoryConfig): number[] {
  return [...new Set(cfg.locations.flatMap((l) => l.hlLocationIds))].sort((a, b) => a - b);
}
