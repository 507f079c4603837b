/**
 * Sandbox-only helpers under `/__sandbox/heartland/` (not part of Heartland's API; no auth — the sandbox
 * listens on 127.0.0.1). Each one is a shortcut for real API calls and goes through them (via
 * `app.inject`), so it obeys the same validation and moves stock the same way:
 * - `POST /__sandbox/heartland/sale {location_id?, customer_id?, lines:[{sku|item_id, qty, unit_price?}]}`
 *   → a completed POS ticket (= `POST /api/sales/tickets {status:"complete", …}`)
 * - `POST /__sandbox/heartland/restock {location_id?, lines:[{sku|item_id, qty}]}` → one adjustment set
 * - `POST /__sandbox/heartland/fulfil/{orderId} {tracking_number?, shipping_carrier?}` → invoices every
 *   remaining line of an open order and completes the invoice
 * - `GET /__sandbox/heartland/summary` → record counts
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HlHttpError } from '../hl-errors.js';
import { type HlContext, parseBody } from '../hl-http.js';
import { orderLines } from '../order-engine.js';

const lineRef = z.object({
  sku: z.string().optional(),
  item_id: z.number().int().optional(),
  qty: z.number(),
  unit_price: z.number().optional(),
});

export function registerAdminRoutes(app: FastifyInstance, ctx: HlContext, token: () => string): void {
  const { state } = ctx;
  const api = async (method: 'POST' | 'PUT' | 'GET', url: string, payload?: unknown) => {
    const res = await app.inject({
      method,
      url: `/api${url}`,
      headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json' },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
    if (res.statusCode >= 400) {
      const body = res.json() as { error?: string; message?: string; details?: Record<string, string[]> };
      throw new HlHttpError(
        res.statusCode,
        body.error ?? 'error',
        body.message ?? 'failed',
        body.details ?? {},
      );
    }
    const loc = res.headers.location;
    const id = typeof loc === 'string' ? Number(loc.split('/').pop()) : null;
    return { id, body: res.body ? (res.json() as unknown) : null };
  };
  const firstLocation = () => {
    const loc = state.locations.all()[0];
    if (!loc) throw new HlHttpError(409, 'no_location', 'The account has no locations', {});
    return loc.id;
  };
  const itemId = (l: z.infer<typeof lineRef>) => {
    if (l.item_id !== undefined) return l.item_id;
    const item = l.sku === undefined ? undefined : state.itemBySku(l.sku);
    if (!item) throw new HlHttpError(422, 'validation_error', `Unknown SKU ${l.sku}`, { sku: ['not found'] });
    return item.id;
  };

  app.post('/__sandbox/heartland/sale', async (request, reply) => {
    const body = parseBody(
      z.object({
        location_id: z.number().int().optional(),
        customer_id: z.number().int().optional(),
        type: z.enum(['Ticket', 'Return']).optional(),
        lines: z.array(lineRef).min(1),
      }),
      request.body,
    );
    const locationId = body.location_id ?? firstLocation();
    const station = state.stations.all().find((s) => s.location_id === locationId);
    const created = await api('POST', '/sales/tickets', {
      type: body.type ?? 'Ticket',
      status: 'complete',
      source_location_id: locationId,
      station_id: station?.id,
      customer_id: body.customer_id,
      lines: body.lines.map((l) => ({
        type: 'ItemLine',
        item_id: itemId(l),
        qty: l.qty,
        unit_price: l.unit_price,
      })),
    });
    return reply.code(201).send(state.tickets.get(created.id ?? 0));
  });

  app.post('/__sandbox/heartland/restock', async (request, reply) => {
    const body = parseBody(
      z.object({ location_id: z.number().int().optional(), lines: z.array(lineRef).min(1) }),
      request.body,
    );
    const locationId = body.location_id ?? firstLocation();
    const reason = state.inventoryAdjustmentReasons.all()[0]?.id ?? null;
    const set = await api('POST', '/inventory/adjustment_sets', {
      location_id: locationId,
      adjustment_reason_id: reason,
    });
    for (const l of body.lines) {
      await api('POST', `/inventory/adjustment_sets/${set.id}/lines`, { item_id: itemId(l), qty: l.qty });
    }
    return reply.code(201).send(state.adjustmentSets.get(set.id ?? 0));
  });

  app.post('/__sandbox/heartland/fulfil/:orderId', async (request, reply) => {
    const orderId = Number((request.params as { orderId: string }).orderId);
    const body = parseBody(
      z.object({ tracking_number: z.string().optional(), shipping_carrier: z.string().optional() }),
      request.body ?? {},
    );
    const order = state.salesOrders.get(orderId);
    if (!order) throw new HlHttpError(404, 'not_found', `Sales order ${orderId} not found`, {});
    const lines = orderLines(ctx, orderId).filter((l) => l.qty > l.qty_invoiced);
    const inv = await api('POST', '/sales/invoices', {
      type: 'Invoice',
      order_id: orderId,
      tracking_number: body.tracking_number ?? `1Z${String(orderId).padStart(16, '0')}`,
      shipping_carrier: body.shipping_carrier ?? 'UPS',
      total: order.balance,
    });
    for (const l of lines) {
      await api('POST', `/sales/invoices/${inv.id}/lines`, {
        type: 'ItemLine',
        item_id: l.item_id,
        order_line_id: l.id,
        qty: l.qty - l.qty_invoiced,
      });
    }
    await api('PUT', `/sales/invoices/${inv.id}`, { status: 'complete' });
    return reply.code(201).send(state.invoices.get(inv.id ?? 0));
  });

  app.get('/__sandbox/heartland/summary', async () => ({
    items: state.items.size,
    grids: state.grids.size,
    locations: state.locations.size,
    customers: state.customers.size,
    sales_orders: state.salesOrders.size,
    invoices: state.invoices.size,
    tickets: state.tickets.size,
    gift_cards: state.giftCards.size,
    inventory_transactions: state.inventoryTransactions.size,
    webhooks: state.webhooks.size,
    webhook_deliveries: state.webhookDeliveries.size,
  }));
}
