/** Task handlers and schedules of the catalog flow (see ../inventory/handlers.ts for how the app registers them). */
import type { TaskHandler } from '../../engine/queue/queue-backend.js';
import type { FlowSchedule } from '../inventory/handlers.js';
import {
  type ContextSource,
  type InventoryFlowContext,
  resolveContext,
} from '../inventory/inventory-context.js';
import { INVENTORY_PRIORITY } from '../inventory/routing.js';
import { syncItems } from '../inventory/stock-sync.js';
import type { CatalogConfig } from './catalog-config.js';
import type { CatalogFlowContext } from './catalog-context.js';
import { pollCatalog, syncCatalogItem } from './catalog-poll.js';

export const CATALOG_TASK_NAMES = { poll: 'catalog.poll', item: 'catalog.item' } as const;

/**
 * `catalog.item` also re-syncs the item's stock when the context carries an enabled inventory config
 * (a Heartland item webhook is a hint for both).
 */
export function createCatalogHandlers(
  source: ContextSource<CatalogFlowContext | (CatalogFlowContext & InventoryFlowContext)>,
): Record<string, TaskHandler> {
  return {
    async [CATALOG_TASK_NAMES.poll](_payload, job) {
      const ctx = await resolveContext(source, job.connectionId);
      if (ctx.catalog.enabled) await pollCatalog(ctx);
    },
    async [CATALOG_TASK_NAMES.item](payload, job) {
      const ctx = await resolveContext(source, job.connectionId);
      const fromKey = /^hl:item:(\d+)$/.exec(job.entityKey)?.[1];
      const id = Number(payload.itemId ?? payload.id ?? fromKey);
      if (!Number.isInteger(id) || id <= 0) return;
      if (ctx.catalog.enabled) await syncCatalogItem(ctx, id);
      if ('inventory' in ctx && ctx.inventory.enabled) await syncItems(ctx, [id]);
    },
  };
}

export function catalogSchedules(cfg: CatalogConfig): FlowSchedule[] {
  if (!cfg.enabled) return [];
  return [
    {
      name: 'catalog.poll',
      every: cfg.pollInterval,
      task: CATALOG_TASK_NAMES.poll,
      payload: {},
      priority: INVENTORY_PRIORITY.poll,
    },
  ];
}
