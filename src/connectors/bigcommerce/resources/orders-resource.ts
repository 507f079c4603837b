/**
 * Orders (v2), their sub-resources, transactions and payment actions (v3).
 * Status changes and shipment creates are writes: never resent by the client after an unknown
 * outcome; the flow checks `shipments()` before creating one again (DESIGN §5.2).
 */
import { Decimal } from 'decimal.js';
import { z } from 'zod';
import type { BigCommerceClient, Query, RequestOptions } from '../bigcommerce-client.js';
import { collect, type Page, type PaginateOptions, paginateV2, paginateV3 } from '../pagination.js';
import {
  type BcOrder,
  type BcOrderProduct,
  type BcShipment,
  type BcShippingAddress,
  type BcShippingConsignment,
  type BcTransaction,
  countSchema,
  orderConsignmentsSchema,
  orderProductSchema,
  orderSchema,
  shipmentSchema,
  shippingAddressSchema,
  transactionSchema,
} from '../schemas.js';
import type { CaptureBody, OrderUpdateBody, RefundCreateBody, ShipmentCreateBody } from './body-types.js';

/** GET /v2/orders filters (NOTES §5). Dates: RFC-2822 or ISO-8601. */
export interface OrderListFilters {
  min_id?: number;
  max_id?: number;
  customer_id?: number;
  email?: string;
  status_id?: number;
  min_date_created?: string;
  max_date_created?: string;
  min_date_modified?: string;
  max_date_modified?: string;
  channel_id?: number;
  sort?: string;
}

/**
 * An order read with its consignments embedded (`getWithConsignments`). `products` and `shippingAddresses`
 * are null when the answer carries no consignments in the object structure with full line items (an API
 * version or store that ignores the include, a malformed part): `notEmbedded` says why, and the caller
 * reads `/products` and `/shipping_addresses` instead.
 */
export interface BcOrderWithConsignments {
  /** The order as `get(id, {include: 'fees'})` answers it (the `consignments` key taken out). */
  order: BcOrder;
  /** The line items of every consignment (shipping, pickup, download, gift certificate), by id. */
  products: BcOrderProduct[] | null;
  /** One per shipping consignment, in the `/shipping_addresses` shape, by id. */
  shippingAddresses: BcShippingAddress[] | null;
  /** Ids of the line items in a pickup, download or gift-certificate consignment (no shipping address). */
  unshippedProductIds: number[];
  notEmbedded?: string;
}

/** Shipping consignment costs the spec types as numbers; `/shipping_addresses` sends them as strings. */
export const CONSIGNMENT_MONEY = [
  'base_cost',
  'cost_ex_tax',
  'cost_inc_tax',
  'cost_tax',
  'base_handling_cost',
  'handling_cost_ex_tax',
  'handling_cost_inc_tax',
  'handling_cost_tax',
] as const;

/** 5.1 → "5.1000", as v2 writes money; more than 4 decimals are kept as they came. */
function money4(n: number): string {
  const d = new Decimal(String(n));
  return d.decimalPlaces() <= 4 ? d.toFixed(4) : d.toFixed();
}

/**
 * A shipping consignment as the `/shipping_addresses` entry it stands for: the consignment id is the
 * order address id (what the lines' `order_address_id` and shipments refer to), `order_id` added, the
 * line items left out (they are the products), number costs written as 4-dp strings.
 */
function asShippingAddress(orderId: number, c: BcShippingConsignment): BcShippingAddress {
  const { line_items: _lines, ...fields } = c;
  const out: Record<string, unknown> = { ...fields, order_id: orderId };
  for (const k of CONSIGNMENT_MONEY) {
    const v = out[k];
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = money4(v);
  }
  return out as BcShippingAddress;
}

export class OrdersResource {
  constructor(private readonly c: BigCommerceClient) {}

  get(orderId: number, opts?: RequestOptions): Promise<BcOrder> {
    return this.c.getJson(`/v2/orders/${orderId}`, orderSchema, opts);
  }

  /**
   * One read for the order, its products and its shipping addresses:
   * `?include=consignments.line_items,fees&consignment_structure=object` embeds the consignments, whose
   * line items are the `/products` objects and whose shipping consignments carry the shipping addresses
   * (orders.v2 order_includes, orderConsignment_Get). Whether that is the whole order is the caller's call
   * (fetch-order.ts checks it against `items_total` and `shipping_address_count`).
   */
  async getWithConsignments(orderId: number, opts?: RequestOptions): Promise<BcOrderWithConsignments> {
    const raw = await this.c.getJson(`/v2/orders/${orderId}`, orderSchema, {
      ...opts,
      query: { include: 'consignments.line_items,fees', consignment_structure: 'object', ...opts?.query },
    });
    const { consignments, ...order } = raw;
    const none = (notEmbedded: string): BcOrderWithConsignments => ({
      order,
      products: null,
      shippingAddresses: null,
      unshippedProductIds: [],
      notEmbedded,
    });
    if (consignments === undefined || consignments === null) return none('no consignments in the answer');
    const parsed = orderConsignmentsSchema.safeParse(consignments);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return none(
        `consignments not in the object structure with line items (${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''})`,
      );
    }
    const c = parsed.data;
    const unshipped = [
      ...(c.pickups ?? []),
      ...(c.downloads ?? []),
      ...(c.email?.gift_certificates ?? []),
    ].flatMap((x) => x.line_items);
    const byId = <T extends { id: number }>(a: T, b: T) => a.id - b.id;
    return {
      order,
      products: [...c.shipping.flatMap((x) => x.line_items), ...unshipped].sort(byId),
      shippingAddresses: c.shipping.map((x) => asShippingAddress(order.id, x)).sort(byId),
      unshippedProductIds: unshipped.map((p) => p.id),
    };
  }

  /** Pages of orders; resumable with `startPage`. */
  list(filters: OrderListFilters = {}, opts: PaginateOptions = {}): AsyncGenerator<Page<BcOrder>> {
    return paginateV2(this.c, '/v2/orders', orderSchema, {
      ...opts,
      query: { ...(filters as Query), ...opts.query },
    });
  }

  async count(filters: OrderListFilters = {}): Promise<number> {
    const r = await this.c.getJson('/v2/orders/count', countSchema, { query: filters as Query });
    return r.count;
  }

  products(orderId: number): Promise<BcOrderProduct[]> {
    return collect(paginateV2(this.c, `/v2/orders/${orderId}/products`, orderProductSchema));
  }

  shippingAddresses(orderId: number): Promise<BcShippingAddress[]> {
    return collect(paginateV2(this.c, `/v2/orders/${orderId}/shipping_addresses`, shippingAddressSchema));
  }

  /** All shipments of an order (204 → []). */
  shipments(orderId: number): Promise<BcShipment[]> {
    return collect(paginateV2(this.c, `/v2/orders/${orderId}/shipments`, shipmentSchema));
  }

  createShipment(orderId: number, body: ShipmentCreateBody): Promise<BcShipment> {
    return this.c.sendJson('POST', `/v2/orders/${orderId}/shipments`, body, shipmentSchema);
  }

  updateStatus(orderId: number, statusId: number): Promise<BcOrder> {
    const body: OrderUpdateBody = { status_id: statusId };
    return this.c.sendJson('PUT', `/v2/orders/${orderId}`, body, orderSchema);
  }

  update(orderId: number, body: OrderUpdateBody): Promise<BcOrder> {
    return this.c.sendJson('PUT', `/v2/orders/${orderId}`, body, orderSchema);
  }

  /** v3 transactions (204 when the order has none → []). */
  transactions(orderId: number): Promise<BcTransaction[]> {
    return collect(paginateV3(this.c, `/v3/orders/${orderId}/transactions`, transactionSchema));
  }

  async capture(orderId: number, body: CaptureBody = {}): Promise<unknown> {
    return (await this.c.request('POST', `/v3/orders/${orderId}/payment_actions/capture`, { body })).body;
  }

  async void(orderId: number): Promise<unknown> {
    return (await this.c.request('POST', `/v3/orders/${orderId}/payment_actions/void`, { body: {} })).body;
  }

  async refundQuote(orderId: number, body: unknown): Promise<unknown> {
    return (await this.c.request('POST', `/v3/orders/${orderId}/payment_actions/refund_quotes`, { body }))
      .body;
  }

  async refund(orderId: number, body: RefundCreateBody): Promise<unknown> {
    return (await this.c.request('POST', `/v3/orders/${orderId}/payment_actions/refunds`, { body })).body;
  }

  async refunds(orderId: number): Promise<unknown[]> {
    return collect(paginateV3(this.c, `/v3/orders/${orderId}/payment_actions/refunds`, z.unknown()));
  }
}
