/**
 * `heartbridge webhooks install | status` as a user runs them: a real process against the in-process
 * sandbox (both APIs on 127.0.0.1), env only.
 */
import { describe, expect, it } from 'vitest';
import { BigCommerceApi } from '../../src/connectors/bigcommerce/bigcommerce-api.js';
import { HeartlandApi } from '../../src/connectors/heartland/heartland-api.js';
import { useCliSandbox } from '../helpers/cli.js';

const PUBLIC_URL = 'https://sync.example.test';
const SECRET = 'hook-secret-0123456789abcdef';
const cli = useCliSandbox('webhooks');

function run(args: string[]) {
  return cli.run(args, {
    ...cli.credentials(),
    HEARTBRIDGE_PUBLIC_URL: PUBLIC_URL,
    HEARTBRIDGE_WEBHOOK_SECRET: SECRET,
  });
}

const destination = `${PUBLIC_URL}/webhooks/bigcommerce/default`;

describe('heartbridge webhooks', { timeout: 60_000 }, () => {
  it('status flags missing hooks (exit 1); install creates them, re-activates a deactivated one, and is idempotent', async () => {
    const bc = new BigCommerceApi(cli.sb.bigcommerce);
    // One hook exists already but BigCommerce switched it off after failed deliveries.
    const dead = await bc.hooks.create({
      scope: 'store/order/created',
      destination,
      is_active: false,
      headers: { 'X-Heartbridge-Secret': SECRET },
    });

    const before = await run(['webhooks', 'status', '--json']);
    expect(before.code, before.stderr).toBe(1);
    const report = JSON.parse(before.stdout) as {
      ok: boolean;
      bigcommerce: { hooks: { scope: string; state: string }[] };
      heartland: { events: { event: string; state: string }[] };
    };
    expect(report.ok).toBe(false);
    expect(report.bigcommerce.hooks.find((h) => h.scope === 'store/order/created')?.state).toBe('inactive');
    expect(report.bigcommerce.hooks.find((h) => h.scope === 'store/sku/inventory/updated')?.state).toBe(
      'missing',
    );
    expect(report.heartland.events.every((e) => e.state === 'missing')).toBe(true);

    const install = await run(['webhooks', 'install']);
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout).toContain('re-activated store/order/created');

    const hooks = (await bc.hooks.list()).filter((h) => h.destination === destination);
    expect(hooks.every((h) => h.is_active)).toBe(true);
    const scopes = hooks.map((h) => h.scope).sort();
    expect(scopes).toEqual(
      expect.arrayContaining([
        'store/order/created',
        'store/order/updated',
        'store/order/statusUpdated',
        'store/customer/updated',
        'store/product/updated',
        'store/product/inventory/updated',
        'store/sku/inventory/updated',
      ]),
    );
    expect(new Set(scopes).size).toBe(scopes.length); // the deactivated hook was reused, not duplicated
    expect(hooks.find((h) => h.scope === 'store/order/created')?.id).toBe(dead.id);
    // Heartland: one subscription, secret in the URL path.
    const hlHooks = await new HeartlandApi(cli.sb.heartland).webhooks();
    expect(hlHooks).toHaveLength(1);
    expect(hlHooks[0]?.url).toBe(`${PUBLIC_URL}/webhooks/heartland/default/${SECRET}`);
    expect(hlHooks[0]?.events).toEqual(
      expect.arrayContaining(['item_created', 'item_updated', 'customer_created', 'customer_updated']),
    );

    // Idempotent: a second install changes nothing; status is now all green (exit 0).
    const again = await run(['webhooks', 'install', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout) as {
      bigcommerce: { created: string[]; reactivated: string[] };
      heartland: { created: string[] };
    };
    expect(second.bigcommerce.created).toEqual([]);
    expect(second.bigcommerce.reactivated).toEqual([]);
    expect(second.heartland.created).toEqual([]);
    expect((await bc.hooks.list()).filter((h) => h.destination === destination)).toHaveLength(hooks.length);

    const ok = await run(['webhooks', 'status']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('all webhooks registered and active');
  });
});
