/**
 * `/api/sales/orders` with lines, payments, taxes and discounts (NOTES §12). Lifecycle: create →
 * `pending`; `PUT {status:"open"}`; invoices (see invoice-routes) close it; `canceled` releases stock.
 * The order `public_id` auto-increments but may be set; the connector keeps the BigCommerce id in
 * `custom` and finds it with `_filter={"custom@bc_order_id":…}`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HlHttpError, validationError } from '../hl-errors.js';
import {
  applyCustom,
  boolField,
  checkRequiredCustom,
  collection,
  type HlContext,
  idParam,
  must,
  parseBody,
  query,
  sendCreated,
} from '../hl-http.js';
import type { HlOrderLine, HlSalesOrder, OrderStatus } from '../hl-records.js';
import { orderLines, syncLineCommitment, syncOrderCommitments, touchOrder } from '../order-engine.js';
import { registerInvoiceRoutes } from './invoice-routes.js';
import { checkQty, optionalRef, resolveItem, resolveLocation } from './lookups.js';
import { customObject, intId, money, publicId, qty, text } from './schemas.js';

const lineFields = z
  .object({
    item_id: intId.optional(),
    item_lookup: z.string().optional(),
    qty,
    original_unit_price: money.optional(),
    adjusted_unit_price: money.optional(),
    unit_price: money.optional(),
    ship_from_location_id: intId.nullable().optional(),
    total_tax: money.optional(),
    description: text.optional(),
  })
  .passthrough();

const orderFields = {
  public_id: publicId.optional(),
  customer_id: intId.nullable().optional(),
  billing_address_id: intId.nullable().optional(),
  shipping_address_id: intId.nullable().optional(),
  source_location_id: intId,
  station_id: intId,
  shipping_method_id: intId.nullable().optional(),
  shipping_charge: money.optional(),
  status: z.enum(['pending', 'open', 'closed', 'canceled']).optional(),
  sales_rep: text.optional(),
  custom: customObject.optional(),
  lines: z.array(lineFields).optional(),
};

const paymentBody = z
  .object({
    type: z.enum([
      'CustomPayment',
      'ExternalPayment',
      'Payments::CustomPayment',
      'Payments::ExternalPayment',
    ]),
    amount: money,
    payment_type_id: intId.nullable().optional(),
    description: text.optional(),
    custom: customObject.optional(),
  })
  .passthrough();

/** Allowed status moves. Full status set beyond these four is [UNKNOWN]. */
const TRANSITIONS: Record<OrderStatus, OrderStatus[]> = {
  pending: ['open', 'canceled'],
  open: ['closed', 'canceled'],
  closed: [],
  canceled: [],
};

export function registerOrderRoutes(app: FastifyInstance, ctx: HlContext): void {
  const { state } = ctx;

  const render = (include: string[]) => (o: HlSalesOrder) => {
    const out: Record<string, unknown> = { ...o };
    if (include.includes('lines')) out.lines = orderLines(ctx, o.id).map((l) => ({ ...l }));
    if (include.includes('payments')) out.payments = state.payments.where((p) => p.order_id === o.id);
    if (include.includes('customer')) {
      const c = o.customer_id === null ? undefined : state.customers.get(o.customer_id);
      out.customer = c ? { ...c } : null;
    }
    if (include.includes('location')) {
      const l = o.source_location_id === null ? undefined : state.locations.get(o.source_location_id);
      out.location = l ? { ...l } : null;
    }
    if (include.includes('invoices')) out.invoices = state.invoices.where((i) => i.order_id === o.id);
    return out;
  };

  const editable = (order: HlSalesOrder) => {
    if (order.status === 'closed' || order.status === 'canceled') {
      throw validationError({ status: [`order is ${order.status}`] });
    }
  };

  /** Every check a line must pass, without writing anything (inline lines are checked before the order exists). */
  const checkLine = (body: z.infer<typeof lineFields>) => {
    const item = resolveItem(ctx, body);
    checkQty(item, body.qty);
    if (body.qty <= 0) throw validationError({ qty: ['must be greater than 0'] });
    if (body.ship_from_location_id !== undefined && body.ship_from_location_id !== null) {
      resolveLocation(ctx, body.ship_from_location_id, 'ship_from_location_id');
    }
    return item;
  };

  const addLine = (order: HlSalesOrder, body: z.infer<typeof lineFields>): HlOrderLine => {
    const item = checkLine(body);
    const original = body.original_unit_price ?? body.unit_price ?? item.price;
    const at = state.nowIso();
    const line = state.orderLines.insert((id) => ({
      id,
      order_id: order.id,
      type: 'ItemLine',
      item_id: item.id,
      description: body.description ?? item.description,
      qty: body.qty,
      qty_invoiced: 0,
      original_unit_price: original,
      adjusted_unit_price: body.adjusted_unit_price ?? body.unit_price ?? original,
      ship_from_location_id: body.ship_from_location_id ?? null,
      total_tax: body.total_tax ?? 0,
      created_at: at,
      updated_at: at,
    }));
    syncLineCommitment(ctx, order, line);
    return line;
  };

  const setStatus = (order: HlSalesOrder, next: OrderStatus) => {
    if (next === order.status) return;
    if (!TRANSITIONS[order.status].includes(next)) {
      throw validationError({ status: [`cannot change from ${order.status} to ${next}`] });
    }
    if (next === 'open' && orderLines(ctx, order.id).length === 0) {
      // Orders that fail validation stay pending (S22).
      throw validationError({ lines: ['an order needs at least one line to be opened'] });
    }
    order.status = next;
    syncOrderCommitments(ctx, order);
  };

  app.get('/api/sales/orders', async (request) => {
    const q = query(ctx, request);
    return collection(state.salesOrders.all(), q, render(q.include));
  });
  app.get('/api/sales/orders/:id', async (request) => {
    const id = idParam(request);
    return render(query(ctx, request).include)(must(state.salesOrders.get(id), 'Sales order', id));
  });

  app.post('/api/sales/orders', async (request, reply) => {
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const body = parseBody(z.object(orderFields).passthrough(), raw);
    resolveLocation(ctx, body.source_location_id, 'source_location_id');
    if (!state.stations.get(body.station_id)) throw validationError({ station_id: ['does not exist'] });
    optionalRef(!!state.customers.get(body.customer_id ?? 0), body.customer_id, 'customer_id');
    optionalRef(
      !!state.addresses.get(body.billing_address_id ?? 0),
      body.billing_address_id,
      'billing_address_id',
    );
    optionalRef(
      !!state.addresses.get(body.shipping_address_id ?? 0),
      body.shipping_address_id,
      'shipping_address_id',
    );
    optionalRef(
      !!state.shippingMethods.get(body.shipping_method_id ?? 0),
      body.shipping_method_id,
      'shipping_method_id',
    );
    if (body.status && body.status !== 'pending' && body.status !== 'open') {
      throw validationError({ status: ['must be pending or open on create'] });
    }
    const custom = applyCustom(ctx, {}, raw, true);
    checkRequiredCustom(ctx, 'sales.transaction', custom);
    if (body.public_id && state.salesOrders.all().some((o) => o.public_id === body.public_id)) {
      throw validationError({ public_id: ['has already been taken'] });
    }
    // Validate inline lines before creating anything: a failed create leaves no half order behind.
    for (const l of body.lines ?? []) checkLine(l);
    const at = state.nowIso();
    const order = state.salesOrders.insert((id) => ({
      id,
      uuid: state.uuid(4, id),
      public_id: body.public_id ?? state.nextPublicId('order'),
      status: 'pending',
      customer_id: body.customer_id ?? null,
      billing_address_id: body.billing_address_id ?? null,
      shipping_address_id: body.shipping_address_id ?? null,
      source_location_id: body.source_location_id,
      station_id: body.station_id,
      shipping_method_id: body.shipping_method_id ?? null,
      shipping_charge: body.shipping_charge ?? 0,
      sales_rep: body.sales_rep ?? null,
      custom,
      subtotal: 0,
      total_tax: 0,
      total_discounts: 0,
      total: 0,
      total_paid: 0,
      balance: 0,
      created_at: at,
      updated_at: at,
    }));
    for (const l of body.lines ?? []) addLine(order, l);
    if (body.status === 'open') setStatus(order, 'open');
    touchOrder(ctx, order);
    return sendCreated(ctx, reply, `/sales/orders/${order.id}`);
  });

  app.put('/api/sales/orders/:id', async (request) => {
    const id = idParam(request);
    const order = must(state.salesOrders.get(id), 'Sales order', id);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const body = parseBody(z.object(orderFields).partial().passthrough(), raw);
    if (body.status !== undefined) setStatus(order, body.status);
    if (body.customer_id !== undefined) order.customer_id = body.customer_id;
    if (body.billing_address_id !== undefined) order.billing_address_id = body.billing_address_id;
    if (body.shipping_address_id !== undefined) order.shipping_address_id = body.shipping_address_id;
    if (body.shipping_method_id !== undefined) order.shipping_method_id = body.shipping_method_id;
    if (body.shipping_charge !== undefined) order.shipping_charge = body.shipping_charge;
    if (body.sales_rep !== undefined) order.sales_rep = body.sales_rep;
    order.custom = applyCustom(ctx, order.custom, raw, false);
    touchOrder(ctx, order);
    return render([])(order);
  });

  app.get('/api/sales/orders/:id/lines', async (request) => {
    const id = idParam(request);
    must(state.salesOrders.get(id), 'Sales order', id);
    return collection(orderLines(ctx, id), query(ctx, request));
  });
  app.get('/api/sales/orders/:id/lines/:lineId', async (request) => {
    const lineId = idParam(request, 'lineId');
    const line = state.orderLines.get(lineId);
    return { ...must(line?.order_id === idParam(request) ? line : undefined, 'Line', lineId) };
  });
  app.post('/api/sales/orders/:id/lines', async (request, reply) => {
    const id = idParam(request);
    const order = must(state.salesOrders.get(id), 'Sales order', id);
    editable(order);
    const line = addLine(order, parseBody(lineFields, request.body));
    touchOrder(ctx, order);
    return sendCreated(ctx, reply, `/sales/orders/${id}/lines/${line.id}`);
  });
  app.put('/api/sales/orders/:id/lines/:lineId', async (request) => {
    const id = idParam(request);
    const order = must(state.salesOrders.get(id), 'Sales order', id);
    const lineId = idParam(request, 'lineId');
    const found = state.orderLines.get(lineId);
    const line = must(found?.order_id === id ? found : undefined, 'Line', lineId);
    editable(order);
    const body = parseBody(lineFields.partial(), request.body);
    if (body.qty !== undefined) {
      if (body.qty < line.qty_invoiced)
        throw validationError({ qty: ['is less than the quantity invoiced'] });
      line.qty = body.qty;
    }
    if (body.ship_from_location_id !== undefined) {
      if (body.ship_from_location_id !== null) {
        resolveLocation(ctx, body.ship_from_location_id, 'ship_from_location_id');
      }
      line.ship_from_location_id = body.ship_from_location_id;
    }
    if (body.adjusted_unit_price !== undefined) line.adjusted_unit_price = body.adjusted_unit_price;
    if (body.original_unit_price !== undefined) line.original_unit_price = body.original_unit_price;
    if (body.total_tax !== undefined) line.total_tax = body.total_tax;
    line.updated_at = state.nowIso();
    syncLineCommitment(ctx, order, line);
    touchOrder(ctx, order);
    return { ...line };
  });

  app.get('/api/sales/orders/:id/payments', async (request) => {
    const id = idParam(request);
    must(state.salesOrders.get(id), 'Sales order', id);
    return collection(
      state.payments.where((p) => p.order_id === id),
      query(ctx, request),
    );
  });
  app.post('/api/sales/orders/:id/payments', async (request, reply) => {
    const id = idParam(request);
    const order = must(state.salesOrders.get(id), 'Sales order', id);
    editable(order);
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const body = parseBody(paymentBody, raw);
    if (body.amount <= 0) throw validationError({ amount: ['must be greater than 0'] });
    if (body.type.endsWith('CustomPayment')) {
      if (body.payment_type_id === undefined || body.payment_type_id === null) {
        throw validationError({ payment_type_id: ["can't be blank"] });
      }
    }
    optionalRef(!!state.paymentTypes.get(body.payment_type_id ?? 0), body.payment_type_id, 'payment_type_id');
    const at = state.nowIso();
    const payment = state.payments.insert((pid) => ({
      id: pid,
      order_id: id,
      ticket_id: null,
      type: body.type,
      'deposit?': boolField(raw, 'deposit') ?? false,
      amount: body.amount,
      payment_type_id: body.payment_type_id ?? null,
      description: body.description ?? null,
      status: 'complete',
      custom: body.custom ?? {},
      completed_at: at,
      local_completed_at: at.slice(0, 19),
      created_at: at,
    }));
    touchOrder(ctx, order);
    return sendCreated(ctx, reply, `/sales/orders/${id}/payments/${payment.id}`);
  });

  for (const kind of ['taxes', 'discounts'] as const) {
    app.get(`/api/sales/orders/:id/${kind}`, async (request) => {
      const id = idParam(request);
      must(state.salesOrders.get(id), 'Sales order', id);
      const k = kind === 'taxes' ? 'tax' : 'discount';
      return collection(
        state.orderAdjustments.where((a) => a.order_id === id && a.kind === k),
        query(ctx, request),
      );
    });
    app.post(`/api/sales/orders/:id/${kind}`, async (request, reply) => {
      const id = idParam(request);
      const order = must(state.salesOrders.get(id), 'Sales order', id);
      editable(order);
      const body = parseBody(
        z
          .object({ description: text.optional(), value: money.optional(), amount: money.optional() })
          .passthrough(),
        request.body,
      );
      const value = body.value ?? body.amount;
      if (value === undefined)
        throw validationError({ [kind === 'taxes' ? 'value' : 'amount']: ["can't be blank"] });
      const adj = state.orderAdjustments.insert((aid) => ({
        id: aid,
        order_id: id,
        kind: kind === 'taxes' ? 'tax' : 'discount',
        description: body.description ?? null,
        value,
        created_at: state.nowIso(),
      }));
      touchOrder(ctx, order);
      return sendCreated(ctx, reply, `/sales/orders/${id}/${kind}/${adj.id}`);
    });
  }

  app.get('/api/payments', async (request) => collection(state.payments.all(), query(ctx, request)));

  app.delete('/api/sales/orders/:id', async () => {
    // [UNKNOWN] whether orders can be deleted; the conservative answer is that they cannot.
    throw new HlHttpError(
      405,
      'method_not_allowed',
      'Sales orders cannot be deleted; set status to canceled',
      {},
    );
  });

  registerInvoiceRoutes(app, ctx);
}
