/** The catalog flow's public surface. */
export {
  type CatalogConfig,
  type CatalogConfigInput,
  catalogConfigSchema,
  parseCatalogConfig,
} from './catalog-config.js';
export type { CatalogFlowContext } from './catalog-context.js';
export {
  CATALOG_FULL_CURSOR,
  CATALOG_POLL_CURSOR,
  fullCatalogSync,
  pollCatalog,
  syncCatalogItem,
  unmatchedSkus,
} from './catalog-poll.js';
export {
  type CatalogSyncResult,
  PRICE_ANOMALY_KIND,
  priceAnomaly,
  syncCatalogItems,
} from './catalog-sync.js';
export { CATALOG_TASK_NAMES, catalogSchedules, createCatalogHandlers } from './handlers.js';
