/**
 * Builds the inventory / catalog context of one configured connection for the CLI (`sync`, `locations`,
 * `catalog`): real API clients whose BigCommerce requests are counted and whose rate budget is the one
 * stored in the database (shared with a running service, so a CLI full sync and live traffic obey one
 * quota), plus the `inventory` and `catalog` blocks of that connection.
 */
import type { LoadedConfig } from '../../config/load-config.js';
import { BigCommerceApi } from '../../connectors/bigcommerce/bigcommerce-api.js';
import { DbRateBudgetStore } from '../../connectors/bigcommerce/db-rate-budget-store.js';
import { DEFAULT_RATE_POLICY } from '../../connectors/bigcommerce/rate-budget.js';
import { HeartlandApi } from '../../connectors/heartland/heartland-api.js';
import type { Engine } from '../../engine/engine.js';
import { type CatalogConfig, parseCatalogConfig } from '../catalog/catalog-config.js';
import type { CatalogFlowContext } from '../catalog/catalog-context.js';
import { type InventoryConfig, parseInventoryConfig } from './inventory-config.js';
import type { InventoryFlowContext } from './inventory-context.js';

export interface ApiMeter {
  /** BigCommerce requests sent by this process. */
  bcCalls(): number;
  bc429s(): number;
  /** What the shared budget believes is left in the current window (undefined before the first response). */
  budgetLeft(): Promise<{ left: number; quota: number } | undefined>;
}

export type ConnectionFlowContext = InventoryFlowContext & CatalogFlowContext;

export function connectionBlocks(
  loaded: LoadedConfig,
  connectionId: string,
): { inventory: InventoryConfig | undefined; catalog: CatalogConfig } {
  const conn = loaded.config.connections.find((c) => c.id === connectionId) as
    | Record<string, unknown>
    | undefined;
  // The config loader validated and kept these blocks (src/app/full-config-schema.ts).
  const inv = conn?.inventory;
  return {
    inventory: inv === undefined ? undefined : parseInventoryConfig(inv),
    catalog: parseCatalogConfig(conn?.catalog),
  };
}

export function buildConnectionContext(
  engine: Engine,
  loaded: LoadedConfig,
  connectionId?: string,
): { ctx: ConnectionFlowContext; meter: ApiMeter; hasInventoryConfig: boolean } {
  const conn = connectionId
    ? loaded.config.connections.find((c) => c.id === connectionId)
    : loaded.config.connections[0];
  if (!conn)
    throw new Error(
      connectionId ? `no connection "${connectionId}" in the config` : 'no connection configured',
    );
  let calls = 0;
  let limited = 0;
  const countingFetch = async (input: string, init: RequestInit) => {
    calls++;
    const res = await fetch(input, init);
    if (res.status === 429) limited++;
    return res;
  };
  const budget = new DbRateBudgetStore(engine.store.db, {
    ...DEFAULT_RATE_POLICY,
    share: conn.rateBudgetShare,
  });
  const budgetKey = `bc:${conn.bigcommerce.storeHash}`;
  const bc = new BigCommerceApi({ ...conn.bigcommerce, fetch: countingFetch, rateBudget: budget, budgetKey });
  const hl = new HeartlandApi({
    apiUrl: conn.heartland.apiUrl,
    token: conn.heartland.apiToken,
    writeSettleMs: conn.heartland.writeSettleMs,
  });
  const blocks = connectionBlocks(loaded, conn.id);
  const ctx: ConnectionFlowContext = {
    connectionId: conn.id,
    engine,
    bc,
    hl,
    configVersion: loaded.version,
    now: Date.now,
    inventory:
      blocks.inventory ?? parseInventoryConfig({ locations: [{ bcLocationId: 1, hlLocationIds: [1] }] }),
    catalog: blocks.catalog,
  };
  return {
    ctx,
    hasInventoryConfig: blocks.inventory !== undefined,
    meter: {
      bcCalls: () => calls,
      bc429s: () => limited,
      async budgetLeft() {
        const s = await budget.peek(budgetKey);
        return s ? { left: Math.max(0, s.left), quota: s.quota } : undefined;
      },
    },
  };
}
