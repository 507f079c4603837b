/**
 * `heartbridge connect heartland`: the full OAuth round trip against the sandbox's `/oauth/authorize` and
 * `/api/oauth/token`. The "browser" is a plain fetch of the printed URL that follows the redirect to the
 * CLI's local callback. Then a second command runs with no HEARTLAND_API_TOKEN in env and uses the
 * stored (encrypted) token.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptSecret, generateMasterKey, parseMasterKey } from '../../src/config/secrets.js';
import { HeartlandApi } from '../../src/connectors/heartland/heartland-api.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { openStore } from '../../src/store/database.js';

const BIN = resolve(import.meta.dirname, '../../bin/heartbridge.js');
const dir = mkdtempSync(join(tmpdir(), 'hb-connect-'));
const DB = join(dir, 'hb.db');
const MASTER_KEY = generateMasterKey();
const children = new Set<ChildProcess>();
let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ seed: 'connect-cli', products: 3, customers: 3 });
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await sb?.close();
  rmSync(dir, { recursive: true, force: true });
});

function start(args: string[], extra: Record<string, string>) {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(BIGCOMMERCE_|HEARTLAND_|HEARTBRIDGE_|DATABASE_URL$|PORT$)/.test(k)) env[k] = v;
  Object.assign(
    env,
    { HEARTBRIDGE_LOG_LEVEL: 'warn', DATABASE_URL: DB, HEARTBRIDGE_MASTER_KEY: MASTER_KEY },
    extra,
  );
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env });
  children.add(child);
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (c) => {
    out.stdout += c;
  });
  child.stderr.on('data', (c) => {
    out.stderr += c;
  });
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => {
      children.delete(child);
      done({ code, ...out });
    });
  });
  return { child, out, exited };
}

describe('heartbridge connect heartland', { timeout: 60_000 }, () => {
  it('prints the authorize URL, takes the code on its callback, stores the token encrypted, and later commands use it', async () => {
    const oauthBase = new URL(sb.heartland.apiUrl).origin;
    const run = start(
      [
        'connect',
        'heartland',
        '--client-id',
        'sandbox-client',
        '--client-secret',
        'sandbox-secret',
        '--scopes',
        'item.manage customer.manage',
        '--oauth-base',
        oauthBase,
        '--api-url',
        sb.heartland.apiUrl,
        '--timeout',
        '40',
      ],
      {},
    );
    const url = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no authorize URL: ${run.out.stderr}`)), 30_000);
      const look = () => {
        const m = /(http:\/\/\S+\/oauth\/authorize\?\S+)/.exec(run.out.stderr);
        if (m?.[1]) {
          clearTimeout(timer);
          ok(m[1]);
        } else setTimeout(look, 50);
      };
      look();
    });
    const authorize = new URL(url);
    expect(authorize.origin).toBe(oauthBase);
    expect(authorize.searchParams.get('client_id')).toBe('sandbox-client');
    expect(authorize.searchParams.get('scope')).toBe('item.manage customer.manage');
    expect(authorize.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);

    // The browser: approve (the sandbox auto-approves) and follow the redirect to the CLI's callback.
    const page = await fetch(url, { redirect: 'follow' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('heartbridge is connected to Heartland');

    const result = await run.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Heartland token stored encrypted for connection "default"');

    // Stored encrypted at rest; the plaintext appears nowhere but in the decrypted value.
    const store = openStore(DB);
    const row = await store.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', 'default')
      .executeTakeFirst();
    const audit = await store.db.selectFrom('audit_log').selectAll().execute();
    await store.close();
    expect(row?.secrets_enc).toMatch(/^enc:v1:/);
    expect(row?.hl_api_url).toBe(sb.heartland.apiUrl);
    const secrets = JSON.parse(decryptSecret(row?.secrets_enc ?? '', parseMasterKey(MASTER_KEY))) as {
      heartland: { apiToken: string; scope: string };
    };
    const token = secrets.heartland.apiToken;
    expect(token.length).toBeGreaterThan(20);
    expect(row?.secrets_enc).not.toContain(token);
    expect(result.stdout + result.stderr).not.toContain(token);
    expect(audit.map((a) => a.action)).toContain('connection.heartland.connect');
    expect((await new HeartlandApi({ apiUrl: sb.heartland.apiUrl, token }).whoami()).scope).toBe(
      'item.manage customer.manage',
    );

    // A later command, with no Heartland token or URL in env, works with the stored ones.
    const setup = start(['setup', '--json'], {
      BIGCOMMERCE_API_URL: sb.bigcommerce.apiUrl,
      BIGCOMMERCE_STORE_HASH: sb.bigcommerce.storeHash,
      BIGCOMMERCE_ACCESS_TOKEN: sb.bigcommerce.accessToken,
    });
    const done = await setup.exited;
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({
      connectionId: 'default',
      customFields: [{ group_id: 'sales.transaction', key: 'bc_order_id' }],
    });
  });
});
