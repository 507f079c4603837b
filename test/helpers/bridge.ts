/**
 * A whole heartbridge in one test process: the sandbox (BigCommerce + Heartland simulators), a SQLite
 * store, the engine, a Fastify server with the BigCommerce webhook route, the order/fulfilment flow
 * handlers and workers — and BigCommerce hooks registered (POST /v3/hooks on the simulator) pointing at
 * the bridge with the secret header. Used by the flow, e2e, chaos and demo suites.
 *
 *   const b = await startBridge({ faults: 'flaky' });
 *   const order = b.sandbox.bc.placeOrder({...});
 *   await b.waitFor(async () => (await b.hlOrdersFor(order.id)).length === 1);
 *   await b.close();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { configSchema } from '../../src/config/index.js';
import { BigCommerceApi } from '../../src/connectors/bigcommerce/bigcommerce-api.js';
import { installHooks } from '../../src/connectors/bigcommerce/hooks-registration.js';
import { InMemoryRateBudgetStore } from '../../src/connectors/bigcommerce/rate-budget.js';
import { HeartlandApi } from '../../src/connectors/heartland/heartland-api.js';
import type { AlertInput } from '../../src/engine/alerts/alert-channel.js';
import {
  type BackoffPolicy,
  createEngine,
  createQueueBackend,
  type Engine,
  type RunningWorker,
  type TaskHandler,
} from '../../src/engine/index.js';
import {
  createFlowHandlers,
  type FlowContext,
  type FlowOptions,
  webhookTaskRouter,
} from '../../src/flows/index.js';
import { createLogger } from '../../src/log/index.js';
import {
  type MappingConfig,
  type MappingConfigInput,
  parseMappingConfig,
} from '../../src/mapping/mapping-config.js';
import { type Sandbox, type StartSandboxOptions, startSandbox } from '../../src/sandbox/index.js';
import type { FaultConfigInput } from '../../src/sandbox/shared/fault-config.js';
import { buildServer, createMetrics } from '../../src/server/index.js';
import { registerBigCommerceWebhookRoute } from '../../src/server/routes/webhooks-bigcommerce.js';
import { openStore, type StoreHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';

export const BRIDGE_SECRET = 'bridge-secret-0123456789abcdef';
export const ORDER_SCOPES = ['store/order/created', 'store/order/updated', 'store/order/statusUpdated'];

export interface StartBridgeOptions {
  /** Sandbox options (seed, products, timeScale …). Rate limit defaults to a huge quota, webhook timeScale to 0.001. */
  sandbox?: StartSandboxOptions;
  /** Faults for both simulators (preset name or config); applied after the hooks are installed. */
  faults?: FaultConfigInput | string;
  /** Mapping config overrides, merged over `testMapping()`. */
  mapping?: Partial<MappingConfigInput>;
  flowOptions?: FlowOptions;
  /** Worker concurrency; `false` starts no workers (call handlers or `runOnce` yourself). Default 4. */
  workers?: number | false;
  /** Register BigCommerce hooks to the bridge. Default true. */
  hooks?: boolean;
  /** Queue retry backoff. Default 50 ms doubling up to 1 s (tests should not wait minutes). */
  backoff?: BackoffPolicy;
  maxAttempts?: number;
  /** Per-request timeout of both API clients. Default 3 s. */
  clientTimeoutMs?: number;
  /** Both clients: how long a timed-out POST's retry waits for it to land (product default 30 s). Default 1 s. */
  writeSettleMs?: number;
  connectionId?: string;
}

export interface Bridge {
  connectionId: string;
  sandbox: Sandbox;
  store: StoreHandle;
  engine: Engine;
  server: FastifyInstance;
  /** http://127.0.0.1:PORT */
  url: string;
  ctx: FlowContext;
  handlers: Record<string, TaskHandler>;
  mapping: MappingConfig;
  /** Every alert the flows raised, in order. */
  alerts: AlertInput[];
  /** Value of `ordersRepairedByPoll` for this connection. */
  repairedByPoll(): Promise<number>;
  /** Polls `predicate` every 25 ms until it holds; throws with `message` after `timeoutMs`. */
  waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs?: number, message?: string): Promise<void>;
  /** Waits until no job is pending or running (and no webhook delivery is pending in the simulator). */
  idle(timeoutMs?: number): Promise<void>;
  /** Enqueues a task now (e.g. `orders.poll`) with a unique entity key. */
  enqueue(task: string, payload?: Record<string, string | number>, entityKey?: string): Promise<string>;
  /** Heartland sales orders carrying this BigCommerce order id. */
  hlOrdersFor(bcOrderId: number): Array<{ id: number; status: string; customer_id: number | null }>;
  close(): Promise<void>;
}

/** A mapping config that fits the generated sandbox seed (Web Orders station, its payment types). */
export function testMapping(sandbox: Sandbox, overrides: Partial<MappingConfigInput> = {}): MappingConfig {
  const st = sandbox.hl.state;
  const station = st.stations.all().find((s) => s.name === 'Web Orders') ?? st.stations.all()[0];
  if (!station) throw new Error('the Heartland sandbox has no station');
  return parseMappingConfig({
    defaults: { stationId: station.id, sourceLocationId: station.location_id },
    paymentMethods: {
      byName: {
        'Credit Card': { name: 'Credit Card' },
        'Cash on Delivery': { name: 'Cash' },
      },
      giftCertificate: { name: 'Gift Card' },
      storeCredit: { name: 'Store Credit' },
      default: { name: 'BigCommerce' },
    },
    shippingMethods: { default: { name: 'Ground' } },
    ...overrides,
  });
}

export async function startBridge(options: StartBridgeOptions = {}): Promise<Bridge> {
  const connectionId = options.connectionId ?? 'main';
  const dir = mkdtempSync(join(tmpdir(), 'hb-bridge-'));
  // A generous quota: the client's shared budget obeys the rate headers, and 150/30 s would make every
  // suite wait for the window (the real plans' limits are exercised by the connector and bench suites).
  const sandbox = await startSandbox({
    rateLimit: { quota: 100_000, windowMs: 30_000 },
    timeScale: 0.001,
    ...options.sandbox,
  });
  const store = openStore(join(dir, 'bridge.sqlite'));
  await migrateToLatest(store);
  const backend = await createQueueBackend(store, {
    backoff: options.backoff ?? { baseMs: 50, maxMs: 1_000 },
  });
  const logger = createLogger({ level: 'silent' });
  const engine = createEngine({
    store,
    backend,
    logger,
    defaults: { maxAttempts: options.maxAttempts ?? 10 },
  });
  const metrics = createMetrics();
  const config = configSchema.parse({});
  const server = buildServer({ config, store, metrics, logger, engine: backend });
  registerBigCommerceWebhookRoute(server, {
    inbox: engine.inbox,
    connection: (id) =>
      id === connectionId
        ? { id, webhookSecret: BRIDGE_SECRET, storeHash: sandbox.bigcommerce.storeHash }
        : undefined,
    route: webhookTaskRouter,
  });
  const url = await server.listen({ port: 0, host: '127.0.0.1' });

  const timeoutMs = options.clientTimeoutMs ?? 3_000;
  const fastRetries = [25, 50, 100];
  const bc = new BigCommerceApi({
    ...sandbox.bigcommerce,
    timeoutMs,
    getRetryDelaysMs: fastRetries,
    maxWaitMs: 5_000,
    writeSettleMs: options.writeSettleMs ?? 1_000,
    // The connector's budget starts from the standard plan (150/30 s) and only lowers `left` from what
    // the headers say within a window, so a bigger sandbox quota is not picked up until the window
    // rolls: start it at the sandbox's quota.
    rateBudget: new InMemoryRateBudgetStore({
      share: 1,
      bulkHeadroom: 0,
      defaultQuota: 100_000,
      defaultWindowMs: 30_000,
    }),
  });
  const hl = new HeartlandApi({
    apiUrl: sandbox.heartland.apiUrl,
    token: sandbox.heartland.token,
    timeoutMs,
    getRetryDelaysMs: fastRetries,
    concurrency: 8,
    writeSettleMs: options.writeSettleMs ?? 1_000,
  });
  const mapping = testMapping(sandbox, options.mapping);
  const alerts: AlertInput[] = [];
  const ctx: FlowContext = {
    connectionId,
    engine,
    bc,
    hl,
    mapping,
    configVersion: 'test',
    alerts: {
      raise: async (a) => {
        alerts.push(a);
      },
    },
    metrics,
    now: Date.now,
    // The late-write check runs soon after a re-run write, so tests that retry see it done by idle().
    options: { pollGraceMs: 0, lateWriteCheckMs: 200, ...options.flowOptions },
  };
  const handlers = createFlowHandlers(() => ctx);
  if (options.hooks !== false) {
    await installHooks(bc, { publicUrl: url, connectionId, secret: BRIDGE_SECRET, scopes: ORDER_SCOPES });
  }
  if (options.faults !== undefined) {
    const f = typeof options.faults === 'string' ? options.faults : undefined;
    const { FAULT_PRESETS } = await import('../../src/sandbox/index.js');
    const cfg = f
      ? { ...FAULT_PRESETS[f], enabled: true }
      : { enabled: true, ...(options.faults as FaultConfigInput) };
    sandbox.bc.faults.set(cfg);
    sandbox.hl.faults.set(cfg);
  }
  let worker: RunningWorker | undefined;
  if (options.workers !== false) {
    worker = await engine.startWorkers(handlers, { concurrency: options.workers ?? 4, pollIntervalMs: 25 });
  }

  const waitFor: Bridge['waitFor'] = async (predicate, timeout = 10_000, message = 'condition') => {
    const deadline = Date.now() + timeout;
    for (;;) {
      if (await predicate()) return;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${message}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  let seq = 0;
  let closed = false;
  return {
    connectionId,
    sandbox,
    store,
    engine,
    server,
    url,
    ctx,
    handlers,
    mapping,
    alerts,
    async repairedByPoll() {
      const m = await metrics.ordersRepairedByPoll.get();
      return m.values.find((v) => v.labels.connection === connectionId)?.value ?? 0;
    },
    waitFor,
    async idle(timeout = 15_000) {
      await waitFor(
        async () => {
          await engine.inbox.flush();
          const c = await engine.queue.countsByState();
          return (
            (c.pending ?? 0) + (c.running ?? 0) + (c.retrying ?? 0) === 0 &&
            sandbox.bc.webhooks.pending() === 0
          );
        },
        timeout,
        'the queue to drain',
      );
    },
    async enqueue(task, payload = {}, entityKey) {
      const r = await engine.queue.enqueue({
        connectionId,
        task,
        entityKey: entityKey ?? `test:${task}:${++seq}`,
        payload,
      });
      return r.jobId;
    },
    hlOrdersFor(bcOrderId) {
      const field = mapping.bcOrderIdCustomField;
      return sandbox.hl.state.salesOrders
        .all()
        .filter((o) => String((o.custom as Record<string, unknown>)[field] ?? '') === String(bcOrderId))
        .map((o) => ({ id: o.id, status: o.status, customer_id: o.customer_id }));
    },
    async close() {
      if (closed) return;
      closed = true;
      await worker?.stop(2_000);
      await server.close();
      await engine.stop(2_000);
      await store.close();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
