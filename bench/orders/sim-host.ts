/**
 * The orders bench's other process: both simulators and the shoppers, driven over IPC by
 * bench/orders/run.ts. Why a second process: a Node process runs its JavaScript on one thread, so with
 * the simulators inside the bridge's process the bench measured "bridge + both fake APIs + shoppers on
 * one core" (~50 orders/s, ~25 ms CPU per order, half of it not ours). Here the bridge has its own
 * process and its own CPU figure, as in production where BigCommerce and Heartland are someone else's
 * machines.
 *
 * Protocol: the parent sends `{id, op, args}`, this process answers `{id, result}` or `{id, error}`.
 */
import { demoMapping } from '../../src/demo/demo-mapping.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { Prng } from '../../src/sandbox/shared/prng.js';
import { buildStorefrontOrder } from '../../src/sandbox/traffic/storefront-order.js';

interface Request {
  id: number;
  op: string;
  args: unknown[];
}

let sb: Sandbox | undefined;
let known: number[] = [];
let rng = new Prng('bench-orders');
let bodies: Record<string, unknown>[] = [];
let nextBody = 0;

function sandbox(): Sandbox {
  if (!sb) throw new Error('sim-host: start first');
  return sb;
}

async function place(body: Record<string, unknown>): Promise<number> {
  const s = sandbox();
  const res = await fetch(`${s.bc.apiUrl}/v2/orders`, {
    method: 'POST',
    headers: {
      'X-Auth-Token': s.bc.accessToken,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`checkout refused: ${res.status} ${text.slice(0, 200)}`);
  return (JSON.parse(text) as { id: number }).id;
}

function takeBody(): Record<string, unknown> {
  const b = bodies[nextBody++];
  if (!b) throw new Error('sim-host: prepare more bodies');
  return b;
}

const ops: Record<string, (...args: never[]) => unknown> = {
  async start(latencyMs: number) {
    sb = await startSandbox({
      seed: 'bench-orders',
      products: 200,
      timeScale: 0.001,
      rateLimit: { quota: 10_000_000, windowMs: 30_000 },
    });
    // The merchant restocked: the bench must not run into the store's out-of-stock refusal.
    known = [];
    for (const v of sb.bc.state.variants.values()) {
      const p = sb.bc.state.products.get(v.product_id);
      if (!p || !v.sku || !sb.hl.state.itemBySku(v.sku)) continue;
      const key = sb.bc.state.stockKeyFor(p, v);
      if (key) sb.bc.state.ensureStock(key, 1).onHand = 10_000_000;
      known.push(v.id);
    }
    if (latencyMs > 0) {
      const calm = { latencyMs: { min: 0, max: 0 } };
      const faults = {
        enabled: true,
        global: { latencyMs: { min: latencyMs, max: latencyMs } },
        routes: { 'POST /stores/:hash/v2/orders': calm },
      };
      sb.bc.faults.set(faults);
      sb.hl.faults.set(faults);
    }
    rng = new Prng('bench-orders');
    bodies = [];
    nextBody = 0;
    return {
      bigcommerce: sb.bigcommerce,
      heartland: sb.heartland,
      mapping: demoMapping(sb),
      origins: { bc: sb.bc.url, hl: sb.hl.url.replace(/\/api$/, '') },
    };
  },
  /** Builds the order bodies up front so building them is not part of any measured window. */
  prepare(n: number) {
    const s = sandbox();
    for (let i = bodies.length; bodies.length < nextBody + n; i++) {
      const body = buildStorefrontOrder(s.bc, known, rng.fork(`o${i}`), i);
      if (!body) continue;
      body.status_id = 11;
      bodies.push(body);
    }
    return bodies.length;
  },
  placeOne() {
    return place(takeBody());
  },
  /** `n` orders as fast as `shoppers` concurrent checkouts go. */
  async burst(n: number, shoppers: number) {
    const ids: number[] = [];
    let left = n;
    await Promise.all(
      Array.from({ length: shoppers }, async () => {
        while (left > 0) {
          left--;
          ids.push(await place(takeBody()));
        }
      }),
    );
    return ids;
  },
  /** `n` orders at `rate` per second. */
  async paced(n: number, rate: number) {
    const ids: number[] = [];
    const started = Date.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const wait = started + (i * 1000) / rate - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inflight.push(place(takeBody()).then((id) => void ids.push(id)));
    }
    await Promise.all(inflight);
    return ids;
  },
  counters() {
    const s = sandbox();
    return { bc: s.bc.faults.counters.requests, hl: s.hl.faults.counters.requests };
  },
  /** Requests per route as the simulators saw them: `bc GET /v2/orders/:id/products` style keys. */
  routes() {
    const s = sandbox();
    const out: [string, number][] = [];
    for (const [side, f] of [
      ['bc', s.bc.faults],
      ['hl', s.hl.faults],
    ] as const) {
      for (const [k, n] of f.byRoute) {
        const [method, pattern = ''] = k.split(' ');
        const path = pattern
          .replace(/^\/stores\/:[^/]+/, '')
          .replace(/^\/api/, '')
          .replace(/:\w+/g, ':id');
        out.push([`${side} ${method} ${path}`, n]);
      }
    }
    return out;
  },
  /** Waits until each id has an open Heartland order; returns placed→open ms per order. */
  async waitOpen(ids: number[], timeoutMs: number) {
    const s = sandbox();
    const want = new Set(ids.map(String));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const open = new Map<string, number>();
      for (const o of s.hl.state.salesOrders.all()) {
        const bcId = String((o.custom as Record<string, unknown>).bc_order_id ?? '');
        if (want.has(bcId) && o.status === 'open') open.set(bcId, Date.parse(o.updated_at));
      }
      if (open.size === want.size || Date.now() > deadline) {
        const lat: number[] = [];
        let lastOpen = 0;
        for (const id of ids) {
          const at = open.get(String(id));
          const created = s.bc.state.orders.get(id)?.date_created ?? 0;
          if (at !== undefined) {
            lat.push(at - created);
            lastOpen = Math.max(lastOpen, at);
          }
        }
        return { lat: lat.sort((a, b) => a - b), lastOpen, missing: want.size - open.size };
      }
      // Polling the simulator's state costs this process, not the bridge's: 20 ms is plenty.
      await new Promise((r) => setTimeout(r, 20));
    }
  },
  duplicates() {
    const seen = new Map<string, number>();
    for (const o of sandbox().hl.state.salesOrders.all()) {
      const k = String((o.custom as Record<string, unknown>).bc_order_id ?? '');
      if (k) seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    return [...seen.values()].reduce((s, v) => s + Math.max(0, v - 1), 0);
  },
  cpu() {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  },
  async close() {
    await sb?.close();
    sb = undefined;
    return true;
  },
};

process.on('message', (msg: Request) => {
  const fn = ops[msg.op];
  Promise.resolve()
    .then(() => {
      if (!fn) throw new Error(`sim-host: unknown op ${msg.op}`);
      return (fn as (...a: unknown[]) => unknown)(...msg.args);
    })
    .then(
      (result) => process.send?.({ id: msg.id, result }),
      (err: unknown) =>
        process.send?.({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
    );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, result: 'ready' });
