/**
 * The configuration schema with every feature's blocks plugged in (config/ knows none of them: features
 * sit above it). `config validate`, `serve` and every command validate with this one, so a mistake in an
 * `inventory` or `catalog` block is reported with its field and file before anything runs.
 */
import type { z } from 'zod';
import { createConfigSchema, type HeartbridgeConfig } from '../config/config-schema.js';
import { catalogConfigSchema } from '../flows/catalog/catalog-config.js';
import { customersConfigSchema } from '../flows/customers/customers-config.js';
import { giftCardsConfigSchema } from '../flows/giftcards/giftcards-config.js';
import { inventoryConfigSchema } from '../flows/inventory/inventory-config.js';

export const fullConfigSchema: z.ZodType<HeartbridgeConfig> = createConfigSchema({
  inventory: inventoryConfigSchema.optional(),
  catalog: catalogConfigSchema.optional(),
  customers: customersConfigSchema.optional(),
  giftCards: giftCardsConfigSchema.optional(),
});
