/**
 * The service as `heartbridge serve` builds it — createApp + the registered app modules, SQLite on disk,
 * the real HTTP listener — against the sandbox: a storefront order arrives as a BigCommerce webhook and
 * becomes one Heartland sales order; an in-store sale in Heartland lowers the BigCommerce level.
 * Nothing of ours is mocked; this is the wiring test of src/app.
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
import { recordDeadLetter } from '../../src/engine/dead-letters.js';
import { RetryableError } from '../../src/engine/errors.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { orderBody, sellableSkus } from '../flows/order-fixtures.js';

const SECRET = 'serve-sync-secret-0123456789';
let sb: Sandbox;
let app: App;
let dir: string;

async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  sb = await startSandbox({ seed: 'serve', products: 20, timeScale: 0.001, rateLimit: 'off' });
  dir = mkdtempSync(join(tmpdir(), 'hb-serve-'));
  const hlLocations = sb.hl.state.locations.all();
  const config = fullConfigSchema.parse({
    database: { url: join(dir, 'hb.db') },
    server: { host: '127.0.0.1' },
    log: { level: 'silent' },
    connections: [
      {
        id: 'main',
        bigcommerce: { ...sb.bigcommerce },
        heartland: { apiUrl: sb.heartland.apiUrl, apiToken: sb.heartland.token },
        webhookSecret: SECRET,
        mapping: demoMapping(sb),
        polling: { orders: '1h', fulfilment: '1h' },
        inventory: {
          locations: [{ bcLocationId: 1, hlLocationIds: [hlLocations[0]?.id ?? 0] }],
          pollInterval: '1h',
        },
      },
    ],
  });
  const modules = composeModules(appModules);
  app = await createApp({ config, port: 0, processMetrics: false, ...modules });
  await app.start();
  const bc = new BigCommerceApi({ ...sb.bigcommerce });
  await installHooks(bc, {
    publicUrl: app.address() ?? '',
    connectionId: 'main',
    secret: SECRET,
    scopes: ['store/order/created', 'store/order/updated', 'store/sku/inventory/updated'],
  });
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await sb?.close();
  rmSync(dir, { recursive: true, force: true });
});

const poll = (tag: string) =>
  app.engine.queue.enqueue({
    connectionId: 'main',
    task: 'inventory.poll',
    entityKey: `test:poll:${tag}`,
    payload: {},
  });

describe('heartbridge serve (createApp + app modules)', () => {
  it('turns a storefront order into exactly one Heartland sales order through the webhook', async () => {
    const [line] = sellableSkus(sb);
    expect(line).toBeDefined();
    const order = await sb.bc.placeOrder(
      orderBody({ lines: [{ sku: line?.sku ?? '', quantity: 1, price: line?.price ?? '1.00' }] }) as never,
    );
    const bcId = String((order as { id: number }).id);
    const hlOrders = () =>
      sb.hl.state.salesOrders.all().filter((o) => String(o.custom?.bc_order_id ?? '') === bcId);
    await waitFor(() => hlOrders().length === 1 && hlOrders()[0]?.status === 'open');
    await new Promise((r) => setTimeout(r, 300));
    expect(hlOrders()).toHaveLength(1);
  });

  it('lowers the BigCommerce level after an in-store sale in Heartland (one inventory poll)', async () => {
    const loc = sb.hl.state.locations.all()[0];
    const item = sb.hl.state.items
      .all()
      .find(
        (i) =>
          !sb.seed.unmatched.hlOnly.includes(i.public_id) &&
          (sb.hl.state.peekStock(i.id, loc?.id ?? 0)?.qty_on_hand ?? 0) > 3,
      );
    expect(item).toBeDefined();
    // The first poll of a connection starts the ledger cursor and enqueues the initial full sync.
    await poll('baseline');
    await waitFor(
      async () =>
        (await app.engine.queue.countsByState()).pending === 0 &&
        (await app.engine.queue.countsByState()).running === 0,
    );
    const base = sb.heartland.apiUrl.replace(/\/api$/, '');
    const sale = await fetch(`${base}/__sandbox/heartland/sale`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ location_id: loc?.id, lines: [{ sku: item?.public_id, qty: 2 }] }),
    });
    expect(sale.status).toBeLessThan(300);
    const stock = sb.hl.state.peekStock(item?.id ?? 0, loc?.id ?? 0);
    const expected = (stock?.qty_on_hand ?? 0) - (stock?.qty_committed ?? 0);
    await poll('after-sale');
    const bcLevel = () => {
      const st = sb.bc.state;
      const v = st.variantBySku(item?.public_id ?? '');
      const p = v ? st.products.get(v.product_id) : st.productBySku(item?.public_id ?? '');
      if (!p) return Number.NaN;
      return st.stock(st.stockKeyFor(p, p.inventory_tracking === 'product' ? undefined : v), 1)?.onHand ?? 0;
    };
    await waitFor(() => bcLevel() === Math.max(0, expected));
  });

  it("closes an order's dead letter when a later run syncs the order, not its shipment's", async () => {
    const [line] = sellableSkus(sb);
    const order = await sb.bc.placeOrder(
      orderBody({ lines: [{ sku: line?.sku ?? '', quantity: 1, price: line?.price ?? '1.00' }] }) as never,
    );
    const bcId = (order as { id: number }).id;
    const entityKey = `bc:order:${bcId}`;
    await waitFor(() =>
      sb.hl.state.salesOrders.all().some((o) => String(o.custom?.bc_order_id ?? '') === String(bcId)),
    );
    // What a long Heartland outage leaves behind: the order's sync and one of its shipments gave up.
    const outage = new RetryableError({ code: 'HB_ERR_HL_SERVER_ERROR', message: 'Heartland 503 (outage)' });
    const dead = async (task: string, payload: Record<string, string | number>) =>
      recordDeadLetter(app.store.db, {
        connectionId: 'main',
        task,
        entityKey,
        payload,
        attempts: 25,
        error: outage,
        now: Date.now() - 60_000,
      });
    const orderLetter = await dead('orders.sync', { orderId: bcId });
    const shipmentLetter = await dead('fulfilment.apply', { orderId: bcId, invoiceId: 999 });
    // The poll backstop runs the order again; it is already in Heartland, so the run changes nothing.
    await app.engine.queue.enqueue({
      connectionId: 'main',
      task: 'orders.sync',
      entityKey,
      payload: { orderId: bcId, source: 'poll' },
    });
    await waitFor(async () => (await app.engine.dlq.get(orderLetter))?.status === 'resolved');
    expect((await app.engine.dlq.get(shipmentLetter))?.status).toBe('open');
    const audit = await app.engine.audit.list({
      action: 'dlq.resolve',
      target: `dead_letter:${orderLetter}`,
    });
    expect(audit).toHaveLength(1);
    expect(audit[0]?.actor).toBe('engine');
    expect(audit[0]?.detail).toMatchObject({ task: 'orders.sync', entityKey });
    const copies = sb.hl.state.salesOrders
      .all()
      .filter((o) => String(o.custom?.bc_order_id ?? '') === String(bcId));
    expect(copies).toHaveLength(1);
  });
});
