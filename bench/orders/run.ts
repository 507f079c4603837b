/**
 * Orders end to end (on demand, not part of `npm test`): BigCommerce storefront order placed → Heartland
 * sales order open, through the REAL app (createApp + appModules: webhook route, inbox, SQLite queue,
 * orders.sync flow, both API clients) against the sandbox, which runs in a second process with the
 * shoppers (bench/orders/sim-host.ts): the bridge's CPU per order is then its own, as in production.
 *
 *   npm run bench -- orders [--orders 1000] [--latencies 0,20] [--workers 16] [--paced-rate 20]
 *                           [--paced-seconds 10] [--hl-concurrency 2] [--out bench/results/orders-$(date +%F).md]
 *   node --cpu-prof --cpu-prof-dir scratch/prof --import tsx bench/orders/run.ts --latencies 0   # profile
 *
 * Per upstream latency (added to every simulator request except the storefront's own checkout):
 * - burst: `orders` orders placed as fast as 16 shoppers can → orders/s from the first checkout to the
 *   last Heartland order open, and the placed→open latency under that load;
 * - paced: the first order alone (cold caches: its API calls are counted apart), then `paced-rate`
 *   orders/s for `paced-seconds` → unloaded placed→open p50/p99 and steady-state API calls per order.
 * API calls are counted per route by the simulators themselves (FaultController.byRoute), the
 * storefront's checkouts left out.
 * placed→open: BigCommerce's `date_created` (ms in the simulator) → the Heartland order's `updated_at`
 * at the moment it was opened (the flow's last write).
 */
import { type ChildProcess, fork } from 'node:child_process';
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
import type { MappingConfigInput } from '../../src/mapping/mapping-config.js';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '1000' },
    latencies: { type: 'string', default: '0,20' },
    workers: { type: 'string', default: '16' },
    'paced-rate': { type: 'string', default: '20' },
    'paced-seconds': { type: 'string', default: '10' },
    /** Requests in flight to Heartland (config heartland.concurrency; the product default is 2). */
    'hl-concurrency': { type: 'string', default: '2' },
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
const HL_CONCURRENCY = Number(values['hl-concurrency']);
const SHOPPERS = 16;

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

/** RPC to bench/orders/sim-host.ts (simulators + shoppers in their own process). */
class SimHost {
  private seq = 0;
  private readonly waiting = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error !== undefined) w.fail(new Error(m.error));
      else w.ok(m.result);
    });
  }
  static async spawn(): Promise<SimHost> {
    const child = fork(new URL('./sim-host.ts', import.meta.url).pathname, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const host = new SimHost(child);
    await new Promise<void>((resolve, reject) => {
      host.waiting.set(0, { ok: () => resolve(), fail: reject });
      child.once('exit', (code) => reject(new Error(`sim-host exited with ${code}`)));
    });
    return host;
  }
  call<T>(op: string, ...args: unknown[]): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((ok, fail) => {
      this.waiting.set(id, { ok: ok as (v: unknown) => void, fail });
      this.child.send({ id, op, args });
    });
  }
  stop(): void {
    this.child.disconnect();
  }
}

interface Rig {
  sims: SimHost;
  app: App;
  dir: string;
  close(): Promise<void>;
}

interface SimStart {
  bigcommerce: { apiUrl: string; storeHash: string; accessToken: string };
  heartland: { apiUrl: string; token: string };
  mapping: MappingConfigInput;
  origins: { bc: string; hl: string };
}

async function startRig(latencyMs: number): Promise<Rig> {
  const sims = await SimHost.spawn();
  const sb = await sims.call<SimStart>('start', latencyMs);
  const dir = mkdtempSync(join(tmpdir(), 'hb-bench-orders-'));
  const config = configSchema.parse({
    connections: [
      {
        id: 'bench',
        bigcommerce: sb.bigcommerce,
        heartland: { apiUrl: sb.heartland.apiUrl, apiToken: sb.heartland.token, concurrency: HL_CONCURRENCY },
        webhookSecret: 'bench-secret-0123456789abcdef',
        mapping: sb.mapping,
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
  return {
    sims,
    app,
    dir,
    async close() {
      await app.stop();
      await sims.call('close');
      sims.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The simulators' own request counts per route, minus the storefront's checkouts. */
async function snapshotCalls(rig: Rig): Promise<Map<string, number>> {
  const m = new Map(await rig.sims.call<[string, number][]>('routes'));
  m.delete('bc POST /v2/orders');
  return m;
}

interface Opened {
  lat: number[];
  lastOpen: number;
  missing: number;
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
  /** The bridge process's CPU (user+system, all threads) per order over the measured part. */
  cpuMsPerOrder: number;
  /** The simulator + shopper process's CPU per order (not ours in production). */
  simCpuMsPerOrder: number;
  routes: Map<string, number>;
  cold?: Map<string, number>;
}

async function measured(
  rig: Rig,
  latencyMs: number,
  mode: string,
  place: () => Promise<number[]>,
  cold?: Map<string, number>,
): Promise<Result> {
  const before = await snapshotCalls(rig);
  const sim0 = await rig.sims.call<{ bc: number; hl: number }>('counters');
  const simCpu0 = await rig.sims.call<number>('cpu');
  const started = Date.now();
  const cpu0 = process.cpuUsage();
  const ids = await place();
  const w = await rig.sims.call<Opened>('waitOpen', ids, 300_000);
  const cpu = process.cpuUsage(cpu0);
  const simCpu = (await rig.sims.call<number>('cpu')) - simCpu0;
  if (cold) await new Promise((r) => setTimeout(r, 300)); // late echoes
  const routes = diffCalls(await snapshotCalls(rig), before);
  const sim1 = await rig.sims.call<{ bc: number; hl: number }>('counters');
  return {
    latencyMs,
    mode,
    orders: ids.length,
    perSec: (ids.length - w.missing) / ((w.lastOpen - started) / 1000),
    p50: pct(w.lat, 50),
    p99: pct(w.lat, 99),
    max: w.lat.at(-1) ?? Number.NaN,
    missing: w.missing,
    dupes: await rig.sims.call<number>('duplicates'),
    callsPerOrder: { bc: sideTotal(routes, 'bc') / ids.length, hl: sideTotal(routes, 'hl') / ids.length },
    simCounters: {
      bc: (sim1.bc - sim0.bc - ids.length) / ids.length,
      hl: (sim1.hl - sim0.hl) / ids.length,
    },
    cpuMsPerOrder: (cpu.user + cpu.system) / 1000 / ids.length,
    simCpuMsPerOrder: simCpu / ids.length,
    routes,
    cold,
  };
}

async function burst(latencyMs: number): Promise<Result> {
  const rig = await startRig(latencyMs);
  try {
    await rig.sims.call('prepare', ORDERS);
    return await measured(rig, latencyMs, `burst (${SHOPPERS} shoppers)`, () =>
      rig.sims.call<number[]>('burst', ORDERS, SHOPPERS),
    );
  } finally {
    await rig.close();
  }
}

async function paced(latencyMs: number): Promise<Result> {
  const rig = await startRig(latencyMs);
  try {
    const n = Math.max(1, Math.round(PACED_RATE * PACED_SECONDS));
    await rig.sims.call('prepare', n + 1);
    // Cold: the first order alone pays for reference data (payment types, shipping methods, custom fields).
    const c0 = await snapshotCalls(rig);
    const firstId = await rig.sims.call<number>('placeOne');
    await rig.sims.call('waitOpen', [firstId], 30_000);
    await new Promise((r) => setTimeout(r, 200));
    const cold = diffCalls(await snapshotCalls(rig), c0);
    return await measured(
      rig,
      latencyMs,
      `paced ${PACED_RATE}/s`,
      () => rig.sims.call<number[]>('paced', n, PACED_RATE),
      cold,
    );
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
      .join(
        ' ',
      )} at the end. The bridge in one process; both simulators and the shoppers in another (bench/orders/sim-host.ts).`,
    `Command: \`npm run bench -- orders --db ${values.db} --orders ${ORDERS} --latencies ${LATENCIES.join(',')} --workers ${WORKERS} --paced-rate ${PACED_RATE} --paced-seconds ${PACED_SECONDS} --hl-concurrency ${HL_CONCURRENCY}\``,
    '',
    '| upstream latency | mode | orders | orders/s | p50 ms | p99 ms | max ms | missing | duplicates | bridge CPU ms/order | sim CPU ms/order | BC calls/order | HL calls/order | sim counters BC/HL per order |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.latencyMs} ms | ${r.mode} | ${r.orders} | ${f1(r.perSec)} | ${f0(r.p50)} | ${f0(r.p99)} | ${f0(r.max)} | ${r.missing} | ${r.dupes} | ${r.cpuMsPerOrder.toFixed(1)} | ${r.simCpuMsPerOrder.toFixed(1)} | ${r.callsPerOrder.bc.toFixed(2)} | ${r.callsPerOrder.hl.toFixed(2)} | ${r.simCounters.bc.toFixed(2)} / ${r.simCounters.hl.toFixed(2)} |`,
    ),
    '',
    '**Ceilings.** Heartland takes `heartland.concurrency` requests at once (NOTES §6: 1–2 per tenant), so',
    'at upstream latency L the API alone allows concurrency × 1000 / (HL calls per order × L) orders/s; the',
    "bridge's own CPU allows 1000 / (bridge CPU ms per order) orders/s per core.",
    '',
    '| upstream latency | mode | Heartland-bound ceiling, orders/s | bridge CPU ceiling, orders/s per core |',
    '|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.latencyMs} ms | ${r.mode} | ${r.latencyMs > 0 ? f1((HL_CONCURRENCY * 1000) / (r.callsPerOrder.hl * r.latencyMs)) : '– (no latency)'} | ${f0(1000 / r.cpuMsPerOrder)} |`,
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
