/** v3 order transactions and payment actions (capture, void, refund quotes, refunds). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BcError, unprocessable } from '../bc-errors.js';
import type { BcContext } from '../context.js';
import { iso } from '../dates.js';
import { query, v3List } from '../http-util.js';
import { type Decimal, dec, m4, num2, ZERO } from '../money.js';
import type { OrderService } from '../order-service.js';
import { orderTotals, renderTransaction } from '../render.js';
import type { OrderRecord, RefundRecord, TransactionRecord } from '../store-state.js';

const P = '/stores/:hash/v3/orders';
type IdParams = { order_id: string };

const refundItem = z
  .object({
    item_type: z.enum(['PRODUCT', 'GIFT_WRAPPING', 'ORDER', 'SHIPPING', 'HANDLING', 'TAX', 'FEE']),
    item_id: z.number().int(),
    quantity: z.number().int().positive().optional(),
    amount: z.number().nonnegative().optional(),
    reason: z.string().optional(),
  })
  .passthrough();
const refundQuoteIn = z.object({ items: z.array(refundItem).min(1) }).passthrough();
const refundIn = refundQuoteIn.extend({
  payments: z
    .array(
      z.object({
        provider_id: z.string(),
        amount: z.number().nonnegative(),
        offline: z.boolean().default(false),
      }),
    )
    .min(1),
});

function liveAuthorization(o: OrderRecord): TransactionRecord | undefined {
  const auth = [...o.transactions].reverse().find((t) => t.event === 'authorization');
  if (!auth) return undefined;
  const settled = o.transactions.some(
    (t) => (t.event === 'capture' || t.event === 'void') && t.reference_transaction_id === auth.id,
  );
  return settled ? undefined : auth;
}

function refundAmount(o: OrderRecord, items: z.infer<typeof refundItem>[]): { total: Decimal; tax: Decimal } {
  let total = ZERO;
  let tax = ZERO;
  for (const it of items) {
    if (it.item_type === 'PRODUCT') {
      const line = o.lines.find((l) => l.id === it.item_id);
      if (!line) throw unprocessable(`Order product ${it.item_id} is not part of order ${o.id}.`);
      const qty = it.quantity ?? 0;
      if (line.quantity_refunded + qty > line.quantity) {
        throw unprocessable(
          `Refund quantity for order product ${it.item_id} exceeds the refundable quantity.`,
        );
      }
      total = total.plus(dec(line.price_inc_tax).times(qty));
      tax = tax.plus(dec(line.price_inc_tax).minus(line.price_ex_tax).times(qty));
    } else {
      total = total.plus(dec(it.amount ?? 0));
    }
  }
  const refundable = orderTotals(o).incTax.minus(o.money.refunded_amount);
  if (total.gt(refundable))
    throw unprocessable('The refund amount exceeds the refundable amount of the order.');
  return { total, tax };
}

function capturedPayment(o: OrderRecord): TransactionRecord | undefined {
  return o.transactions.find((t) => t.event === 'purchase' || t.event === 'capture' || t.event === 'pending');
}

export function registerTransactionsV3(app: FastifyInstance, ctx: BcContext, orders: OrderService): void {
  const get = (p: IdParams) => orders.get(Number(p.order_id));

  app.get<{ Params: IdParams }>(`${P}/:order_id/transactions`, async (req, reply) => {
    const o = get(req.params);
    if (o.transactions.length === 0) return reply.code(204).send();
    return v3List(o.transactions.map(renderTransaction), query(req));
  });

  app.post<{ Params: IdParams }>(`${P}/:order_id/payment_actions/capture`, async (req, reply) => {
    const o = get(req.params);
    const auth = liveAuthorization(o);
    if (!auth) throw unprocessable('The order does not have an authorized payment to capture.');
    o.transactions.push(orders.transaction(o, 'capture', auth.method, auth.gateway, auth.amount, auth.id));
    o.payment_status = 'captured';
    o.date_modified = ctx.now();
    ctx.webhooks.emit('store/order/updated', { type: 'order', id: o.id });
    return reply.code(201).send({ data: {}, meta: {} });
  });

  app.post<{ Params: IdParams }>(`${P}/:order_id/payment_actions/void`, async (req, reply) => {
    const o = get(req.params);
    const auth = liveAuthorization(o);
    if (!auth) throw unprocessable('The order does not have an authorized payment to void.');
    o.transactions.push(orders.transaction(o, 'void', auth.method, auth.gateway, auth.amount, auth.id));
    o.payment_status = 'void';
    o.date_modified = ctx.now();
    ctx.webhooks.emit('store/order/updated', { type: 'order', id: o.id });
    return reply.code(201).send({ data: {}, meta: {} });
  });

  app.post<{ Params: IdParams }>(`${P}/:order_id/payment_actions/refund_quotes`, async (req, reply) => {
    const o = get(req.params);
    const body = refundQuoteIn.safeParse(req.body);
    if (!body.success)
      throw unprocessable('The refund quote request is invalid.', { items: body.error.issues[0]?.message });
    const { total, tax } = refundAmount(o, body.data.items);
    const pay = capturedPayment(o);
    return reply.code(201).send({
      data: {
        order_id: o.id,
        total_refund_amount: num2(total),
        total_refund_tax_amount: num2(tax),
        order_level_refund_amount: 0,
        rounding: 0,
        adjustment: 0,
        tax_inclusive: false,
        refund_methods: [
          [
            {
              provider_id: pay?.gateway ?? 'custom',
              provider_description: pay?.offline?.display_name ?? pay?.gateway ?? 'Manual',
              amount: num2(total),
              offline: pay?.offline !== null && pay?.offline !== undefined,
              offline_provider: pay?.offline !== null && pay?.offline !== undefined,
              offline_reason: '',
            },
          ],
        ],
      },
      meta: {},
    });
  });

  const renderRefund = (r: RefundRecord) => ({
    id: r.id,
    order_id: r.order_id,
    user_id: 0,
    created: iso(r.created),
    reason: r.reason,
    total_amount: num2(r.total_amount),
    total_tax: num2(r.total_tax),
    uses_merchant_override_values: false,
    items: r.items.map((i) => ({
      item_type: i.item_type,
      item_id: i.item_id,
      reason: r.reason,
      ...(i.quantity === undefined ? {} : { quantity: i.quantity }),
      ...(i.requested_amount ? { requested_amount: num2(i.requested_amount) } : {}),
    })),
    payments: r.payments.map((p) => ({
      ...p,
      amount: num2(p.amount),
      declined_message: '',
      transaction_id: '',
    })),
  });

  app.post<{ Params: IdParams }>(`${P}/:order_id/payment_actions/refunds`, async (req, reply) => {
    const o = get(req.params);
    const body = refundIn.safeParse(req.body);
    if (!body.success)
      throw unprocessable('The refund request is invalid.', { items: body.error.issues[0]?.message });
    const { total, tax } = refundAmount(o, body.data.items);
    const paid = body.data.payments.reduce((s, p) => s.plus(dec(p.amount.toString())), ZERO);
    if (!paid.toDecimalPlaces(2).eq(total.toDecimalPlaces(2))) {
      throw unprocessable('The payment amounts must add up to the refund total.');
    }
    for (const it of body.data.items) {
      const line = it.item_type === 'PRODUCT' ? o.lines.find((l) => l.id === it.item_id) : undefined;
      if (line) line.quantity_refunded += it.quantity ?? 0;
    }
    const reason = body.data.items.find((i) => i.reason)?.reason ?? '';
    const refund: RefundRecord = {
      id: ctx.state.nextId('refund', 1),
      order_id: o.id,
      reason,
      total_amount: m4(total),
      total_tax: m4(tax),
      created: ctx.now(),
      items: body.data.items.map((i) => ({
        item_type: i.item_type,
        item_id: i.item_id,
        quantity: i.quantity,
        requested_amount: i.amount === undefined ? null : m4(i.amount.toString()),
      })),
      payments: body.data.payments.map((p) => ({
        id: ctx.state.nextId('refundPayment', 1),
        provider_id: p.provider_id,
        amount: m4(p.amount.toString()),
        offline: p.offline,
        is_declined: false,
      })),
    };
    o.refunds.push(refund);
    o.money.refunded_amount = m4(dec(o.money.refunded_amount).plus(total));
    const pay = capturedPayment(o);
    o.transactions.push(
      orders.transaction(
        o,
        'refund',
        pay?.method ?? 'custom',
        pay?.gateway ?? 'custom',
        m4(total),
        pay?.id ?? null,
      ),
    );
    const fully = dec(o.money.refunded_amount).gte(orderTotals(o).incTax);
    o.payment_status = fully ? 'refunded' : 'partially refunded';
    ctx.webhooks.emit('store/order/refund/created', {
      type: 'order',
      id: o.id,
      refund: { refund_id: refund.id },
    });
    orders.setStatus(o, fully ? 4 : 14);
    ctx.webhooks.emit('store/order/updated', { type: 'order', id: o.id });
    return reply.code(201).send({ data: renderRefund(refund), meta: {} });
  });

  app.get<{ Params: IdParams }>(`${P}/:order_id/payment_actions/refunds`, async (req) => {
    const o = get(req.params);
    return v3List(o.refunds.map(renderRefund), query(req));
  });

  app.get(`${P}/payment_actions/refunds`, async (req) => {
    const all = [...ctx.state.orders.values()].flatMap((o) => o.refunds);
    return v3List(all.map(renderRefund), query(req));
  });

  app.get<{ Params: { refund_id: string } }>(`${P}/payment_actions/refunds/:refund_id`, async (req) => {
    const id = Number(req.params.refund_id);
    const r = [...ctx.state.orders.values()].flatMap((o) => o.refunds).find((x) => x.id === id);
    if (!r) throw new BcError(404, 'The requested resource was not found.');
    return { data: renderRefund(r), meta: {} };
  });
}
