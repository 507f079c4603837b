/**
 * The chaos run's sandbox process: both simulators, the shoppers (storefront orders), the store staff
 * (stock changes, in-store sales, shipping orders as they arrive in Heartland) and, at the end, the
 * verification from the simulators' own state. Driven over IPC by run-chaos.ts (see protocol.ts).
 *
 *   fork('bench/chaos/sandbox-child.ts', ['{"seed":"chaos","products":40}'], { execArgv: ['--import', 'tsx'] })
 */
import { createWriteStream } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseMappingConfig } from '../../src/mapping/mapping-config.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { Prng } from '../../src/sandbox/shared/prng.js';
import { buildStorefrontOrder } from '../../src/sandbox/traffic/storefront-order.js';
import type {
  ChildReply,
  ChildRequest,
  LoadCounts,
  LoadRequest,
  PlacedOrder,
  SandboxStatus,
} from './protocol.js';
import { stockCheck, verifySandbox } from './verify-sandbox.js';

const args = JSON.parse(process.argv[2] ?? '{}') as { seed?: string; products?: number };
const seed = args.seed ?? 'chaos';
const send = (m: ChildReply) => process.send?.(m);

const sb = await startSandbox({
  seed,
  products: args.products ?? 40,
  // BigCommerce retries a failed webhook after 60 s, 180 s, …; a hundredth of that keeps a run short
  // while the bridge is down for a second or two after each kill.
  timeScale: 0.01,
  // An Enterprise-sized quota: the run measures loss and duplication, not the 150/30 s standard plan
  // (the connector and bench suites cover that).
  rateLimit: { quota: 20_000, windowMs: 30_000 },
});
const { bc, hl } = sb;
// How late the simulators answer under load (see VerifyResult.simLoopDelay).
const loopDelay = monitorEventLoopDelay({ resolution: 20 });
loopDelay.enable();
const loopMs = (ns: number) => Math.round(ns / 1e6);
// Diagnostics (CHAOS_HL_WRITE_LOG=<file>): every Heartland order write as it reaches the simulator, with
// when its connection was accepted and how many requests that connection carried before it. Tells a
// write that arrived late on a fresh connection (held in the kernel) from one sent late by a client.
const writeLog = process.env.CHAOS_HL_WRITE_LOG;
if (writeLog) {
  const out = createWriteStream(writeLog, { flags: 'a' });
  const accepted = new WeakMap<object, { at: number; n: number }>();
  hl.app.server.on('connection', (socket) => accepted.set(socket, { at: Date.now(), n: 0 }));
  hl.app.server.on('request', (req) => {
    const conn = accepted.get(req.socket);
    if (conn) conn.n++;
    if (req.method !== 'POST' || !/^\/api\/sales\/orders(\/\d+\/(payments|taxes))?(\?|$)/.test(req.url ?? ''))
      return;
    out.write(
      `${JSON.stringify({ t: new Date().toISOString(), url: req.url, acceptedAt: conn ? new Date(conn.at).toISOString() : null, onConn: conn?.n ?? null, port: req.socket.remotePort })}\n`,
    );
  });
}
const hlAuth = { authorization: `Bearer ${hl.token}`, 'content-type': 'application/json' };

/** BigCommerce order id → total_inc_tax and status as placed. */
const placed = new Map<number, PlacedOrder>();
const shipped = new Set<number>();
let fulfiller: NodeJS.Timeout | undefined;
let loading: AbortController | undefined;

function mappingFor(): Record<string, unknown> {
  const stations = hl.state.stations.all();
  const station = stations.find((s) => s.name === 'Web Orders') ?? stations[0];
  if (!station) throw new Error('the Heartland sandbox has no station');
  return {
    defaults: { stationId: station.id, sourceLocationId: station.location_id },
    paymentMethods: {
      byName: { 'Credit Card': { name: 'Credit Card' }, 'Cash on Delivery': { name: 'Cash' } },
      giftCertificate: { name: 'Gift Card' },
      storeCredit: { name: 'Store Credit' },
      default: { name: 'BigCommerce' },
    },
    shippingMethods: { default: { name: 'Ground' } },
  };
}

async function hlInject(method: 'POST' | 'PUT', url: string, body: unknown): Promise<number> {
  const res = await hl.app.inject({ method, url, headers: hlAuth, payload: JSON.stringify(body) });
  return res.statusCode;
}

const UNKNOWN_EVERY = 20;

/** Orders and stock changes interleaved evenly over `loadMs`. */
async function runLoad(req: LoadRequest, signal: AbortSignal): Promise<LoadCounts> {
  const counts: LoadCounts = {
    ordersPlaced: 0,
    ordersWithUnknownSku: 0,
    ordersSkipped: 0,
    stockChanges: 0,
    stockChangesFailed: 0,
  };
  const rng = new Prng(`chaos-load:${req.seed}`);
  // Variants whose SKU Heartland knows: an unknown SKU is a (correct) quarantine, not a test of delivery.
  const variants = [...bc.state.variants.values()]
    .filter((v) => v.sku && hl.state.itemBySku(v.sku))
    .map((v) => v.id);
  // Variants Heartland does not know: one order in UNKNOWN_EVERY gets one such line on top of its normal
  // lines. heartbridge parks it (quarantine), so it never reaches Heartland and the stock of its other
  // lines must stay reserved on BigCommerce to the end — the reservations term of the stock verdict.
  const bcOnly = new Set(sb.seed.unmatched.bcOnly);
  const unknownVariants = [...bc.state.variants.values()]
    .filter((v) => v.sku && bcOnly.has(v.sku))
    .map((v) => v.id);
  const items = hl.state.items.all().filter((i) => i['track_inventory?']);
  const locations = hl.state.locations.all();
  const stations = hl.state.stations.all();
  const reason = hl.state.inventoryAdjustmentReasons.all()[0]?.id;
  const total = req.orders + req.stockChanges;
  const started = Date.now();
  let orders = 0;
  let stock = 0;
  for (let n = 0; n < total && !signal.aborted; n++) {
    const wait = started + (n * req.loadMs) / total - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // Pick whichever kind is behind its share, so both finish together.
    const orderDue = orders * req.stockChanges <= stock * req.orders && orders < req.orders;
    const a = rng.fork(`action-${n}`);
    if (orderDue || stock >= req.stockChanges) {
      orders++;
      let body: Record<string, unknown> | null = null;
      for (let tries = 0; tries < 5 && !body; tries++)
        body = buildStorefrontOrder(bc, variants, a.fork(`t${tries}`), n);
      if (!body) {
        counts.ordersSkipped++;
        continue;
      }
      let unknown = false;
      if (orders % UNKNOWN_EVERY === UNKNOWN_EVERY / 2 && unknownVariants.length > 0) {
        const extra = buildStorefrontOrder(bc, unknownVariants, a.fork('unknown'), n);
        const line = (extra?.products as unknown[] | undefined)?.[0];
        if (line) {
          (body.products as unknown[]).push(line);
          unknown = true;
        }
      }
      try {
        const order = bc.placeOrder(body) as { id: number; total_inc_tax: string; status_id: number };
        placed.set(order.id, { total: order.total_inc_tax, statusId: order.status_id });
        counts.ordersPlaced++;
        if (unknown) counts.ordersWithUnknownSku++;
      } catch {
        counts.ordersSkipped++; // refused by the store (sold out between pick and place)
      }
      continue;
    }
    stock++;
    const item = a.pick(items);
    let status: number;
    if (a.chance(0.2) && stations.length > 0) {
      status = await hlInject('POST', '/api/sales/tickets', {
        station_id: a.pick(stations).id,
        status: 'complete',
        lines: [{ type: 'ItemLine', item_id: item.id, qty: a.pick([1, 1, 2]), unit_price: item.price }],
      });
    } else {
      const qty = a.chance(0.3) ? -a.int(1, 3) : a.int(5, 24);
      status = await hlInject('POST', '/api/inventory/adjustments', {
        location_id: a.pick(locations).id,
        item_id: item.id,
        qty,
        adjustment_reason_id: reason,
      });
    }
    if (status === 201) counts.stockChanges++;
    else counts.stockChangesFailed++;
  }
  return counts;
}

function runOrdersOfThisRun(field: string) {
  return hl.state.salesOrders
    .all()
    .filter((o) => placed.has(Number((o.custom as Record<string, unknown>)[field] ?? Number.NaN)));
}

let customField = 'bc_order_id';

/** Heartland staff ship every open order of the run (a few per tick, as a warehouse would). */
async function fulfilTick(): Promise<void> {
  const open = runOrdersOfThisRun(customField).filter((o) => o.status === 'open' && !shipped.has(o.id));
  for (const o of open.slice(0, 25)) {
    const res = await hl.app.inject({
      method: 'POST',
      url: `/__sandbox/heartland/fulfil/${o.id}`,
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    if (res.statusCode === 201) shipped.add(o.id);
  }
}

function status(): SandboxStatus {
  const ours = runOrdersOfThisRun(customField);
  let bcShipments = 0;
  for (const id of placed.keys()) bcShipments += bc.state.orders.get(id)?.shipments.length ?? 0;
  return {
    ordersPlaced: placed.size,
    hlOrders: ours.length,
    shipped: shipped.size,
    unshipped: ours.filter((o) => o.status === 'open' && !shipped.has(o.id)).length,
    webhooksPending: bc.webhooks.pending(),
    bcShipments,
    loopDelayMaxMs: loopMs(loopDelay.max),
  };
}

async function handle(req: ChildRequest): Promise<unknown> {
  switch (req.cmd) {
    case 'faults':
      if (!req.faults) {
        bc.faults.set({ enabled: false });
        hl.faults.set({ enabled: false });
      } else {
        bc.faults.set(req.faults.bc);
        hl.faults.set(req.faults.hl);
      }
      return null;
    case 'load':
      loading = new AbortController();
      return runLoad(req.load, loading.signal);
    case 'fulfiller': {
      if (fulfiller) clearInterval(fulfiller);
      fulfiller = undefined;
      if (req.on) {
        let busy = false;
        fulfiller = setInterval(() => {
          if (busy) return;
          busy = true;
          void fulfilTick().finally(() => {
            busy = false;
          });
        }, 500);
      }
      return null;
    }
    case 'status':
      return status();
    case 'verify':
      return {
        ...verifySandbox(sb, placed, { ...req.verify, mapping: parseMappingConfig(mapping) }),
        simLoopDelay: { maxMs: loopMs(loopDelay.max), p99Ms: loopMs(loopDelay.percentile(99)) },
      };
    case 'stock':
      return stockCheck(sb, req.stock, customField);
    case 'stop':
      loading?.abort();
      if (fulfiller) clearInterval(fulfiller);
      await sb.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on('message', (raw) => {
  const req = raw as ChildRequest;
  handle(req).then(
    (result) => send({ type: 'reply', id: req.id, ok: true, result }),
    (err: unknown) =>
      send({
        type: 'reply',
        id: req.id,
        ok: false,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      }),
  );
});
// The runner died without saying stop: do not outlive it.
process.on('disconnect', () => {
  void sb.close().finally(() => process.exit(0));
});

const mapping = mappingFor();
customField = parseMappingConfig(mapping).bcOrderIdCustomField;
/** The seed's pairs (Heartland public id i ⇄ BigCommerce location i) with Heartland's numeric ids. */
function locationMap(): Array<{ hlLocationId: number; bcLocationId: number; name: string }> {
  return sb.seed.locationMap.map((m) => {
    const loc = hl.state.locations.all().find((l) => String(l.public_id) === m.hlPublicId);
    if (!loc) throw new Error(`the Heartland sandbox has no location ${m.hlPublicId}`);
    return { hlLocationId: loc.id, bcLocationId: m.bcLocationId, name: loc.name };
  });
}

send({
  type: 'ready',
  info: {
    bigcommerce: sb.bigcommerce,
    heartland: sb.heartland,
    mapping,
    skus: sb.seed.skuCount.shared,
    locationMap: locationMap(),
  },
});
