/** v2 orders: list/get/count/create/update/archive, products, shipping addresses, consignments, shipments, statuses. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { BcError } from '../bc-errors.js';
import type { BcContext } from '../context.js';
import { parseApiDate } from '../dates.js';
import { pageParams, type Query, qInt, qs, query, slicePage } from '../http-util.js';
import { dec } from '../money.js';
import type { OrderService } from '../order-service.js';
import { ORDER_STATUSES, renderStatus } from '../order-statuses.js';
import {
  type ConsignmentsInclude,
  orderTotals,
  renderConsignments,
  renderOrder,
  renderOrderProduct,
  renderShipment,
  renderShippingAddress,
} from '../render.js';
import type { OrderRecord } from '../store-state.js';

const P = '/stores/:hash/v2';
type IdParams = { order_id: string };

function dateFilter(q: Query, name: string): number | undefined {
  const v = qs(q, name);
  if (v === undefined) return undefined;
  const ms = parseApiDate(v);
  if (ms === undefined) throw new BcError(400, `The filter '${name}' is not a valid date.`);
  return ms;
}

function filterOrders(ctx: BcContext, q: Query): OrderRecord[] {
  const minId = qInt(q, 'min_id');
  const maxId = qInt(q, 'max_id');
  const statusId = qInt(q, 'status_id');
  const customerId = qInt(q, 'customer_id');
  const email = qs(q, 'email');
  const minMod = dateFilter(q, 'min_date_modified');
  const maxMod = dateFilter(q, 'max_date_modified');
  const minCre = dateFilter(q, 'min_date_created');
  const maxCre = dateFilter(q, 'max_date_created');
  const minTotal = qs(q, 'min_total');
  const maxTotal = qs(q, 'max_total');
  const channelId = qInt(q, 'channel_id');
  const extId = qs(q, 'external_order_id');
  const paymentMethod = qs(q, 'payment_method');
  const isDeleted = qs(q, 'is_deleted') === 'true';
  const out: OrderRecord[] = [];
  for (const o of ctx.state.orders.values()) {
    if (o.is_deleted !== isDeleted) continue;
    if (minId !== undefined && o.id < minId) continue;
    if (maxId !== undefined && o.id > maxId) continue;
    if (statusId !== undefined && o.status_id !== statusId) continue;
    if (customerId !== undefined && o.customer_id !== customerId) continue;
    if (email !== undefined && o.billing_address.email.toLowerCase() !== email.toLowerCase()) continue;
    // RFC-2822 has second precision: compare on whole seconds, as the API does.
    const mod = Math.floor(o.date_modified / 1000) * 1000;
    const cre = Math.floor(o.date_created / 1000) * 1000;
    if (minMod !== undefined && mod < minMod) continue;
    if (maxMod !== undefined && mod > maxMod) continue;
    if (minCre !== undefined && cre < minCre) continue;
    if (maxCre !== undefined && cre > maxCre) continue;
    if (minTotal !== undefined && orderTotals(o).incTax.lt(dec(minTotal))) continue;
    if (maxTotal !== undefined && orderTotals(o).incTax.gt(dec(maxTotal))) continue;
    if (channelId !== undefined && o.channel_id !== channelId) continue;
    if (extId !== undefined && o.external_order_id !== extId) continue;
    if (paymentMethod !== undefined && o.payment_method !== paymentMethod) continue;
    out.push(o);
  }
  const sort = qs(q, 'sort') ?? 'id:asc';
  const [field = 'id', dir = 'asc'] = sort.split(':');
  const key: Record<string, (o: OrderRecord) => number | string> = {
    id: (o) => o.id,
    customer_id: (o) => o.customer_id,
    date_created: (o) => o.date_created,
    date_modified: (o) => o.date_modified,
    status_id: (o) => o.status_id,
    channel_id: (o) => o.channel_id,
    external_id: (o) => o.external_id ?? '',
  };
  const k = key[field];
  if (!k) throw new BcError(400, `The sort field '${field}' is not supported.`);
  const mult = dir.toLowerCase() === 'desc' ? -1 : 1;
  return out.sort((a, b) => {
    const x = k(a);
    const y = k(b);
    return (x < y ? -1 : x > y ? 1 : a.id - b.id) * mult;
  });
}

/** `include` values: comma-separated (style form, explode false) or repeated. */
function includes(q: Query): string[] {
  const v = q.include;
  return (Array.isArray(v) ? v : [v ?? '']).flatMap((s) => s.split(',')).map((s) => s.trim());
}

/**
 * `?include=consignments` / `consignments.line_items` embed the consignments, in the object structure the
 * spec documents, only with `consignment_structure=object` (orders.v2 order_includes). Without it the
 * real API answers an older array structure the spec does not describe; the sandbox then embeds nothing.
 */
function consignmentsInclude(q: Query): ConsignmentsInclude {
  if (qs(q, 'consignment_structure') !== 'object') return 'none';
  const inc = includes(q);
  if (inc.includes('consignments.line_items')) return 'line_items';
  return inc.includes('consignments') ? 'links' : 'none';
}

/** A v2 list: a bare array, or 204 with no body when empty (observed behaviour, NOTES §3). */
function sendV2List(reply: FastifyReply, items: unknown[]): FastifyReply {
  if (items.length === 0) return reply.code(204).send();
  return reply.send(items);
}

export function registerOrdersV2(app: FastifyInstance, ctx: BcContext, orders: OrderService): void {
  const { state } = ctx;
  const orderId = (p: IdParams) => {
    const id = Number(p.order_id);
    if (!Number.isInteger(id)) throw new BcError(404, 'The requested resource was not found.');
    return id;
  };

  app.get(`${P}/orders`, async (req, reply) => {
    const q = query(req);
    const { page, limit } = pageParams(q);
    const embed = consignmentsInclude(q);
    const list = slicePage(filterOrders(ctx, q), page, limit).map((o) => renderOrder(state, o, embed));
    return sendV2List(reply, list);
  });

  app.get(`${P}/orders/count`, async (req) => {
    const all = filterOrders(ctx, query(req));
    return {
      statuses: ORDER_STATUSES.map((s) => ({
        id: s.id,
        name: s.name,
        system_label: s.name,
        custom_label: s.name,
        system_description: s.description,
        count: all.filter((o) => o.status_id === s.id).length,
        sort_order: s.order,
      })),
      count: all.length,
    };
  });

  app.get<{ Params: IdParams }>(`${P}/orders/:order_id`, async (req) =>
    renderOrder(state, orders.get(orderId(req.params)), consignmentsInclude(query(req))),
  );

  app.get<{ Params: IdParams }>(`${P}/orders/:order_id/consignments`, async (req) =>
    renderConsignments(
      state,
      orders.get(orderId(req.params)),
      includes(query(req)).includes('consignments.line_items'),
    ),
  );

  app.post(`${P}/orders`, async (req) => renderOrder(state, orders.place(req.body)));

  app.put<{ Params: IdParams }>(`${P}/orders/:order_id`, async (req) =>
    renderOrder(state, orders.update(orderId(req.params), req.body)),
  );

  app.delete<{ Params: IdParams }>(`${P}/orders/:order_id`, async (req, reply) => {
    const o = orders.get(orderId(req.params));
    o.is_deleted = true;
    o.date_modified = ctx.now();
    ctx.webhooks.emit('store/order/archived', { type: 'order', id: o.id });
    return reply.code(204).send();
  });

  app.get<{ Params: IdParams }>(`${P}/orders/:order_id/products`, async (req, reply) => {
    const o = orders.get(orderId(req.params));
    const { page, limit } = pageParams(query(req));
    return sendV2List(
      reply,
      slicePage(o.lines, page, limit).map((l) => renderOrderProduct(o, l)),
    );
  });

  app.get<{ Params: IdParams & { product_id: string } }>(
    `${P}/orders/:order_id/products/:product_id`,
    async (req) => {
      const o = orders.get(orderId(req.params));
      const line = o.lines.find((l) => l.id === Number(req.params.product_id));
      if (!line) throw new BcError(404, 'The requested resource was not found.');
      return renderOrderProduct(o, line);
    },
  );

  app.get<{ Params: IdParams }>(`${P}/orders/:order_id/shipping_addresses`, async (req, reply) => {
    const o = orders.get(orderId(req.params));
    const { page, limit } = pageParams(query(req));
    return sendV2List(
      reply,
      slicePage(o.shippingAddresses, page, limit).map((a) => renderShippingAddress(state, o, a)),
    );
  });

  app.get<{ Params: IdParams & { id: string } }>(
    `${P}/orders/:order_id/shipping_addresses/:id`,
    async (req) => {
      const o = orders.get(orderId(req.params));
      const a = o.shippingAddresses.find((x) => x.id === Number(req.params.id));
      if (!a) throw new BcError(404, 'The requested resource was not found.');
      return renderShippingAddress(state, o, a);
    },
  );

  app.get<{ Params: IdParams }>(`${P}/orders/:order_id/shipments`, async (req, reply) => {
    const o = orders.get(orderId(req.params));
    const { page, limit } = pageParams(query(req));
    return sendV2List(
      reply,
      slicePage(o.shipments, page, limit).map((s) => renderShipment(o, s)),
    );
  });

  app.get<{ Params: IdParams }>(`${P}/orders/:order_id/shipments/count`, async (req) => ({
    count: orders.get(orderId(req.params)).shipments.length,
  }));

  app.get<{ Params: IdParams & { shipment_id: string } }>(
    `${P}/orders/:order_id/shipments/:shipment_id`,
    async (req) => {
      const o = orders.get(orderId(req.params));
      const s = o.shipments.find((x) => x.id === Number(req.params.shipment_id));
      if (!s) throw new BcError(404, 'The requested resource was not found.');
      return renderShipment(o, s);
    },
  );

  app.post<{ Params: IdParams }>(`${P}/orders/:order_id/shipments`, async (req, reply) => {
    const o = orders.get(orderId(req.params));
    const s = orders.ship(o.id, req.body);
    return reply.code(201).send(renderShipment(o, s));
  });

  app.get<{ Params: IdParams }>(`${P}/orders/:order_id/coupons`, async (req, reply) => {
    orders.get(orderId(req.params));
    return reply.code(204).send();
  });

  app.get(`${P}/order_statuses`, async () => ORDER_STATUSES.map(renderStatus));
  app.get<{ Params: { status_id: string } }>(`${P}/order_statuses/:status_id`, async (req) => {
    const s = ORDER_STATUSES.find((x) => x.id === Number(req.params.status_id));
    if (!s) throw new BcError(404, 'The requested resource was not found.');
    return renderStatus(s);
  });
}
