/**
 * Orders (v2), their sub-resources, transactions and payment actions (v3).
 * Status changes and shipment creates are writes: never resent by the client after an unknown
 * outcome; the flow checks `shipments()` before creating one again (DESIGN §5.2).
 */
import { z } from 'zod';
import type { BigCommerceClient, Query, RequestOptions } from '../bigcommerce-client.js';
import { collect, type Page, type PaginateOptions, paginateV2, paginateV3 } from '../pagination.js';
import {
  type BcOrder,
  type BcOrderProduct,
  type BcShipment,
  type BcShippingAddress,
  type BcTransaction,
  countSchema,
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

export class OrdersResource {
  constructor(private readonly c: BigCommerceClient) {}

  get(orderId: number, opts?: RequestOptions): Promise<BcOrder> {
    return this.c.getJson(`/v2/orders/${orderId}`, orderSchema, opts);
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
