/**
 * Durable webhook ingest benchmark (issue 2 item 12): HTTP POST → inbox row + job, 2xx only once the
 * transaction is fsync'd.
 *
 *   npm run bench -- ingest [--backends sqlite,postgres] [--variants group,single,noop] [--connections 50]
 *                           [--duration 15] [--warmup 3] [--rounds 1] [--profile DIR] [--out FILE] [--nice=-10]
 *
 * Variants (server.ts): group (as shipped), single (one transaction per request), noop (HTTP ceiling),
 * and the prototypes async-fsync, async-fsync-lanes4 (SQLite), lanes4, optimistic-lanes4 (PostgreSQL).
 * `--rounds N` repeats the whole variant list N times, interleaved (on a shared machine, compare rounds).
 *
 * For each backend × variant: the server child (./server.ts) runs pinned to core 0, the load generator
 * child (./load.ts, autocannon) pinned to core 1, each request a distinct valid BigCommerce envelope with
 * the secret header. After the measured run the server is killed with SIGKILL — no graceful flush — and
 * the inbox and jobs rows are counted: every 2xx must have its row (rows ≥ 2xx; equal unless a client
 * timed out on a request the server did commit). `--profile DIR` writes a CPU profile of the server
 * during the measured run (inspector, not start-up or warm-up) to DIR and prints its top self-time frames.
 *
 * PostgreSQL: `BENCH_DATABASE_URL` (else `TEST_DATABASE_URL`, else postgres://postgres@127.0.0.1:5432/test),
 * in a schema of its own per run, dropped afterwards. Unreachable → skipped with a message.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { VARIANT_BACKENDS } from './bench-constants.js';
import type { LoadOptions, LoadResult } from './load.js';
import { topFrames } from './profile-summary.js';

const here = dirname(fileURLToPath(import.meta.url));
const PG_URL =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';

type Backend = 'sqlite' | 'postgres';

interface RunConfig {
  backend: Backend;
  variant: string;
  connections: number;
  durationS: number;
  warmupS: number;
  profileDir?: string;
}

export interface RunOutcome {
  backend: Backend;
  variant: string;
  load: LoadResult;
  acked: number;
  inboxRows: number;
  jobRows: number;
  lost: number;
  profileTop?: string;
  /** 1-minute load average when the run started (this box is often shared). */
  loadAvg1: number;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const pinned = hasTaskset();

let niceness = 0;

/**
 * `[nice -n N] taskset -c <core> node …` (plain node, with a warning, when taskset is missing). `--nice`
 * (negative needs root) only matters on a shared machine: it keeps other work from taking the pinned
 * cores' time slices during the run.
 */
function spawnNode(core: number, args: string[]): ChildProcess {
  const cmd = [
    ...(niceness !== 0 ? ['nice', '-n', String(niceness)] : []),
    ...(pinned ? ['taskset', '-c', String(core)] : []),
    process.execPath,
    '--import',
    'tsx',
    ...args,
  ];
  return spawn(cmd[0] as string, cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
}

function firstJsonLine<T>(child: ChildProcess, what: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no output within ${timeoutMs} ms`)), timeoutMs);
    const stdout = child.stdout;
    if (!stdout) return reject(new Error(`${what}: no stdout`));
    const rl = createInterface({ input: stdout });
    rl.on('line', (line) => {
      if (!line.startsWith('{')) return;
      clearTimeout(timer);
      rl.close();
      resolve(JSON.parse(line) as T);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before answering`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

async function pgReachable(): Promise<string | null> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
  try {
    await c.connect();
    await c.query('select 1');
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await c.end().catch(() => {});
  }
}

async function pgAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

interface Target {
  args: string[];
  count(): Promise<{ inbox: number; jobs: number }>;
  dispose(): Promise<void>;
}

async function prepareTarget(backend: Backend): Promise<Target> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'hb-bench-ingest-'));
    const file = join(dir, 'ingest.db');
    return {
      args: ['--db', file],
      async count() {
        const db = new SQLite(file);
        try {
          const inbox = (db.prepare('select count(*) as n from inbox').get() as { n: number }).n;
          const jobs = (db.prepare('select count(*) as n from jobs').get() as { n: number }).n;
          return { inbox, jobs };
        } finally {
          db.close();
        }
      },
      async dispose() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `hb_bench_${randomBytes(5).toString('hex')}`;
  await pgAdmin((c) => c.query(`create schema ${schema}`));
  return {
    args: ['--db', PG_URL, '--pg-schema', schema],
    count: () =>
      pgAdmin(async (c) => {
        const inbox = Number((await c.query(`select count(*) as n from ${schema}.inbox`)).rows[0].n);
        const jobs = Number(
          (await c.query(`select count(*) as n from ${schema}_gw._private_jobs`)).rows[0].n,
        );
        return { inbox, jobs };
      }),
    dispose: () =>
      pgAdmin(async (c) => {
        await c.query(`drop schema if exists ${schema}_gw cascade`);
        await c.query(`drop schema if exists ${schema} cascade`);
      }),
  };
}

async function runOne(cfg: RunConfig): Promise<RunOutcome> {
  const loadAvg1 = Math.round((loadavg()[0] ?? 0) * 10) / 10;
  const target = await prepareTarget(cfg.backend);
  let server: ChildProcess | undefined;
  try {
    const profileFile = cfg.profileDir
      ? join(cfg.profileDir, `ingest-${cfg.backend}-${cfg.variant}.cpuprofile`)
      : undefined;
    if (cfg.profileDir) mkdirSync(cfg.profileDir, { recursive: true });
    const profArgs = profileFile ? ['--profile', profileFile] : [];
    server = spawnNode(0, [join(here, 'server.ts'), ...target.args, '--variant', cfg.variant, ...profArgs]);
    const ready = await firstJsonLine<{ port: number }>(server, 'bench server', 60_000);
    const loadOpts: LoadOptions = {
      url: `http://127.0.0.1:${ready.port}`,
      connections: cfg.connections,
      durationS: cfg.durationS,
      warmupS: cfg.warmupS,
      idStart: 1,
      profile: profileFile !== undefined,
    };
    const loader = spawnNode(1, [join(here, 'load.ts'), JSON.stringify(loadOpts)]);
    const load = await firstJsonLine<LoadResult>(
      loader,
      'load generator',
      (cfg.durationS + cfg.warmupS + 60) * 1000,
    );
    await exited(loader);

    // No flush, no goodbye: whatever was acknowledged must already be on disk.
    server.kill('SIGKILL');
    await exited(server);
    server = undefined;
    const profileTop = profileFile ? topFrames(readFileSync(profileFile, 'utf8'), 30) : undefined;

    const counts = await target.count();
    const acked = load.measured.ok2xx + (load.warmup?.ok2xx ?? 0);
    return {
      backend: cfg.backend,
      variant: cfg.variant,
      load,
      acked,
      inboxRows: counts.inbox,
      jobRows: counts.jobs,
      // `noop` stores nothing by design.
      lost: cfg.variant === 'noop' ? 0 : Math.max(0, acked - counts.inbox),
      profileTop,
      loadAvg1,
    };
  } finally {
    if (server) {
      server.kill('SIGKILL');
      await exited(server);
    }
    await target.dispose();
  }
}

function row(o: RunOutcome): string {
  const m = o.load.measured;
  const l = m.latencyMs;
  const s = o.load.server;
  const verdict =
    o.variant === 'noop' ? 'n/a' : o.lost === 0 && o.jobRows >= o.inboxRows ? 'ok' : `LOST ${o.lost}`;
  return `| ${o.backend} | ${o.variant} | ${m.eventsPerSec.toLocaleString('en-US')} | ${l.p50} | ${l.p90} | ${l.p99} | ${l.max} | ${m.errors + m.timeouts} | ${m.non2xx} | ${s.cpuUsPerEvent} | ${s.cpuShare} | ${s.elu} | ${s.avgBatch} | ${s.avgWriteMs} | ${o.acked} | ${o.inboxRows} | ${o.jobRows} | ${verdict} | ${o.loadAvg1} |`;
}

export const TABLE_HEAD = [
  '| backend | variant | events/s | p50 ms | p90 ms | p99 ms | max ms | errors | non-2xx | server CPU µs/event | server CPU share | ELU | avg batch | avg write ms | acked (2xx, incl. warm-up) | inbox rows | job rows | ack ⇒ on disk | load avg |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|',
].join('\n');

function machine(): string {
  const cpuModel = cpus()[0]?.model ?? 'unknown';
  let nproc = String(cpus().length);
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {}
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  return `nproc ${nproc}; CPU ${cpuModel}; node ${process.version}; taskset ${pinned ? 'yes' : 'NO (unpinned)'}; nice ${niceness}; load average ${load}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backends: { type: 'string', default: 'sqlite,postgres' },
      variants: { type: 'string', default: 'group,single,noop' },
      connections: { type: 'string', default: '50' },
      duration: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '3' },
      profile: { type: 'string' },
      out: { type: 'string' },
      nice: { type: 'string', default: '0' },
      rounds: { type: 'string', default: '1' },
    },
  });
  niceness = Number(values.nice);
  if (!pinned) console.warn('taskset not found: running unpinned, figures are not comparable');
  const backends = (values.backends ?? '').split(',').filter(Boolean) as Backend[];
  const variants = (values.variants ?? '').split(',').filter(Boolean);
  const outcomes: RunOutcome[] = [];
  const notes: string[] = [];
  console.log(`ingest benchmark — ${machine()}`);
  const usable: Backend[] = [];
  for (const backend of backends) {
    const reason = backend === 'postgres' ? await pgReachable() : null;
    if (reason) {
      const msg = `PostgreSQL skipped: ${reason} (set BENCH_DATABASE_URL or start PostgreSQL on 127.0.0.1:5432)`;
      console.warn(msg);
      notes.push(msg);
    } else usable.push(backend);
  }
  for (const variant of variants) {
    if (!VARIANT_BACKENDS[variant])
      throw new Error(`unknown variant '${variant}' (${Object.keys(VARIANT_BACKENDS).join('|')})`);
  }
  const rounds = Math.max(1, Number(values.rounds));
  for (let round = 1; round <= rounds; round++) {
    for (const backend of usable) {
      for (const variant of variants) {
        if (!VARIANT_BACKENDS[variant]?.includes(backend)) continue;
        console.log(
          `\n${rounds > 1 ? `round ${round}: ` : ''}${backend} / ${variant}: ${values.warmup} s warm-up + ${values.duration} s measured…`,
        );
        const o = await runOne({
          backend,
          variant,
          connections: Number(values.connections),
          durationS: Number(values.duration),
          warmupS: Number(values.warmup),
          profileDir: values.profile,
        });
        outcomes.push(o);
        console.log(TABLE_HEAD);
        console.log(row(o));
        if (o.profileTop)
          console.log(`\ntop self-time frames (server, ${backend}/${variant}):\n${o.profileTop}`);
      }
    }
  }
  const report = [
    `# ingest — ${new Date().toISOString()}`,
    '',
    `Machine: ${machine()}.`,
    `Command: npm run bench -- ingest ${process.argv.slice(2).join(' ')}`,
    `Load: ${values.connections} connections, ${values.warmup} s warm-up + ${values.duration} s measured; server on core 0, autocannon on core 1.`,
    '',
    TABLE_HEAD,
    ...outcomes.map(row),
    ...notes.map((n) => `\n${n}`),
    '',
  ].join('\n');
  console.log(`\n${report}`);
  if (values.out) {
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, report);
    console.log(`written to ${values.out}`);
  }
  if (outcomes.some((o) => o.lost > 0)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
