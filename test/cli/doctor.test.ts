/**
 * `heartbridge doctor` as a user runs it: a real process against the in-process sandbox.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';

const BIN = resolve(import.meta.dirname, '../../bin/heartbridge.js');
const dir = mkdtempSync(join(tmpdir(), 'hb-doctor-'));
const children = new Set<ChildProcess>();
let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ seed: 'doctor-cli', products: 3, customers: 3 });
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await sb?.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], extra: Record<string, string>) {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(BIGCOMMERCE_|HEARTLAND_|HEARTBRIDGE_|DATABASE_URL$|PORT$)/.test(k)) env[k] = v;
  Object.assign(env, { HEARTBRIDGE_LOG_LEVEL: 'warn', DATABASE_URL: join(dir, 'hb.db') }, extra);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('error', fail);
    child.on('close', (code) => {
      children.delete(child);
      done({ code, stdout, stderr });
    });
  });
}

describe('heartbridge doctor', { timeout: 60_000 }, () => {
  it('reports a refused Heartland token in plain words, says what to do, and exits non-zero', async () => {
    const wrongToken = 'not-a-real-heartland-token';
    const r = await run(['doctor'], {
      BIGCOMMERCE_API_URL: sb.bigcommerce.apiUrl,
      BIGCOMMERCE_STORE_HASH: sb.bigcommerce.storeHash,
      BIGCOMMERCE_ACCESS_TOKEN: sb.bigcommerce.accessToken,
      HEARTLAND_API_URL: sb.heartland.apiUrl,
      HEARTLAND_API_TOKEN: wrongToken,
      HEARTBRIDGE_PUBLIC_URL: 'https://sync.example.test',
      HEARTBRIDGE_WEBHOOK_SECRET: 'doctor-secret-0123456789',
    });
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain(`✓ Database: SQLite (${join(dir, 'hb.db')}) answers`);
    expect(lines.some((l) => l.startsWith('✓ BigCommerce credentials: the access token is accepted'))).toBe(
      true,
    );
    expect(lines.some((l) => l.startsWith('✓ BigCommerce scopes'))).toBe(true);
    const hl = lines.find((l) => l.startsWith('✗ Heartland token'));
    expect(hl).toBe(
      '✗ Heartland token: the Heartland API token was refused → create a new token in Heartland → My Account → API Tokens (for a dedicated integration user), or run `heartbridge connect heartland`',
    );
    // Nothing registered yet: the BigCommerce hooks line says so and how to fix it.
    expect(lines.find((l) => l.startsWith('✗ BigCommerce webhooks'))).toMatch(
      /missing: store\/order\/created.*→ run `heartbridge webhooks install`/,
    );
    expect(lines).toContain('– Heartland webhooks: skipped: the Heartland token does not work');
    expect(lines.some((l) => /^✓ Clock \(vs BigCommerce\): local clock within \d+ s/.test(l))).toBe(true);
    expect(r.stdout).not.toContain(wrongToken);
    expect(r.stdout).not.toContain(sb.bigcommerce.accessToken);
  });
});
