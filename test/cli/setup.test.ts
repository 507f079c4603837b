/**
 * `heartbridge setup`: creates the Heartland custom field the orders flow needs, once; a second run keeps it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeartlandApi } from '../../src/connectors/heartland/heartland-api.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';

const BIN = resolve(import.meta.dirname, '../../bin/heartbridge.js');
const dir = mkdtempSync(join(tmpdir(), 'hb-setup-'));
const children = new Set<ChildProcess>();
let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ seed: 'setup-cli', products: 3, customers: 3 });
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await sb?.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]) {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(BIGCOMMERCE_|HEARTLAND_|HEARTBRIDGE_|DATABASE_URL$|PORT$)/.test(k)) env[k] = v;
  Object.assign(env, {
    HEARTBRIDGE_LOG_LEVEL: 'warn',
    DATABASE_URL: join(dir, 'hb.db'),
    BIGCOMMERCE_API_URL: sb.bigcommerce.apiUrl,
    BIGCOMMERCE_STORE_HASH: sb.bigcommerce.storeHash,
    BIGCOMMERCE_ACCESS_TOKEN: sb.bigcommerce.accessToken,
    HEARTLAND_API_URL: sb.heartland.apiUrl,
    HEARTLAND_API_TOKEN: sb.heartland.token,
  });
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

describe('heartbridge setup', { timeout: 60_000 }, () => {
  it('creates the bc_order_id field on sales orders once; running it again keeps the same definition', async () => {
    const hl = new HeartlandApi(sb.heartland);
    const ours = async () =>
      (await hl.customFields('sales.transaction')).filter((f) => f.key === 'bc_order_id');
    expect(await ours()).toHaveLength(0);

    const first = await run(['setup']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^created: Heartland custom field sales\.transaction "bc_order_id"/);
    const created = await ours();
    expect(created).toHaveLength(1);

    const second = await run(['setup']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^already there: Heartland custom field sales\.transaction "bc_order_id"/);
    expect(await ours()).toEqual(created);
  });
});
