/**
 * The catalog block of a connection's config (Heartland items → BigCommerce products / variants).
 *
 *   catalog:
 *     createMissing: false        # create BigCommerce products for Heartland-only items (simple items)
 *     fields: { name: hl_to_bc, price: hl_to_bc, visibility: hl_to_bc }   # or `off`
 *     priceGuard: { maxDrop: 0.9, maxRise: 10 }   # a price falling 90 % or more, or rising ×10, is held for review
 *     pollInterval: 5m
 *
 * Directions are per field so a store can, say, keep names edited in BigCommerce (`name: off`) while
 * prices follow Heartland. Only `hl_to_bc` and `off` exist today: Heartland is the catalogue master.
 */
import { z } from 'zod';
import { durationSchema } from '../../config/duration.js';

const direction = z.enum(['hl_to_bc', 'off']);
export type FieldDirection = z.infer<typeof direction>;

export const catalogConfigSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Sync Heartland items to BigCommerce products.'),
    createMissing: z
      .boolean()
      .default(false)
      .describe('Create BigCommerce products for Heartland items (without a grid) that have no partner.'),
    fields: z
      .object({
        name: direction.default('hl_to_bc').describe('Product name ← item description (grid description).'),
        price: direction.default('hl_to_bc').describe('Product / variant price ← item price.'),
        visibility: direction.default('hl_to_bc').describe('Product is_visible ← item active.'),
      })
      .strict()
      .prefault({}),
    priceGuard: z
      .object({
        maxDrop: z
          .number()
          .gt(0)
          .max(1)
          .default(0.9)
          .describe('A price falling by this share or more is held.'),
        maxRise: z.number().gt(1).default(10).describe('A price rising to this multiple or more is held.'),
      })
      .strict()
      .prefault({}),
    pollInterval: durationSchema.default('5m').describe('Backstop poll of items changed in Heartland.'),
  })
  .strict();
export type CatalogConfig = z.output<typeof catalogConfigSchema>;
export type CatalogConfigInput = z.input<typeof catalogConfigSchema>;

export function parseCatalogConfig(input: unknown): CatalogConfig {
  return catalogConfigSchema.parse(input ?? {});
}
