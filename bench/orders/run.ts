/**
 * Orders end to end (on demand, not part of `npm test`): BigCommerce storefront order placed → Heartland
 * sales order open, through the REAL app (createApp + appModules: webhook route, inbox, SQLite queue,
 * orders.sync flow, both API clients) against the in-process sandbox.
 *
 *   npm run bench -- orders [--orders 1000] [--latencies 0,20] [--workers 16] [--paced-rate 20]
 *                           [--paced-seconds 10] [--out bench/results/orders-$(date +%F).md]
 *   node --cpu-prof --cpu-prof-dir scratch/prof --import tsx bench/orders/run.ts --latencies 0   # profile
 *
 * Per upstream latency (added to every simulator request except the storefront's own checkout):
 * - burst: `orders` orders placed as fast as 16 shoppers can → orders/s from the first checkout to the
 *   last Heartland order open, and the placed→open latency under that load;
 * - paced: the first order alone (cold caches: its API calls are counted apart), then `paced-rate`
 *   orders/s for `paced-seconds` → unloaded placed→open p50/p99 and steady-state API calls per order.
 * API calls are counted per route by wrapping the process's fetch (the bridge's clients use it; the
 * shoppers use the unwrapped one) and checked against the simulators' own request counters.
 * placed→open: BigCommerce's `date_created` (ms in the simulator) → the Heartland order's `updated_at`
 * at the moment it was opened (the flow's last write).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { appModules, composeModules } from '../../src/app/app-modules.js';
import { type App, createApp } from '../../src/app/create-app.js';
import { configSchema } from '../../src/config/config-schema.js';
import { BigCommerceApi } from '../../src/connectors/bigcommerce/bigcommerce-api.js';
import { installHooks } from '../../src/connectors/bigcommerce/hooks-registration.js';
import { demoMapping } from '../../src/demo/demo-mapping.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { Prng } from '../../src/sandbox/shared/prng.js';
import { buildStorefrontOrder } from '../../src/sandbox/traffic/storefront-order.js';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '1000' },
    latencies: { type: 'string', default: '0,20' },
    workers: { type: 'string', default: '16' },
    'paced-rate': { type: 'string', default: '20' },
    'paced-seconds': { type: 'string', default: '10' },
    out: { type: 'string' },
    /** `memory`: SQLite :memory: — no fsync, to show what the disk costs (not a shippable setting). */
    db: { type: 'string', default: 'file' },
  },
});
const ORDERS = Number(values.orders);
const LATENCIES = String(values.latencies).split(',').map(Number);
const WORKERS = Number(values.workers);
const PACED_RATE = Number(values['paced-rate']);
const PACED_SECONDS = Number(values['paced-seconds']);
const SHOPPERS = 16;

const realFetch = globalThis.fetch;
const calls = new Map<string, number>();
let origins: { bc: string; hl: string } = { bc: '\0', hl: '\0' };
/** `bc GET /v2/orders/:id/products` style keys. */
function routeKey(method: string, url: string): string | undefined {
  const side = url.startsWith(origins.bc) ? 'bc' : url.startsWith(origins.hl) ? 'hl' : undefined;
  if (!side) return undefined;
  const path = new URL(url).pathname
    .replace(/^\/stores\/[^/]+/, '')
    .replace(/^\/api/, '')
    .replace(/\/\d+(?=\/|$)/g, '/:id');
  return `${side} ${method.toUpperCase()} ${path}`;
}
globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const key = routeKey(init?.method ?? (input instanceof Request ? input.method : 'GET'), url);
  if (key) calls.set(key, (calls.get(key) ?? 0) + 1);
  return realFetch(input, init);
}) as typeof fetch;

const snapshotCalls = () => new Map(calls);
function diffCalls(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) if (v - (before.get(k) ?? 0) > 0) out.set(k, v - (before.get(k) ?? 0));
  return out;
}
const sideTotal = (m: Map<string, number>, side: 'bc' | 'hl') =>
  [...m].filter(([k]) => k.startsWith(`${side} `)).reduce((s, [, v]) => s + v, 0);

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

interface Rig {
  sb: Sandbox;
  app: App;
  dir: string;
  bodies: (n: number) => Record<string, unknown>[];
  close(): Promise<void>;
}

async function startRig(latencyMs: number): Promise<Rig> {
  const sb = await startSandbox({
    seed: 'bench-orders',
    products: 200,
    timeScale: 0.001,
    rateLimit: { quota: 10_000_000, windowMs: 30_000 },
  });
  origins = { bc: sb.bc.url, hl: sb.hl.url.replace(/\/api$/, '') };
  // The merchant restocked: the bench must not run into the store's out-of-stock refusal.
  const known: number[] = [];
  for (const v of sb.bc.state.variants.values()) {
    const p = sb.bc.state.products.get(v.product_id);
    if (!p || !v.sku || !sb.hl.state.itemBySku(v.sku)) continue;
    const key = sb.bc.state.stockKeyFor(p, v);
    if (key) sb.bc.state.ensureStock(key, 1).onHand = 10_000_000;
    known.push(v.id);
  }
  const dir = mkdtempSync(join(tmpdir(), 'hb-bench-orders-'));
  const mapping = demoMapping(sb);
  const config = configSchema.parse({
    connections: [
      {
        id: 'bench',
        bigcommerce: sb.bigcommerce,
        heartland: { apiUrl: sb.heartland.apiUrl, apiToken: sb.heartland.token },
        webhookSecret: 'bench-secret-0123456789abcdef',
        mapping,
        polling: { orders: '1h', fulfilment: '1h' },
      },
    ],
    database: { url: values.db === 'memory' ? ':memory:' : join(dir, 'bench.db') },
    server: { port: 0, host: '127.0.0.1' },
    workers: { concurrency: WORKERS },
    log: { level: 'warn' },
  });
  const modules = composeModules(appModules);
  const app = await createApp({
    config,
    port: 0,
    processMetrics: false,
    logger: pino({ level: 'warn' }, pino.destination({ dest: join(dir, 'bench.log'), sync: false })),
    handlers: modules.handlers,
    schedules: modules.schedules,
    routes: modules.routes,
  });
  await app.start();
  await installHooks(new BigCommerceApi({ ...sb.bigcommerce }), {
    publicUrl: app.address() ?? '',
    connectionId: 'bench',
    secret: 'bench-secret-0123456789abcdef',
    scopes: ['store/order/created', 'store/order/updated', 'store/order/statusUpdated'],
  });
  if (latencyMs > 0) {
    const calm = { latencyMs: { min: 0, max: 0 } };
    const faults = {
      enabled: true,
      global: { latencyMs: { min: latencyMs, max: latencyMs } },
      routes: { 'POST /stores/:hash/v2/orders': calm },
    };
    sb.bc.faults.set(faults);
    sb.hl.faults.set(faults);
  }
  const rng = new Prng('bench-orders');
  const bodies = (n: number) => {
    const out: Record<string, unknown>[] = [];
    for (let i = 0; out.length < n; i++) {
      const body = buildStorefrontOrder(sb.bc, known, rng.fork(`o${i}`), i);
      if (!body) continue;
      body.status_id = 11;
      out.push(body);
    }
    return out;
  };
  return {
    sb,
    app,
    dir,
    bodies,
    async close() {
      await app.stop();
      await sb.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function place(sb: Sandbox, body: Record<string, unknown>): Promise<number> {
  const res = await realFetch(`${sb.bc.apiUrl}/v2/orders`, {
    method: 'POST',
    headers: {
      'X-Auth-Token': sb.bc.accessToken,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`checkout refused: ${res.status} ${text.slice(0, 200)}`);
  return (JSON.parse(text) as { id: number }).id;
}

/** Waits until each id has an open Heartland order; returns placed→open ms per order. */
async function waitOpen(
  sb: Sandbox,
  ids: number[],
  timeoutMs: number,
): Promise<{ lat: number[]; lastOpen: number; missing: number }> {
  const want = new Set(ids.map(String));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = new Map<string, number>();
    for (const o of sb.hl.state.salesOrders.all()) {
      const bcId = String((o.custom as Record<string, unknown>).bc_order_id ?? '');
      if (want.has(bcId) && o.status === 'open') open.set(bcId, Date.parse(o.updated_at));
    }
    if (open.size === want.size || Date.now() > deadline) {
      const lat: number[] = [];
      let lastOpen = 0;
      for (const id of ids) {
        const at = open.get(String(id));
        const created = sb.bc.state.orders.get(id)?.date_created ?? 0;
        if (at !== undefined) {
          lat.push(at - created);
          lastOpen = Math.max(lastOpen, at);
        }
      }
      return { lat: lat.sort((a, b) => a - b), lastOpen, missing: want.size - open.size };
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Result {
  latencyMs: number;
  mode: string;
  orders: number;
  perSec: number;
  p50: number;
  p99: number;
  max: number;
  missing: number;
  dupes: number;
  callsPerOrder: { bc: number; hl: number };
  simCounters: { bc: number; hl: number };
  /** Process CPU (user+system, all threads) per order over the measured part: survives a noisy box. */
  cpuMsPerOrder: number;
  routes: Map<string, number>;
  cold?: Map<string, number>;
}

function duplicates(sb: Sandbox): number {
  const seen = new Map<string, number>();
  for (const o of sb.hl.state.salesOrders.all()) {
    const k = String((o.custom as Record<string, unknown>).bc_order_id ?? '');
    if (k) seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  return [...seen.values()].reduce((s, v) => s + Math.max(0, v - 1), 0);
}

async function burst(latencyMs: number): Promise<Result> {
  const rig = await startRig(latencyMs);
  try {
    const bodies = rig.bodies(ORDERS);
    const before = snapshotCalls();
    const sim0 = { bc: rig.sb.bc.faults.counters.requests, hl: rig.sb.hl.faults.counters.requests };
    const started = Date.now();
    const cpu0 = process.cpuUsage();
    const ids: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: SHOPPERS }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++] as Record<string, unknown>;
          ids.push(await place(rig.sb, body));
        }
      }),
    );
    const w = await waitOpen(rig.sb, ids, 300_000);
    const cpu = process.cpuUsage(cpu0);
    const routes = diffCalls(snapshotCalls(), before);
    return {
      latencyMs,
      mode: `burst (${SHOPPERS} shoppers)`,
      orders: ids.length,
      perSec: (ids.length - w.missing) / ((w.lastOpen - started) / 1000),
      p50: pct(w.lat, 50),
      p99: pct(w.lat, 99),
      max: w.lat.at(-1) ?? Number.NaN,
      missing: w.missing,
      dupes: duplicates(rig.sb),
      callsPerOrder: { bc: sideTotal(routes, 'bc') / ids.length, hl: sideTotal(routes, 'hl') / ids.length },
      simCounters: {
        bc: (rig.sb.bc.faults.counters.requests - sim0.bc - ids.length) / ids.length,
        hl: (rig.sb.hl.faults.counters.requests - sim0.hl) / ids.length,
      },
      cpuMsPerOrder: (cpu.user + cpu.system) / 1000 / ids.length,
      routes,
    };
  } finally {
    await rig.close();
  }
}

async function paced(latencyMs: number): Promise<Result> {
  const rig = await startRig(latencyMs);
  try {
    const n = Math.max(1, Math.round(PACED_RATE * PACED_SECONDS));
    const bodies = rig.bodies(n + 1);
    // Cold: the first order alone pays for reference data (payment types, shipping methods, custom fields).
    const c0 = snapshotCalls();
    const firstId = await place(rig.sb, bodies[0] as Record<string, unknown>);
    await waitOpen(rig.sb, [firstId], 30_000);
    await new Promise((r) => setTimeout(r, 200));
    const cold = diffCalls(snapshotCalls(), c0);
    const before = snapshotCalls();
    const sim0 = { bc: rig.sb.bc.faults.counters.requests, hl: rig.sb.hl.faults.counters.requests };
    const started = Date.now();
    const cpu0 = process.cpuUsage();
    const ids: number[] = [];
    const inflight: Promise<void>[] = [];
    for (let i = 1; i <= n; i++) {
      const wait = started + ((i - 1) * 1000) / PACED_RATE - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inflight.push(place(rig.sb, bodies[i] as Record<string, unknown>).then((id) => void ids.push(id)));
    }
    await Promise.all(inflight);
    const w = await waitOpen(rig.sb, ids, 120_000);
    const cpu = process.cpuUsage(cpu0);
    await new Promise((r) => setTimeout(r, 300)); // late echoes
    const routes = diffCalls(snapshotCalls(), before);
    return {
      latencyMs,
      mode: `paced ${PACED_RATE}/s`,
      orders: ids.length,
      perSec: (ids.length - w.missing) / ((w.lastOpen - started) / 1000),
      p50: pct(w.lat, 50),
      p99: pct(w.lat, 99),
      max: w.lat.at(-1) ?? Number.NaN,
      missing: w.missing,
      dupes: duplicates(rig.sb),
      callsPerOrder: { bc: sideTotal(routes, 'bc') / ids.length, hl: sideTotal(routes, 'hl') / ids.length },
      simCounters: {
        bc: (rig.sb.bc.faults.counters.requests - sim0.bc - ids.length) / ids.length,
        hl: (rig.sb.hl.faults.counters.requests - sim0.hl) / ids.length,
      },
      cpuMsPerOrder: (cpu.user + cpu.system) / 1000 / ids.length,
      routes,
      cold,
    };
  } finally {
    await rig.close();
  }
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');

function report(results: Result[]): string {
  const cpu = cpus()[0]?.model ?? 'unknown';
  const lines = [
    `# orders bench — ${new Date().toISOString().slice(0, 10)}`,
    '',
    `Machine: ${cpus().length} CPUs (${cpu}), Node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at the end. Everything (both simulators, the bridge, the shoppers) in ONE Node process.`,
    `Command: \`npm run bench -- orders --db ${values.db} --orders ${ORDERS} --latencies ${LATENCIES.join(',')} --workers ${WORKERS} --paced-rate ${PACED_RATE} --paced-seconds ${PACED_SECONDS}\``,
    '',
    '| upstream latency | mode | orders | orders/s | p50 ms | p99 ms | max ms | missing | duplicates | CPU ms/order | BC calls/order | HL calls/order | sim counters BC/HL per order |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.latencyMs} ms | ${r.mode} | ${r.orders} | ${f1(r.perSec)} | ${f0(r.p50)} | ${f0(r.p99)} | ${f0(r.max)} | ${r.missing} | ${r.dupes} | ${r.cpuMsPerOrder.toFixed(1)} | ${r.callsPerOrder.bc.toFixed(2)} | ${r.callsPerOrder.hl.toFixed(2)} | ${r.simCounters.bc.toFixed(2)} / ${r.simCounters.hl.toFixed(2)} |`,
    ),
    '',
  ];
  for (const r of results.filter((x) => x.cold)) {
    lines.push(`## API calls by route — ${r.latencyMs} ms, ${r.mode}`, '');
    lines.push('| route | first order (cold) | per order after it |', '|---|---|---|');
    const keys = new Set([...(r.cold?.keys() ?? []), ...r.routes.keys()]);
    for (const k of [...keys].sort())
      lines.push(`| \`${k}\` | ${r.cold?.get(k) ?? 0} | ${((r.routes.get(k) ?? 0) / r.orders).toFixed(2)} |`);
    lines.push('');
  }
  return lines.join('\n');
}

const results: Result[] = [];
for (const latency of LATENCIES) {
  for (const run of [paced, burst]) {
    const r = await run(latency);
    console.error(
      `latency ${r.latencyMs} ms, ${r.mode}: ${r.orders} orders, ${f1(r.perSec)}/s, p50 ${f0(r.p50)} ms, p99 ${f0(r.p99)} ms, missing ${r.missing}, dupes ${r.dupes}, CPU ${r.cpuMsPerOrder.toFixed(1)} ms/order, calls/order BC ${r.callsPerOrder.bc.toFixed(2)} HL ${r.callsPerOrder.hl.toFixed(2)}`,
    );
    results.push(r);
  }
}
const md = report(results);
if (values.out) writeFileSync(values.out, md);
process.stdout.write(`${md}\n`);
