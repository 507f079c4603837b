/**
 * Reservations (DESIGN §5.5): quantities of BigCommerce orders that Heartland does not have yet. A
 * storefront sale lowers BigCommerce stock at once; until the orders flow has put the order into
 * Heartland (which commits the stock there), an absolute write of "Heartland available − safety" would
 * give those units back. So targets subtract open reservations.
 *
 * - Recorded by `refreshReservations` (recent BigCommerce orders that took stock and have no Heartland
 *   order yet: one list call + one products call per new order), triggered at once by BigCommerce's
 *   order-driven inventory webhooks and by a slow schedule as a backstop; or directly by
 *   `recordOrderReservation` (the orders flow may call it when it sees a new order). A run costs what
 *   changed since the last one, not what is open or recent: each order modification is listed about
 *   twice (once fresh, once more when it is sure to be visible — see `refreshReservations`), and the
 *   database lookups are one query per page or per run, never one per order (the chaos run's 500 parked
 *   orders and 10-minute re-read made the job run back to back).
 * - Every reserve and release marks its SKUs "to re-sync" in the SAME transaction (a row per SKU in
 *   `cursors`, name `inventory.resync:<sku>`, value a fresh token); `resyncMarked` syncs the marked SKUs
 *   and deletes only the markers whose token it read. So a crash or a failed write between a release and
 *   the re-sync it calls for cannot leave BigCommerce a unit low until the next reconcile (the chaos run
 *   saw exactly that when the re-sync list lived only in memory).
 * - Released when the order's `order` link has a Heartland id and is no longer `creating` (the Heartland
 *   order has its lines, so its stock is committed there), when the order is cancelled / declined /
 *   refunded, or after `reservationTtl` (alerted: an order that never reached Heartland is a problem of
 *   its own).
 */
import type { Generated, Kysely } from 'kysely';
import { z } from 'zod';
import { parseDurationMs } from '../../config/duration.js';
import { ConcurrencyLimiter } from '../../connectors/shared/concurrency-limiter.js';
import type { Database } from '../../store/schema.js';
import type { InventoryFlowContext } from './inventory-context.js';

interface ReservationsTable {
  id: Generated<number>;
  connection_id: string;
  bc_order_id: string;
  sku: string;
  bc_location_id: number;
  qty: number;
  created_at: number;
  released_at: number | null;
  release_reason: string | null;
}

type Db = Kysely<Database & { reservations: ReservationsTable }>;

/** BigCommerce statuses whose stock was given back (or never taken): 0 incomplete, 4 refunded, 5 cancelled, 6 declined. */
const NO_STOCK_STATUSES = new Set([0, 4, 5, 6]);
/** The listing window (JSON, see `WindowState`). */
const CURSOR = 'inventory.reservations.window';
/**
 * Before the window: one ISO time, the newest `date_modified` seen, re-read with a 10-minute overlap on
 * every run. Read once on upgrade; left in place, so a downgrade resumes from it (re-reading, never
 * skipping).
 */
const LEGACY_CURSOR = 'inventory.reservations.modified_since';
/**
 * How long an order may stay invisible to the orders list after the `date_modified` BigCommerce stamped
 * on it (a write committed after a later one, a lagging replica or index, BigCommerce servers' clocks a
 * little apart). The old code covered this by re-reading the last 10 minutes on EVERY run; the window
 * keeps the same 10-minute bound but re-reads each order once (the settle sweep).
 */
const SETTLE_MS = 10 * 60_000;
/**
 * The fresh listing starts this far before the newest `date_modified` seen, so an order that became
 * visible a few seconds late (the ordinary case: a transaction still committing while we listed, or a
 * stamp in the previous second — the filter has whole-second precision) is reserved at the next run,
 * not only at the settle sweep. Small enough to fit in the first page (250 orders) at chaos-run rates.
 */
const FRESH_OVERLAP_MS = 10_000;
/** The settle sweep waits until it has at least this much to re-read: one list request a minute, not one per run. */
const SWEEP_STEP_MS = 60_000;
const FIRST_LOOKBACK_MS = 24 * 3_600_000;
/** Products reads of one walk in flight at once (the BigCommerce client's budget still paces them). */
const PRODUCT_READS_IN_FLIGHT = 8;
/** Ids per `in (…)` list: well under SQLite's and PostgreSQL's bound-parameter limits. */
const IN_CHUNK = 500;

function db(ctx: InventoryFlowContext): Db {
  return ctx.engine.store.db.withTables<{ reservations: ReservationsTable }>() as unknown as Db;
}

/** Open reserved quantity per SKU and BigCommerce location. */
export async function reservedBySku(
  ctx: InventoryFlowContext,
  skus?: Iterable<string>,
): Promise<Map<string, Map<number, number>>> {
  let q = db(ctx)
    .selectFrom('reservations')
    .select(['sku', 'bc_location_id', 'qty'])
    .where('connection_id', '=', ctx.connectionId)
    .where('released_at', 'is', null);
  const list = skus ? [...new Set(skus)] : undefined;
  if (list && list.length === 0) return new Map();
  if (list && list.length <= 500) q = q.where('sku', 'in', list);
  const rows = await q.execute();
  const wanted = list ? new Set(list) : undefined;
  const out = new Map<string, Map<number, number>>();
  for (const r of rows) {
    if (wanted && !wanted.has(r.sku)) continue;
    const m = out.get(r.sku) ?? new Map<number, number>();
    m.set(Number(r.bc_location_id), (m.get(Number(r.bc_location_id)) ?? 0) + Number(r.qty));
    out.set(r.sku, m);
  }
  return out;
}

/** Holds an order's quantities (idempotent per order line). Returns the SKUs newly reserved. */
export async function recordOrderReservation(
  ctx: InventoryFlowContext,
  bcOrderId: number | string,
  lines: ReadonlyArray<{ sku: string; qty: number }>,
  bcLocationId = ctx.inventory.orderLocationId,
): Promise<string[]> {
  const bySku = new Map<string, number>();
  for (const l of lines) if (l.sku && l.qty > 0) bySku.set(l.sku, (bySku.get(l.sku) ?? 0) + l.qty);
  if (bySku.size === 0) return [];
  const t = ctx.now();
  const values = [...bySku].map(([sku, qty]) => ({
    connection_id: ctx.connectionId,
    bc_order_id: String(bcOrderId),
    sku,
    bc_location_id: bcLocationId,
    qty,
    created_at: t,
    released_at: null,
    release_reason: null,
  }));
  return db(ctx)
    .transaction()
    .execute(async (trx) => {
      const inserted = await trx
        .insertInto('reservations')
        .values(values)
        .onConflict((oc) => oc.columns(['connection_id', 'bc_order_id', 'sku', 'bc_location_id']).doNothing())
        .returning('sku')
        .execute();
      const skus = inserted.map((r) => r.sku);
      await markResync(trx, ctx, skus);
      return skus;
    });
}

/** Releases every open line of an order. Returns the SKUs released. */
export async function releaseOrder(
  ctx: InventoryFlowContext,
  bcOrderId: number | string,
  reason: string,
): Promise<string[]> {
  return db(ctx)
    .transaction()
    .execute(async (trx) => {
      const rows = await trx
        .updateTable('reservations')
        .set({ released_at: ctx.now(), release_reason: reason })
        .where('connection_id', '=', ctx.connectionId)
        .where('bc_order_id', '=', String(bcOrderId))
        .where('released_at', 'is', null)
        .returning('sku')
        .execute();
      const skus = rows.map((r) => r.sku);
      await markResync(trx, ctx, skus);
      return skus;
    });
}

const RESYNC_PREFIX = 'inventory.resync:';
let tokenSeq = 0;

/** Marks SKUs whose target changed with the reservations (see the header). */
async function markResync(trx: Db, ctx: InventoryFlowContext, skus: string[]): Promise<void> {
  const unique = [...new Set(skus)];
  if (unique.length === 0) return;
  const t = ctx.now();
  const token = `${t}.${process.pid}.${++tokenSeq}`;
  await trx
    .insertInto('cursors')
    .values(
      unique.map((sku) => ({
        connection_id: ctx.connectionId,
        name: `${RESYNC_PREFIX}${sku}`,
        value: token,
        updated_at: t,
      })),
    )
    .onConflict((oc) => oc.columns(['connection_id', 'name']).doUpdateSet({ value: token, updated_at: t }))
    .execute();
}

/**
 * Marks SKUs whose BigCommerce level changed without us (a storefront sale): the next reservations job
 * re-syncs them against what BigCommerce shows, as for a reservation change.
 */
export async function markSkusForResync(ctx: InventoryFlowContext, skus: string[]): Promise<void> {
  await markResync(db(ctx), ctx, skus);
}

/**
 * Re-syncs the SKUs marked by reservation changes (and storefront sales), `limit` at a time, and clears each marker unless it
 * was re-marked meanwhile. Returns the SKUs synced.
 */
export async function resyncMarked(
  ctx: InventoryFlowContext,
  sync: (skus: string[]) => Promise<unknown>,
  limit = 2_000,
): Promise<string[]> {
  const done: string[] = [];
  // Bounded: SKUs re-marked while we sync are picked up again, but a busy store must not keep one job forever.
  for (let round = 0; round < 10; round++) {
    const rows = await db(ctx)
      .selectFrom('cursors')
      .select(['name', 'value'])
      .where('connection_id', '=', ctx.connectionId)
      .where('name', 'like', `${RESYNC_PREFIX}%`)
      .orderBy('name')
      .limit(limit)
      .execute();
    if (rows.length === 0) return done;
    const skus = rows.map((r) => r.name.slice(RESYNC_PREFIX.length));
    await sync(skus);
    for (const r of rows) {
      await db(ctx)
        .deleteFrom('cursors')
        .where('connection_id', '=', ctx.connectionId)
        .where('name', '=', r.name)
        .where('value', '=', r.value)
        .execute();
    }
    done.push(...skus);
    if (rows.length < limit) return done;
  }
  return done;
}

function chunks<T>(items: T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Open orders that must be released now: in Heartland, or held for longer than `ttl` (with the time
 * they were first held). The open rows, then their `order` links in chunks by the links' unique key —
 * not one lookup per open order (parked orders cost next to nothing per run), and not a join: on a
 * fresh PostgreSQL database the planner, with statistics taken when both tables were empty, ran the
 * join as a nested loop over every order link per reservation (38 s per run in the full chaos run).
 */
async function ordersToRelease(
  ctx: InventoryFlowContext,
  expiredBefore: number,
): Promise<Map<string, { since: number; inHeartland: boolean }>> {
  const rows = await db(ctx)
    .selectFrom('reservations')
    .select(['bc_order_id', 'created_at'])
    .where('connection_id', '=', ctx.connectionId)
    .where('released_at', 'is', null)
    .execute();
  const since = new Map<string, number>();
  for (const r of rows)
    since.set(r.bc_order_id, Math.min(since.get(r.bc_order_id) ?? Infinity, Number(r.created_at)));
  const had = await inHeartland(ctx, [...since.keys()]);
  const out = new Map<string, { since: number; inHeartland: boolean }>();
  for (const [id, first] of since) {
    if (had.has(id) || first < expiredBefore) out.set(id, { since: first, inHeartland: had.has(id) });
  }
  return out;
}

/** Of `ids`, the orders holding (or having held) a reservation, and those with one still open. */
async function knownOrders(
  ctx: InventoryFlowContext,
  ids: string[],
): Promise<{ known: Set<string>; open: Set<string> }> {
  const known = new Set<string>();
  const open = new Set<string>();
  for (const part of chunks(ids)) {
    const rows = await db(ctx)
      .selectFrom('reservations')
      .select(['bc_order_id', 'released_at'])
      .where('connection_id', '=', ctx.connectionId)
      .where('bc_order_id', 'in', part)
      .execute();
    for (const r of rows) {
      known.add(r.bc_order_id);
      if (r.released_at === null) open.add(r.bc_order_id);
    }
  }
  return { known, open };
}

/**
 * Of `ids`, the orders Heartland has with their lines (the orders flow's link is past `creating`): one
 * query per 500 ids, not one per order.
 */
async function inHeartland(ctx: InventoryFlowContext, ids: string[]): Promise<Set<string>> {
  const links = await ctx.engine.links.findManyByBcIds(ctx.connectionId, 'order', ids);
  return new Set(
    links.filter((l) => l.bcId && l.hlId && l.data?.state !== 'creating').map((l) => l.bcId as string),
  );
}

/**
 * Where the listing stands, in BigCommerce's clock (`date_modified`, whole seconds) except `seenAt`:
 * - `seen`: the newest `date_modified` listed; the next fresh listing starts `FRESH_OVERLAP_MS` before it.
 * - `seenAt`: our clock when `seen` had been read. BigCommerce's clock had passed `seen` by then, so at
 *   our time t it reads at least `seen + (t − seenAt)`: elapsed time on our own clock, never a
 *   comparison between the two clocks, so skew between us and BigCommerce does not matter.
 * - `swept`: every order modified at or before it has been listed at a moment when BigCommerce's clock
 *   was at least `SETTLE_MS` past its `date_modified` — so it was visible, and reserved if it needed to be.
 * - `resume`: a fresh listing cut short (a kill, a lost lease): where it started (`from`, our clock at
 *   its start `at`), the last order id it finished and the newest `date_modified` it had seen. The next
 *   run carries on after that id instead of starting over — before, a walk longer than the time between
 *   kills (the full chaos run: a kill every 20 s) never finished and re-listed 24 h of orders each time.
 */
interface WindowState {
  seen: number;
  seenAt: number;
  swept: number;
  resume?: { from: number; at: number; afterId: number; newest: number };
}

const isoTime = z.iso.datetime().transform((v) => Date.parse(v));
const windowSchema = z.object({
  seen: isoTime,
  seenAt: isoTime,
  swept: isoTime,
  resume: z.object({ from: isoTime, at: isoTime, afterId: z.number().int(), newest: isoTime }).optional(),
});

function parseWindow(raw: string | null): WindowState | null {
  if (!raw) return null;
  try {
    const parsed = windowSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // not ours: start over
  }
}

async function loadWindow(ctx: InventoryFlowContext, now: number): Promise<WindowState | null> {
  const state = parseWindow(await ctx.engine.cursors.get(ctx.connectionId, CURSOR));
  if (state) return state;
  const legacy = Date.parse((await ctx.engine.cursors.get(ctx.connectionId, LEGACY_CURSOR)) ?? '');
  if (!Number.isFinite(legacy)) return null;
  // The old cursor was the newest `date_modified` seen, and its last 10 minutes were re-read every run:
  // those are not settled yet. BigCommerce's clock has passed it by now.
  return { seen: legacy, seenAt: now, swept: legacy - SETTLE_MS };
}

async function saveWindow(ctx: InventoryFlowContext, w: WindowState): Promise<void> {
  const iso = (ms: number) => new Date(ms).toISOString();
  const r = w.resume;
  await ctx.engine.cursors.set(
    ctx.connectionId,
    CURSOR,
    JSON.stringify({
      seen: iso(w.seen),
      seenAt: iso(w.seenAt),
      swept: iso(w.swept),
      ...(r
        ? { resume: { from: iso(r.from), at: iso(r.at), afterId: r.afterId, newest: iso(r.newest) } }
        : {}),
    }),
  );
}

export interface RefreshResult {
  reserved: string[];
  released: string[];
  /** Orders listed this run (fresh listing plus settle sweep). */
  ordersChecked: number;
}

/**
 * Releases what Heartland now has (or what expired), then reserves recent BigCommerce orders it lacks.
 * Runs from the connection's one `inventory.reservations` job (hints queue it, coalesced; jobs of one
 * entity never run at once), so a burst of sales costs one walk, not one per SKU sold.
 *
 * Orders are listed by modification time (new orders and cancellations of older ones both show up), in
 * two parts (see `WindowState`):
 * - fresh: everything modified since shortly before the newest `date_modified` seen — what changed
 *   since the last run. A quiet run lists next to nothing.
 * - settle sweep: an order can appear in the list after orders stamped later than it (commit order,
 *   replicas), so listing only past the newest seen could miss it for good. The old code re-read the
 *   last 10 minutes on every run for that, which under load was thousands of orders a run. Instead each
 *   stretch of `date_modified` is listed once more, once BigCommerce's clock is `SETTLE_MS` past it —
 *   the same 10-minute bound, paid once per order instead of once per run.
 */
export async function refreshReservations(ctx: InventoryFlowContext): Promise<RefreshResult> {
  const released: string[] = [];
  const reserved: string[] = [];
  const ttl = parseDurationMs(ctx.inventory.reservationTtl);
  const now = ctx.now();

  for (const [orderId, { since, inHeartland: had }] of await ordersToRelease(ctx, now - ttl)) {
    if (had) {
      released.push(...(await releaseOrder(ctx, orderId, 'in_heartland')));
    } else if (now - since > ttl) {
      released.push(...(await releaseOrder(ctx, orderId, 'expired')));
      await ctx.alerts?.raise({
        connectionId: ctx.connectionId,
        key: `inventory:reservation-expired:${ctx.connectionId}`,
        severity: 'warning',
        title: 'a BigCommerce order never reached Heartland; its stock reservation expired',
        detail: `order ${orderId}`,
      });
    }
  }

  let ordersChecked = 0;
  const products = new ConcurrencyLimiter(PRODUCT_READS_IN_FLIGHT);
  const checkOrders = async (orders: ReadonlyArray<{ id: number; status_id: number }>) => {
    ordersChecked += orders.length;
    const { known, open } = await knownOrders(
      ctx,
      orders.map((o) => String(o.id)),
    );
    const candidates = orders.filter((o) => !NO_STOCK_STATUSES.has(o.status_id) && !known.has(String(o.id)));
    const had = await inHeartland(
      ctx,
      candidates.map((o) => String(o.id)),
    );
    const need: Array<{ id: number; status_id: number }> = [];
    for (const order of orders) {
      const id = String(order.id);
      if (NO_STOCK_STATUSES.has(order.status_id)) {
        if (open.has(id)) released.push(...(await releaseOrder(ctx, id, 'cancelled')));
        continue;
      }
      if (!known.has(id) && !had.has(id)) need.push(order);
    }
    // The products reads run a few at once: one at a time, a backlog of thousands of orders not yet in
    // Heartland made one walk last over half an hour under load (the full chaos run).
    const lines = await Promise.all(
      need.map((order) => products.run(() => ctx.bc.orders.products(order.id))),
    );
    // Heartland may have received some of them meanwhile: look again, just before holding stock.
    const nowHad = await inHeartland(
      ctx,
      need.map((o) => String(o.id)),
    );
    for (const [i, order] of need.entries()) {
      const id = String(order.id);
      if (nowHad.has(id)) continue;
      reserved.push(
        ...(await recordOrderReservation(
          ctx,
          id,
          lines[i]!.map((p) => ({ sku: p.sku, qty: p.quantity - (p.quantity_shipped ?? 0) })),
        )),
      );
    }
  };

  const prev = await loadWindow(ctx, now);
  // First run: our clock is all we have; BigCommerce's is surely past `now − 24 h`.
  const w: WindowState = prev ?? {
    seen: now - FIRST_LOOKBACK_MS,
    seenAt: now,
    swept: now - FIRST_LOOKBACK_MS,
  };
  const resume = w.resume;
  const freshFrom = resume ? resume.from : prev ? w.seen - FRESH_OVERLAP_MS : w.seen;
  const freshStart = resume ? resume.at : ctx.now();
  let newest = Math.max(w.seen, resume?.newest ?? Number.NEGATIVE_INFINITY);
  for await (const page of ctx.bc.orders.list({
    min_date_modified: new Date(freshFrom).toISOString(),
    ...(resume ? { min_id: resume.afterId + 1 } : {}),
    sort: 'id:asc',
  })) {
    for (const order of page.items) {
      const modified = Date.parse(order.date_modified);
      if (Number.isFinite(modified)) newest = Math.max(newest, modified);
    }
    await checkOrders(page.items);
    // Page by page: a walk cut short carries on from here (see `WindowState.resume`). Not after the
    // last page: the run's own final save follows at once (a quiet run writes the cursor once).
    const afterId = page.items.at(-1)?.id;
    if (afterId !== undefined && page.nextPage !== null)
      await saveWindow(ctx, { ...w, resume: { from: freshFrom, at: freshStart, afterId, newest } });
  }
  w.resume = undefined;
  // A lower bound of BigCommerce's clock at our time t (see `WindowState`): from the last position and,
  // when this listing saw newer orders, from those (read by now).
  const last = { seen: w.seen, seenAt: w.seenAt };
  if (newest > w.seen) {
    w.seen = newest;
    w.seenAt = ctx.now();
  }
  const bcClockAtLeast = (t: number) => Math.max(last.seen + (t - last.seenAt), w.seen + (t - w.seenAt));

  // The settle sweep: orders modified in [swept, freshFrom) were only listed fresh; list them again
  // once BigCommerce's clock is SETTLE_MS past them. Above `freshFrom` this run's fresh listing did it.
  const sweepStart = ctx.now();
  const settled = bcClockAtLeast(sweepStart) - SETTLE_MS;
  const sweepTo = Math.min(freshFrom, settled);
  if (sweepTo > w.swept && (sweepTo - w.swept >= SWEEP_STEP_MS || settled >= freshFrom)) {
    for await (const page of ctx.bc.orders.list({
      min_date_modified: new Date(w.swept).toISOString(),
      max_date_modified: new Date(sweepTo).toISOString(),
      sort: 'id:asc',
    })) {
      await checkOrders(page.items);
    }
    w.swept = sweepTo;
  }
  // Once the sweep has reached the fresh listing's start, that listing settled what it listed far enough
  // in the past: a first run settles its 24 h look-back, a quiet spell ends with nothing left to sweep.
  if (w.swept >= freshFrom) w.swept = Math.max(w.swept, bcClockAtLeast(freshStart) - SETTLE_MS);

  await saveWindow(ctx, w);
  return { reserved: [...new Set(reserved)], released: [...new Set(released)], ordersChecked };
}

/** The `inventory.reservations` job: refresh the holds, then re-sync every SKU whose hold changed. */
export async function runReservationsJob(
  ctx: InventoryFlowContext,
  sync: (skus: string[]) => Promise<unknown>,
): Promise<{ refresh: RefreshResult; resynced: string[] }> {
  const refresh = await refreshReservations(ctx);
  const resynced = await resyncMarked(ctx, sync);
  return { refresh, resynced };
}

/** A status change seen by the orders flow (or a webhook) that gives stock back. */
export function isStockReturnedStatus(statusId: number): boolean {
  return NO_STOCK_STATUSES.has(statusId);
}
