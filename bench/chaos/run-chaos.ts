/**
 * One chaos run: sandbox (own process) → bridge (`heartbridge serve` processes) → faults + load + kills
 * → faults off → drain and one poll cycle (orders, fulfilment, inventory ledger) → one reservations
 * refresh, a stock check, one reconcile → verdict from the simulators' state + the bridge's DLQ.
 *
 * The bridge config carries an `inventory` block built from the seed (Heartland location i → BigCommerce
 * location i, `keep: 2` safety at location 1 where storefront orders also hold reservations). The final
 * reconcile skips levels written in its last 3 s (`reconcileSettle`; 60 s in production). The verdict is
 * read from the simulators, never from what the reconcile says it repaired.
 *
 *   const report = await runChaos({ profile: 'small', backend: 'sqlite' });
 *   report.ok  // every promise held
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { BigCommerceApi } from '../../src/connectors/bigcommerce/bigcommerce-api.js';
import { installHooks } from '../../src/connectors/bigcommerce/hooks-registration.js';
import { createQueueBackend } from '../../src/engine/engine.js';
import type { ErrorChainEntry } from '../../src/engine/errors.js';
import { openStore, type StoreHandle } from '../../src/store/database.js';
import { BridgeFleet, type BridgeRole } from './bridge-fleet.js';
import {
  type BackendName,
  type ChaosProfile,
  type FaultMix,
  PROFILES,
  type ProfileName,
  profileFaults,
} from './profiles.js';
import type {
  ChildCommand,
  ChildReply,
  LoadCounts,
  SandboxInfo,
  SandboxStatus,
  StockCheck,
  StockExpectation,
  VerifyResult,
} from './protocol.js';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '../..');
const CONNECTION = 'chaos';
const SECRET = `chaos-${randomBytes(12).toString('hex')}`;
const ORDER_SCOPES = ['store/order/created', 'store/order/updated', 'store/order/statusUpdated'];
/** Stock hints: a storefront sale (order-driven) refreshes reservations at once; echoes of our writes. */
const INVENTORY_SCOPES = [
  'store/product/inventory/updated',
  'store/product/inventory/order/updated',
  'store/sku/inventory/updated',
  'store/sku/inventory/order/updated',
];
/** Safety stock on the storefront's own location (where reservations are held too): both subtract. */
const SAFETY = { bcLocationId: 1, keep: 2 };
/** BigCommerce location storefront orders take stock from (the sandbox always sells from 1). */
const ORDER_LOCATION = 1;
export const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface ChaosOptions {
  profile: ProfileName | ChaosProfile;
  backend: BackendName;
  seed?: string;
  /** Fault mix: `full` (issue 7's rates on every call) or `reads` (5xx / hangs / outages on reads only).
   * Default: the profile's. */
  mix?: FaultMix;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface DeadLetterGroup {
  kind: string;
  code: string;
  count: number;
  /** A permanent error (bad data, quarantine) rather than a retryable failure that ran out of attempts. */
  genuine: boolean;
  example: string;
}

export interface InventoryFigures {
  /** Checked from the simulators after the faults, once reservations were refreshed, before reconcile. */
  beforeReconcile: StockCheck;
  /** Levels the final reconcile found drifted and repaired (its `inventory drift repaired` log line). */
  finalReconcileRepaired: number;
  /** Levels repaired by every reconcile run of the whole run (bridge logs, all processes)... */
  repairedDuringRun: number;
  /** ...and how many reconcile runs repaired anything. */
  reconcileRuns: number;
  /** The final `inventory.reservations` / `inventory.reconcile` jobs ran to completion. */
  finalJobs: { reservations: string; reconcile: string };
}

export interface Promise_ {
  name: string;
  ok: boolean | null;
  detail: string;
}

export interface ChaosReport {
  profile: ChaosProfile;
  backend: BackendName;
  startedAt: string;
  wallMs: number;
  chaosMs: number;
  drainMs: number;
  drained: boolean;
  load: LoadCounts;
  verify: VerifyResult;
  deadLetters: DeadLetterGroup[];
  jobs: { total: number; byState: Record<string, number>; retries: number; maxAttempts: number };
  kills: number;
  processes: BridgeRole[];
  inventoryWired: boolean;
  /** Stock: drift the incremental sync left (before the final reconcile) and what reconcile repaired. */
  inventory: InventoryFigures | null;
  promises: Promise_[];
  ok: boolean;
  logDir: string;
}

/** Is the inventory flow part of what `serve` runs? (Read from the app wiring, not assumed.) */
export function inventoryWired(): boolean {
  const files = ['src/app/app-modules.ts', 'src/app/sync-module.ts'];
  return files.some((f) => {
    try {
      return /flows\/inventory/.test(readFileSync(join(REPO_ROOT, f), 'utf8'));
    } catch {
      return false;
    }
  });
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

class SandboxChild {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  info!: SandboxInfo;
  constructor(private readonly child: ChildProcess) {}

  static async start(seed: string, products: number): Promise<SandboxChild> {
    const child = fork(join(here, 'sandbox-child.ts'), [JSON.stringify({ seed, products })], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const sc = new SandboxChild(child);
    sc.info = await new Promise<SandboxInfo>((res, rej) => {
      child.once('exit', (code) => rej(new Error(`sandbox process exited with ${code} before it was ready`)));
      child.on('message', (raw) => {
        const m = raw as ChildReply;
        if (m.type === 'ready') res(m.info);
        else {
          const w = sc.waiting.get(m.id);
          sc.waiting.delete(m.id);
          if (m.ok) w?.resolve(m.result);
          else w?.reject(new Error(`sandbox: ${m.error}`));
        }
      });
    });
    child.removeAllListeners('exit');
    child.once('exit', (code) => {
      for (const w of sc.waiting.values()) w.reject(new Error(`sandbox process exited (${code})`));
      sc.waiting.clear();
    });
    return sc;
  }

  call<T>(command: ChildCommand): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((res, rej) => {
      this.waiting.set(id, { resolve: res as (v: unknown) => void, reject: rej });
      this.child.send({ ...command, id });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    await this.call({ cmd: 'stop' }).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

interface Database_ {
  url: string;
  dispose(): Promise<void>;
}

async function freshDatabase(backend: BackendName, dir: string): Promise<Database_> {
  if (backend === 'sqlite') return { url: join(dir, 'bridge.db'), dispose: async () => {} };
  const name = `hb_chaos_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3_000 });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async dispose() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Active jobs (pending + running + retrying) as the bridge's /metrics reports them (whole database). */
async function activeJobs(url: string): Promise<number | null> {
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(3_000) });
    const text = await res.text();
    let n = 0;
    for (const m of text.matchAll(/^heartbridge_jobs\{state="(pending|running|retrying)"\} (\d+)/gm))
      n += Number(m[2]);
    return n;
  } catch {
    return null;
  }
}

async function pollFiredSince(store: StoreHandle, task: string, since: number): Promise<boolean> {
  const row = await store.db
    .selectFrom('schedule_runs')
    .select(({ fn }) => fn.countAll<number>().as('n'))
    .where('name', '=', `${task}:${CONNECTION}`)
    .where('fired_at', '>', since)
    .executeTakeFirst();
  return Number(row?.n ?? 0) > 0;
}

type QueueBackend = Awaited<ReturnType<typeof createQueueBackend>>;

/**
 * Enqueues one run of a connection task (same entity key as its schedule, so it never runs alongside a
 * scheduled one) and waits until it is done or dead. Returns the final state.
 */
async function runTaskNow(backend: QueueBackend, task: string, timeoutMs: number): Promise<string> {
  const { jobId } = await backend.enqueue({
    connectionId: CONNECTION,
    task,
    entityKey: `${task}:${CONNECTION}`,
    payload: {},
    priority: 10,
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await backend.getJob(jobId);
    if (job && (job.state === 'done' || job.state === 'dead')) return job.state;
    if (Date.now() > deadline) return `${job?.state ?? 'unknown'} after ${Math.round(timeoutMs / 1000)} s`;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `inventory drift repaired` lines of every bridge log (pino JSON): levels repaired, since `sinceMs`. */
function driftRepairs(logDir: string, sinceMs: number): { levels: number; runs: number } {
  let levels = 0;
  let runs = 0;
  for (const f of readdirSync(logDir)) {
    for (const line of readFileSync(join(logDir, f), 'utf8').split('\n')) {
      if (!line.includes('inventory drift repaired')) continue;
      try {
        const rec = JSON.parse(line) as { time?: string | number; drifted?: number };
        const at = typeof rec.time === 'number' ? rec.time : Date.parse(String(rec.time));
        if (!(at >= sinceMs)) continue;
        levels += Number(rec.drifted ?? 0);
        runs++;
      } catch {
        // a line cut by SIGKILL
      }
    }
  }
  return { levels, runs };
}

/** The `inventory` block of the run's config, and what the stock verdict expects of it. */
function inventoryBlock(info: SandboxInfo, profile: ChaosProfile) {
  const expectation: StockExpectation = {
    orderLocationId: ORDER_LOCATION,
    locations: info.locationMap.map((m) => ({
      bcLocationId: m.bcLocationId,
      hlLocationIds: [m.hlLocationId],
      keep: m.bcLocationId === SAFETY.bcLocationId ? SAFETY.keep : 0,
    })),
  };
  const block = {
    enabled: true,
    locations: info.locationMap.map((m) => ({
      bcLocationId: m.bcLocationId,
      hlLocationIds: [m.hlLocationId],
      label: m.name,
      ...(m.bcLocationId === SAFETY.bcLocationId ? { safety: { keep: SAFETY.keep } } : {}),
    })),
    orderLocationId: ORDER_LOCATION,
    pollInterval: profile.inventory.poll,
    reservationsInterval: profile.inventory.reservations,
    reconcileInterval: profile.inventory.reconcile,
    // The run's clock is compressed (minutes, not days): the simulator applies adjustments at once, so a
    // short settle lets the final reconcile judge levels written during the run's last minute too.
    reconcileSettle: '3s',
  };
  return { block, expectation };
}

const TRANSIENT = /TIMEOUT|NETWORK|SERVER_ERROR|RATE_LIMITED|LEASE_EXPIRED|UNAVAILABLE/;

async function deadLetters(store: StoreHandle): Promise<{ groups: DeadLetterGroup[]; parked: string[] }> {
  const rows = await store.db
    .selectFrom('dead_letters')
    .select(['kind', 'error_code', 'error_message', 'entity_key', 'error_chain_json'])
    .where('status', '=', 'open')
    .execute();
  const groups = new Map<string, DeadLetterGroup>();
  const parked: string[] = [];
  for (const r of rows) {
    let retryable = TRANSIENT.test(r.error_code);
    try {
      const chain = JSON.parse(r.error_chain_json) as ErrorChainEntry[];
      if (chain[0]?.retryable !== undefined) retryable = chain[0].retryable;
    } catch {
      // keep the code-based guess
    }
    const genuine = r.kind === 'quarantine' || !retryable;
    if (r.kind === 'quarantine') parked.push(r.entity_key);
    const key = `${r.kind}|${r.error_code}`;
    const g = groups.get(key) ?? {
      kind: r.kind,
      code: r.error_code,
      count: 0,
      genuine,
      example: `${r.entity_key}: ${r.error_message}`.slice(0, 240),
    };
    g.count++;
    groups.set(key, g);
  }
  const reviews = await store.db
    .selectFrom('review_items')
    .select('entity_key')
    .where('status', '=', 'open')
    .execute();
  for (const r of reviews) parked.push(r.entity_key);
  return { groups: [...groups.values()], parked };
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const base = typeof options.profile === 'string' ? PROFILES[options.profile] : options.profile;
  const profile: ChaosProfile = { ...base, mix: options.mix ?? base.mix };
  const seed = options.seed ?? `chaos-${profile.name}`;
  const log = options.log ?? ((l: string) => process.stderr.write(`chaos: ${l}\n`));
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), `hb-chaos-${profile.name}-`));
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  let sandbox: SandboxChild | undefined;
  let fleet: BridgeFleet | undefined;
  let db: Database_ | undefined;
  let store: StoreHandle | undefined;
  let queue: QueueBackend | undefined;
  let killer: NodeJS.Timeout | undefined;
  let progress: NodeJS.Timeout | undefined;
  // Ctrl-C / SIGTERM of the runner: take the bridge processes down with it (the sandbox child exits
  // by itself when its IPC channel closes).
  const onSignal = (signal: NodeJS.Signals) => {
    fleet?.killAllNow();
    process.stderr.write(`chaos: ${signal}: bridge processes killed, exiting\n`);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    sandbox = await SandboxChild.start(seed, profile.products);
    const sbInfo = sandbox.info;
    log(`sandbox up (${sbInfo.skus} shared SKUs)`);
    db = await freshDatabase(options.backend, dir);
    const port = await freePort();
    const roles: BridgeRole[] =
      options.backend === 'sqlite'
        ? ['all']
        : ['web', ...Array<BridgeRole>(profile.pgWorkers).fill('worker')];
    const inventory = inventoryBlock(sbInfo, profile);
    const config = {
      connections: [
        {
          id: CONNECTION,
          bigcommerce: {
            ...sbInfo.bigcommerce,
            ...(profile.apiTimeoutMs ? { timeoutMs: profile.apiTimeoutMs } : {}),
          },
          heartland: {
            apiUrl: sbInfo.heartland.apiUrl,
            apiToken: sbInfo.heartland.token,
            concurrency: profile.hlConcurrency,
            ...(profile.apiTimeoutMs ? { timeoutMs: profile.apiTimeoutMs } : {}),
          },
          webhookSecret: SECRET,
          publicUrl: `http://127.0.0.1:${port}`,
          polling: profile.polling,
          mapping: sbInfo.mapping,
          inventory: inventory.block,
        },
      ],
      database: { url: db.url },
      server: { port, host: '127.0.0.1' },
      workers: {
        concurrency:
          options.backend === 'postgres'
            ? (profile.pgConcurrency ?? profile.concurrency)
            : profile.concurrency,
        // The product default (25): a retry horizon shorter than the faults dead-letters transient errors.
      },
      // CHAOS_LOG_LEVEL=info keeps every order's outcome line (which job, which attempt) in the logs.
      log: { level: process.env.CHAOS_LOG_LEVEL === 'info' ? 'info' : 'warn' },
    };
    const configPath = join(dir, 'heartbridge.yaml');
    writeFileSync(configPath, JSON.stringify(config, null, 2)); // JSON is YAML
    fleet = new BridgeFleet({ repoRoot: REPO_ROOT, configPath, roles, port, logDir });
    await fleet.start();
    log(`bridge up: ${roles.join(' + ')} on ${options.backend} (${fleet.url})`);
    const bcApi = new BigCommerceApi({ ...sbInfo.bigcommerce });
    await installHooks(bcApi, {
      publicUrl: fleet.url,
      connectionId: CONNECTION,
      secret: SECRET,
      scopes: [...ORDER_SCOPES, ...INVENTORY_SCOPES],
    });
    store = openStore(db.url);
    queue = await createQueueBackend(store);

    // Chaos phase: faults + load + kills, until the load is placed and both outages of each API are over.
    const chaosStart = Date.now();
    await sandbox.call({ cmd: 'faults', faults: profileFaults(profile, seed) });
    await sandbox.call({ cmd: 'fulfiller', on: true });
    const chaosMs = Math.max(
      profile.loadMs,
      Math.round(profile.loadMs * 0.75) + profile.outageMs,
      profile.chaosMinMs,
    );
    let killing: Promise<unknown> = Promise.resolve();
    const f = fleet;
    killer = setInterval(() => {
      if (Date.now() - chaosStart > profile.killUntilMs) return;
      killing = killing.then(() =>
        f.kill().then(
          (name) =>
            log(`SIGKILL ${name} (kill ${f.kills}) at +${Math.round((Date.now() - chaosStart) / 1000)} s`),
          (err: unknown) => log(`kill failed: ${String(err)}`),
        ),
      );
    }, profile.killEveryMs);
    progress = setInterval(
      () => {
        void sandbox?.call<SandboxStatus>({ cmd: 'status' }).then(
          (s) =>
            log(
              `+${Math.round((Date.now() - chaosStart) / 1000)} s: placed ${s.ordersPlaced}, in Heartland ${s.hlOrders}, shipped ${s.shipped}, BC shipments ${s.bcShipments}, webhooks pending ${s.webhooksPending}, simulator loop delay max ${s.loopDelayMaxMs} ms`,
            ),
          () => undefined,
        );
      },
      Math.max(5_000, Math.min(30_000, profile.loadMs / 10)),
    );
    const load = await sandbox.call<LoadCounts>({
      cmd: 'load',
      load: { orders: profile.orders, stockChanges: profile.stockChanges, loadMs: profile.loadMs, seed },
    });
    const rest = chaosStart + chaosMs - Date.now();
    if (rest > 0) await new Promise((r) => setTimeout(r, rest));
    clearInterval(killer);
    killer = undefined;
    await killing;
    await sandbox.call({ cmd: 'faults', faults: null });
    const faultsOff = Date.now();
    log(`faults off after ${Math.round((faultsOff - chaosStart) / 1000)} s, ${fleet.kills} kills; draining`);
    await fleet.ready();

    // Drain: nothing active, no webhook pending, everything shipped, and one poll of each kind has run
    // after the faults were off and after the last shipment.
    let lastShipped = -1;
    let lastShipChange = faultsOff;
    let lastHlOrders = -1;
    let lastStockChange = faultsOff;
    let quietTicks = 0;
    let drained = false;
    const deadline = faultsOff + profile.drainTimeoutMs;
    while (Date.now() < deadline) {
      const s = await sandbox.call<SandboxStatus>({ cmd: 'status' });
      if (s.shipped !== lastShipped) {
        lastShipped = s.shipped;
        lastShipChange = Date.now();
      }
      if (s.hlOrders !== lastHlOrders || s.shipped !== lastShipped) {
        lastHlOrders = s.hlOrders;
        lastStockChange = Date.now(); // an order committed stock in Heartland, or a shipment moved it
      }
      const active = await activeJobs(fleet.url);
      const pollsDone =
        (await pollFiredSince(store, 'orders.poll', faultsOff)) &&
        (await pollFiredSince(store, 'fulfilment.poll', lastShipChange)) &&
        (await pollFiredSince(store, 'inventory.poll', lastStockChange));
      const idle = active === 0 && s.webhooksPending === 0 && s.unshipped === 0 && pollsDone;
      quietTicks = idle ? quietTicks + 1 : 0;
      if (quietTicks >= 3) {
        drained = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
    clearInterval(progress);
    const drainMs = Date.now() - faultsOff;
    log(
      drained
        ? `drained in ${Math.round(drainMs / 1000)} s`
        : `NOT drained after ${Math.round(drainMs / 1000)} s`,
    );

    // Stock: refresh reservations (orders now in Heartland release theirs), judge what the incremental
    // sync left, then one reconcile cycle, whose result is the verdict.
    const finalJobs = { reservations: 'not run', reconcile: 'not run' };
    let beforeReconcile: StockCheck | undefined;
    let reconcileFrom = Date.now();
    if (drained) {
      const jobWait = Math.max(60_000, profile.drainTimeoutMs / 4);
      finalJobs.reservations = await runTaskNow(queue, 'inventory.reservations', jobWait);
      beforeReconcile = await sandbox.call<StockCheck>({ cmd: 'stock', stock: inventory.expectation });
      log(
        `stock before the final reconcile: ${beforeReconcile.drift.length} drifted of ${beforeReconcile.compared}`,
      );
      reconcileFrom = Date.now();
      finalJobs.reconcile = await runTaskNow(queue, 'inventory.reconcile', jobWait);
      log(`final reconcile: ${finalJobs.reconcile}`);
    }
    await fleet.stop();

    // The bridge's own records: dead letters (with codes), parked orders, retries.
    const dl = await deadLetters(store);
    const jobsList = await queue.listJobs({ limit: 10_000_000 });
    const byState: Record<string, number> = {};
    let retries = 0;
    let maxAttempts = 0;
    for (const j of jobsList) {
      byState[j.state] = (byState[j.state] ?? 0) + 1;
      retries += Math.max(0, j.attempts - 1);
      maxAttempts = Math.max(maxAttempts, j.attempts);
    }
    const wired = inventoryWired();
    const verify = await sandbox.call<VerifyResult>({
      cmd: 'verify',
      verify: { parked: dl.parked, stock: drained ? inventory.expectation : null },
    });
    const finalRepairs = driftRepairs(logDir, reconcileFrom);
    const allRepairs = driftRepairs(logDir, 0);
    const report: ChaosReport = {
      profile,
      backend: options.backend,
      startedAt: new Date(started).toISOString(),
      wallMs: Date.now() - started,
      chaosMs,
      drainMs,
      drained,
      load,
      verify,
      deadLetters: dl.groups,
      jobs: { total: jobsList.length, byState, retries, maxAttempts },
      kills: fleet.kills,
      processes: roles,
      inventoryWired: wired,
      inventory: beforeReconcile
        ? {
            beforeReconcile,
            finalReconcileRepaired: finalRepairs.levels,
            repairedDuringRun: allRepairs.levels,
            reconcileRuns: allRepairs.runs,
            finalJobs,
          }
        : null,
      promises: [],
      ok: false,
      logDir,
    };
    report.promises = judge(report);
    report.ok = report.promises.every((p) => p.ok !== false);
    return report;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (killer) clearInterval(killer);
    if (progress) clearInterval(progress);
    await fleet?.stop(5_000).catch(() => undefined);
    await queue?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    await sandbox?.stop().catch(() => undefined);
    await db?.dispose().catch((err: unknown) => log(`could not drop the chaos database: ${String(err)}`));
    if (process.env.CHAOS_KEEP_LOGS !== '1') rmSync(dir, { recursive: true, force: true });
  }
}

const sample = (c: StockCheck) =>
  c.drift
    .slice(0, 5)
    .map((d) => `${d.sku}@${d.locationId}: BC ${d.bc}, expected ${d.expected}`)
    .join('; ');

function stockPromise(r: ChaosReport): Promise_ {
  const name = 'stock BC = HL − safety − reservations';
  const v = r.verify.stock;
  const inv = r.inventory;
  if (!v.wired || !inv) {
    return {
      name,
      ok: r.inventoryWired ? (r.drained ? null : false) : null,
      detail: r.inventoryWired
        ? 'NOT CHECKED: the queue did not drain, so no final reconcile cycle ran'
        : 'NOT YET WIRED: the inventory flow is not part of `serve`',
    };
  }
  const jobsOk = inv.finalJobs.reservations === 'done' && inv.finalJobs.reconcile === 'done';
  const parts = [
    `${v.drift.length} drifted of ${v.compared} (SKU, location) after one reconcile cycle`,
    `before it ${inv.beforeReconcile.drift.length}`,
    `the final reconcile repaired ${inv.finalReconcileRepaired}`,
    `reservations ${v.reservedUnits} units of ${v.reservedOrders} orders not in Heartland`,
    `safety applied at ${v.safetyApplied}`,
  ];
  if (!jobsOk)
    parts.push(
      `final jobs: reservations ${inv.finalJobs.reservations}, reconcile ${inv.finalJobs.reconcile}`,
    );
  if (v.drift.length) parts.push(`e.g. ${sample(v)}`);
  return { name, ok: jobsOk && v.drift.length === 0 && v.compared > 0, detail: parts.join('; ') };
}

function judge(r: ChaosReport): Promise_[] {
  const v = r.verify;
  const list = (ids: unknown[]) => (ids.length ? `: ${JSON.stringify(ids.slice(0, 10))}` : '');
  const f = { ...v.faults.bc };
  for (const [k, n] of Object.entries(v.faults.hl)) f[k] = (f[k] ?? 0) + n;
  const transientDead = r.deadLetters.filter((d) => !d.genuine);
  return [
    { name: 'queue drained after the faults', ok: r.drained, detail: `${Math.round(r.drainMs / 1000)} s` },
    { name: 'orders lost', ok: v.lost.length === 0, detail: `${v.lost.length}${list(v.lost)}` },
    {
      name: 'orders duplicated',
      ok: v.duplicated.length === 0,
      detail: `${v.duplicated.length}${list(v.duplicated)}`,
    },
    {
      name: 'wrong totals',
      ok: v.wrongTotals.length === 0,
      detail: `${v.wrongTotals.length}${list(v.wrongTotals)}`,
    },
    {
      name: 'payments recorded twice (deposits above the order total)',
      ok: v.overpaid.length === 0,
      detail: `${v.overpaid.length}${list(v.overpaid)}`,
    },
    {
      name: 'wrong lines',
      ok: v.wrongLines.length === 0,
      detail: `${v.wrongLines.length}${list(v.wrongLines)}`,
    },
    { name: 'stray Heartland orders', ok: v.strays === 0, detail: String(v.strays) },
    {
      name: 'orders synced that the mapping skips',
      ok: v.syncedAgainstMapping.length === 0,
      detail: `${v.syncedAgainstMapping.length} (not for sync by status: ${JSON.stringify(v.notForSync)})`,
    },
    {
      name: 'shipments lost',
      ok: v.shipmentsLost.length === 0,
      detail: `${v.shipmentsLost.length}${list(v.shipmentsLost)}`,
    },
    {
      name: 'shipments duplicated',
      ok: v.shipmentsDuplicated.length === 0,
      detail: `${v.shipmentsDuplicated.length}${list(v.shipmentsDuplicated)}`,
    },
    stockPromise(r),
    {
      name: 'DLQ holds only genuine permanent errors',
      ok: transientDead.length === 0,
      detail: transientDead.length
        ? transientDead.map((d) => `${d.count}× ${d.code}`).join(', ')
        : `${r.deadLetters.reduce((s, d) => s + d.count, 0)} open, all permanent`,
    },
    {
      name: 'the faults really happened',
      ok: (f.error ?? 0) > 0 && (f.rate429 ?? 0) > 0 && (f.commitThenTimeout ?? 0) > 0 && r.kills > 0,
      detail: `5xx ${f.error ?? 0}, outage 503s ${f.outage ?? 0}, hangs ${f.hang ?? 0}, 429s ${f.rate429 ?? 0}, commit-then-timeout ${f.commitThenTimeout ?? 0}, webhook dups ${f.webhookDuplicate ?? 0}, reorders ${f.webhookReorder ?? 0}, kills ${r.kills}`,
    },
  ];
}
