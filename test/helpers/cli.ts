/**
 * Running the real `heartbridge` binary from tests, as a user would: a child process with a clean
 * environment (no developer credentials leak in), its output collected, and every process still alive
 * killed when the file's tests end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';

const BIN = resolve(import.meta.dirname, '../../bin/heartbridge.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  /** Output so far; grows while the process runs. */
  out: { stdout: string; stderr: string };
  exited: Promise<CliResult>;
}

export interface CliOptions {
  cwd: string;
  /** Added to the clean environment (see cliEnv). */
  env?: Record<string, string>;
  /** Written to stdin, which is then closed (runCli closes it empty when this is absent). */
  input?: string;
  /** SIGKILL the process after this long (it then exits with code null). */
  timeoutMs?: number;
}

// Per test file (vitest isolates modules per file), so killCliProcesses only reaches this file's children.
const children = new Set<ChildProcess>();

/** The caller's environment minus anything that would configure heartbridge, plus `extra`. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(BIGCOMMERCE_|HEARTLAND_|HEARTBRIDGE_|DATABASE_URL$|PORT$)/.test(k)) env[k] = v;
  }
  return { ...env, HEARTBRIDGE_LOG_LEVEL: 'warn', ...extra };
}

/** Starts `heartbridge <args>` and returns at once: for commands the test talks to while they run. */
export function startCli(args: string[], options: CliOptions): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: cliEnv(options.env) });
  children.add(child);
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (c) => {
    out.stdout += c;
  });
  child.stderr?.on('data', (c) => {
    out.stderr += c;
  });
  const timer =
    options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  const exited = new Promise<CliResult>((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      done({ code, ...out });
    });
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  return { child, out, exited };
}

/** Runs `heartbridge <args>` to the end, with nothing (or `input`) on stdin. */
export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return startCli(args, { ...options, input: options.input ?? '' }).exited;
}

/** Resolves with the first match of `pattern` in the process's stderr; fails on `timeoutMs` or an early exit. */
export function waitForStderr(
  cli: CliProcess,
  pattern: RegExp,
  what: string,
  timeoutMs: number,
): Promise<RegExpExecArray> {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${what}: ${cli.out.stderr}`)), timeoutMs);
    const look = () => {
      const m = pattern.exec(cli.out.stderr);
      if (!m) return false;
      clearTimeout(timer);
      ok(m);
      return true;
    };
    if (look()) return;
    // Registered after startCli's own listener, so out.stderr already holds the new chunk.
    cli.child.stderr?.on('data', look);
    cli.child.on('exit', () => {
      if (!look()) {
        clearTimeout(timer);
        fail(new Error(`${what} (exited early): ${cli.out.stderr}`));
      }
    });
  });
}

/** Kills every heartbridge process this file started that is still running. */
export function killCliProcesses(): void {
  for (const c of children) c.kill('SIGKILL');
}

export interface CliSandbox {
  /** The working folder of every command (a fresh temporary one). */
  readonly dir: string;
  /** The SQLite database the commands use (DATABASE_URL). */
  readonly db: string;
  /** The sandbox, started in beforeAll. */
  readonly sb: Sandbox;
  /** The sandbox's BigCommerce and Heartland credentials as the env contract names them. */
  credentials(): Record<string, string>;
  run(args: string[], env?: Record<string, string>): Promise<CliResult>;
  start(args: string[], env?: Record<string, string>): CliProcess;
}

/**
 * A test file's CLI world: a temporary folder and database, and a small sandbox started before the tests
 * and closed (with any leftover processes killed and the folder removed) after them.
 */
export function useCliSandbox(name: string): CliSandbox {
  const dir = mkdtempSync(join(tmpdir(), `hb-${name}-`));
  const db = join(dir, 'hb.db');
  let sandbox: Sandbox | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox({ seed: `${name}-cli`, products: 3, customers: 3 });
  });
  afterAll(async () => {
    killCliProcesses();
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const start = (args: string[], env: Record<string, string> = {}) =>
    startCli(args, { cwd: dir, env: { DATABASE_URL: db, ...env } });
  return {
    dir,
    db,
    get sb() {
      if (!sandbox) throw new Error('the CLI sandbox is not started yet (use it inside a test)');
      return sandbox;
    },
    credentials() {
      const sb = this.sb;
      return {
        BIGCOMMERCE_API_URL: sb.bigcommerce.apiUrl,
        BIGCOMMERCE_STORE_HASH: sb.bigcommerce.storeHash,
        BIGCOMMERCE_ACCESS_TOKEN: sb.bigcommerce.accessToken,
        HEARTLAND_API_URL: sb.heartland.apiUrl,
        HEARTLAND_API_TOKEN: sb.heartland.token,
      };
    },
    run: (args, env) => start(args, env).exited,
    start,
  };
}
