/**
 * Reservations (DESIGN §5.5): quantities of BigCommerce orders that Heartland does not have yet. A
 * storefront sale lowers BigCommerce stock at once; until the orders flow has put the order into
 * Heartland (which commits the stock there), an absolute write of "Heartland available − safety" would
 * give those units back. So targets subtract open reservations.
 *
 * - Recorded by `refreshReservations` (recent BigCommerce orders that took stock and have no Heartland
 *   order yet: one list call + one products call per new order), triggered at once by BigCommerce's
 *   order-driven inventory webhooks and by a slow schedule as a backstop; or directly by
 *   `recordOrderReservation` (the orders flow may call it when it sees a new order).
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
import { parseDurationMs } from '../../config/duration.js';
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
const CURSOR = 'inventory.reservations.modified_since';
const OVERLAP_MS = 10 * 60_000;
const FIRST_LOOKBACK_MS = 24 * 3_600_000;

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

async function openOrders(ctx: InventoryFlowContext): Promise<Map<string, number>> {
  const rows = await db(ctx)
    .selectFrom('reservations')
    .select(['bc_order_id', 'created_at'])
    .where('connection_id', '=', ctx.connectionId)
    .where('released_at', 'is', null)
    .execute();
  const out = new Map<string, number>();
  for (const r of rows)
    out.set(r.bc_order_id, Math.min(out.get(r.bc_order_id) ?? Infinity, Number(r.created_at)));
  return out;
}

async function knownOrders(ctx: InventoryFlowContext, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db(ctx)
    .selectFrom('reservations')
    .select('bc_order_id')
    .distinct()
    .where('connection_id', '=', ctx.connectionId)
    .where('bc_order_id', 'in', ids)
    .execute();
  return new Set(rows.map((r) => r.bc_order_id));
}

/** True once Heartland has the order with its lines (the orders flow's link is past `creating`). */
async function inHeartland(ctx: InventoryFlowContext, bcOrderId: string): Promise<boolean> {
  const link = await ctx.engine.links.findByBcId(ctx.connectionId, 'order', bcOrderId);
  return Boolean(link?.hlId) && link?.data?.state !== 'creating';
}

export interface RefreshResult {
  reserved: string[];
  released: string[];
  ordersChecked: number;
}

/**
 * Releases what Heartland now has (or what expired), then reserves recent BigCommerce orders it lacks.
 * Runs from the connection's one `inventory.reservations` job (hints queue it, coalesced; jobs of one
 * entity never run at once), so a burst of sales costs one walk, not one per SKU sold.
 */
export async function refreshReservations(ctx: InventoryFlowContext): Promise<RefreshResult> {
  const released: string[] = [];
  const reserved: string[] = [];
  const ttl = parseDurationMs(ctx.inventory.reservationTtl);
  const now = ctx.now();

  for (const [orderId, since] of await openOrders(ctx)) {
    if (await inHeartland(ctx, orderId)) {
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

  const cursor = await ctx.engine.cursors.get(ctx.connectionId, CURSOR);
  const from = cursor ? Date.parse(cursor) - OVERLAP_MS : now - FIRST_LOOKBACK_MS;
  let ordersChecked = 0;
  let newest = cursor ? Date.parse(cursor) : from;
  // By modification time: new orders and cancellations of older ones both show up.
  for await (const page of ctx.bc.orders.list({
    min_date_modified: new Date(from).toISOString(),
    sort: 'id:asc',
  })) {
    const known = await knownOrders(
      ctx,
      page.items.map((o) => String(o.id)),
    );
    for (const order of page.items) {
      ordersChecked++;
      const modified = Date.parse(order.date_modified);
      if (Number.isFinite(modified)) newest = Math.max(newest, modified);
      const id = String(order.id);
      if (NO_STOCK_STATUSES.has(order.status_id)) {
        if (known.has(id)) released.push(...(await releaseOrder(ctx, id, 'cancelled')));
        continue;
      }
      if (known.has(id) || (await inHeartland(ctx, id))) continue;
      const products = await ctx.bc.orders.products(order.id);
      reserved.push(
        ...(await recordOrderReservation(
          ctx,
          id,
          products.map((p) => ({ sku: p.sku, qty: p.quantity - (p.quantity_shipped ?? 0) })),
        )),
      );
    }
  }
  await ctx.engine.cursors.set(ctx.connectionId, CURSOR, new Date(newest).toISOString());
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
