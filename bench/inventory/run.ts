/**
 * Inventory benchmark (run on demand: `npm run bench -- inventory [products] [--quick]`; never in npm test).
 * Options: `--all-shared` (every SKU exists on both sides: the issue's 100k × 4 scenario; default: the
 * seed's ~3 % of SKUs on one side only), `--mode auto|write-first|read-first` (phase 1; default auto = write-first on the empty
 * database), `--out <file>` (results file; default bench/results/inventory-<date>[-quick].md).
 *
 * 1. Initial sync: ~100k SKUs × 4 locations, every BigCommerce level different from Heartland (cold
 *    store), `fullSync` from an empty database. Counts BigCommerce calls (reads / writes, refused writes),
 *    our CPU time (user + system of THIS process; the simulators run in a child process) and peak RSS.
 * 2. Steady state: 1,000 random Heartland stock changes, then one ledger poll: BigCommerce calls used.
 * 3. Backlog drain under a real quota: a second sandbox with BigCommerce's 150-request quota on a 3 s
 *    window (the 30 s window scaled down 10×, same shape), every level different, drained at real-time
 *    priority in batches of 50 (so the backlog spans many windows). Share of our budget (quota × share 0.7) used, and 429s.
 * Writes bench/results/inventory-<date>.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BigCommerceApi } from '../../src/connectors/bigcommerce/bigcommerce-api.js';
import { HeartlandApi } from '../../src/connectors/heartland/heartland-api.js';
import { createEngine, createQueueBackend } from '../../src/engine/engine.js';
import { fullSync } from '../../src/flows/inventory/full-sync.js';
import { parseInventoryConfig } from '../../src/flows/inventory/inventory-config.js';
import type { InventoryFlowContext } from '../../src/flows/inventory/inventory-context.js';
import { pollLedger } from '../../src/flows/inventory/stock-sync.js';
import { openStore } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
/** Only phase 3; its line replaces the one in today's results file. */
const drainOnly = args.includes('--drain-only');
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const allShared = args.includes('--all-shared');
const mode = (flag('--mode') ?? 'auto') as 'auto' | 'write-first' | 'read-first';
if (!['auto', 'write-first', 'read-first'].includes(mode)) throw new Error(`--mode ${mode}?`);
const outArg = flag('--out');
const products = Number(
  args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--out') ?? (quick ? 2000 : 41_700),
);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
const loadAtStart = load();

interface Child {
  proc: ChildProcess;
  info: {
    bigcommerce: { apiUrl: string; storeHash: string; accessToken: string };
    heartland: { apiUrl: string; token: string };
    control: string;
    skus: { bc: number; hl: number; shared: number };
  };
}

async function startChild(productCount: number, rateLimit: string): Promise<Child> {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(here, 'sandbox-child.ts'),
      String(productCount),
      '4',
      rateLimit,
      allShared ? 'all-shared' : '',
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const rl = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  const line = await new Promise<string>((resolve, reject) => {
    rl.once('line', resolve);
    proc.once('exit', (code) => reject(new Error(`sandbox child exited ${code}`)));
  });
  return { proc, info: JSON.parse(line) as Child['info'] };
}

async function control(c: Child, path: string, method = 'POST'): Promise<Record<string, unknown>> {
  const res = await fetch(`${c.info.control}${path}`, { method });
  return (await res.json()) as Record<string, unknown>;
}

interface Meter {
  reads: number;
  writes: number;
  r429: number;
  /** Writes BigCommerce refused with 422 (write-first learns unknown SKUs this way). */
  r422: number;
  /** Start time of every BigCommerce request, and whether it was a write. */
  log: Array<{ at: number; write: boolean }>;
}

async function context(c: Child, dir: string, name: string) {
  const store = openStore(join(dir, `${name}.db`));
  await migrateToLatest(store);
  const engine = createEngine({ store, backend: await createQueueBackend(store) });
  const meter: Meter = { reads: 0, writes: 0, r429: 0, r422: 0, log: [] };
  const countingFetch = async (input: string, init: RequestInit) => {
    const write = (init.method ?? 'GET') !== 'GET';
    if (write) meter.writes++;
    else meter.reads++;
    meter.log.push({ at: Date.now(), write });
    const res = await fetch(input, init);
    if (res.status === 429) meter.r429++;
    if (res.status === 422) meter.r422++;
    return res;
  };
  const ctx: InventoryFlowContext = {
    connectionId: 'bench',
    engine,
    bc: new BigCommerceApi({ ...c.info.bigcommerce, fetch: countingFetch }),
    hl: new HeartlandApi({
      apiUrl: c.info.heartland.apiUrl,
      token: c.info.heartland.token,
      timeoutMs: 300_000,
    }),
    configVersion: null,
    now: Date.now,
    inventory: parseInventoryConfig({
      locations: [1, 2, 3, 4].map((i) => ({ bcLocationId: i, hlLocationIds: [100000 + i] })),
      hlPageSize: 1000,
    }),
  };
  return {
    ctx,
    meter,
    close: async () => {
      await engine.stop(0);
      await store.close();
    },
  };
}

const cpuMs = (u: NodeJS.CpuUsage) => Math.round((u.user + u.system) / 1000);
const dir = mkdtempSync(join(tmpdir(), 'hb-bench-inv-'));
const results: string[] = [];
const log = (s: string) => {
  console.log(s);
  results.push(s);
};

// ── 1 + 2 ──
if (!drainOnly) {
  const a = await startChild(products, 'off');
  try {
    log(
      `SKUs: BigCommerce ${a.info.skus.bc}, Heartland ${a.info.skus.hl}, shared ${a.info.skus.shared}; 4 locations`,
    );
    await control(a, '/perturb');
    const { ctx, meter, close } = await context(a, dir, 'a');
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    const r = await fullSync(ctx, { mode });
    const cpu = cpuMs(process.cpuUsage(cpu0));
    const wall = Date.now() - t0;
    log(
      `initial sync (${r.mode}): ${r.written} of ${r.changes} planned levels written in ${r.calls} absolute calls (${r.batches} batches, ${meter.r422} refused with 422); BigCommerce calls total ${meter.reads + meter.writes} (reads ${meter.reads}, writes ${meter.writes}); 429s ${meter.r429}; SKUs matched ${r.skus.matched}, missing in BigCommerce ${r.skus.hlOnly}, read back after a refusal ${r.lookedUp}, rejected ${r.rejected.length}`,
    );
    const floor = Math.ceil((r.skus.matched * 4) / 2000);
    log(
      `initial sync: floor for the writes alone ⌈${r.skus.matched} SKUs × 4 / 2,000⌉ = ${floor}; calls above it: ${meter.reads + meter.writes - floor}`,
    );
    log(
      `initial sync: our CPU ${(cpu / 1000).toFixed(1)} s, wall ${(wall / 1000).toFixed(1)} s (wall includes the simulators' own time)`,
    );
    await pollLedger(ctx); // settle the bracket replay
    const steady: string[] = [];
    for (const seed of [7, 8, 9]) {
      const changes = await control(a, `/changes?n=1000&seed=${seed}`);
      const before = meter.reads + meter.writes;
      const cpuS = process.cpuUsage();
      const p = await pollLedger(ctx);
      steady.push(
        `1,000 changes (${changes.distinctLevels} distinct item×location) → ${meter.reads + meter.writes - before} BigCommerce calls (${p.written} levels written; ${p.items} items re-read), CPU ${cpuMs(process.cpuUsage(cpuS))} ms`,
      );
    }
    for (const s of steady) log(`steady state: ${s}`);
    log(`peak RSS (this process, phases 1–2): ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
    await close();
  } finally {
    a.proc.kill('SIGTERM');
  }
}

// ── 3 ──
const drainProducts = quick ? 1000 : 5_000;
const b = await startChild(drainProducts, '150/3000');
try {
  await control(b, '/perturb');
  const { ctx, meter, close } = await context(b, dir, 'b');
  const t0 = Date.now();
  // Small batches so the backlog spans many quota windows (pacing does not depend on batch size).
  // Read-first, as in the earlier results: this phase measures pacing, and refused calls would blur it.
  const r = await fullSync(ctx, { priority: 'realtime', batchSize: 50, mode: 'read-first' });
  const elapsed = Date.now() - t0;
  const calls = meter.reads + meter.writes;
  // The budget matters while BigCommerce is the bottleneck: from the first to the last write call
  // (before that, the run is reading Heartland, which is not BigCommerce's budget).
  const writes = meter.log.filter((e) => e.write);
  const from = writes[0]?.at ?? t0;
  const to = writes[writes.length - 1]?.at ?? t0;
  // Whole 3 s windows from the first write only: the budget spends a window's share in a burst when it
  // opens, so a span ending just after a burst (first to last call) counted one window's calls too many
  // (the 108 % of an earlier result was that, not overspending).
  const windows = Math.max(1, Math.floor((to - from) / 3000));
  const inSpan = meter.log.filter((e) => e.at >= from && e.at < from + windows * 3000).length;
  const allowed = windows * 150 * 0.7;
  log(
    `backlog drain (${b.info.skus.bc} SKUs × 4, quota 150 / 3 s, share 0.7, real-time priority): ${r.calls} write calls; while draining, ${inSpan} calls in the first ${windows} whole 3 s windows = ${(inSpan / windows).toFixed(1)} per window vs 105 allowed → ${((100 * inSpan) / allowed).toFixed(1)} % of our budget; 429s ${meter.r429} of ${calls} calls (${((100 * meter.r429) / Math.max(1, calls)).toFixed(2)} %); whole run ${(elapsed / 1000).toFixed(1)} s`,
  );
  await close();
} finally {
  b.proc.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

const date = new Date().toISOString().slice(0, 10);
const cpuModel = cpus()[0]?.model ?? 'unknown';
const md = `# Inventory benchmark — ${date}

Machine: ${cpus().length} CPUs (nproc), ${cpuModel}; Node ${process.version}; SQLite store in a temp dir.
Command: \`npm run bench -- inventory ${args.join(' ')}\` (products ${products}, backlog ${drainProducts}, phase 1 mode ${mode}).
Load average (1 / 5 / 15 min): ${loadAtStart} at start, ${load()} at the end (shared machine: wall times
are inflated by other work; CPU times and call counts are not).

${results.map((l) => `- ${l}`).join('\n')}

Notes: the simulators run in child processes (their CPU is not ours); Heartland reads are not
BigCommerce budget. Read-first lists \`/v3/inventory/items\` at 1,000 per page before writing;
write-first lists nothing and learns unknown SKUs from the 422s (see src/flows/inventory/full-sync.ts).
The backlog drain always runs read-first.
`;
mkdirSync(join(here, '..', 'results'), { recursive: true });
const file = outArg ?? join(here, '..', 'results', `inventory-${date}${quick ? '-quick' : ''}.md`);
if (drainOnly && existsSync(file)) {
  const line = results.find((l) => l.startsWith('backlog drain')) ?? '';
  const old = readFileSync(file, 'utf8');
  writeFileSync(file, old.replace(/^- backlog drain.*$/m, `- ${line}`));
} else writeFileSync(file, md);
console.log(`wrote ${file}`);
