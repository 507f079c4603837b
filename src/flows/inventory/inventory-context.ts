/**
 * What the inventory and catalog flows get for one connection: the shared `FlowContext` (engine, both
 * API clients, clock, alerts, logger) plus their own config blocks. Metrics are structural so tests and
 * the CLI can pass none.
 */
import type { FlowContext } from '../flow-context.js';
import type { InventoryConfig } from './inventory-config.js';

export interface CounterLike {
  inc(labels: { connection: string }, value?: number): void;
}

export interface InventoryMetrics {
  /** `heartbridge_inventory_drift_total` (src/server/metrics.ts). */
  inventoryDrift?: CounterLike;
}

/** `mapping` is optional: these flows do not map orders (a full `FlowContext` fits as it is). */
export interface InventoryFlowContext extends Omit<FlowContext, 'metrics' | 'mapping'> {
  mapping?: FlowContext['mapping'];
  inventory: InventoryConfig;
  metrics?: InventoryMetrics & Partial<FlowContext['metrics']>;
}

/** One context per connection id (the app resolves it, perhaps decrypting secrets). */
export type InventoryContextResolver = (
  connectionId: string,
) => InventoryFlowContext | Promise<InventoryFlowContext>;

export type ContextSource<C> = C | ((connectionId: string) => C | Promise<C>);

export async function resolveContext<C extends { connectionId: string }>(
  source: ContextSource<C>,
  connectionId: string,
): Promise<C> {
  if (typeof source === 'function') return (source as (id: string) => C | Promise<C>)(connectionId);
  return source;
}
