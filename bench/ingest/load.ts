/**
 * The ingest benchmark's load generator (autocannon, programmatic API), run by `run.ts` as
 * `taskset -c 1 node --import tsx bench/ingest/load.ts '<json options>'` so it has its own core.
 *
 * Each request is a distinct BigCommerce envelope (ids from `idStart` upwards: a warm-up run and the
 * measured run never collide). Prints one JSON line: the measured run's figures plus the warm-up's 2xx
 * count (the runner needs the total of acknowledged events to check the inbox).
 */
import autocannon from 'autocannon';
import { BENCH_CONNECTION, BENCH_SECRET, envelopeBody, SECRET_HEADER } from './bench-constants.js';

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  warmupS: number;
  idStart: number;
  /** Ask the server to profile the measured run. */
  profile?: boolean;
}

export interface LoadFigures {
  durationS: number;
  requests: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  eventsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

/** The server's `/__bench/stats` (cumulative since start). */
export interface ServerStats {
  cpuUs: number;
  eluIdleMs: number;
  eluActiveMs: number;
  batches: number;
  items: number;
  writeMs: number;
}

/** Server-side figures over the measured run. */
export interface ServerDelta {
  /** Server CPU (user + system) per acknowledged event: comparable across noisy runs. */
  cpuUsPerEvent: number;
  /** Share of a core the server used. */
  cpuShare: number;
  /** Event-loop utilisation (1 = never idle; a blocking fsync counts as busy). */
  elu: number;
  avgBatch: number;
  avgWriteMs: number;
}

export interface LoadResult {
  warmup: LoadFigures | null;
  measured: LoadFigures;
  server: ServerDelta;
}

async function serverStats(url: string): Promise<ServerStats> {
  const res = await fetch(`${url}/__bench/stats`);
  return (await res.json()) as ServerStats;
}

function delta(a: ServerStats, b: ServerStats, acked: number, wallS: number): ServerDelta {
  const cpu = b.cpuUs - a.cpuUs;
  const idle = b.eluIdleMs - a.eluIdleMs;
  const active = b.eluActiveMs - a.eluActiveMs;
  const batches = b.batches - a.batches;
  return {
    cpuUsPerEvent: acked > 0 ? Math.round(cpu / acked) : 0,
    cpuShare: wallS > 0 ? Math.round((cpu / 1e6 / wallS) * 100) / 100 : 0,
    elu: idle + active > 0 ? Math.round((active / (idle + active)) * 100) / 100 : 0,
    avgBatch: batches > 0 ? Math.round(((b.items - a.items) / batches) * 10) / 10 : 0,
    avgWriteMs: batches > 0 ? Math.round(((b.writeMs - a.writeMs) / batches) * 100) / 100 : 0,
  };
}

function figures(r: autocannon.Result): LoadFigures {
  return {
    durationS: r.duration,
    requests: r.requests.total,
    ok2xx: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    eventsPerSec: r.duration > 0 ? Math.round(r['2xx'] / r.duration) : 0,
    latencyMs: {
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      max: r.latency.max,
      mean: r.latency.average,
    },
  };
}

function fire(opts: LoadOptions, durationS: number, firstId: number): Promise<autocannon.Result> {
  let next = firstId;
  return autocannon({
    url: `${opts.url}/webhooks/bigcommerce/${BENCH_CONNECTION}`,
    connections: opts.connections,
    duration: durationS,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SECRET_HEADER]: BENCH_SECRET },
        setupRequest: (req) => ({ ...req, body: envelopeBody(next++) }),
      },
    ],
  });
}

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
  let warmup: LoadFigures | null = null;
  if (opts.warmupS > 0) warmup = figures(await fire(opts, opts.warmupS, opts.idStart));
  // A gap of ids far above anything the warm-up could reach.
  const before = await serverStats(opts.url);
  if (opts.profile) await fetch(`${opts.url}/__bench/profile/start`, { method: 'POST' });
  const t0 = performance.now();
  const measured = figures(await fire(opts, opts.durationS, opts.idStart + 10_000_000));
  if (opts.profile) await fetch(`${opts.url}/__bench/profile/stop`, { method: 'POST' });
  const after = await serverStats(opts.url);
  const server = delta(before, after, measured.ok2xx, (performance.now() - t0) / 1000);
  const out: LoadResult = { warmup, measured, server };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`load generator failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
