/**
 * Chaos profiles: how much load, how many kills and which faults. `full` is the run issue 7 asks for;
 * `medium` is the same fault mix at a tenth of the load; `small` runs inside `npm test` (≤ ~60 s), so its
 * faults are scaled to fit: 5xx, hangs and outages hit reads only, because the connectors rightly wait
 * 30 s (Heartland) / 60 s (BigCommerce) before retrying a failed write, and a killed worker's lease takes
 * 30 s to expire — a 60 s test cannot absorb many of those.
 */
import type { FaultConfigInput, FaultRule } from '../../src/sandbox/shared/fault-config.js';

export type ProfileName = 'small' | 'medium' | 'full';
export type BackendName = 'sqlite' | 'postgres';
/** `full`: issue 7's rates on every call heartbridge makes. `reads`: 5xx, hangs and outages on reads only. */
export type FaultMix = 'full' | 'reads';

export interface ChaosProfile {
  name: ProfileName;
  /** Storefront orders placed on BigCommerce. */
  orders: number;
  /** Heartland stock changes (adjustments and in-store sales). */
  stockChanges: number;
  /** Products in the seeded catalog (SKUs ≈ 2.4 ×). */
  products: number;
  /** Load is spread over this window. */
  loadMs: number;
  /** A bridge process is SIGKILLed this often while the faults are on... */
  killEveryMs: number;
  /** ...but not later than this into the chaos phase (a killed job waits 30 s for its lease to expire). */
  killUntilMs: number;
  /** The faults stay on at least this long (enough requests must meet them for the verdict to mean much). */
  chaosMinMs: number;
  /** Two outages of each API, this long each. */
  outageMs: number;
  /** After the faults are off: how long the queue may take to drain before the run is judged. */
  drainTimeoutMs: number;
  /**
   * Bridge poll intervals (config durations). `lateWrites`: the late-write check's delay
   * (src/flows/orders/late-writes.ts), short so it runs before the verdict.
   */
  polling: { orders: string; fulfilment: string; lateWrites: string };
  /** The inventory block's intervals: ledger poll, reservations backstop, full reconcile. */
  inventory: { poll: string; reservations: string; reconcile: string };
  /** `connections[].heartland.concurrency` (requests in flight to Heartland per process). */
  hlConcurrency: number;
  /** Both clients' `timeoutMs` (unset: the 15 s default). A hung call holds a worker slot this long. */
  apiTimeoutMs?: number;
  mix: FaultMix;
  /** Worker processes on PostgreSQL (SQLite always runs one process). */
  pgWorkers: number;
  /** Jobs one process runs at once. */
  concurrency: number;
  /** Per worker process on PostgreSQL, when it differs (default `concurrency`). */
  pgConcurrency?: number;
}

/**
 * Routes only the "staff" and "shoppers" of the run use (fulfilment in Heartland, stock changes, in-store
 * sales): heartbridge never writes them, and the people using them are not what is under test, so they
 * are kept fault-free. Every route heartbridge calls keeps the faults.
 */
const CLEAN: FaultRule = {
  errorRate: 0,
  hangRate: 0,
  rate429: { rate: 0 },
  outages: [],
  commitThenTimeoutRate: 0,
  latencyMs: { min: 0, max: 0 },
};
export const STAFF_ROUTES = [
  'POST /api/sales/invoices',
  'POST /api/sales/invoices/:id/lines',
  'PUT /api/sales/invoices/:id',
  'POST /api/sales/tickets',
  'POST /api/inventory/adjustments',
];
const staffRoutes = () => Object.fromEntries(STAFF_ROUTES.map((r) => [r, CLEAN]));

/** Two outages per API inside the load window, staggered so that the two APIs are rarely down together. */
function outageWindows(loadMs: number, outageMs: number) {
  const at = (share: number) => ({ startMs: Math.round(loadMs * share), durationMs: outageMs });
  return { bc: [at(0.15), at(0.55)], hl: [at(0.3), at(0.75)] };
}

/** The fault mix of issue 7: 10 % 5xx, 5 % hangs, 3 % 429s, committed-then-timeout writes, outages. */
function fullMix(p: Pick<ChaosProfile, 'loadMs' | 'outageMs'>, seed: string) {
  const windows = outageWindows(p.loadMs, p.outageMs);
  const base: FaultRule = {
    errorRate: 0.1,
    hangRate: 0.05,
    rate429: { rate: 0.03, retryAfterS: 1 },
    commitThenTimeoutRate: 0.05,
    commitThenTimeoutDelayMs: 20,
  };
  const webhooks = { duplicateRate: 0.5, reorderRate: 0.5, reorderDelayMs: 300 };
  return {
    bc: { enabled: true, seed, global: { ...base, outages: windows.bc }, routes: staffRoutes(), webhooks },
    hl: { enabled: true, seed, global: { ...base, outages: windows.hl }, routes: staffRoutes(), webhooks },
  };
}

/** The same kinds of fault, but 5xx / hangs / outages on reads only (see the header). */
function readsMix(p: Pick<ChaosProfile, 'loadMs' | 'outageMs'>, seed: string) {
  const windows = outageWindows(p.loadMs, p.outageMs);
  const global: FaultRule = {
    rate429: { rate: 0.03, retryAfterS: 0 },
    commitThenTimeoutRate: 0.05,
    commitThenTimeoutDelayMs: 10,
  };
  const reads = (outages: Array<{ startMs: number; durationMs: number }>): FaultRule => ({
    errorRate: 0.1,
    hangRate: 0.005,
    outages,
  });
  const webhooks = { duplicateRate: 0.5, reorderRate: 0.5, reorderDelayMs: 150 };
  return {
    bc: { enabled: true, seed, global, routes: { 'GET /*': reads(windows.bc), ...staffRoutes() }, webhooks },
    hl: { enabled: true, seed, global, routes: { 'GET /*': reads(windows.hl), ...staffRoutes() }, webhooks },
  };
}

export interface SandboxFaults {
  bc: FaultConfigInput;
  hl: FaultConfigInput;
}

export function profileFaults(profile: ChaosProfile, seed: string): SandboxFaults {
  return profile.mix === 'reads' ? readsMix(profile, seed) : fullMix(profile, seed);
}

export const PROFILES: Record<ProfileName, ChaosProfile> = {
  small: {
    name: 'small',
    orders: 60,
    stockChanges: 200,
    products: 40,
    loadMs: 12_000,
    killEveryMs: 3_500,
    killUntilMs: 8_000,
    chaosMinMs: 22_000,
    outageMs: 1_500,
    drainTimeoutMs: 120_000,
    polling: { orders: '15s', fulfilment: '3s', lateWrites: '20s' },
    inventory: { poll: '2s', reservations: '5s', reconcile: '15s' },
    hlConcurrency: 2,
    mix: 'reads',
    pgWorkers: 2,
    concurrency: 8,
  },
  medium: {
    name: 'medium',
    orders: 1_000,
    stockChanges: 5_000,
    products: 300,
    loadMs: 180_000,
    killEveryMs: 20_000,
    killUntilMs: Number.POSITIVE_INFINITY,
    chaosMinMs: 0,
    outageMs: 20_000,
    drainTimeoutMs: 20 * 60_000,
    polling: { orders: '30s', fulfilment: '5s', lateWrites: '30s' },
    inventory: { poll: '2s', reservations: '10s', reconcile: '1m' },
    hlConcurrency: 4,
    mix: 'full',
    pgWorkers: 3,
    concurrency: 16,
  },
  full: {
    name: 'full',
    orders: 10_000,
    stockChanges: 50_000,
    products: 2_000,
    loadMs: 30 * 60_000,
    killEveryMs: 20_000,
    killUntilMs: Number.POSITIVE_INFINITY,
    chaosMinMs: 0,
    outageMs: 60_000,
    drainTimeoutMs: 60 * 60_000,
    polling: { orders: '1m', fulfilment: '10s', lateWrites: '1m' },
    inventory: { poll: '5s', reservations: '30s', reconcile: '5m' },
    // 5 % of calls hang until the client gives up: at 4 Heartland slots and 15 s timeouts the hangs alone
    // cap a process near 1 order/s, below the 5.5/s this profile places. The simulators answer in
    // milliseconds, so 2 s is a generous timeout here; 96 jobs keep the hung ones from starving the rest.
    hlConcurrency: 16,
    apiTimeoutMs: 2_000,
    mix: 'full',
    pgWorkers: 3,
    concurrency: 96,
    // 96 per process × 3 against 10 pooled connections each starved this 2-core machine (54 orders into
    // Heartland in 15 min): the same 96 in all, split between the workers.
    pgConcurrency: 32,
  },
};
