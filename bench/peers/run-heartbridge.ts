/**
 * Starts the REAL heartbridge (`node bin/heartbridge.js serve --config <tmp yaml>`) as a child process
 * pinned to one core, with one connection to the upstreams the peer benchmark gives both peers, its
 * store on disk (SQLite, WAL, synchronous=FULL: the default) in a temp dir, and a fixed port, so
 * `restart()` after `kill9()` comes back on the same port and store — as a crashed service would.
 *
 * The child logs (JSON, `HEARTBRIDGE_LOG_LEVEL`, default info) go to `<dir>/heartbridge.log`; the path is
 * printed when the peer starts and the directory is kept when `HB_BENCH_KEEP=1`. `HB_BENCH_NODE_ARGS` adds
 * node flags to the child (profiling).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { freePort, type NodeRedConfig } from './run-node-red.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const BIN = join(repoRoot, 'bin', 'heartbridge.js');

export const HB_CONNECTION = 'bench';

export interface HeartbridgeOptions {
  /** Core to pin heartbridge to with taskset (default 0); `null` = not pinned. */
  cpu?: number | null;
  port?: number;
  /** Jobs run at once (workers.concurrency). Default 16: the flow waits on the network, not the CPU. */
  concurrency?: number;
}

/** What heartbridge still has to do, read from its own store (read-only, from the load generator's core). */
export interface Backlog {
  pending: number;
  running: number;
  done: number;
  dead: number;
  /** Open DLQ / quarantine entries (dead_letters.status = open), by kind. */
  deadLetters: number;
  quarantined: number;
}

export interface HeartbridgeHandle {
  url: string;
  webhookUrl: string;
  webhookHeaders: Record<string, string>;
  dir: string;
  logFile: string;
  dbFile: string;
  pid(): number | undefined;
  kill9(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Jobs of `orders.sync` by state, and open dead letters; null before the store exists. */
  backlog(): Backlog | null;
}

function readBacklog(dbFile: string): Backlog | null {
  let db: Database.Database | undefined;
  try {
    db = new Database(dbFile, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 2000');
    const b: Backlog = { pending: 0, running: 0, done: 0, dead: 0, deadLetters: 0, quarantined: 0 };
    const jobs = db
      .prepare(`select state, count(*) as n from jobs where task = 'orders.sync' group by state`)
      .all() as { state: keyof Backlog; n: number }[];
    for (const r of jobs) if (r.state in b) b[r.state] = r.n;
    const dl = db
      .prepare(`select kind, count(*) as n from dead_letters where status = 'open' group by kind`)
      .all() as { kind: string; n: number }[];
    for (const r of dl) {
      if (r.kind === 'quarantine') b.quarantined = r.n;
      else b.deadLetters += r.n;
    }
    return b;
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

/**
 * The mapping the sandbox's orders need: the station and location both peers book orders on, and
 * payment / shipping types that exist in the simulator's seed (as `testMapping` in test/helpers/bridge.ts
 * does), so orders are created, not quarantined for an unmapped payment.
 */
export function benchMapping(config: NodeRedConfig): Record<string, unknown> {
  return {
    defaults: {
      ...(config.hlStationId === undefined ? {} : { stationId: Number(config.hlStationId) }),
      sourceLocationId: Number(config.hlLocationId),
    },
    paymentMethods: {
      byName: { 'Credit Card': { name: 'Credit Card' }, 'Cash on Delivery': { name: 'Cash' } },
      giftCertificate: { name: 'Gift Card' },
      storeCredit: { name: 'Store Credit' },
      default: { name: 'BigCommerce' },
    },
    shippingMethods: { default: { name: 'Ground' } },
  };
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function waitUntilReady(url: string, child: ChildProcess, logFile: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `heartbridge exited during start-up (code ${child.exitCode}, signal ${child.signalCode}); see ${logFile}`,
      );
    try {
      const res = await fetch(`${url}/readyz`);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`heartbridge did not become ready on ${url} within ${timeoutMs} ms; see ${logFile}`);
}

/** Environment for the child: the parent's, minus anything that would overlay the config file. */
function childEnv(logLevel: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(BIGCOMMERCE_|HEARTLAND_|HEARTBRIDGE_)/.test(key) || ['PORT', 'DATABASE_URL'].includes(key))
      delete env[key];
  }
  env.HEARTBRIDGE_LOG_LEVEL = logLevel;
  return env;
}

export async function startHeartbridgeProcess(
  config: NodeRedConfig,
  options: HeartbridgeOptions = {},
): Promise<HeartbridgeHandle> {
  const port = options.port ?? (await freePort());
  const cpu = options.cpu === undefined ? 0 : options.cpu;
  const pin = cpu !== null && hasTaskset();
  if (cpu !== null && !pin) console.warn('taskset not found: heartbridge runs unpinned');
  const dir = mkdtempSync(join(tmpdir(), 'hb-bench-peer-'));
  const dbFile = join(dir, 'heartbridge.db');
  const logFile = join(dir, 'heartbridge.log');
  const configFile = join(dir, 'heartbridge.yaml');
  const secret = `bench-secret-${process.pid}-${Date.now()}`;
  writeFileSync(
    configFile,
    stringify({
      connections: [
        {
          id: HB_CONNECTION,
          bigcommerce: { apiUrl: config.bcApiUrl, storeHash: config.storeHash, accessToken: config.bcToken },
          heartland: { apiUrl: config.hlApiUrl, apiToken: config.hlToken },
          webhookSecret: secret,
          mapping: benchMapping(config),
        },
      ],
      database: { url: dbFile },
      server: { port, host: '127.0.0.1' },
      workers: { concurrency: options.concurrency ?? 16 },
    }),
    { mode: 0o600 },
  );
  const url = `http://127.0.0.1:${port}`;
  const env = childEnv(process.env.HEARTBRIDGE_LOG_LEVEL ?? 'info');
  // HB_BENCH_NODE_ARGS: extra node flags for the child, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
  // (not allowed in NODE_OPTIONS).
  const nodeArgs = (process.env.HB_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const args = [...nodeArgs, BIN, 'serve', '--config', configFile];

  let child: ChildProcess;
  let starts = 0;
  const launch = async (): Promise<void> => {
    // Each start appends to the one log; a marker line separates them.
    const fd = openSync(logFile, 'a');
    writeFileSync(fd, `--- bench: start ${++starts} at ${new Date().toISOString()}\n`);
    child = pin
      ? spawn('taskset', ['-c', String(cpu), process.execPath, ...args], {
          env,
          cwd: repoRoot,
          stdio: ['ignore', fd, fd],
        })
      : spawn(process.execPath, args, { env, cwd: repoRoot, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    await waitUntilReady(url, child, logFile);
  };
  const killNow = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  };
  const reap = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', reap);
  await launch();
  return {
    url,
    webhookUrl: `${url}/webhooks/bigcommerce/${HB_CONNECTION}`,
    webhookHeaders: { 'X-Heartbridge-Secret': secret },
    dir,
    logFile,
    dbFile,
    pid: () => child.pid,
    kill9: () => killNow('SIGKILL'),
    restart: launch,
    backlog: () => readBacklog(dbFile),
    async stop() {
      process.removeListener('exit', reap);
      const timer = setTimeout(() => reap(), 15_000);
      await killNow('SIGTERM');
      clearTimeout(timer);
      if (process.env.HB_BENCH_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
    },
  };
}
