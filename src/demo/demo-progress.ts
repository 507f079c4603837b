/**
 * One snapshot of the demo for the live panel: where each order is (read from the simulators), the queue
 * (jobs by state), webhooks and retries (the app's metrics), API calls on each side (the simulators'
 * request counters, minus the demo's own checkout and staff calls).
 */
import type { App } from '../app/create-app.js';
import type { Sandbox } from '../sandbox/index.js';
import type { PlacedOrder } from './demo-storefront.js';

/** Where one order is, for the row of glyphs. */
export type OrderStage = 'placed' | 'heartland' | 'partial' | 'shipped' | 'quarantined';

export interface DemoProgress {
  phase: string;
  elapsedMs: number;
  planned: number;
  placed: number;
  /** Placed orders that have a Heartland sales order. */
  inHeartland: number;
  /** Placed orders whose Heartland order is complete (open or already shipped). */
  inHeartlandOpen: number;
  shippedByStaff: number;
  /** BigCommerce shipments made from Heartland fulfilments, on the placed orders. */
  shipmentsBack: number;
  /** Placed orders with at least one such shipment. */
  ordersShippedBack: number;
  /** Open quarantine entries, and how many of the placed orders have one. */
  quarantined: number;
  quarantinedPlaced: number;
  jobs: { pending: number; running: number; retrying: number; dead: number };
  webhooks: { received: number; duplicates: number };
  /** Failed job attempts that will be retried, and by error code. */
  retries: number;
  retryCodes: Record<string, number>;
  /** Jobs waiting to retry now (at most 3): what failed and when they run again. */
  retrying: Array<{ entityKey: string; code: string; message: string; inMs: number }>;
  apiCalls: { bc: number; hl: number };
  faultsInjected?: number;
  stages: OrderStage[];
}

export interface ProgressInput {
  app: Pick<App, 'engine' | 'metrics'>;
  sandbox: Sandbox;
  connectionId: string;
  bcOrderIdField: string;
  planned: number;
  placed: readonly PlacedOrder[];
  shippedByStaff: number;
  phase: string;
  elapsedMs: number;
  apiCalls: { bc: number; hl: number };
  faultsInjected?: number;
}

async function sumMetric(
  metric: { get(): Promise<{ values: Array<{ labels: Record<string, unknown>; value: number }> }> },
  where: (labels: Record<string, unknown>) => boolean,
): Promise<number> {
  const m = await metric.get();
  return m.values.filter((v) => where(v.labels)).reduce((s, v) => s + v.value, 0);
}

export async function progressOf(input: ProgressInput): Promise<DemoProgress> {
  const { sandbox: sb, app, placed } = input;
  const hlStatusByBc = new Map<string, string>();
  for (const o of sb.hl.state.salesOrders.all()) {
    const bcId = (o.custom as Record<string, unknown>)[input.bcOrderIdField];
    if (bcId !== undefined && bcId !== null) hlStatusByBc.set(String(bcId), o.status);
  }
  const quarantine = await app.engine.dlq.list({
    connectionId: input.connectionId,
    kind: 'quarantine',
    status: 'open',
  });
  const quarantinedKeys = new Set(quarantine.map((d) => d.entityKey));
  const counts = await app.engine.queue.countsByState();
  const retryingJobs = counts.retrying
    ? await app.engine.queue.listJobs({ connectionId: input.connectionId, state: 'retrying', limit: 3 })
    : [];
  const failures = await app.metrics.jobFailures.get();
  const retryCodes: Record<string, number> = {};
  for (const v of failures.values) {
    if (v.labels.final !== 'false') continue;
    const code = String(v.labels.code ?? 'unknown');
    retryCodes[code] = (retryCodes[code] ?? 0) + v.value;
  }

  let inHeartland = 0;
  let inHeartlandOpen = 0;
  let shipmentsBack = 0;
  let ordersShippedBack = 0;
  let quarantinedPlaced = 0;
  const stages: OrderStage[] = [];
  for (const p of placed) {
    const hlStatus = hlStatusByBc.get(String(p.id));
    const bc = sb.bc.state.orders.get(p.id);
    const back = (bc?.shipments ?? []).filter((s) =>
      String((s as { comments?: unknown }).comments ?? '').includes('heartland-invoice:'),
    ).length;
    shipmentsBack += back;
    if (back > 0) ordersShippedBack++;
    if (hlStatus) inHeartland++;
    if (hlStatus === 'open' || hlStatus === 'closed') inHeartlandOpen++;
    const isQuarantined = quarantinedKeys.has(`bc:order:${p.id}`);
    if (isQuarantined) quarantinedPlaced++;
    stages.push(
      isQuarantined
        ? 'quarantined'
        : back > 0
          ? bc?.status_id === 3
            ? 'partial'
            : 'shipped'
          : hlStatus
            ? 'heartland'
            : 'placed',
    );
  }
  return {
    phase: input.phase,
    elapsedMs: input.elapsedMs,
    planned: input.planned,
    placed: placed.length,
    inHeartland,
    inHeartlandOpen,
    shippedByStaff: input.shippedByStaff,
    shipmentsBack,
    ordersShippedBack,
    quarantined: quarantine.length,
    quarantinedPlaced,
    jobs: {
      pending: counts.pending ?? 0,
      running: counts.running ?? 0,
      retrying: counts.retrying ?? 0,
      dead: counts.dead ?? 0,
    },
    webhooks: {
      received: await sumMetric(app.metrics.eventsReceived, (l) => l.source === 'bigcommerce'),
      duplicates: await sumMetric(app.metrics.eventsDuplicate, (l) => l.source === 'bigcommerce'),
    },
    retries: Object.values(retryCodes).reduce((a, b) => a + b, 0),
    retryCodes,
    retrying: retryingJobs.map((j) => ({
      entityKey: j.entityKey,
      code: j.lastError?.[0]?.code ?? 'error',
      message: j.lastError?.[0]?.message ?? '',
      inMs: Math.max(0, j.runAt - Date.now()),
    })),
    apiCalls: input.apiCalls,
    faultsInjected: input.faultsInjected,
    stages,
  };
}
