/** The inventory flow's public surface. */
export { type HintResult, handleBcInventoryHint } from './bc-hints.js';
export { FULL_SYNC_CURSOR, type FullSyncOptions, type FullSyncResult, fullSync } from './full-sync.js';
export {
  createInventoryHandlers,
  type FlowSchedule,
  inventorySchedules,
  scheduleIntervalMs,
  toScheduleDefinition,
} from './handlers.js';
export {
  type InventoryConfig,
  type InventoryConfigInput,
  inventoryConfigSchema,
  type LocationMapEntry,
  parseInventoryConfig,
  type SafetyRule,
  safetyFor,
  targetLevel,
} from './inventory-config.js';
export type {
  InventoryContextResolver,
  InventoryFlowContext,
  InventoryMetrics,
} from './inventory-context.js';
export { type ReconcileResult, reconcileInventory } from './reconcile.js';
export { recordOrderReservation, refreshReservations, releaseOrder, reservedBySku } from './reservations.js';
export { INVENTORY_PRIORITY, INVENTORY_TASKS, inventoryTopicRoute } from './routing.js';
export { LEDGER_CURSOR, pollLedger, syncItems, syncSkus } from './stock-sync.js';
