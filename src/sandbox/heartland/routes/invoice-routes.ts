/**
 * Fulfilment = invoice (NOTES §12): `POST /api/sales/invoices`, `POST …/{id}/lines`, then
 * `PUT …/{id} {status:"complete"}`, which relieves stock (on hand down, commitment released) at the
 * line's ship-from location and closes the order once every line is invoiced. Invoices carry
 * `tracking_number` / `shipping_carrier` [INF] and `updated_at`, so a poller can find fulfilments with
 * `_filter={"status":"complete","updated_at":{"$gt":cursor}}`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { validationError } from '../hl-errors.js';
import { type HlContext, idParam, must, parseBody, sendCreated } from '../hl-http.js';
import type { HlInvoice, HlOrderLine, HlSalesOrder } from '../hl-records.js';
import { orderLines, syncLineCommitment, touchOrder } from '../order-engine.js';
import { registerChildList, registerReads } from '../read-routes.js';
import { checkQty, resolveItem } from './lookups.js';
import { intId, money, qty, text } from './schemas.js';

const invoiceLineBody = z
  .object({
    type: z.literal('ItemLine').optional(),
    item_id: intId.optional(),
    item_lookup: z.string().optional(),
    order_line_id: intId.optional(),
    qty,
  })
  .passthrough();

const invoiceBody = z
  .object({
    type: z.literal('Invoice').optional(),
    order_id: intId,
    customer_id: intId.nullable().optional(),
    source_location_id: intId.nullable().optional(),
    station_id: intId.nullable().optional(),
    total: money.optional(),
    shipping_method_id: intId.nullable().optional(),
    tracking_number: text.optional(),
    shipping_carrier: text.optional(),
    status: z.enum(['pending', 'complete']).optional(),
    lines: z.array(invoiceLineBody).optional(),
  })
  .passthrough();

export function registerInvoiceRoutes(app: FastifyInstance, ctx: HlContext): void {
  const { state } = ctx;

  const pendingQty = (lineId: number): number => {
    let n = 0;
    for (const il of state.invoiceLines.where((x) => x.order_line_id === lineId)) {
      const inv = state.invoices.get(il.invoice_id);
      if (inv && inv.status === 'pending') n += il.qty;
    }
    return n;
  };

  const addLine = (invoice: HlInvoice, order: HlSalesOrder, body: z.infer<typeof invoiceLineBody>) => {
    const item = resolveItem(ctx, body);
    checkQty(item, body.qty);
    if (body.qty <= 0) throw validationError({ qty: ['must be greater than 0'] });
    const candidates = orderLines(ctx, order.id).filter(
      (l) => l.item_id === item.id && (body.order_line_id === undefined || l.id === body.order_line_id),
    );
    const target = candidates.find((l) => l.qty - l.qty_invoiced - pendingQty(l.id) >= body.qty);
    if (!target) throw validationError({ qty: ['exceeds the quantity left to invoice on the order'] });
    return state.invoiceLines.insert((id) => ({
      id,
      invoice_id: invoice.id,
      type: 'ItemLine',
      item_id: item.id,
      order_line_id: target.id,
      qty: body.qty,
      created_at: state.nowIso(),
    }));
  };

  const complete = (invoice: HlInvoice, order: HlSalesOrder) => {
    const lines = state.invoiceLines.where((l) => l.invoice_id === invoice.id);
    if (lines.length === 0) throw validationError({ lines: ['an invoice needs at least one line'] });
    for (const il of lines) {
      const ol = state.orderLines.get(il.order_line_id ?? 0) as HlOrderLine;
      ol.qty_invoiced += il.qty;
      ol.updated_at = state.nowIso();
      syncLineCommitment(ctx, order, ol);
      const item = state.items.get(il.item_id);
      const loc = ol.ship_from_location_id ?? invoice.source_location_id;
      if (item?.['track_inventory?'] && loc !== null) {
        state.changeStock(il.item_id, loc, { onHand: -il.qty }, { type: 'SalesInvoice', id: invoice.id });
      }
    }
    const at = state.nowIso();
    invoice.status = 'complete';
    invoice['completed?'] = true;
    invoice.completed_at = at;
    invoice.updated_at = at;
    if (orderLines(ctx, order.id).every((l) => l.qty_invoiced >= l.qty)) order.status = 'closed';
    touchOrder(ctx, order);
  };

  const render = (include: string[]) => (inv: HlInvoice) => {
    const out: Record<string, unknown> = { ...inv };
    if (include.includes('lines')) out.lines = state.invoiceLines.where((l) => l.invoice_id === inv.id);
    return out;
  };

  registerReads(app, ctx, 'sales/invoices', state.invoices, 'Invoice', render);

  app.post('/api/sales/invoices', async (request, reply) => {
    const body = parseBody(invoiceBody, request.body);
    const order = state.salesOrders.get(body.order_id);
    if (!order) throw validationError({ order_id: ['does not exist'] });
    const allowed = ctx.options.requireOpenForInvoice ? order.status === 'open' : order.status !== 'canceled';
    if (!allowed || order.status === 'closed') {
      throw validationError({ order_id: [`order is ${order.status}; only open orders can be invoiced`] });
    }
    const at = state.nowIso();
    const invoice = state.invoices.insert((id) => ({
      id,
      type: 'Invoice',
      public_id: state.nextPublicId('invoice'),
      order_id: order.id,
      customer_id: body.customer_id ?? order.customer_id,
      source_location_id: body.source_location_id ?? order.source_location_id,
      station_id: body.station_id ?? order.station_id,
      status: 'pending',
      'completed?': false,
      total: body.total ?? 0,
      shipping_method_id: body.shipping_method_id ?? order.shipping_method_id,
      tracking_number: body.tracking_number ?? null,
      shipping_carrier: body.shipping_carrier ?? null,
      completed_at: null,
      created_at: at,
      updated_at: at,
    }));
    try {
      for (const l of body.lines ?? []) addLine(invoice, order, l);
      if (body.status === 'complete' || ctx.options.autoCompleteInvoices) {
        if ((body.lines ?? []).length > 0) complete(invoice, order);
      }
    } catch (err) {
      for (const l of state.invoiceLines.where((x) => x.invoice_id === invoice.id))
        state.invoiceLines.delete(l.id);
      state.invoices.delete(invoice.id);
      throw err;
    }
    return sendCreated(ctx, reply, `/sales/invoices/${invoice.id}`);
  });

  registerChildList(app, ctx, 'sales/invoices', 'lines', state.invoices, 'Invoice', (id) =>
    state.invoiceLines.where((l) => l.invoice_id === id),
  );
  app.post('/api/sales/invoices/:id/lines', async (request, reply) => {
    const id = idParam(request);
    const invoice = must(state.invoices.get(id), 'Invoice', id);
    if (invoice.status !== 'pending') throw validationError({ status: ['invoice is already complete'] });
    const order = state.salesOrders.get(invoice.order_id) as HlSalesOrder;
    const line = addLine(invoice, order, parseBody(invoiceLineBody, request.body));
    invoice.updated_at = state.nowIso();
    if (ctx.options.autoCompleteInvoices) complete(invoice, order);
    return sendCreated(ctx, reply, `/sales/invoices/${id}/lines/${line.id}`);
  });

  app.put('/api/sales/invoices/:id', async (request) => {
    const id = idParam(request);
    const invoice = must(state.invoices.get(id), 'Invoice', id);
    const body = parseBody(invoiceBody.partial(), request.body);
    if (body.tracking_number !== undefined) invoice.tracking_number = body.tracking_number;
    if (body.shipping_carrier !== undefined) invoice.shipping_carrier = body.shipping_carrier;
    if (body.total !== undefined) invoice.total = body.total;
    invoice.updated_at = state.nowIso();
    if (body.status === 'complete') {
      if (invoice.status === 'complete') throw validationError({ status: ['invoice is already complete'] });
      complete(invoice, state.salesOrders.get(invoice.order_id) as HlSalesOrder);
    }
    return render([])(invoice);
  });
}
