/**
 * Turns one configured connection into what flows need at run time: API clients (with the BigCommerce
 * rate budget shared through the database, so every process of this connection spends one budget) and
 * the validated mapping config.
 *
 * Mapping defaults: a Heartland order needs a station and a source location. When the config names
 * none, the first station of the first Heartland location that has one is used (looked up once, logged),
 * so an env-only start can sync; a config that names them wins.
 */
import type { ConnectionConfig } from '../config/config-schema.js';
import { parseDurationMs } from '../config/duration.js';
import { BigCommerceApi } from '../connectors/bigcommerce/bigcommerce-api.js';
import { DbRateBudgetStore } from '../connectors/bigcommerce/db-rate-budget-store.js';
import {
  DEFAULT_RATE_POLICY,
  InMemoryRateBudgetStore,
  type RateBudgetStore,
} from '../connectors/bigcommerce/rate-budget.js';
import { HeartlandApi } from '../connectors/heartland/heartland-api.js';
import { PermanentError } from '../engine/errors.js';
import { type CatalogConfig, parseCatalogConfig } from '../flows/catalog/catalog-config.js';
import type { CatalogFlowContext } from '../flows/catalog/catalog-context.js';
import { type CustomersConfig, parseCustomersConfig } from '../flows/customers/customers-config.js';
import type { CustomersFlowContext } from '../flows/customers/sync-customer.js';
import type { FlowContext } from '../flows/flow-context.js';
import { type GiftCardsConfig, parseGiftCardsConfig } from '../flows/giftcards/giftcards-config.js';
import type { GiftCardFlowContext } from '../flows/giftcards/giftcards-context.js';
import { type InventoryConfig, parseInventoryConfig } from '../flows/inventory/inventory-config.js';
import type { InventoryFlowContext } from '../flows/inventory/inventory-context.js';
import { type MappingConfig, parseMappingConfig } from '../mapping/mapping-config.js';
import type { AppParts } from './create-app.js';

export interface ConnectionRuntime {
  bc: BigCommerceApi;
  hl: HeartlandApi;
  mapping(): Promise<MappingConfig>;
  /** The stock sync settings; undefined when the connection has no `inventory` block (no stock sync). */
  inventory: InventoryConfig | undefined;
  catalog: CatalogConfig;
  /** Customer profile sync (defaults when the connection has no `customers` block: on, no web accounts made). */
  customers: CustomersConfig;
  /** The gift card sync settings; undefined when the connection has no `giftCards` block (no sync). */
  giftCards: GiftCardsConfig | undefined;
}

export function createConnectionRuntime(parts: AppParts, conn: ConnectionConfig): ConnectionRuntime {
  const bc = new BigCommerceApi({
    apiUrl: conn.bigcommerce.apiUrl,
    storeHash: conn.bigcommerce.storeHash,
    accessToken: conn.bigcommerce.accessToken,
    timeoutMs: conn.bigcommerce.timeoutMs,
    writeSettleMs: conn.bigcommerce.writeSettleMs,
    rateBudget: rateBudgetFor(parts, conn),
  });
  const hl = new HeartlandApi({
    apiUrl: conn.heartland.apiUrl,
    token: conn.heartland.apiToken,
    concurrency: conn.heartland.concurrency,
    onConcurrencyChange: ({ limit, max, reason }) => {
      // A warning the on-call engineer can grep: Heartland stopped answering and this process slowed down.
      if (reason === 'backoff')
        parts.logger.warn(
          { connection: conn.id, upstream: 'heartland', limit, max },
          `Heartland requests are timing out: this process now keeps at most ${limit} of ${max} in flight until it answers again`,
        );
      else
        parts.logger.info(
          { connection: conn.id, upstream: 'heartland', limit, max },
          'Heartland answers again: full concurrency',
        );
    },
    timeoutMs: conn.heartland.timeoutMs,
    writeSettleMs: conn.heartland.writeSettleMs,
  });
  let mapping: Promise<MappingConfig> | undefined;
  return {
    bc,
    hl,
    inventory: conn.inventory === undefined ? undefined : parseInventoryConfig(conn.inventory),
    catalog: parseCatalogConfig(conn.catalog ?? {}),
    customers: parseCustomersConfig(conn.customers ?? {}),
    giftCards: conn.giftCards === undefined ? undefined : parseGiftCardsConfig(conn.giftCards),
    mapping() {
      mapping ??= resolveMapping(conn, hl, parts).catch((err: unknown) => {
        mapping = undefined; // a transient lookup failure must not stick
        throw err;
      });
      return mapping;
    },
  };
}

/**
 * Where the BigCommerce budget lives. PostgreSQL: in the database, so every process of the connection
 * spends one budget. SQLite: in memory — SQLite runs one process, and a database budget costs two
 * fsync'd writes per API call (measured: ~8 of ~12 fsyncs per order, 40 % of CPU samples).
 */
function rateBudgetFor(parts: AppParts, conn: ConnectionConfig): RateBudgetStore {
  const policy = { ...DEFAULT_RATE_POLICY, share: conn.rateBudgetShare };
  return parts.store.dialect === 'postgres'
    ? new DbRateBudgetStore(parts.store.db, policy)
    : new InMemoryRateBudgetStore(policy);
}

async function resolveMapping(
  conn: ConnectionConfig,
  hl: HeartlandApi,
  parts: AppParts,
): Promise<MappingConfig> {
  const raw = (conn.mapping ?? {}) as Record<string, unknown>;
  const defaults = (raw.defaults ?? {}) as Record<string, unknown>;
  if (defaults.stationId !== undefined && defaults.sourceLocationId !== undefined)
    return parseMappingConfig(raw);
  const locations = await hl.locations();
  for (const loc of locations) {
    const stations = (loc as { stations?: Array<{ id: number }> }).stations ?? [];
    const station = stations[0];
    if (station) {
      parts.logger.info(
        { connection: conn.id, stationId: station.id, sourceLocationId: loc.id, location: loc.name },
        'mapping.defaults not configured: using the first Heartland station found',
      );
      return parseMappingConfig({
        ...raw,
        defaults: { stationId: station.id, sourceLocationId: loc.id, ...defaults },
      });
    }
  }
  throw new PermanentError({
    code: 'HB_ERR_CONFIG_NO_STATION',
    message: `connection ${conn.id}: Heartland has no location with a station, and mapping.defaults names none`,
    suggestedFix: 'create a station in Heartland (Settings → Locations) or set mapping.defaults.stationId',
  });
}

/** What every flow's context carries for one connection (each flow adds its own config block). */
function sharedContext(parts: AppParts, conn: ConnectionConfig, runtime: ConnectionRuntime) {
  return {
    connectionId: conn.id,
    engine: parts.engine,
    bc: runtime.bc,
    hl: runtime.hl,
    configVersion: parts.configVersion,
    alerts: parts.alerts,
    metrics: parts.metrics,
    logger: parts.logger,
    now: Date.now,
  };
}

/** The flow context for one connection, from its runtime. */
export async function flowContextFor(
  parts: AppParts,
  conn: ConnectionConfig,
  runtime: ConnectionRuntime,
): Promise<FlowContext> {
  return {
    ...sharedContext(parts, conn, runtime),
    mapping: await runtime.mapping(),
    options: { lateWriteCheckMs: parseDurationMs(conn.polling.lateWrites) },
  };
}

/** The inventory + catalog context for one connection (stock sync requires its `inventory` block). */
export function stockContextFor(
  parts: AppParts,
  conn: ConnectionConfig,
  runtime: ConnectionRuntime,
): InventoryFlowContext & CatalogFlowContext {
  if (!runtime.inventory) {
    throw new PermanentError({
      code: 'HB_ERR_CONFIG_NO_INVENTORY',
      message: `connection ${conn.id} has no inventory block: stock sync is off for it`,
      suggestedFix:
        'add connections[].inventory (location map, safety stock) to heartbridge.yaml, or discard this job',
    });
  }
  return {
    ...sharedContext(parts, conn, runtime),
    inventory: runtime.inventory,
    catalog: runtime.catalog,
  };
}

/** The gift card context for one connection (requires its `giftCards` block). */
export function giftCardContextFor(
  parts: AppParts,
  conn: ConnectionConfig,
  runtime: ConnectionRuntime,
): GiftCardFlowContext {
  if (!runtime.giftCards) {
    throw new PermanentError({
      code: 'HB_ERR_CONFIG_NO_GIFTCARDS',
      message: `connection ${conn.id} has no giftCards block: gift card sync is off for it`,
      suggestedFix:
        'add connections[].giftCards to heartbridge.yaml (docs/configuration.md), or discard this job',
    });
  }
  return {
    ...sharedContext(parts, conn, runtime),
    giftCards: runtime.giftCards,
  };
}

/** The customer profile context for one connection: the flow context plus its `customers` block. */
export async function customersContextFor(
  parts: AppParts,
  conn: ConnectionConfig,
  runtime: ConnectionRuntime,
): Promise<CustomersFlowContext> {
  return { ...(await flowContextFor(parts, conn, runtime)), customers: runtime.customers };
}
