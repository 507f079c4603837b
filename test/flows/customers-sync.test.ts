/**
 * Customer profiles against the sandbox: BigCommerce sign-ups and edits reach Heartland through the
 * webhooks, Heartland edits reach BigCommerce through the poll, our own writes coming back are skipped,
 * and orders of the same shopper land on the same Heartland customer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { installHooks } from '../../src/connectors/bigcommerce/hooks-registration.js';
import type { RunningWorker } from '../../src/engine/index.js';
import { createSharedLocks } from '../../src/engine/shared-locks.js';
import {
  type CustomersConfigInput,
  parseCustomersConfig,
} from '../../src/flows/customers/customers-config.js';
import { createOrFindHlCustomer } from '../../src/flows/customers/hl-customer.js';
import {
  CUSTOMER_REVIEW_KIND,
  CUSTOMERS_CURSOR,
  type CustomersFlowContext,
  createCustomerHandlers,
  pollCustomers,
  syncBcCustomer,
} from '../../src/flows/customers/index.js';
import type { FlowContext, FlowOptions } from '../../src/flows/flow-context.js';
import { createReviewItems } from '../../src/flows/orders/review-items.js';
import { createLocksRepository } from '../../src/store/repositories/locks.js';
import { BRIDGE_SECRET, type Bridge, startBridge } from '../helpers/bridge.js';
import { orderBody, sellableSkus } from './order-fixtures.js';

const CUSTOMER_SCOPES = [
  'store/customer/created',
  'store/customer/updated',
  'store/customer/address/created',
  'store/customer/address/updated',
];

interface CustomerBridge extends Bridge {
  cctx: CustomersFlowContext;
}

const running: Array<{ b: Bridge; worker: RunningWorker }> = [];
afterEach(async () => {
  for (const { b, worker } of running.splice(0)) {
    await worker.stop(2_000);
    await b.close();
  }
});

async function bridge(
  customers: CustomersConfigInput = {},
  options: FlowOptions = {},
): Promise<CustomerBridge> {
  const b = await startBridge({ sandbox: { seed: 'customers-flow', products: 10 }, workers: false });
  const cctx: CustomersFlowContext = {
    ...b.ctx,
    options: { ...b.ctx.options, ...options },
    customers: parseCustomersConfig(customers),
  };
  await installHooks(b.ctx.bc, {
    publicUrl: b.url,
    connectionId: b.connectionId,
    secret: BRIDGE_SECRET,
    scopes: CUSTOMER_SCOPES,
  });
  const worker = await b.engine.startWorkers(
    { ...b.handlers, ...createCustomerHandlers(cctx) },
    { concurrency: 4, pollIntervalMs: 25 },
  );
  running.push({ b, worker });
  return Object.assign(b, { cctx });
}

const signUp = {
  email: 'Grace.Hopper@Example.com',
  first_name: 'GRACE',
  last_name: 'hopper',
  phone: '(512) 555-0199',
  addresses: [
    {
      first_name: 'Grace',
      last_name: 'Hopper',
      address1: '1 navy way',
      city: 'austin',
      state_or_province: 'Texas',
      postal_code: '78701',
      country_code: 'US',
    },
  ],
};

/** A storefront sign-up: POST /v3/customers on the simulator (it fires store/customer/created). */
async function signUpOnBc(b: Bridge, over: Record<string, unknown> = {}): Promise<number> {
  const [c] = await b.ctx.bc.customers.create([{ ...signUp, ...over }]);
  return c!.id;
}

function hlCustomersByEmail(b: Bridge, email: string) {
  return b.sandbox.hl.state.customers
    .all()
    .filter((c) => (c.email ?? '').toLowerCase() === email.toLowerCase());
}

async function linkOf(b: Bridge, bcId: number) {
  return b.engine.links.findByBcId(b.connectionId, 'customer', `id:${bcId}`);
}

async function quarantined(b: Bridge, entityKey: string) {
  return (
    await b.engine.dlq.list({ connectionId: b.connectionId, kind: 'quarantine', status: 'open' })
  ).filter((d) => d.entityKey === entityKey);
}

describe('customers: BigCommerce → Heartland', () => {
  it('a sign-up becomes one Heartland customer, normalised, with its address; an edit updates it', async () => {
    const b = await bridge();
    const bcId = await signUpOnBc(b);
    await b.waitFor(async () => (await linkOf(b, bcId))?.hlId != null, 10_000, 'the customer link');
    await b.idle();
    const [hl, ...more] = hlCustomersByEmail(b, 'grace.hopper@example.com');
    expect(more).toHaveLength(0);
    expect(hl).toMatchObject({
      first_name: 'Grace',
      last_name: 'Hopper',
      email: 'grace.hopper@example.com',
      phone: '+15125550199',
    });
    expect((await linkOf(b, bcId))?.hlId).toBe(String(hl!.id));
    const addresses = b.sandbox.hl.state.addresses.where((a) => a.customer_id === hl!.id);
    expect(addresses).toEqual([
      expect.objectContaining({ line_1: '1 Navy Way', city: 'Austin', state: 'TX', country: 'US' }),
    ]);
    expect(await b.engine.audit.list({ action: 'customer.created' })).toHaveLength(1);

    // Edit on BigCommerce (name and phone) → Heartland follows.
    await b.ctx.bc.customers.update([{ id: bcId, last_name: 'Murray', phone: '+1 512 555 0123' }]);
    await b.waitFor(
      () => b.sandbox.hl.state.customers.get(hl!.id)?.last_name === 'Murray',
      10_000,
      'the edit',
    );
    await b.idle();
    expect(b.sandbox.hl.state.customers.get(hl!.id)).toMatchObject({
      last_name: 'Murray',
      phone: '+15125550123',
    });
    expect(hlCustomersByEmail(b, 'grace.hopper@example.com')).toHaveLength(1);

    // An address added to the address book (BigCommerce fires address/created, not customer/updated).
    const bcState = b.sandbox.bc.state;
    const rec = bcState.customers.get(bcId)!;
    const { newCustomerAddress } = await import('../../src/sandbox/bigcommerce/store-state.js');
    const added = newCustomerAddress(bcState, bcId, {
      first_name: 'Grace',
      last_name: 'Murray',
      address1: '700 Lavaca St',
      city: 'Austin',
      state_or_province: 'TX',
      postal_code: '78701',
      country_code: 'US',
    });
    rec.addresses.push(added);
    b.sandbox.bc.webhooks.emit('store/customer/address/created', {
      type: 'customer',
      id: added.id,
      address: { customer_id: bcId },
    });
    await b.waitFor(
      () => b.sandbox.hl.state.addresses.where((a) => a.customer_id === hl!.id).length === 2,
      10_000,
      'the new address',
    );
    await b.idle();
    expect(b.sandbox.hl.state.addresses.where((a) => a.customer_id === hl!.id)).toHaveLength(2);
  });

  it('duplicate deliveries and a burst of events for one sign-up leave one Heartland customer', async () => {
    const b = await bridge();
    const bcId = await signUpOnBc(b, { email: 'twice@example.com' });
    // The same delivery again (a BigCommerce retry), plus updated and address events of the same burst.
    const isCreated = (d: { scope: string; body: { data: Record<string, unknown> } }) =>
      d.scope === 'store/customer/created' && d.body.data.id === bcId;
    await b.waitFor(() => b.sandbox.bc.state.deliveries.some(isCreated), 10_000, 'the first delivery');
    const body = b.sandbox.bc.state.deliveries.find(isCreated)!.body;
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${b.url}/webhooks/bigcommerce/${b.connectionId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-heartbridge-secret': BRIDGE_SECRET },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
    }
    b.sandbox.bc.webhooks.emit('store/customer/updated', { type: 'customer', id: bcId });
    b.sandbox.bc.webhooks.emit('store/customer/address/created', {
      type: 'customer',
      id: 999,
      address: { customer_id: bcId },
    });
    // And two runs side by side, outside the queue's per-customer order (two worker processes).
    const reviews = createReviewItems(b.engine.store.db);
    const job = (n: number) => ({
      task: 'customers.sync',
      entityKey: `bc:customer:${bcId}`,
      attempt: 1,
      inboxId: null,
      configVersion: null,
      n,
    });
    await Promise.all([
      syncBcCustomer(b.cctx, reviews, {}, job(1)),
      syncBcCustomer(b.cctx, reviews, {}, job(2)),
    ]);
    await b.idle();
    expect(hlCustomersByEmail(b, 'twice@example.com')).toHaveLength(1);
    const hl = hlCustomersByEmail(b, 'twice@example.com')[0]!;
    expect(b.sandbox.hl.state.addresses.where((a) => a.customer_id === hl.id)).toHaveLength(1);
    expect(await b.engine.audit.list({ action: 'customer.created' })).toHaveLength(1);
  });

  it('two Heartland customers with the email → review item; resolving it links the chosen one', async () => {
    const b = await bridge();
    const a = await b.ctx.hl.createCustomer({
      first_name: 'Ann',
      last_name: 'Twin',
      email: 'twin@example.com',
    });
    const second = await b.ctx.hl.createCustomer({
      first_name: 'Ann',
      last_name: 'Twin',
      email: 'twin@example.com',
    });
    const bcId = await signUpOnBc(b, { email: 'twin@example.com', first_name: 'Ann', last_name: 'Twin' });
    const entityKey = `bc:customer:${bcId}`;
    await b.waitFor(
      async () => (await quarantined(b, entityKey)).length > 0,
      10_000,
      'the review quarantine',
    );
    await b.idle();
    const items = await createReviewItems(b.engine.store.db).list({ status: 'open' });
    const item = items.find((i) => i.kind === CUSTOMER_REVIEW_KIND && i.entityKey === entityKey);
    expect(item?.candidates).toEqual([
      expect.objectContaining({ id: a }),
      expect.objectContaining({ id: second }),
    ]);
    const [parked] = await quarantined(b, entityKey);
    expect(parked).toMatchObject({ errorCode: 'HB_ERR_CUSTOMER_AMBIGUOUS' });
    expect(parked!.suggestedFix).toContain(`heartbridge review resolve ${item!.id}`);
    expect(hlCustomersByEmail(b, 'twin@example.com')).toHaveLength(2);
    expect(await linkOf(b, bcId)).toBeNull();

    const { resolveReviewItem } = await import('../../src/flows/orders/review-resolution.js');
    const r = await resolveReviewItem(b.engine, item!.id, { use: second }, 'cli:test');
    expect('replayed' in r && r.replayed).toHaveLength(1);
    await b.waitFor(async () => (await linkOf(b, bcId))?.hlId === String(second), 10_000, 'the link');
    await b.idle();
    expect(await quarantined(b, entityKey)).toEqual([]);
    expect(hlCustomersByEmail(b, 'twin@example.com')).toHaveLength(2);
  });

  it('bad input is quarantined with a reason and a fix; the queue keeps going', async () => {
    const b = await bridge();
    const bad = await signUpOnBc(b, { email: 'badphone@example.com', phone: '12345' });
    const st = b.sandbox.bc.state;
    // Data the storefront would refuse but an API client or an import may leave: no email, no phone.
    const blank = await signUpOnBc(b, { email: 'blank@example.com', phone: '', addresses: [] });
    st.customers.get(blank)!.email = '';
    const hostile = await signUpOnBc(b, { email: 'hostile@example.com' });
    st.customers.get(hostile)!.last_name = `${'\u202e'.repeat(3)}${'A'.repeat(400)}`;
    b.sandbox.bc.webhooks.emit('store/customer/updated', { type: 'customer', id: blank });
    b.sandbox.bc.webhooks.emit('store/customer/updated', { type: 'customer', id: hostile });
    const fine = await signUpOnBc(b, { email: 'fine@example.com' });
    await b.waitFor(async () => (await linkOf(b, fine))?.hlId != null, 10_000, 'the good customer');
    await b.idle();

    const [phone] = await quarantined(b, `bc:customer:${bad}`);
    expect(phone).toMatchObject({ errorCode: 'HB_ERR_CUSTOMER_INVALID' });
    expect(phone!.errorMessage).toMatch(/phone: "12345" is not a valid US number/);
    expect(phone!.suggestedFix).toMatch(/correct the phone in BigCommerce/);
    const [none] = await quarantined(b, `bc:customer:${blank}`);
    expect(none!.errorMessage).toMatch(/neither an email nor a phone/);
    // Whether the created event's run saw the clean name first or not, the hostile one is parked and never
    // reaches Heartland.
    expect(
      b.sandbox.hl.state.customers
        .all()
        .some((c) => (c.last_name ?? '').includes('\u202e') || (c.last_name ?? '').length > 100),
    ).toBe(false);
    const hostileQ = await quarantined(b, `bc:customer:${hostile}`);
    expect(hostileQ[0]?.errorMessage).toMatch(/last_name is 400 characters long/);
    expect(hlCustomersByEmail(b, 'badphone@example.com')).toEqual([]);
    expect(hlCustomersByEmail(b, 'fine@example.com')).toHaveLength(1);
    const dead = await b.engine.dlq.list({ connectionId: b.connectionId, kind: 'dead' });
    expect(dead.filter((d) => d.task.startsWith('customers.'))).toEqual([]);

    // Fixed in BigCommerce → the webhook re-runs the flow, which syncs it and resolves the entry.
    await b.ctx.bc.customers.update([{ id: bad, phone: '+1 512 555 0177' }]);
    await b.waitFor(() => hlCustomersByEmail(b, 'badphone@example.com').length === 1, 10_000, 'the fix');
    await b.idle();
    expect(await quarantined(b, `bc:customer:${bad}`)).toEqual([]);
  });

  it('an order placed afterwards by the same customer uses the same Heartland customer', async () => {
    const b = await bridge();
    const bcId = await signUpOnBc(b, { email: 'ada.customer@example.com' });
    await b.waitFor(async () => (await linkOf(b, bcId))?.hlId != null, 10_000, 'the customer link');
    await b.idle();
    const hlId = Number((await linkOf(b, bcId))!.hlId);
    const skus = sellableSkus(b.sandbox);
    const order = b.sandbox.bc.placeOrder({
      ...orderBody({ email: 'ada.customer@example.com', lines: [{ ...skus[0]!, quantity: 1 }] }),
      customer_id: bcId,
    }) as { id: number };
    await b.waitFor(() => b.hlOrdersFor(order.id).length === 1, 10_000, 'the HL order');
    await b.idle();
    expect(b.hlOrdersFor(order.id)[0]!.customer_id).toBe(hlId);
    expect(hlCustomersByEmail(b, 'ada.customer@example.com')).toHaveLength(1);
  });

  it('a sign-up and an order at once still make one Heartland customer', async () => {
    const b = await bridge();
    const bcId = await signUpOnBc(b, { email: 'rush@example.com', phone: '(512) 555-0111' });
    const skus = sellableSkus(b.sandbox);
    const order = b.sandbox.bc.placeOrder({
      ...orderBody({
        email: 'rush@example.com',
        phone: '(512) 555-0111',
        lines: [{ ...skus[0]!, quantity: 1 }],
      }),
      customer_id: bcId,
    }) as { id: number };
    await b.waitFor(() => b.hlOrdersFor(order.id).length === 1, 10_000, 'the HL order');
    await b.waitFor(async () => (await linkOf(b, bcId))?.hlId != null, 10_000, 'the customer link');
    await b.idle();
    const [hl, ...more] = hlCustomersByEmail(b, 'rush@example.com');
    expect(more).toHaveLength(0);
    expect(b.hlOrdersFor(order.id)[0]!.customer_id).toBe(hl!.id);
    expect((await linkOf(b, bcId))!.hlId).toBe(String(hl!.id));
  });
  it('two worker processes creating one new shopper at once make one Heartland customer', async () => {
    const b = await bridge();
    // A second process on the same store: its own engine (own in-process locks), same database.
    const otherProcess: FlowContext = {
      ...b.ctx,
      engine: { ...b.engine, locks: createSharedLocks({ repo: createLocksRepository(b.store.db) }) },
    };
    const draft = {
      first_name: 'Ada',
      last_name: 'Twice',
      email: 'ada.twice@example.com',
      phone: null,
      custom: {},
      address: null,
      company: null,
    };
    const [x, y] = await Promise.all([
      createOrFindHlCustomer(b.ctx, draft, 'id:991', 'anon:1'),
      createOrFindHlCustomer(otherProcess, draft, 'id:991', 'anon:2'),
    ]);
    expect(x.id).toBe(y.id);
    expect([x.created, y.created].sort()).toEqual([false, true]);
    expect(hlCustomersByEmail(b, 'ada.twice@example.com')).toHaveLength(1);
    // Later, before any link is committed, a third job of that shopper is given the same customer.
    const z = await createOrFindHlCustomer(otherProcess, draft, 'id:991', 'anon:3');
    expect(z).toEqual({ id: x.id, created: false });
  });
});

describe('customers: Heartland → BigCommerce, and echoes', () => {
  it('our Heartland write is an echo for the poll; a Heartland edit reaches BigCommerce on the next poll; its webhook echo writes nothing', async () => {
    const b = await bridge();
    const bcId = await signUpOnBc(b, { email: 'echo@example.com' });
    await b.waitFor(async () => (await linkOf(b, bcId))?.hlId != null, 10_000, 'the customer link');
    await b.idle();
    const hlId = Number((await linkOf(b, bcId))!.hlId);
    const bcBefore = { ...b.sandbox.bc.state.customers.get(bcId)! };

    // 1. The poll sees our own create (updated_at moved): echo, nothing enqueued, BigCommerce untouched.
    const first = await pollCustomers(b.cctx);
    expect(first.echo).toBeGreaterThanOrEqual(1);
    expect(first.enqueued).toBe(0);
    await b.idle();
    expect(b.sandbox.bc.state.customers.get(bcId)!.date_modified).toBe(bcBefore.date_modified);

    // 2. A person edits the customer at the till.
    await b.ctx.hl.updateCustomer(hlId, { last_name: 'Tillman', phone: '+1 512 555 0188' });
    const hlEdited = b.sandbox.hl.state.customers.get(hlId)!.updated_at;
    const hl0 = b.sandbox.hl.faults.counters.requests;
    const second = await pollCustomers(b.cctx);
    expect(second.enqueued).toBe(1);
    await b.waitFor(
      () => b.sandbox.bc.state.customers.get(bcId)!.last_name === 'Tillman',
      10_000,
      'BC update',
    );
    await b.idle();
    expect(b.sandbox.bc.state.customers.get(bcId)).toMatchObject({
      last_name: 'Tillman',
      phone: '+15125550188',
      email: 'echo@example.com',
    });
    // 3. BigCommerce's store/customer/updated for our write came back and was skipped: Heartland untouched.
    expect(
      b.sandbox.bc.state.deliveries.some(
        (d) => d.scope === 'store/customer/updated' && d.body.data.id === bcId,
      ),
    ).toBe(true);
    expect(b.sandbox.hl.state.customers.get(hlId)!.updated_at).toBe(hlEdited);
    // Heartland calls: the poll's one page and customers.from_hl's read; the echo's customers.sync none.
    expect(b.sandbox.hl.faults.counters.requests - hl0).toBe(2);
    expect(await b.engine.audit.list({ action: 'customer.updated' })).toEqual([]);
    expect(await b.engine.audit.list({ action: 'customer.bc_updated' })).toHaveLength(1);

    // 4. The next poll re-reads the overlap: nothing new to do.
    const third = await pollCustomers(b.cctx);
    expect(third.enqueued).toBe(0);
    await b.idle();
    expect(await b.engine.audit.list({ action: 'customer.bc_updated' })).toHaveLength(1);
  });

  it('email goes to BigCommerce only when configured', async () => {
    const b = await bridge();
    const bcId = await signUpOnBc(b, { email: 'keep@example.com' });
    await b.waitFor(async () => (await linkOf(b, bcId))?.hlId != null, 10_000, 'the customer link');
    await b.idle();
    const hlId = Number((await linkOf(b, bcId))!.hlId);
    await b.ctx.hl.updateCustomer(hlId, { email: 'changed@example.com', first_name: 'Kept' });
    await pollCustomers(b.cctx);
    await b.waitFor(() => b.sandbox.bc.state.customers.get(bcId)!.first_name === 'Kept', 10_000, 'BC update');
    await b.idle();
    expect(b.sandbox.bc.state.customers.get(bcId)!.email).toBe('keep@example.com');
  });

  it('the poll walks by id in bounded runs and resumes from its cursor', async () => {
    const b = await bridge();
    const st = b.sandbox.hl.state;
    const at = st.nowIso();
    for (let i = 0; i < 450; i++) {
      st.customers.insert((id) => ({
        id,
        uuid: st.uuid(3, id),
        public_id: `P${id}`,
        first_name: 'Walk',
        last_name: `In ${i}`,
        email: null,
        phone: null,
        'active?': true,
        custom: {},
        created_at: at,
        updated_at: at,
      }));
    }
    const total = st.customers.all().filter((c) => c.updated_at >= at).length;
    const r1 = await pollCustomers(b.cctx, { maxPages: 1 });
    expect(r1.more).toBe(true);
    expect(r1.seen).toBe(200);
    const mid = JSON.parse((await b.engine.cursors.get(b.connectionId, CUSTOMERS_CURSOR))!);
    expect(mid.afterId).toBe(r1.cursor.afterId);
    let seen = r1.seen;
    for (let i = 0; i < 5; i++) {
      const r = await pollCustomers(b.cctx, { maxPages: 1 });
      seen += r.seen;
      if (!r.more) break;
    }
    const done = JSON.parse((await b.engine.cursors.get(b.connectionId, CUSTOMERS_CURSOR))!);
    expect(done.afterId).toBe(0);
    // Each customer updated since the look-back once over the whole walk (plus the seed, updated at start).
    expect(seen).toBe(st.customers.size);
    expect(seen).toBeGreaterThanOrEqual(total);
  });

  it('createInBigCommerce makes a web account for a changed Heartland customer with an email (off: none)', async () => {
    const off = await bridge();
    await pollCustomers(off.cctx); // the seed, taken as seen
    const hlOff = await off.ctx.hl.createCustomer({
      first_name: 'Pat',
      last_name: 'Store',
      email: 'pat@example.com',
    });
    const r = await pollCustomers(off.cctx);
    expect(r.unlinked).toBeGreaterThanOrEqual(1);
    await off.idle();
    expect([...off.sandbox.bc.state.customers.values()].some((c) => c.email === 'pat@example.com')).toBe(
      false,
    );
    expect(await off.engine.links.findByHlId(off.connectionId, 'customer', String(hlOff))).toBeNull();

    // No overlap, cursor after the seed: this test is about one new customer, not the whole account.
    const on = await bridge({ createInBigCommerce: true }, { pollOverlapMs: 0 });
    await on.engine.cursors.set(
      on.connectionId,
      CUSTOMERS_CURSOR,
      JSON.stringify({
        since: on.sandbox.hl.state.nowIso(),
        afterId: 0,
        newest: on.sandbox.hl.state.nowIso(),
      }),
    );
    await new Promise((r) => setTimeout(r, 5));
    const hlId = await on.ctx.hl.createCustomer({
      first_name: 'Pat',
      last_name: 'Store',
      email: 'Pat@Example.com',
      phone: '512-555-0160',
    });
    const noEmail = await on.ctx.hl.createCustomer({ first_name: 'Walk', last_name: 'In' });
    await pollCustomers(on.cctx);
    await on.waitFor(
      async () => (await on.engine.links.findByHlId(on.connectionId, 'customer', String(hlId)))?.bcId != null,
      10_000,
      'the BC account',
    );
    await on.idle();
    const made = [...on.sandbox.bc.state.customers.values()].filter((c) => c.email === 'pat@example.com');
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ first_name: 'Pat', last_name: 'Store', phone: '+15125550160' });
    expect((await on.engine.links.findByHlId(on.connectionId, 'customer', String(hlId)))!.bcId).toBe(
      `id:${made[0]!.id}`,
    );
    // Its store/customer/created came back: an echo, so no second Heartland customer and no Heartland write.
    expect(hlCustomersByEmail(on, 'pat@example.com')).toHaveLength(1);
    expect(await on.engine.audit.list({ action: 'customer.created' })).toEqual([]);
    expect(await on.engine.links.findByHlId(on.connectionId, 'customer', String(noEmail))).toBeNull();
  });
});
