import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHeartlandSimulator, type HeartlandSimulator } from '../../src/sandbox/heartland/index.js';
import { smallHlSeed } from '../../src/sandbox/seed/small-hl-seed.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by assertions, not types
type Json = any;

let sim: HeartlandSimulator;

async function hl(method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token ?? sim.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? (JSON.parse(text) as Json) : null };
}

function filter(obj: unknown): string {
  return `_filter=${encodeURIComponent(JSON.stringify(obj))}`;
}

async function createdId(res: { status: number; headers: Headers; text: string }): Promise<number> {
  expect(res.status, res.text).toBe(201);
  return Number(res.headers.get('location')?.split('/').pop());
}

beforeAll(async () => {
  sim = await createHeartlandSimulator({ seed: smallHlSeed() });
});
afterAll(async () => {
  await sim.close();
});

describe('Heartland conventions', () => {
  it('requires a bearer token', async () => {
    const res = await fetch(`${sim.url}/items`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      error: 'unauthorized',
      message: expect.any(String),
      details: {},
    });
    expect((await hl('GET', '/items', undefined, 'wrong')).status).toBe(401);
    expect((await hl('GET', '/system/whoami')).status).toBe(200);
  });

  it('creates with 201, a Location header and an empty body; reads back ?-booleans', async () => {
    const res = await hl('POST', '/items', {
      public_id: 'NEW-1',
      description: 'New thing',
      cost: 3.5,
      price: '9.99',
      active: true,
      track_inventory: true,
    });
    expect(res.status).toBe(201);
    expect(res.text).toBe('');
    const location = res.headers.get('location') ?? '';
    expect(location).toMatch(new RegExp(`^${sim.url}/items/\\d+$`));
    const got = await fetch(location, { headers: { authorization: `Bearer ${sim.token}` } });
    const item = (await got.json()) as Record<string, unknown>;
    expect(item).toMatchObject({
      public_id: 'NEW-1',
      price: 9.99,
      cost: 3.5,
      'active?': true,
      'track_inventory?': true,
    });
    expect(item).not.toHaveProperty('active');
    expect(typeof item.created_at).toBe('string');
  });

  it('answers validation errors with {error, message, details} and 422', async () => {
    const res = await hl('POST', '/items', { description: 'No cost' });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ error: 'validation_error', details: { cost: expect.any(Array) } });
    const dup = await hl('POST', '/items', { public_id: 'MUG', description: 'x', cost: 1 });
    expect(dup.json.details.public_id[0]).toMatch(/taken/);
    expect((await hl('GET', '/nope')).status).toBe(404);
  });

  it('wraps collections in {total, pages, results} and pages with per_page and per_page=all', async () => {
    const page1 = await hl('GET', '/items?per_page=2&page=1&sort[]=id');
    expect(page1.json.total).toBe(4);
    expect(page1.json.pages).toBe(2);
    expect(page1.json.results).toHaveLength(2);
    const page2 = await hl('GET', '/items?per_page=2&page=2&sort[]=id');
    expect(page2.json.results.map((r: Json) => r.id)).not.toContain(page1.json.results[0].id);
    const all = await hl('GET', '/items?per_page=all');
    expect(all.json.results).toHaveLength(4);
    expect(all.json.pages).toBe(1);
    const desc = await hl('GET', '/items?per_page=all&sort[]=price,desc');
    expect(desc.json.results[0].price).toBe(25);
  });

  it('filters with JSON operators, arrays (AND), $or, bracket form, custom@ and bare boolean names', async () => {
    const sku = await hl('GET', `/items?${filter({ public_id: 'TEE-S' })}`);
    expect(sku.json.results.map((r: Json) => r.public_id)).toEqual(['TEE-S']);
    const gt = await hl('GET', `/items?${filter({ price: { $gt: 20 } })}&per_page=all`);
    expect(gt.json.results.map((r: Json) => r.public_id).sort()).toEqual(['TEE-M', 'TEE-S']);
    const and = await hl('GET', `/items?${filter([{ active: true }, { price: { $gte: 25 } }])}`);
    expect(and.json.results.map((r: Json) => r.public_id)).toEqual(['TEE-S']);
    const or = await hl('GET', `/items?${filter({ $or: [{ public_id: 'MUG' }, { 'custom@size': 'M' }] })}`);
    expect(or.json.results.map((r: Json) => r.public_id).sort()).toEqual(['MUG', 'TEE-M']);
    const inOp = await hl('GET', `/items?${filter({ public_id: { $in: ['MUG', 'TEE-M', 'ZZZ'] } })}`);
    expect(inOp.json.total).toBe(2);
    const neq = await hl('GET', `/items?${filter({ grid_id: { $neq: null } })}`);
    expect(neq.json.total).toBe(2);
    const lt = await hl('GET', `/items?${filter({ price: { $lt: 13, $lte: 12.99, $gt: 10 } })}`);
    expect(lt.json.results.map((r: Json) => r.public_id)).toEqual(['MUG']);
    const bracket = await hl('GET', '/items?_filter[price][$gt]=20&_filter[public_id][$in][]=TEE-S');
    expect(bracket.json.results.map((r: Json) => r.public_id)).toEqual(['TEE-S']);
    const only = await hl(
      'GET',
      `/items?${filter({ public_id: 'MUG' })}&_only[]=id&_only[]=public_id&_only[]=active`,
    );
    expect(Object.keys(only.json.results[0]).sort()).toEqual(['active?', 'id', 'public_id']);
    const bad = await hl('GET', '/items?_filter=%7Bnot json');
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBeDefined();
  });

  it('includes stations on locations', async () => {
    const res = await hl('GET', '/locations?_include[]=stations&per_page=all');
    expect(res.json.results[0].stations[0]).toMatchObject({ name: 'Register 1', 'active?': true });
    expect((await hl('GET', '/locations')).json.results[0]).not.toHaveProperty('stations');
  });
});

describe('inventory, sales orders and fulfilment', () => {
  const values = async (sku: string) => {
    const item = (await hl('GET', `/items?${filter({ public_id: sku })}`)).json.results[0];
    const res = await hl('GET', `/inventory/values?group[]=item_id&group[]=location_id&item_id=${item.id}`);
    return { item, rows: res.json.results as Json[] };
  };

  it('reports qty_on_hand / qty_available / qty_committed per item × location', async () => {
    const { rows } = await values('TEE-S');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ qty_on_hand: 10, qty_committed: 0, qty_available: 10 });
    const byItem = await hl('GET', '/inventory/values?group[]=item_id&per_page=all');
    const tee = byItem.json.results.find((r: Json) => r.item_id === rows[0].item_id);
    expect(tee.qty_on_hand).toBe(15);
    expect(tee).not.toHaveProperty('location_id');
    const nonEmpty = await hl(
      'GET',
      '/inventory/values?group[]=item_id&group[]=location_id&exclude_empty_locations=true&per_page=all',
    );
    expect(nonEmpty.json.results.every((r: Json) => r.qty_on_hand !== 0 || r.qty_committed !== 0)).toBe(true);
  });

  it('runs the web-order flow: pending → lines commit → payment → open → invoice relieves stock and closes', async () => {
    const [main] = (await hl('GET', '/locations?_include[]=stations&per_page=all')).json.results;
    const station = main.stations[0].id;
    const { item } = await values('TEE-S');
    const before = (await hl('GET', '/inventory/transactions?sort[]=id,desc&per_page=1')).json;
    const lastTx = before.results[0]?.id ?? 0;

    const orderId = await createdId(
      await hl('POST', '/sales/orders', {
        source_location_id: main.id,
        station_id: station,
        shipping_charge: 7.95,
        custom: { bc_order_id: '1001' },
      }),
    );
    let order = (await hl('GET', `/sales/orders/${orderId}`)).json;
    expect(order.status).toBe('pending');
    const found = await hl('GET', `/sales/orders?${filter({ 'custom@bc_order_id': '1001' })}`);
    expect(found.json.results.map((o: Json) => o.id)).toEqual([orderId]);

    await createdId(
      await hl('POST', `/sales/orders/${orderId}/lines`, {
        item_id: item.id,
        qty: 3,
        original_unit_price: 25,
        adjusted_unit_price: 22.5,
        ship_from_location_id: main.id,
        total_tax: 5.91,
      }),
    );
    let row = (await values('TEE-S')).rows.find((r) => r.location_id === main.id);
    expect(row).toMatchObject({ qty_on_hand: 10, qty_committed: 3, qty_available: 7 });

    await createdId(
      await hl('POST', `/sales/orders/${orderId}/payments`, {
        type: 'CustomPayment',
        deposit: true,
        amount: 81.36,
        payment_type_id: (await hl('GET', '/payment_types')).json.results[1].id,
      }),
    );
    order = (await hl('GET', `/sales/orders/${orderId}?_include[]=lines&_include[]=payments`)).json;
    expect(order.total).toBe(81.36); // 3 × 22.50 + 5.91 + 7.95, to the cent
    expect(order.balance).toBe(0);
    expect(order.payments[0]['deposit?']).toBe(true);
    expect(order.lines).toHaveLength(1);

    expect((await hl('PUT', `/sales/orders/${orderId}`, { status: 'open' })).json.status).toBe('open');
    const cursor = new Date().toISOString();

    const invoiceId = await createdId(
      await hl('POST', '/sales/invoices', {
        type: 'Invoice',
        order_id: orderId,
        source_location_id: main.id,
        station_id: station,
        total: 81.36,
        tracking_number: '1Z999',
      }),
    );
    await createdId(
      await hl('POST', `/sales/invoices/${invoiceId}/lines`, { type: 'ItemLine', item_id: item.id, qty: 3 }),
    );
    const over = await hl('POST', `/sales/invoices/${invoiceId}/lines`, {
      type: 'ItemLine',
      item_id: item.id,
      qty: 1,
    });
    expect(over.status).toBe(422);
    expect((await hl('PUT', `/sales/invoices/${invoiceId}`, { status: 'complete' })).json['completed?']).toBe(
      true,
    );

    row = (await values('TEE-S')).rows.find((r) => r.location_id === main.id);
    expect(row).toMatchObject({ qty_on_hand: 7, qty_committed: 0, qty_available: 7 });
    expect((await hl('GET', `/sales/orders/${orderId}`)).json.status).toBe('closed');

    const shipped = await hl(
      'GET',
      `/sales/invoices?${filter({ status: 'complete', updated_at: { $gte: cursor } })}`,
    );
    expect(shipped.json.results).toEqual([
      expect.objectContaining({ order_id: orderId, tracking_number: '1Z999' }),
    ]);

    const ledger = await hl(
      'GET',
      `/inventory/transactions?${filter({ id: { $gt: lastTx } })}&sort[]=id&per_page=all`,
    );
    const deltas = ledger.json.results.map((t: Json) => [t.delta_qty_on_hand, t.delta_qty_committed]);
    expect(deltas).toEqual([
      [null, 3],
      [null, -3],
      [-3, null],
    ]);
    const committedOnly = await hl(
      'GET',
      `/inventory/transactions?${filter({ id: { $gt: lastTx }, delta_qty_committed: { $neq: null } })}`,
    );
    expect(committedOnly.json.total).toBe(2);
  });

  it('refuses to open an empty order and releases stock on cancel', async () => {
    const [main] = (await hl('GET', '/locations?_include[]=stations&per_page=all')).json.results;
    const orderId = await createdId(
      await hl('POST', '/sales/orders', { source_location_id: main.id, station_id: main.stations[0].id }),
    );
    const open = await hl('PUT', `/sales/orders/${orderId}`, { status: 'open' });
    expect(open.status).toBe(422);
    expect(open.json.error).toBe('validation_error');
    const { item } = await values('MUG');
    await hl('POST', `/sales/orders/${orderId}/lines`, {
      item_lookup: 'MUG',
      qty: 2,
      ship_from_location_id: main.id,
    });
    expect((await values('MUG')).rows.find((r) => r.location_id === main.id).qty_available).toBe(5);
    await hl('PUT', `/sales/orders/${orderId}`, { status: 'canceled' });
    const after = (await values('MUG')).rows.find((r) => r.location_id === main.id);
    expect(after).toMatchObject({ item_id: item.id, qty_on_hand: 7, qty_committed: 0, qty_available: 7 });
  });

  it('in-store tickets reduce stock and returns put it back', async () => {
    const [main] = (await hl('GET', '/locations?_include[]=stations&per_page=all')).json.results;
    const { item } = await values('MUG');
    const saleId = await createdId(
      await hl('POST', '/sales/tickets', {
        station_id: main.stations[0].id,
        status: 'complete',
        lines: [{ type: 'ItemLine', item_id: item.id, qty: 2, unit_price: 12.99 }],
      }),
    );
    expect((await values('MUG')).rows.find((r) => r.location_id === main.id).qty_on_hand).toBe(5);
    const sale = (await hl('GET', `/sales/tickets/${saleId}`)).json;
    expect(sale).toMatchObject({ type: 'Ticket', status: 'complete', 'completed?': true, total: 25.98 });
    const positive = await hl('POST', '/sales/tickets', {
      type: 'Return',
      station_id: main.stations[0].id,
      lines: [{ item_id: item.id, qty: 1 }],
    });
    expect(positive.status).toBe(422);
    await createdId(
      await hl('POST', '/sales/tickets', {
        type: 'Return',
        station_id: main.stations[0].id,
        parent_transaction_id: saleId,
        status: 'complete',
        lines: [{ item_id: item.id, qty: -1 }],
      }),
    );
    expect((await values('MUG')).rows.find((r) => r.location_id === main.id).qty_on_hand).toBe(6);
  });

  it('adjustment sets and single adjustments change on-hand and the ledger', async () => {
    const [main] = (await hl('GET', '/locations')).json.results;
    const { item } = await values('TEE-M');
    const reason = (await hl('GET', '/reason_codes/inventory_adjustment_reasons')).json.results[0].id;
    const setId = await createdId(
      await hl('POST', '/inventory/adjustment_sets', { location_id: main.id, adjustment_reason_id: reason }),
    );
    await createdId(
      await hl('POST', `/inventory/adjustment_sets/${setId}/lines`, {
        item_id: item.id,
        qty: 4,
        unit_cost: 10,
      }),
    );
    await createdId(
      await hl('POST', '/inventory/adjustments', { location_id: main.id, item_id: item.id, qty: -1 }),
    );
    expect((await values('TEE-M')).rows.find((r) => r.location_id === main.id).qty_on_hand).toBe(3);
    const tx = await hl('GET', `/inventory/transactions?item_id=${item.id}&per_page=all`);
    expect(tx.json.results.map((t: Json) => t.delta_qty_on_hand)).toEqual([4, -1]);
  });
});

describe('customers and gift cards', () => {
  it('creates customers with addresses and finds them by email', async () => {
    const id = await createdId(
      await hl('POST', '/customers', { first_name: 'Jane', last_name: 'Doe', email: 'jane@example.com' }),
    );
    await createdId(
      await hl('POST', `/customers/${id}/addresses`, {
        line_1: '1 Main St',
        city: 'Nashville',
        state: 'TN',
        postal_code: '37201',
        country: 'US',
      }),
    );
    const found = await hl('GET', `/customers?${filter({ email: 'jane@example.com' })}`);
    expect(found.json.results[0]).toMatchObject({ id, first_name: 'Jane', 'active?': true });
    expect((await hl('GET', `/customers/${id}/addresses`)).json.results[0].state).toBe('TN');
  });

  it('looks gift cards up by number and adjusts balances without going negative', async () => {
    const card = (await hl('GET', '/gift_cards/GC1000')).json;
    expect(card).toMatchObject({ number: 'GC1000', balance: 50 });
    expect((await hl('GET', `/gift_cards/${card.id}`)).status).toBe(404);
    await createdId(
      await hl('POST', '/gift_card/adjustments', { gift_card_id: card.id, delta_balance: -20.1 }),
    );
    expect((await hl('GET', '/gift_cards/GC1000')).json.balance).toBe(29.9);
    const tooMuch = await hl('POST', '/gift_card/adjustments', { gift_card_id: card.id, delta_balance: -30 });
    expect(tooMuch.status).toBe(422);
    const created = await hl('POST', '/gift_cards', { number: 'NEW 123', balance: 10 });
    expect(created.headers.get('location')).toMatch(/\/gift_cards\/NEW123$/);
    expect((await hl('GET', '/gift_cards/NEW123')).json.balance).toBe(10);
  });
});

describe('sandbox admin shortcuts', () => {
  const admin = async (path: string, body: unknown) => {
    const res = await fetch(`${sim.url.replace(/\/api$/, '')}/__sandbox/heartland${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Json };
  };
  const onHand = (sku: string, locationId: number) => {
    const item = sim.state.itemBySku(sku);
    return item ? (sim.state.peekStock(item.id, locationId)?.qty_on_hand ?? 0) : Number.NaN;
  };

  it('simulates an in-store sale, a restock and a fulfilment through the real routes', async () => {
    const loc = sim.state.locations.all()[1]?.id ?? 0;
    const start = onHand('TEE-S', loc);
    expect((await admin('/sale', { location_id: loc, lines: [{ sku: 'TEE-S', qty: 2 }] })).json.status).toBe(
      'complete',
    );
    expect(onHand('TEE-S', loc)).toBe(start - 2);
    await admin('/restock', { location_id: loc, lines: [{ sku: 'TEE-S', qty: 10 }] });
    expect(onHand('TEE-S', loc)).toBe(start + 8);

    const station = sim.state.stations.all().find((s) => s.location_id === loc)?.id;
    const orderId = await createdId(
      await hl('POST', '/sales/orders', {
        source_location_id: loc,
        station_id: station,
        status: 'open',
        lines: [{ item_lookup: 'TEE-S', qty: 1, ship_from_location_id: loc }],
      }),
    );
    const invoice = await admin(`/fulfil/${orderId}`, { tracking_number: 'TRACK-1' });
    expect(invoice.status).toBe(201);
    expect(invoice.json).toMatchObject({ order_id: orderId, status: 'complete', tracking_number: 'TRACK-1' });
    expect(onHand('TEE-S', loc)).toBe(start + 7);
    expect(sim.state.salesOrders.get(orderId)?.status).toBe('closed');
    expect((await admin('/sale', { lines: [{ sku: 'NOPE', qty: 1 }] })).status).toBe(422);
  });
});
