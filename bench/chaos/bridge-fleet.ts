/**
 * The bridge under test as real `heartbridge serve` child processes: one `all` process on SQLite, or one
 * `--no-workers` web process plus N `--workers-only` processes on PostgreSQL. `kill()` SIGKILLs one of
 * them (round robin) and starts it again, as a crashing host or an OOM killer would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';

export type BridgeRole = 'all' | 'web' | 'worker';

interface Member {
  role: BridgeRole;
  name: string;
  child: ChildProcess | null;
  exited: Promise<void>;
}

export interface BridgeFleetOptions {
  repoRoot: string;
  configPath: string;
  roles: BridgeRole[];
  /** Port of the process that serves HTTP (fixed, so the webhook URL survives restarts). */
  port: number;
  logDir: string;
}

const ROLE_FLAGS: Record<BridgeRole, string[]> = {
  all: [],
  web: ['--no-workers'],
  worker: ['--workers-only'],
};

/** The environment of the parent minus everything heartbridge would read as configuration. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // HEARTBRIDGE_USE_DIST picks the compiled build (faster restarts after each kill), not configuration.
    if (
      k !== 'HEARTBRIDGE_USE_DIST' &&
      /^(HEARTBRIDGE_|BIGCOMMERCE_|HEARTLAND_)|^(DATABASE_URL|PORT)$/.test(k)
    )
      continue;
    env[k] = v;
  }
  return env;
}

export class BridgeFleet {
  private readonly members: Member[];
  private next = 0;
  private stopped = false;
  kills = 0;
  restarts = 0;

  constructor(private readonly o: BridgeFleetOptions) {
    const counts = new Map<BridgeRole, number>();
    this.members = o.roles.map((role) => {
      const n = (counts.get(role) ?? 0) + 1;
      counts.set(role, n);
      return { role, name: `${role}-${n}`, child: null, exited: Promise.resolve() };
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.o.port}`;
  }

  private spawnMember(m: Member): void {
    const log = openSync(join(this.o.logDir, `${m.name}.log`), 'a');
    const child = spawn(
      process.execPath,
      [
        join(this.o.repoRoot, 'bin/heartbridge.js'),
        '--config',
        this.o.configPath,
        'serve',
        ...ROLE_FLAGS[m.role],
      ],
      { cwd: this.o.repoRoot, env: cleanEnv(), stdio: ['ignore', log, log] },
    );
    closeSync(log);
    m.child = child;
    m.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  async start(): Promise<void> {
    for (const m of this.members) this.spawnMember(m);
    await this.ready();
  }

  /** Waits until the HTTP process answers /healthz (worker processes have no port: give them a moment). */
  async ready(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1_000) });
        await res.arrayBuffer();
        if (res.ok) return;
      } catch {
        // not up yet
      }
      for (const m of this.members) {
        if (m.child && m.child.exitCode !== null)
          throw new Error(`bridge process ${m.name} exited with ${m.child.exitCode} (see ${this.o.logDir})`);
      }
      if (Date.now() > deadline) throw new Error(`bridge did not answer /healthz within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILL one process (round robin) and start it again at once. Returns its name. */
  async kill(): Promise<string> {
    const m = this.members[this.next++ % this.members.length] as Member;
    m.child?.kill('SIGKILL');
    await m.exited;
    if (this.stopped) return m.name;
    this.kills++;
    this.spawnMember(m);
    this.restarts++;
    return m.name;
  }

  /** SIGKILL everything now, synchronously (the runner itself is being stopped). */
  killAllNow(): void {
    this.stopped = true;
    for (const m of this.members) m.child?.kill('SIGKILL');
  }

  /** Graceful stop (SIGTERM; SIGKILL after `graceMs`). */
  async stop(graceMs = 20_000): Promise<void> {
    this.stopped = true;
    await Promise.all(
      this.members.map(async (m) => {
        const child = m.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await m.exited;
        clearTimeout(timer);
      }),
    );
  }
}
