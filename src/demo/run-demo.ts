/**
 * `heartbridge demo`, minus the terminal: sandbox up → the real app (createApp + appModules, SQLite,
 * workers, schedules, webhook routes) on the sandbox's credentials → BigCommerce hooks → storefront
 * orders → wait for Heartland → Heartland staff ship most of them → wait for the shipments to come back
 * → the verdict from the simulators' own state (demo-verify.ts).
 *
 * The view (demo-view.ts) only receives events and progress snapshots, so tests run this in-process.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { appModules, composeModules } from '../app/app-modules.js';
import { type App, createApp } from '../app/create-app.js';
import { collectSecretValues } from '../config/config-redact.js';
import { configSchema, type HeartbridgeConfig } from '../config/config-schema.js';
import { BigCommerceApi } from '../connectors/bigcommerce/bigcommerce-api.js';
import { installHooks } from '../connectors/bigcommerce/hooks-registration.js';
import { createLogger } from '../log/logger.js';
import { parseMappingConfig } from '../mapping/mapping-config.js';
import { type Sandbox, startSandbox } from '../sandbox/index.js';
import { demoFaults } from './demo-faults.js';
import { demoMapping } from './demo-mapping.js';
import { type DemoProgress, progressOf } from './demo-progress.js';
import { orderPlanner, type PlacedOrder, placeOrder } from './demo-storefront.js';
import { type DemoSummary, verifyDemo } from './demo-verify.js';

export const DEMO_CONNECTION = 'demo';
const ORDER_SCOPES = ['store/order/created', 'store/order/updated', 'store/order/statusUpdated'];

export interface DemoOptions {
  orders: number;
  faults: boolean;
  seed: string;
  /** Keep everything running after the summary (the caller calls `close()`). */
  keep: boolean;
  /** Directory for the SQLite database and the bridge's log. Default: a fresh temp dir. */
  dataDir?: string;
  /** Products in the sandbox catalogue. Default 50. */
  products?: number;
  /** How often progress snapshots are taken. Default 150 ms. */
  progressEveryMs?: number;
  onEvent?: (event: DemoEvent) => void;
  onProgress?: (progress: DemoProgress) => void;
  /** Abort (Ctrl-C): stops waiting, shuts down cleanly, and the run rejects. */
  signal?: AbortSignal;
}

export type DemoEvent =
  | { kind: 'sandbox'; bigcommerce: string; heartland: string; faults: boolean }
  | { kind: 'bridge'; url: string; database: string; log: string }
  | { kind: 'phase'; text: string }
  | { kind: 'done'; text: string };

export interface DemoUrls {
  bridge: string;
  dashboard: string;
  /** Whether this build serves a dashboard (GET /dashboard did not answer 404). */
  dashboardAvailable: boolean;
  bigcommerce: string;
  /** Sandbox credentials (made up by the simulators; printed so `--keep` users can curl them). */
  bigcommerceToken: string;
  heartland: string;
  heartlandToken: string;
  database: string;
  log: string;
}

export interface DemoRun {
  summary: DemoSummary;
  urls: DemoUrls;
  elapsedMs: number;
  /** Stops the bridge and the sandbox (idempotent). Done already unless `keep`. */
  close(): Promise<void>;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolvePromise) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolvePromise();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Polls `predicate` until it holds; returns false on timeout (the verdict reports it). */
async function waitUntil(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw new Error('demo interrupted');
    if (await predicate()) return true;
    if (Date.now() > deadline) return false;
    await sleep(50, signal);
  }
}

function demoConfig(sb: Sandbox, databaseUrl: string, mapping: Record<string, unknown>): HeartbridgeConfig {
  return configSchema.parse({
    connections: [
      {
        id: DEMO_CONNECTION,
        name: 'Demo store ⇄ demo Heartland',
        bigcommerce: sb.bigcommerce,
        heartland: { apiUrl: sb.heartland.apiUrl, apiToken: sb.heartland.token },
        webhookSecret: `demo-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`,
        mapping,
        // Short intervals so the demo shows the polls at work: fulfilment is polled (Heartland sends no
        // order webhooks), orders are a backstop for webhooks that never arrive.
        polling: { orders: '10s', fulfilment: '2s', lateWrites: '5s' },
        rateBudgetShare: 0.7,
      },
    ],
    database: { url: databaseUrl },
    server: { port: 0, host: '127.0.0.1' },
    workers: { concurrency: 8, maxAttempts: 15 },
    log: { level: 'info' },
  });
}

export async function runDemo(options: DemoOptions): Promise<DemoRun> {
  const started = Date.now();
  const emit = (e: DemoEvent) => options.onEvent?.(e);
  const { signal } = options;
  const dataDir = resolve(options.dataDir ?? mkdtempSync(join(tmpdir(), 'heartbridge-demo-')));
  mkdirSync(dataDir, { recursive: true });
  const dbPath = join(dataDir, 'heartbridge.db');
  const logPath = join(dataDir, 'heartbridge.log');

  // A generous quota: the demo is about the flow, and the standard plan's 150 requests / 30 s (shared
  // with the demo's own storefront) would make 25 orders wait for the window. The rate budget adopts
  // whatever quota the store reports.
  const sb = await startSandbox({
    seed: options.seed,
    products: options.products ?? 50,
    timeScale: 0.001,
    rateLimit: { quota: 100_000, windowMs: 30_000 },
  });
  let app: App | undefined;
  let logStream: ReturnType<typeof pino.destination> | undefined;
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      await app?.stop().catch(() => {});
      await sb.close();
      logStream?.flushSync();
      logStream?.end();
    })();
    return closed;
  };
  let ticker: NodeJS.Timeout | undefined;
  try {
    emit({
      kind: 'sandbox',
      bigcommerce: `${sb.bc.url}/stores/${sb.bc.storeHash}`,
      heartland: sb.hl.url,
      faults: options.faults,
    });

    const mapping = demoMapping(sb) as Record<string, unknown>;
    const field = parseMappingConfig(mapping).bcOrderIdCustomField;
    const config = demoConfig(sb, dbPath, mapping);
    logStream = pino.destination({ dest: logPath, sync: false, mkdir: true });
    const logger = createLogger({
      level: 'info',
      secrets: collectSecretValues(config),
      destination: logStream,
      base: { role: 'all' },
    });
    const modules = composeModules(appModules);
    app = await createApp({
      config,
      environment: 'demo',
      port: 0,
      logger,
      processMetrics: false,
      shutdownGraceMs: 2_000,
      handlers: modules.handlers,
      schedules: modules.schedules,
      routes: modules.routes,
    });
    await app.start();
    const url = app.address() ?? '';
    const conn = config.connections[0];
    if (!conn?.webhookSecret) throw new Error('demo config has no webhook secret');
    const hooksClient = new BigCommerceApi({ ...sb.bigcommerce });
    await installHooks(hooksClient, {
      publicUrl: url,
      connectionId: DEMO_CONNECTION,
      secret: conn.webhookSecret,
      scopes: ORDER_SCOPES,
    });
    emit({ kind: 'bridge', url, database: dbPath, log: logPath });

    // Calls the demo itself makes (checkout, Heartland staff) are not the bridge's: count them apart.
    const own = { bc: 0, hl: 0 };
    const base = { bc: sb.bc.faults.counters.requests, hl: sb.hl.faults.counters.requests };
    if (options.faults) {
      const f = demoFaults(options.seed);
      sb.bc.faults.set(f);
      sb.hl.faults.set(f);
    }

    const placed: PlacedOrder[] = [];
    const shipped = new Map<number, 'full' | 'partial'>();
    let phase = 'placing orders';
    const liveApp = app;
    const snapshot = () =>
      progressOf({
        app: liveApp,
        sandbox: sb,
        connectionId: DEMO_CONNECTION,
        bcOrderIdField: field,
        planned: options.orders,
        placed,
        shippedByStaff: shipped.size,
        phase,
        elapsedMs: Date.now() - started,
        apiCalls: {
          bc: sb.bc.faults.counters.requests - base.bc - own.bc,
          hl: sb.hl.faults.counters.requests - base.hl - own.hl,
        },
        faultsInjected: options.faults ? faultsInjected(sb) : undefined,
      });
    let last: DemoProgress | undefined;
    const tick = async () => {
      last = await snapshot();
      options.onProgress?.(last);
    };
    ticker = setInterval(() => void tick().catch(() => {}), options.progressEveryMs ?? 150);

    // 1. Shoppers check out, a few a second (the panel shows them arrive).
    emit({ kind: 'phase', text: `placing ${options.orders} storefront orders (2 of them bad on purpose)` });
    const plan = orderPlanner(sb, options.orders, options.seed);
    const gapMs = Math.min(80, 2_000 / Math.max(1, options.orders));
    for (let n = 0; n < options.orders; n++) {
      if (signal?.aborted) throw new Error('demo interrupted');
      const order = await placeOrder(sb, plan(n));
      own.bc++;
      placed.push(order);
      await sleep(gapMs, signal);
    }

    // 2. Wait until each good order is open in Heartland and each bad one is quarantined.
    phase = 'syncing to Heartland';
    emit({ kind: 'phase', text: 'waiting for every order to reach Heartland (or quarantine)' });
    const budgetMs = options.faults ? 90_000 : 30_000;
    let timedOut: string | undefined;
    const synced = await waitUntil(
      async () => {
        const p = await snapshot();
        return p.inHeartlandOpen + p.quarantinedPlaced >= placed.length;
      },
      budgetMs,
      signal,
    );
    if (!synced) timedOut = `not every order reached Heartland or quarantine within ${budgetMs / 1000} s`;

    // 3. Heartland staff ship four in five synced orders; two multi-line ones only partly.
    phase = 'shipping from Heartland';
    const hlOrderOf = (bcId: number) =>
      sb.hl.state.salesOrders
        .all()
        .find(
          (o) =>
            String((o.custom as Record<string, unknown>)[field] ?? '') === String(bcId) &&
            o.status === 'open',
        );
    const toShip = placed.filter((p) => p.kind === 'good').filter((_, i) => i % 5 !== 4);
    let partialLeft = 2;
    const wasFaulty = sb.hl.faults.get().enabled;
    // The staff's own clicks are not under test: pause Heartland faults for the moment they take.
    if (wasFaulty) sb.hl.faults.set({ enabled: false });
    for (const p of toShip) {
      const hlOrder = hlOrderOf(p.id);
      if (!hlOrder) continue;
      const lines = sb.hl.state.orderLines.where((l) => l.order_id === hlOrder.id);
      const before = sb.hl.faults.counters.requests;
      if (partialLeft > 0 && lines.length >= 2) {
        partialLeft--;
        await shipPartly(sb, hlOrder.id, lines[0] as { id: number; item_id: number; qty: number });
        shipped.set(hlOrder.id, 'partial');
      } else {
        const res = await fetch(
          `${sb.hl.url.replace(/\/api$/, '')}/__sandbox/heartland/fulfil/${hlOrder.id}`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          },
        );
        await res.arrayBuffer();
        if (res.status === 201) shipped.set(hlOrder.id, 'full');
      }
      own.hl += sb.hl.faults.counters.requests - before;
    }
    if (wasFaulty) sb.hl.faults.set({ enabled: true });
    emit({
      kind: 'phase',
      text: `Heartland shipped ${shipped.size} orders (${2 - partialLeft} partially); waiting for the fulfilment poll`,
    });

    // 4. The fulfilment poll (every 2 s) brings them back as BigCommerce shipments with tracking.
    phase = 'shipments back to BigCommerce';
    const back = await waitUntil(
      async () => (await snapshot()).shipmentsBack >= completedInvoicesOf(sb, shipped),
      budgetMs,
      signal,
    );
    if (!back && !timedOut)
      timedOut = `not every Heartland fulfilment reached BigCommerce within ${budgetMs / 1000} s`;

    // 5. Let late webhook copies (duplicates, reordered deliveries) land before judging.
    phase = 'settling';
    await waitUntil(
      async () => {
        await liveApp.engine.inbox.flush();
        const c = await liveApp.engine.queue.countsByState();
        return (
          (c.pending ?? 0) + (c.running ?? 0) + (c.retrying ?? 0) === 0 && sb.bc.webhooks.pending() === 0
        );
      },
      15_000,
      signal,
    );
    clearInterval(ticker);
    ticker = undefined;
    await tick();

    const quarantine = await liveApp.engine.dlq.list({
      connectionId: DEMO_CONNECTION,
      kind: 'quarantine',
      status: 'open',
    });
    const summary = verifyDemo({
      sandbox: sb,
      placed,
      quarantine,
      shipped,
      bcOrderIdField: field,
      timedOut,
    });
    const dashboardStatus = await fetch(`${url}/dashboard`, { signal: AbortSignal.timeout(2_000) })
      .then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      })
      .catch(() => 0);
    const urls: DemoUrls = {
      bridge: url,
      dashboard: `${url}/dashboard`,
      dashboardAvailable: dashboardStatus !== 0 && dashboardStatus !== 404,
      bigcommerce: `${sb.bc.url}/stores/${sb.bc.storeHash}`,
      bigcommerceToken: sb.bc.accessToken,
      heartland: sb.hl.url,
      heartlandToken: sb.hl.token,
      database: dbPath,
      log: logPath,
    };
    const elapsedMs = Date.now() - started;
    if (!options.keep) await close();
    return { summary, urls, elapsedMs, close };
  } catch (err) {
    if (ticker) clearInterval(ticker);
    await close();
    throw err;
  }
}

/** Completed invoices of the orders the demo shipped (each must become one BigCommerce shipment). */
function completedInvoicesOf(sb: Sandbox, shipped: Map<number, 'full' | 'partial'>): number {
  return sb.hl.state.invoices.all().filter((i) => shipped.has(i.order_id) && i.status === 'complete').length;
}

function faultsInjected(sb: Sandbox): number {
  let n = 0;
  for (const c of [sb.bc.faults.counters, sb.hl.faults.counters]) {
    n +=
      c.error + c.rate429 + c.hang + c.outage + c.commitThenTimeout + c.webhookDuplicate + c.webhookReorder;
  }
  return n;
}

/** Heartland staff ship one line of an order (one invoice, completed, with tracking) over the real API. */
async function shipPartly(
  sb: Sandbox,
  hlOrderId: number,
  line: { id: number; item_id: number; qty: number },
): Promise<void> {
  const res = await fetch(`${sb.hl.url}/sales/invoices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sb.hl.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'Invoice',
      order_id: hlOrderId,
      tracking_number: `1Z${String(hlOrderId).padStart(14, '0')}P1`,
      shipping_carrier: 'UPS',
      status: 'complete',
      lines: [{ type: 'ItemLine', item_id: line.item_id, order_line_id: line.id, qty: line.qty }],
    }),
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`Heartland refused a partial shipment: HTTP ${res.status}`);
}
