/**
 * POS tickets and returns: `/api/sales/tickets` (NOTES §13). A ticket moves stock when it becomes
 * `complete` (ItemLine qty leaves on-hand at the ticket's location; a `Return` has negative qty and puts
 * stock back), unless `affect_inventory:false` (the history-import flag). Completion fires
 * `sales_transaction_completed` when `transactionWebhooks` is on.
 */
import { Decimal } from 'decimal.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { validationError } from '../hl-errors.js';
import { applyCustom, type HlContext, idParam, must, parseBody, sendCreated } from '../hl-http.js';
import { cents } from '../hl-money.js';
import type { HlTicket, HlTicketLine } from '../hl-records.js';
import { registerChildList, registerReads } from '../read-routes.js';
import { checkQty, resolveItem } from './lookups.js';
import { customObject, intId, money, publicId, qty, text } from './schemas.js';

const lineBody = z
  .object({
    type: z.enum(['ItemLine', 'TaxLine', 'ShippingLine', 'GiftCardLine']).optional(),
    item_id: intId.optional(),
    item_lookup: z.string().optional(),
    qty: qty.optional(),
    unit_price: money.optional(),
    original_unit_price: money.optional(),
    adjusted_unit_price: money.optional(),
    description: text.optional(),
    value: money.optional(),
  })
  .passthrough();

const paymentBody = z
  .object({
    type: z.string().default('ExternalPayment'),
    amount: money,
    payment_type_id: intId.nullable().optional(),
    description: text.optional(),
  })
  .passthrough();

const ticketBody = z
  .object({
    type: z.enum(['Ticket', 'Return']).default('Ticket'),
    public_id: publicId.optional(),
    status: z.enum(['incomplete', 'complete']).optional(),
    customer_id: intId.nullable().optional(),
    sales_rep: text.optional(),
    station_id: intId.optional(),
    source_location_id: intId.optional(),
    parent_transaction_id: intId.nullable().optional(),
    lines: z.array(lineBody).optional(),
    item_lines: z.array(lineBody).optional(),
    tax_lines: z.array(lineBody).optional(),
    payments: z.array(paymentBody).optional(),
    affect_inventory: z.boolean().optional(),
    custom: customObject.optional(),
  })
  .passthrough();

export function registerTicketRoutes(app: FastifyInstance, ctx: HlContext): void {
  const { state } = ctx;
  const noStock = new Set<number>();

  const addLine = (ticket: HlTicket, body: z.infer<typeof lineBody>): HlTicketLine => {
    const type =
      body.type ?? (body.item_id !== undefined || body.item_lookup !== undefined ? 'ItemLine' : 'TaxLine');
    const at = state.nowIso();
    if (type !== 'ItemLine') {
      if (body.value === undefined) throw validationError({ value: ["can't be blank"] });
      return state.ticketLines.insert((id) => ({
        id,
        ticket_id: ticket.id,
        type,
        item_id: null,
        qty: null,
        unit_price: null,
        original_unit_price: null,
        adjusted_unit_price: null,
        description: body.description ?? null,
        value: body.value ?? null,
        created_at: at,
      }));
    }
    const item = resolveItem(ctx, body);
    const q = body.qty ?? 1;
    checkQty(item, q);
    if (ticket.type === 'Return' && q >= 0) throw validationError({ qty: ['must be negative on a return'] });
    const unit = body.unit_price ?? body.adjusted_unit_price ?? item.price;
    return state.ticketLines.insert((id) => ({
      id,
      ticket_id: ticket.id,
      type: 'ItemLine',
      item_id: item.id,
      qty: q,
      unit_price: unit,
      original_unit_price: body.original_unit_price ?? item.price,
      adjusted_unit_price: unit,
      description: body.description ?? item.description,
      value: cents(new Decimal(unit).times(q)),
      created_at: at,
    }));
  };

  const recompute = (ticket: HlTicket) => {
    let subtotal = new Decimal(0);
    let tax = new Decimal(0);
    let other = new Decimal(0);
    for (const l of state.ticketLines.where((x) => x.ticket_id === ticket.id)) {
      if (l.type === 'ItemLine') subtotal = subtotal.plus(l.value ?? 0);
      else if (l.type === 'TaxLine') tax = tax.plus(l.value ?? 0);
      else other = other.plus(l.value ?? 0);
    }
    let paid = new Decimal(0);
    for (const p of state.payments.where((x) => x.ticket_id === ticket.id)) paid = paid.plus(p.amount);
    const total = subtotal.plus(tax).plus(other);
    ticket.subtotal = cents(subtotal);
    ticket.tax_total = cents(tax);
    ticket.total = cents(total);
    ticket.total_paid = cents(paid);
    ticket.balance = cents(total.minus(paid));
    ticket.updated_at = state.nowIso();
  };

  const complete = (ticket: HlTicket) => {
    const at = state.nowIso();
    ticket.status = 'complete';
    ticket['completed?'] = true;
    ticket.completed_at = at;
    ticket.local_completed_at = at.slice(0, 19);
    ticket.updated_at = at;
    if (!noStock.has(ticket.id) && ticket.source_location_id !== null) {
      for (const l of state.ticketLines.where((x) => x.ticket_id === ticket.id && x.type === 'ItemLine')) {
        const item = l.item_id === null ? undefined : state.items.get(l.item_id);
        if (!item?.['track_inventory?'] || l.qty === null) continue;
        state.changeStock(
          item.id,
          ticket.source_location_id,
          { onHand: -l.qty },
          { type: ticket.type, id: ticket.id },
        );
      }
    }
    if (ctx.options.transactionWebhooks) state.emit('sales_transaction_completed', ticket);
  };

  const render = (include: string[]) => (t: HlTicket) => {
    const out: Record<string, unknown> = { ...t };
    if (include.includes('lines')) out.lines = state.ticketLines.where((l) => l.ticket_id === t.id);
    if (include.includes('payments')) out.payments = state.payments.where((p) => p.ticket_id === t.id);
    return out;
  };

  registerReads(app, ctx, 'sales/tickets', state.tickets, 'Ticket', render);

  app.post('/api/sales/tickets', async (request, reply) => {
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const body = parseBody(ticketBody, raw);
    const station = body.station_id === undefined ? undefined : state.stations.get(body.station_id);
    if (body.station_id !== undefined && !station) throw validationError({ station_id: ['does not exist'] });
    const locationId = body.source_location_id ?? station?.location_id;
    if (locationId === undefined) throw validationError({ station_id: ["can't be blank"] });
    if (!state.locations.get(locationId)) throw validationError({ source_location_id: ['does not exist'] });
    const customer = body.customer_id ? state.customers.get(body.customer_id) : undefined;
    if (body.customer_id && !customer) throw validationError({ customer_id: ['does not exist'] });
    const lines = [...(body.lines ?? []), ...(body.item_lines ?? []), ...(body.tax_lines ?? [])];
    for (const l of lines) if (l.item_id !== undefined || l.item_lookup !== undefined) resolveItem(ctx, l);
    const at = state.nowIso();
    const ticket = state.tickets.insert((id) => ({
      id,
      type: body.type,
      public_id: body.public_id ?? state.nextPublicId('ticket'),
      status: 'incomplete',
      'completed?': false,
      'voided?': false,
      customer_id: customer?.id ?? null,
      customer_name: customer ? [customer.first_name, customer.last_name].filter(Boolean).join(' ') : null,
      sales_rep: body.sales_rep ?? null,
      source_location_id: locationId,
      station_id: body.station_id ?? null,
      parent_transaction_id: body.parent_transaction_id ?? null,
      subtotal: 0,
      tax_total: 0,
      total_discounts: 0,
      total: 0,
      total_paid: 0,
      balance: 0,
      custom: applyCustom(ctx, {}, raw, true),
      completed_at: null,
      local_completed_at: null,
      created_at: at,
      updated_at: at,
    }));
    try {
      for (const l of lines) addLine(ticket, l);
    } catch (err) {
      for (const l of state.ticketLines.where((x) => x.ticket_id === ticket.id))
        state.ticketLines.delete(l.id);
      state.tickets.delete(ticket.id);
      throw err;
    }
    if (body.affect_inventory === false) noStock.add(ticket.id);
    for (const p of body.payments ?? []) {
      state.payments.insert((pid) => ({
        id: pid,
        order_id: null,
        ticket_id: ticket.id,
        type: p.type,
        'deposit?': false,
        amount: p.amount,
        payment_type_id: p.payment_type_id ?? null,
        description: p.description ?? null,
        status: 'complete',
        custom: {},
        completed_at: at,
        local_completed_at: at.slice(0, 19),
        created_at: at,
      }));
    }
    recompute(ticket);
    if (body.status === 'complete') complete(ticket);
    return sendCreated(ctx, reply, `/sales/tickets/${ticket.id}`);
  });

  registerChildList(app, ctx, 'sales/tickets', 'lines', state.tickets, 'Ticket', (id) =>
    state.ticketLines.where((l) => l.ticket_id === id),
  );
  app.post('/api/sales/tickets/:id/lines', async (request, reply) => {
    const id = idParam(request);
    const ticket = must(state.tickets.get(id), 'Ticket', id);
    if (ticket.status === 'complete') throw validationError({ status: ['ticket is complete'] });
    const line = addLine(ticket, parseBody(lineBody, request.body));
    recompute(ticket);
    return sendCreated(ctx, reply, `/sales/tickets/${id}/lines/${line.id}`);
  });
  app.put('/api/sales/tickets/:id', async (request) => {
    const id = idParam(request);
    const ticket = must(state.tickets.get(id), 'Ticket', id);
    const body = parseBody(ticketBody.partial(), request.body);
    if (body.sales_rep !== undefined) ticket.sales_rep = body.sales_rep;
    if (body.status === 'complete' && ticket.status !== 'complete') complete(ticket);
    ticket.updated_at = state.nowIso();
    return render([])(ticket);
  });
}
