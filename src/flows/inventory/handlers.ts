/**
 * Task handlers and schedules of the inventory flow, for the app to register.
 *
 *   const handlers = { ...createInventoryHandlers(resolve), ...createCatalogHandlers(resolve) };
 *   for (const s of inventorySchedules(cfg.inventory)) scheduler.add(toScheduleDefinition(s, engine, id));
 *
 * `resolve` is either one connection's context or a resolver by connection id (the job's).
 */
import { parseDurationMs } from '../../config/duration.js';
import type { Engine } from '../../engine/engine.js';
import type { JsonObject, TaskHandler } from '../../engine/queue/queue-backend.js';
import type { ScheduleDefinition } from '../../engine/scheduler/index.js';
import { handleBcInventoryHint } from './bc-hints.js';
import { bcUnitsBySku } from './bc-stock-reader.js';
import { fullSync } from './full-sync.js';
import { isUnidentifiedEcho } from './identity.js';
import type { InventoryConfig } from './inventory-config.js';
import { type ContextSource, type InventoryFlowContext, resolveContext } from './inventory-context.js';
import { reconcileInventory } from './reconcile.js';
import { runReservationsJob } from './reservations.js';
import { INVENTORY_PRIORITY, INVENTORY_TASKS } from './routing.js';
import { pollLedger, syncItems, syncSkus } from './stock-sync.js';

/** A schedule as data: the app turns it into a `ScheduleDefinition` that enqueues `task`. */
export interface FlowSchedule {
  name: string;
  every?: string;
  cron?: string;
  task: string;
  payload: JsonObject;
  priority?: number;
}

export function createInventoryHandlers(
  source: ContextSource<InventoryFlowContext>,
): Record<string, TaskHandler> {
  const ctxFor = (connectionId: string) => resolveContext(source, connectionId);
  return {
    async [INVENTORY_TASKS.poll](_payload, job) {
      const ctx = await ctxFor(job.connectionId);
      if (!ctx.inventory.enabled) return;
      const r = await pollLedger(ctx);
      if (r.initialised) {
        // First poll of this connection: write every level once (resumable, bulk priority), so a fresh
        // `serve` shows true stock without anyone having to run `sync inventory --full`.
        await ctx.engine.queue.enqueue({
          connectionId: ctx.connectionId,
          task: INVENTORY_TASKS.full,
          entityKey: `inventory:full:${ctx.connectionId}`,
          coalesceKey: `${INVENTORY_TASKS.full}:${ctx.connectionId}`,
          payload: {},
          // Real-time, not bulk: on a busy store the queue always holds real-time work (orders, hints),
          // and the chaos full run showed a bulk first sync never starting while the load lasted —
          // so the web kept showing stock nobody had set. It is one job: it holds one slot.
          priority: INVENTORY_PRIORITY.realtime,
        });
      }
      if (r.more) {
        await ctx.engine.queue.enqueue({
          connectionId: ctx.connectionId,
          task: INVENTORY_TASKS.poll,
          entityKey: `inventory:poll:${ctx.connectionId}`,
          coalesceKey: `${INVENTORY_TASKS.poll}:${ctx.connectionId}`,
          payload: {},
          priority: INVENTORY_PRIORITY.dispatch,
        });
      }
    },
    async [INVENTORY_TASKS.bcHint](payload, job) {
      const ctx = await ctxFor(job.connectionId);
      if (!ctx.inventory.enabled) return;
      // After a write-first full sync, until reconcile learns the units' ids (identity.ts).
      if (await isUnidentifiedEcho(ctx, payload)) return;
      await handleBcInventoryHint(ctx, payload);
    },
    async [INVENTORY_TASKS.reservations](_payload, job) {
      const ctx = await ctxFor(job.connectionId);
      await runReservationsJob(ctx, (skus) => syncSkusAgainstBc(ctx, skus));
    },
    async [INVENTORY_TASKS.reconcile](_payload, job) {
      const ctx = await ctxFor(job.connectionId);
      if (!ctx.inventory.enabled) return;
      await reconcileInventory(ctx, { settleMs: parseDurationMs(ctx.inventory.reconcileSettle) });
    },
    async [INVENTORY_TASKS.full](_payload, job) {
      const ctx = await ctxFor(job.connectionId);
      await fullSync(ctx);
    },
    async [INVENTORY_TASKS.item](payload, job) {
      const ctx = await ctxFor(job.connectionId);
      const id = Number(payload.itemId ?? payload.id);
      if (Number.isInteger(id) && id > 0) await syncItems(ctx, [id]);
    },
  };
}

/**
 * Re-syncs SKUs against what BigCommerce shows now (one batched read), not against what we last wrote:
 * a storefront sale changed BigCommerce without us, and a hold or its release changes the target.
 */
async function syncSkusAgainstBc(ctx: InventoryFlowContext, skus: string[]): Promise<void> {
  const units = await bcUnitsBySku(ctx, skus, 'realtime');
  const bcActual = new Map([...units].map(([sku, u]) => [sku, u.levels]));
  await syncSkus(ctx, skus, { bcActual });
}

export function inventorySchedules(cfg: InventoryConfig): FlowSchedule[] {
  if (!cfg.enabled) return [];
  return [
    {
      name: 'inventory.poll',
      every: cfg.pollInterval,
      task: INVENTORY_TASKS.poll,
      payload: {},
      priority: INVENTORY_PRIORITY.dispatch,
    },
    {
      name: 'inventory.reservations',
      every: cfg.reservationsInterval,
      task: INVENTORY_TASKS.reservations,
      payload: {},
      priority: INVENTORY_PRIORITY.dispatch,
    },
    {
      name: 'inventory.reconcile',
      every: cfg.reconcileInterval,
      task: INVENTORY_TASKS.reconcile,
      payload: {},
      priority: INVENTORY_PRIORITY.bulk,
    },
  ];
}

/** A `ScheduleDefinition` that enqueues the schedule's task for one connection (coalesced: never two pending). */
export function toScheduleDefinition(
  s: FlowSchedule,
  engine: Engine,
  connectionId: string,
): ScheduleDefinition {
  return {
    name: `${s.name}:${connectionId}`,
    ...(s.every ? { every: s.every } : { cron: s.cron }),
    async run() {
      await engine.queue.enqueue({
        connectionId,
        task: s.task,
        entityKey: `${s.task}:${connectionId}`,
        coalesceKey: `${s.task}:${connectionId}`,
        payload: s.payload,
        priority: s.priority ?? 0,
      });
    },
  };
}

/** Interval in ms of a schedule (for callers that poll by hand, e.g. tests and `sync --watch`). */
export function scheduleIntervalMs(s: FlowSchedule): number | undefined {
  return s.every ? parseDurationMs(s.every) : undefined;
}
