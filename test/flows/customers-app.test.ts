/**
 * The customer profile flow as `heartbridge serve` wires it (createApp + app modules, SQLite on disk,
 * the real HTTP listener) against the sandbox: a sign-up arrives as a BigCommerce webhook, a Heartland
 * edit is picked up by the `customers.poll` task; the `customers` block is validated with the config.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appModules, composeModules } from '../../src/app/app-modules.js';
import { type App, createApp } from '../../src/app/create-app.js';
import { fullConfigSchema } from '../../src/app/full-config-schema.js';
import { BigCommerceApi } from '../../src/connectors/bigcommerce/bigcommerce-api.js';
import { installHooks } from '../../src/connectors/bigcommerce/hooks-registration.js';
import { demoMapping } from '../../src/demo/demo-mapping.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';

const SECRET = 'customers-app-secret-0123456789';
let sb: Sandbox;
let app: App;
let dir: string;
let bc: BigCommerceApi;

async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function drained() {
  await waitFor(async () => {
    const c = await app.engine.queue.countsByState();
    return (c.pending ?? 0) + (c.running ?? 0) + (c.retrying ?? 0) === 0 && sb.bc.webhooks.pending() === 0;
  }, 'the queue to drain');
}

function connection(customers: unknown) {
  return {
    id: 'main',
    bigcommerce: { ...sb.bigcommerce },
    heartland: { apiUrl: sb.heartland.apiUrl, apiToken: sb.heartland.token },
    webhookSecret: SECRET,
    mapping: demoMapping(sb),
    polling: { orders: '1h', fulfilment: '1h', customers: '1h' },
    customers,
  };
}

beforeAll(async () => {
  sb = await startSandbox({ seed: 'customers-app', products: 5, timeScale: 0.001, rateLimit: 'off' });
  dir = mkdtempSync(join(tmpdir(), 'hb-customers-'));
  const config = fullConfigSchema.parse({
    database: { url: join(dir, 'hb.db') },
    server: { host: '127.0.0.1' },
    log: { level: 'silent' },
    connections: [connection({ fields: { email: 'both' } })],
  });
  app = await createApp({ config, port: 0, processMetrics: false, ...composeModules(appModules) });
  await app.start();
  bc = new BigCommerceApi({ ...sb.bigcommerce });
  await installHooks(bc, {
    publicUrl: app.address() ?? '',
    connectionId: 'main',
    secret: SECRET,
    scopes: ['store/customer/created', 'store/customer/updated', 'store/customer/address/created'],
  });
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await sb?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('customers through heartbridge serve', () => {
  it('a storefront sign-up reaches Heartland; a Heartland edit (email too, as configured) reaches BigCommerce', async () => {
    const [created] = await bc.customers.create([
      { email: 'serve.signup@example.com', first_name: 'Serve', last_name: 'Signup', phone: '512-555-0150' },
    ]);
    const bcId = created!.id;
    const hlOf = () => sb.hl.state.customers.all().filter((c) => c.email === 'serve.signup@example.com');
    await waitFor(() => hlOf().length === 1, 'the Heartland customer');
    await drained();
    expect(hlOf()).toHaveLength(1);
    expect(hlOf()[0]).toMatchObject({ first_name: 'Serve', last_name: 'Signup', phone: '+15125550150' });

    const hlId = hlOf()[0]!.id;
    const put = await fetch(`${sb.heartland.apiUrl}/customers/${hlId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sb.heartland.token}` },
      body: JSON.stringify({ email: 'serve.renamed@example.com', last_name: 'Renamed' }),
    });
    expect(put.status).toBe(200);
    await app.engine.queue.enqueue({
      connectionId: 'main',
      task: 'customers.poll',
      entityKey: 'test:customers.poll',
      payload: {},
    });
    await waitFor(
      () => sb.bc.state.customers.get(bcId)?.email === 'serve.renamed@example.com',
      'the BC update',
    );
    await drained();
    expect(sb.bc.state.customers.get(bcId)).toMatchObject({ last_name: 'Renamed' });
    // The BigCommerce echo of that write did not come back to Heartland as a write.
    expect(hlOf()).toHaveLength(0);
    expect(sb.hl.state.customers.get(hlId)).toMatchObject({ email: 'serve.renamed@example.com' });
    expect(await app.engine.audit.list({ action: 'customer.updated' })).toEqual([]);
  });

  it('validates the customers block with the rest of the config (field path in the error)', () => {
    const bad = fullConfigSchema.safeParse({ connections: [connection({ fields: { phone: 'sometimes' } })] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['connections', 0, 'customers', 'fields', 'phone']);
    const typo = fullConfigSchema.safeParse({ connections: [connection({ createInBigcommerce: true })] });
    expect(typo.success).toBe(false);
  });
});
