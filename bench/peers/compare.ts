/**
 * Side by side: heartbridge and a Node-RED flow doing the same job (BigCommerce order webhook → fetch
 * order and lines → Heartland sales order → open), against the same upstreams in one run.
 *
 *   npx tsx bench/peers/compare.ts [--fake] [--only node-red,node-red-answer-first,heartbridge] [--quick]
 *                                  [--amount 4000] [--connections 32] [--orders 400] [--nice=-10] [--out FILE]
 *                                  [--hb-workers 16]
 *
 * Pinning (taskset): the peer under test gets core 0 alone; this process (load generator, webhook
 * sender and the in-process upstreams) is moved to core 1. Both peers see the same pinning.
 *
 * 1. Throughput: `amount` distinct order webhooks through autocannon, zero upstream latency, no faults.
 *    Two figures per peer, because the peers acknowledge different things: the webhook ack rate and
 *    latency (Node-RED answers after the work; heartbridge answers once the event is fsync'd in its
 *    inbox, before the work), and end-to-end completion — from the first webhook until every order is
 *    an open Heartland sales order — for both. The latter is the like-for-like figure.
 * 2. Loss / duplicates: `orders` distinct order webhooks sent BigCommerce-style (~40/s open loop,
 *    retries on failure, 10 % delivered twice), 100 ms latency on every upstream call (then again with
 *    3 % 5xx and 2 % Heartland commit-then-timeout added, unless `--quick`), the peer killed with SIGKILL at 40 % and restarted
 *    after 1 s; then, once the peer has drained (heartbridge works asynchronously: until its queue is
 *    empty), from Heartland's own state: lost (no sales order) and duplicated (more than one).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { type Backlog, startHeartbridgeProcess } from './run-heartbridge.js';
import { startNodeRed } from './run-node-red.js';
import { countByBcId, startUpstreams, type UpstreamFaults, type Upstreams } from './sandbox-adapter.js';
import { type DeliveryStats, deliverAll, orderWebhookBody } from './webhook-sender.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');

/** What the comparison needs from either peer. */
export interface PeerHandle {
  name: string;
  webhookUrl: string;
  /** Headers every delivery must carry (e.g. heartbridge's webhook secret). */
  webhookHeaders?: Record<string, string>;
  pid(): number | undefined;
  kill9(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Peers that work after acknowledging (heartbridge): what is still queued, so the run waits until
   * the peer has drained instead of a fixed pause. Absent: the peer is done when Heartland stops changing.
   */
  backlog?(): Backlog | null;
  /** Settings worth printing next to the figures. */
  settings?: string;
}

const PEERS = ['node-red', 'node-red-answer-first', 'heartbridge'] as const;

async function startNodeRedPeer(up: Upstreams): Promise<PeerHandle> {
  const red = await startNodeRed(up.peerConfig, { cpu: 0 });
  return { name: 'Node-RED 4.1.8', ...red };
}

/**
 * The same flow answering 200 before the work, as BigCommerce advises. Loss run only: its webhooks/s
 * would count acknowledgements, not orders moved.
 */
async function startNodeRedAnswerFirstPeer(up: Upstreams): Promise<PeerHandle> {
  const red = await startNodeRed(up.peerConfig, { cpu: 0, variant: 'answer-first' });
  return { name: 'Node-RED 4.1.8, answers first', ...red };
}

/**
 * The real heartbridge (`bin/heartbridge.js serve`) as a child process pinned to core 0, one connection
 * to the upstreams in `up.peerConfig`, SQLite store on disk (WAL, synchronous=FULL), fixed port; see
 * run-heartbridge.ts. It answers the webhook 200 once the event and its job are committed (fsync'd),
 * then works on it in the background.
 */
async function startHeartbridge(up: Upstreams, workers: number): Promise<PeerHandle> {
  const hb = await startHeartbridgeProcess(up.peerConfig, { cpu: 0, concurrency: workers });
  console.log(`heartbridge: store and log in ${hb.dir} (kept with HB_BENCH_KEEP=1)`);
  return {
    name: `heartbridge ${gitRevision()}`,
    webhookUrl: hb.webhookUrl,
    webhookHeaders: hb.webhookHeaders,
    pid: hb.pid,
    kill9: hb.kill9,
    restart: hb.restart,
    stop: hb.stop,
    backlog: hb.backlog,
    settings: `workers.concurrency ${workers}; SQLite WAL, synchronous=FULL; Heartland client: 2 requests in flight (its built-in default); BigCommerce budget: 70 % of the quota the store reports`,
  };
}

/** HEAD, plus `+wip` when src/ has uncommitted changes: the child runs the working tree (tsx), not HEAD. */
function gitRevision(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src') ? '+wip' : ''}`;
  } catch {
    return '';
  }
}

interface Completion {
  /** Orders (of those asked about) with at least one Heartland sales order. */
  created: number;
  /** … with an open one: the flow ran to its end. */
  open: number;
  /** Since the wait began. */
  ms: number;
  reason: 'complete' | 'peer idle' | 'quiet' | 'cap';
  backlog: Backlog | null;
}

/**
 * Waits until every order is an open Heartland sales order, or the peer has nothing left to do (its
 * queue is empty; for peers without one: Heartland has not changed for `quietMs`), or `capMs`.
 */
async function waitForCompletion(
  peer: PeerHandle,
  up: Upstreams,
  ids: number[],
  opts: { capMs: number; quietMs: number },
): Promise<Completion> {
  const wanted = new Set(ids.map(String));
  const started = Date.now();
  let lastKey = '';
  let lastChange = started;
  let idle = 0;
  for (;;) {
    const seen = (await up.heartlandOrders()).filter((o) => wanted.has(o.bcOrderId));
    const created = new Set(seen.map((o) => o.bcOrderId)).size;
    const open = new Set(seen.filter((o) => o.status === 'open').map((o) => o.bcOrderId)).size;
    const now = Date.now();
    const backlog = peer.backlog?.() ?? null;
    const done = (reason: Completion['reason']): Completion => ({
      created,
      open,
      ms: now - started,
      reason,
      backlog,
    });
    if (open === wanted.size) return done('complete');
    const key = `${seen.length}/${open}`;
    if (key !== lastKey) {
      lastKey = key;
      lastChange = now;
    }
    if (peer.backlog) {
      // Three empty looks in a row: a job between claim and complete is `running`, never absent.
      idle = backlog && backlog.pending + backlog.running === 0 ? idle + 1 : 0;
      if (idle >= 3) return done('peer idle');
    } else if (now - lastChange >= opts.quietMs) return done('quiet');
    if (now - started >= opts.capMs) return done('cap');
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface ThroughputResult {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** Share of one core the peer used during the run (from /proc; 1 = one core saturated). */
  peerCpu: number | null;
  /** Share of core 1 used by this process (load generator + upstreams): near 1 means IT was the limit. */
  loadgenCpu: number;
  /** Heartland sales orders created for the measured webhooks (counted when the acks are all in). */
  heartlandOrders: number;
  /** From the first measured webhook until every order is an open Heartland sales order. */
  e2e: Completion & { seconds: number; peerCpuSeconds: number | null };
  /** Upstream API requests per order, measured webhooks through completion. */
  apiPerOrder: { bc: number; hl: number } | null;
  warmup: Completion;
  loadStart: number;
  loadEnd: number;
}

interface LossResult {
  events: number;
  stats: DeliveryStats;
  /** Kill → answering again (the restart includes the runtime's start-up). */
  outageMs: number;
  /** From the last delivery until complete / the peer idle. */
  settle: Completion;
  lost: number;
  duplicated: number;
  extraOrders: number;
  notOpen: number;
  killedAt: number;
  downMs: number;
  faults: UpstreamFaults;
}

function cpuTicks(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return null;
  }
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

async function placeOrders(up: Upstreams, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push(await up.placeOrder());
  return ids;
}

async function throughput(
  peer: PeerHandle,
  up: Upstreams,
  amount: number,
  connections: number,
): Promise<ThroughputResult> {
  await up.setFaults({});
  const run = async (ids: number[]) => {
    let i = 0;
    return autocannon({
      url: peer.webhookUrl,
      connections,
      amount: ids.length,
      timeout: 30,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...peer.webhookHeaders },
          setupRequest: (req) => ({
            ...req,
            body: orderWebhookBody(up.peerConfig.storeHash, ids[i++ % ids.length]!),
          }),
        },
      ],
    });
  };
  const loadStart = loadavg()[0]!;
  // Warm-up (JIT, sockets, reference data); an asynchronous peer finishes it before the measured run.
  const warmIds = await placeOrders(up, Math.min(500, Math.ceil(amount / 10)));
  await run(warmIds);
  const warmup = await waitForCompletion(peer, up, warmIds, { capMs: 600_000, quietMs: 2000 });
  const ids = await placeOrders(up, amount);
  const apiBefore = up.apiRequests();
  const before = cpuTicks(peer.pid());
  const started = process.hrtime.bigint();
  const ownBefore = process.cpuUsage();
  const r = await run(ids);
  const own = process.cpuUsage(ownBefore);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const after = cpuTicks(peer.pid());
  const wanted = new Set(ids.map(String));
  const created = (await up.heartlandOrders()).filter((o) => wanted.has(o.bcOrderId)).length;
  const completion = await waitForCompletion(peer, up, ids, { capMs: 1_200_000, quietMs: 2000 });
  const e2eSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const afterE2e = cpuTicks(peer.pid());
  const apiAfter = up.apiRequests();
  return {
    requests: r.requests.total,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    perSecond: r['2xx'] / seconds,
    p50: r.latency.p50,
    p99: r.latency.p99,
    peerCpu: before !== null && after !== null ? (after - before) / CLK_TCK / seconds : null,
    loadgenCpu: (own.user + own.system) / 1e6 / seconds,
    heartlandOrders: created,
    e2e: {
      ...completion,
      seconds: e2eSeconds,
      peerCpuSeconds: before !== null && afterE2e !== null ? (afterE2e - before) / CLK_TCK : null,
    },
    apiPerOrder:
      apiBefore && apiAfter
        ? { bc: (apiAfter.bc - apiBefore.bc) / amount, hl: (apiAfter.hl - apiBefore.hl) / amount }
        : null,
    warmup,
    loadStart,
    loadEnd: loadavg()[0]!,
  };
}

async function lossRun(
  peer: PeerHandle,
  up: Upstreams,
  orders: number,
  faults: UpstreamFaults,
): Promise<LossResult> {
  const ids = await placeOrders(up, orders);
  await up.setFaults(faults);
  const killAt = Math.floor(orders * 0.4);
  const downMs = 1000;
  let restarted: Promise<void> | undefined;
  let outageMs = 0;
  const stats = await deliverAll(() => peer.webhookUrl, {
    orderIds: ids,
    storeHash: up.peerConfig.storeHash,
    ratePerSecond: 40,
    duplicateRate: 0.1,
    // BigCommerce: 60 s, 180 s, 300 s, 600 s, … for ~48 h. Compressed; the budget outlasts the restart.
    retryDelaysMs: [1000, 3000, 5000, 10_000, 15_000],
    attemptTimeoutMs: 10_000,
    headers: peer.webhookHeaders ?? {},
    onFirstAttempt: (started) => {
      if (started !== killAt) return;
      const killedAt = Date.now();
      restarted = peer
        .kill9()
        .then(() => new Promise<void>((r) => setTimeout(r, downMs)).then(() => peer.restart()))
        .then(() => {
          outageMs = Date.now() - killedAt;
        });
    },
  });
  await restarted;
  // Let the peer finish what it has (faults still on): Node-RED is done once Heartland is quiet for
  // 2 s; heartbridge once its queue is empty (jobs of the killed process come back when their 30 s
  // lease expires; failed ones retry with backoff).
  const settle = await waitForCompletion(peer, up, ids, { capMs: 900_000, quietMs: 2000 });
  await up.setFaults({});
  const seen = (await up.heartlandOrders()).filter((o) => ids.includes(Number(o.bcOrderId)));
  const counts = countByBcId(seen);
  let lost = 0;
  let duplicated = 0;
  let extraOrders = 0;
  for (const id of ids) {
    const n = counts.get(String(id)) ?? 0;
    if (n === 0) lost++;
    if (n > 1) {
      duplicated++;
      extraOrders += n - 1;
    }
  }
  return {
    events: orders,
    stats,
    outageMs,
    settle,
    lost,
    duplicated,
    extraOrders,
    notOpen: seen.filter((o) => o.status !== 'open').length,
    killedAt: killAt,
    downMs,
    faults,
  };
}

function machine(): { nproc: string; cpu: string; node: string; date: string; loadStart: number } {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  let nproc = String(cpus().length);
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // keep os.cpus()
  }
  return {
    nproc,
    cpu: model,
    node: process.version,
    date: new Date().toISOString(),
    loadStart: loadavg()[0]!,
  };
}

function renice(value: number): number | null {
  try {
    // Per thread: on Linux a priority belongs to a thread, and V8's helper threads already exist.
    const tids = existsSync('/proc/self/task') ? readdirSync('/proc/self/task') : [String(process.pid)];
    execFileSync('renice', ['-n', String(value), '-p', ...tids], { stdio: 'ignore' });
    // With the kernel's autogroup scheduling on, nice only ranks threads inside one session's group;
    // the group's own nice is what ranks this run against other sessions' work.
    // It outlives this process, so put it back on exit.
    if (existsSync('/proc/self/autogroup')) {
      const before = /nice (-?\d+)/.exec(readFileSync('/proc/self/autogroup', 'utf8'))?.[1] ?? '0';
      writeFileSync('/proc/self/autogroup', String(value));
      process.once('exit', () => writeFileSync('/proc/self/autogroup', before));
    }
    return value;
  } catch {
    console.warn(`renice ${value} refused: running at the default priority`);
    return null;
  }
}

function pinSelf(cpu: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-cp', String(cpu), String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const ms = (n: number): string => `${n.toFixed(0)} ms`;

type PeerResult = {
  peer: string;
  settings?: string;
  tp?: ThroughputResult;
  loss: LossResult[];
  error?: string;
};

function report(
  m: ReturnType<typeof machine>,
  kind: string,
  pinned: boolean,
  niceness: number | null,
  opts: { amount: number; connections: number; orders: number },
  results: PeerResult[],
): string {
  const lines = [
    `# heartbridge vs Node-RED — ${m.date.slice(0, 10)}`,
    '',
    `Machine: ${m.nproc} cores (nproc), ${m.cpu}, Node ${m.node}. Run at ${m.date}.`,
    `Load average (1 min) at start / end: ${m.loadStart.toFixed(2)} / ${loadavg()[0]!.toFixed(2)} — anything well above 0 means other work shared these cores and the figures are low.`,
    `Upstreams: ${kind === 'sandbox' ? "the sandbox's BigCommerce and Heartland simulators (src/sandbox; out-of-stock refusal off; BigCommerce reports a 10,000,000 / 30 s quota, which nobody comes near), a fresh pair per peer" : 'the fake upstreams in bench/peers/fake-upstreams.ts (--fake, or no sandbox)'}, in the load-generator process.`,
    `Pinning: ${pinned ? 'peer on core 0 alone (taskset -c 0); load generator + upstreams on core 1' : 'NOT pinned (taskset unavailable)'}.${niceness === null ? '' : ` Priority: nice ${niceness} for every process of the run (peers inherit it).`}`,
    'Rerun: `npx tsx bench/peers/compare.ts` (see the header of compare.ts for flags).',
  ];
  for (const r of results) if (r.settings) lines.push(`${r.peer}: ${r.settings}.`);
  lines.push(
    '',
    `## Throughput, no faults, zero upstream latency (${opts.amount} distinct order webhooks, ${opts.connections} connections)`,
    '',
    'Acknowledgements (what the webhook sender sees):',
    '',
    '| peer | webhooks/s | p50 | p99 | 2xx | non-2xx | errors | peer CPU (core 0) | webhooks per peer CPU-second | load gen + upstreams CPU (core 1) | HL orders created by then |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const r of results) {
    if (r.tp) {
      const t = r.tp;
      lines.push(
        `| ${r.peer} | ${t.perSecond.toFixed(0)} | ${ms(t.p50)} | ${ms(t.p99)} | ${t.ok} | ${t.non2xx} | ${t.errors + t.timeouts} | ${t.peerCpu === null ? '?' : t.peerCpu.toFixed(2)} | ${t.peerCpu ? (t.perSecond / t.peerCpu).toFixed(0) : '?'} | ${t.loadgenCpu.toFixed(2)} | ${t.heartlandOrders} |`,
      );
    } else if (r.loss.length === 0)
      lines.push(`| ${r.peer} | — | — | — | — | — | — | — | — | — | ${r.error ?? 'not run'} |`);
  }
  lines.push(
    '',
    'End to end (the like-for-like figure): from the first measured webhook until every order is an open Heartland sales order:',
    '',
    '| peer | orders open in HL | time | **orders/s end to end** | peer CPU-seconds | **orders per peer CPU-second** | API calls per order (BC + HL) | ended by | load avg start / end |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const r of results) {
    if (!r.tp) continue;
    const e = r.tp.e2e;
    const api = r.tp.apiPerOrder;
    lines.push(
      `| ${r.peer} | ${e.open} / ${opts.amount} | ${e.seconds.toFixed(1)} s | **${(e.open / e.seconds).toFixed(1)}** | ${e.peerCpuSeconds === null ? '?' : e.peerCpuSeconds.toFixed(1)} | **${e.peerCpuSeconds ? (e.open / e.peerCpuSeconds).toFixed(0) : '?'}** | ${api ? `${api.bc.toFixed(1)} + ${api.hl.toFixed(1)}` : '?'} | ${e.reason}${e.backlog ? ` (queue: ${e.backlog.pending} pending, ${e.backlog.running} running, ${e.backlog.dead} dead, ${e.backlog.quarantined} quarantined)` : ''} | ${r.tp.loadStart.toFixed(1)} / ${r.tp.loadEnd.toFixed(1)} |`,
    );
  }
  const nodeRed = results.find((r) => r.peer === 'Node-RED 4.1.8')?.tp;
  if (nodeRed) {
    lines.push(
      '',
      `Target (issue 7): heartbridge at least twice Node-RED on the same flow shape, durable and deduped — ≥ ${(2 * nodeRed.perSecond).toFixed(0)} webhooks/s in this run (≥ ${nodeRed.peerCpu ? ((2 * nodeRed.perSecond) / nodeRed.peerCpu).toFixed(0) : '?'} per CPU-second) — and 0 lost, 0 duplicated below.`,
    );
  }
  lines.push(
    '',
    'Per peer CPU-second is the figure that survives a busy machine: when other work takes the',
    "peer's core, the rate falls but the CPU each webhook or order costs stays about the same.",
    '',
    `## Loss and duplicates: ${opts.orders} distinct orders at ~40/s, 100 ms upstream latency, 10 % duplicate deliveries, kill -9 at 40 % then restart after 1 s`,
    '',
    '| peer | faults | deliveries (dupes) | attempts | failed attempts | sender gave up | kill → answering | waited after last delivery | **lost** | **duplicated** | extra HL orders | HL orders not open | peer queue at the end |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const r of results) {
    for (const l of r.loss) {
      const f = l.faults;
      const faults = [
        `${f.latencyMs ?? 0} ms`,
        f.errorRate ? `${f.errorRate * 100} % 5xx` : '',
        f.commitThenTimeoutRate ? `${f.commitThenTimeoutRate * 100} % HL commit-then-timeout` : '',
      ]
        .filter(Boolean)
        .join(', ');
      const b = l.settle.backlog;
      lines.push(
        `| ${r.peer} | ${faults} | ${l.stats.deliveries} (${l.stats.duplicatesSent}) | ${l.stats.attempts} | ${l.stats.failedAttempts} | ${l.stats.gaveUp} | ${(l.outageMs / 1000).toFixed(1)} s | ${(l.settle.ms / 1000).toFixed(1)} s (${l.settle.reason}) | **${l.lost}** | **${l.duplicated}** | ${l.extraOrders} | ${l.notOpen} | ${b ? `${b.pending} pending, ${b.running} running, ${b.dead} dead, ${b.deadLetters} DLQ, ${b.quarantined} quarantined` : '—'} |`,
      );
    }
    if (r.loss.length === 0)
      lines.push(`| ${r.peer} | — | — | — | — | — | — | — | — | — | — | — | ${r.error ?? 'not run'} |`);
  }
  lines.push(
    '',
    '- lost = BigCommerce order whose webhook was sent, with no Heartland sales order at the end;',
    '  duplicated = BigCommerce orders with more than one Heartland sales order (`custom.bc_order_id`).',
    '- The sender behaves like BigCommerce compressed in time: a failed attempt (non-2xx, refused, reset,',
    '  10 s timeout) is retried after 1, 3, 5, 10, 15 s (BigCommerce: 60 s … 48 h).',
    '- "HL orders not open": sales orders left `pending` — the create went through, the `open` did not.',
    '- "waited after last delivery": the run reads Heartland once the peer is done — Node-RED: Heartland',
    '  unchanged for 2 s; heartbridge: its queue empty (no job pending or running), read from its store.',
    '',
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      fake: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      amount: { type: 'string', default: '4000' },
      connections: { type: 'string', default: '32' },
      orders: { type: 'string', default: '400' },
      out: { type: 'string' },
      nice: { type: 'string' },
      'hb-workers': { type: 'string', default: '16' },
    },
  });
  const opts = {
    amount: Number(values.amount),
    connections: Number(values.connections),
    orders: Number(values.orders),
  };
  const only = values.only?.split(',');
  const unknown = only?.filter((p) => !(PEERS as readonly string[]).includes(p)) ?? [];
  if (unknown.length > 0)
    throw new Error(`--only: unknown peer(s) ${unknown.join(', ')}; known: ${PEERS.join(', ')}`);
  const peers = PEERS.filter((p) => !only || only.includes(p));
  const m = machine(); // before pinning: nproc counts only the cores this process may use
  const pinned = pinSelf(1);
  // On a shared machine, a lower nice value (root only) keeps other work from taking the cores mid-run.
  // Peers started afterwards inherit it, so both sides run at the same priority.
  const niceness = values.nice === undefined ? null : renice(Number(values.nice));
  const faultSets: UpstreamFaults[] = [{ latencyMs: 100 }];
  if (!values.quick) faultSets.push({ latencyMs: 100, errorRate: 0.03, commitThenTimeoutRate: 0.02 });

  const results: PeerResult[] = [];
  let kind = 'fake';
  for (const name of peers) {
    // A fresh pair of upstreams per peer: neither sees the other's orders or warmed-up state.
    const up = await startUpstreams({ fake: values.fake });
    kind = up.kind;
    let peer: PeerHandle | undefined;
    try {
      peer =
        name === 'node-red'
          ? await startNodeRedPeer(up)
          : name === 'node-red-answer-first'
            ? await startNodeRedAnswerFirstPeer(up)
            : await startHeartbridge(up, Number(values['hb-workers']));
      let tp: ThroughputResult | undefined;
      if (name !== 'node-red-answer-first') {
        console.log(`${peer.name}: throughput…`);
        tp = await throughput(peer, up, opts.amount, opts.connections);
        console.log(
          `  ${tp.perSecond.toFixed(0)} webhooks/s, p50 ${tp.p50} ms, p99 ${tp.p99} ms; end to end ${tp.e2e.open} open in ${tp.e2e.seconds.toFixed(1)} s (${tp.e2e.reason})`,
        );
      }
      const loss: LossResult[] = [];
      for (const faults of faultSets) {
        console.log(`${peer.name}: loss/duplicates with kill -9, faults ${JSON.stringify(faults)}…`);
        const l = await lossRun(peer, up, opts.orders, faults);
        console.log(
          `  lost ${l.lost}, duplicated ${l.duplicated} (extra orders ${l.extraOrders}); settled ${(l.settle.ms / 1000).toFixed(1)} s after the last delivery (${l.settle.reason})`,
        );
        loss.push(l);
      }
      results.push({ peer: peer.name, settings: peer.settings, loss, ...(tp ? { tp } : {}) });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      console.error(`${name}: ${message}`);
      results.push({ peer: peer?.name ?? name, loss: [], error: message });
    } finally {
      await peer?.stop();
      await up.close();
    }
  }
  const text = report(m, kind, pinned, niceness, opts, results);
  const out = values.out ?? join(repoRoot, 'bench', 'results', `peers-${m.date.slice(0, 10)}.md`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  console.log(`\n${text}\nwritten to ${out}`);
}

// Ctrl-C: exit through 'exit' so run-node-red.ts reaps the Node-RED child.
process.once('SIGINT', () => process.exit(130));

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
