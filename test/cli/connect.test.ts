/**
 * `heartbridge connect heartland`: the full OAuth round trip against the sandbox's `/oauth/authorize` and
 * `/api/oauth/token`. The "browser" is a plain fetch of the printed URL that follows the redirect to the
 * CLI's local callback. Then a second command runs with no HEARTLAND_API_TOKEN in env and uses the
 * stored (encrypted) token.
 */
import { describe, expect, it } from 'vitest';
import { decryptSecret, generateMasterKey, parseMasterKey } from '../../src/config/secrets.js';
import { HeartlandApi } from '../../src/connectors/heartland/heartland-api.js';
import { openStore } from '../../src/store/database.js';
import { useCliSandbox, waitForStderr } from '../helpers/cli.js';

const MASTER_KEY = generateMasterKey();
const cli = useCliSandbox('connect');
const start = (args: string[], env: Record<string, string>) =>
  cli.start(args, { HEARTBRIDGE_MASTER_KEY: MASTER_KEY, ...env });

describe('heartbridge connect heartland', { timeout: 60_000 }, () => {
  it('prints the authorize URL, takes the code on its callback, stores the token encrypted, and later commands use it', async () => {
    const oauthBase = new URL(cli.sb.heartland.apiUrl).origin;
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
        cli.sb.heartland.apiUrl,
        '--timeout',
        '40',
      ],
      {},
    );
    const [, url = ''] = await waitForStderr(
      run,
      /(http:\/\/\S+\/oauth\/authorize\?\S+)/,
      'no authorize URL',
      30_000,
    );
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
    const store = openStore(cli.db);
    const row = await store.db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', 'default')
      .executeTakeFirst();
    const audit = await store.db.selectFrom('audit_log').selectAll().execute();
    await store.close();
    expect(row?.secrets_enc).toMatch(/^enc:v1:/);
    expect(row?.hl_api_url).toBe(cli.sb.heartland.apiUrl);
    const secrets = JSON.parse(decryptSecret(row?.secrets_enc ?? '', parseMasterKey(MASTER_KEY))) as {
      heartland: { apiToken: string; scope: string };
    };
    const token = secrets.heartland.apiToken;
    expect(token.length).toBeGreaterThan(20);
    expect(row?.secrets_enc).not.toContain(token);
    expect(result.stdout + result.stderr).not.toContain(token);
    expect(audit.map((a) => a.action)).toContain('connection.heartland.connect');
    expect((await new HeartlandApi({ apiUrl: cli.sb.heartland.apiUrl, token }).whoami()).scope).toBe(
      'item.manage customer.manage',
    );

    // A later command, with no Heartland token or URL in env, works with the stored ones.
    const setup = start(['setup', '--json'], {
      BIGCOMMERCE_API_URL: cli.sb.bigcommerce.apiUrl,
      BIGCOMMERCE_STORE_HASH: cli.sb.bigcommerce.storeHash,
      BIGCOMMERCE_ACCESS_TOKEN: cli.sb.bigcommerce.accessToken,
    });
    const done = await setup.exited;
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({
      connectionId: 'default',
      customFields: [{ group_id: 'sales.transaction', key: 'bc_order_id' }],
    });
  });
});
