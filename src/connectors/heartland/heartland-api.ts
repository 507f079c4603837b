/**
 * Heartland resources the flows use, grouped as the API groups them. Every method is one or a few
 * requests; sequencing (create order → lines → payment → open) belongs to the flows.
 */
import { z } from 'zod';
import { PermanentError } from '../../engine/errors.js';
import { customField, type HlFilter, hlFilter } from './filter.js';
import {
  HeartlandClient,
  type HeartlandClientOptions,
  type HlKeysetPage,
  type HlPage,
  type HlQuery,
} from './heartland-client.js';
import {
  type HlAddress,
  type HlCustomer,
  type HlCustomField,
  type HlGiftCard,
  type HlGiftCardAdjustment,
  type HlGrid,
  type HlInventoryTransaction,
  type HlInventoryValue,
  type HlInvoice,
  type HlItem,
  type HlLocation,
  type HlNamed,
  type HlOrderLine,
  type HlPayment,
  type HlSalesOrder,
  type HlWebhook,
  hlAddressSchema,
  hlCustomerSchema,
  hlCustomFieldSchema,
  hlGiftCardAdjustmentSchema,
  hlGiftCardSchema,
  hlGridSchema,
  hlInventoryTransactionSchema,
  hlInventoryValueSchema,
  hlInvoiceSchema,
  hlItemSchema,
  hlLocationSchema,
  hlNamedSchema,
  hlOrderLineSchema,
  hlPaymentSchema,
  hlSalesOrderSchema,
  hlWebhookSchema,
  hlWhoAmISchema,
} from './schemas.js';

type Body = Record<string, unknown>;

async function all<T>(pages: AsyncIterable<HlPage<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) out.push(...p.items);
  return out;
}

export class HeartlandApi {
  readonly client: HeartlandClient;

  constructor(clientOrOptions: HeartlandClient | HeartlandClientOptions) {
    this.client =
      clientOrOptions instanceof HeartlandClient ? clientOrOptions : new HeartlandClient(clientOrOptions);
  }

  // ── system ──
  whoami(): Promise<z.infer<typeof hlWhoAmISchema>> {
    return this.client.getJson('/system/whoami', hlWhoAmISchema);
  }

  // ── items and grids ──
  getItem(id: number): Promise<HlItem> {
    return this.client.getJson(`/items/${id}`, hlItemSchema);
  }
  async itemsByPublicId(publicIds: readonly string[]): Promise<HlItem[]> {
    if (publicIds.length === 0) return [];
    return all(
      this.client.paginate('/items', hlItemSchema, {
        query: { _filter: hlFilter.in('public_id', [...publicIds]) },
        perPage: 200,
      }),
    );
  }
  async itemByPublicId(publicId: string): Promise<HlItem | undefined> {
    return (await this.itemsByPublicId([publicId])).find((i) => i.public_id === publicId);
  }
  /** Items changed since an ISO time, oldest id first (poll cursor: keep `lastId` and the time). */
  itemsUpdatedSince(sinceIso: string, afterId = 0): AsyncGenerator<HlKeysetPage<HlItem>> {
    return this.client.keyset('/items', hlItemSchema, {
      filter: hlFilter.gt('updated_at', sinceIso),
      afterId,
    });
  }
  listItems(
    filter?: HlFilter,
    opts: { perPage?: number; startPage?: number } = {},
  ): AsyncGenerator<HlPage<HlItem>> {
    return this.client.paginate('/items', hlItemSchema, { ...opts, query: { _filter: filter } });
  }
  updateItem(id: number, body: Body): Promise<HlItem> {
    return this.client.putJson(`/items/${id}`, body, hlItemSchema);
  }
  createItem(body: Body): Promise<number> {
    return this.client.createAndGetId('/items', body);
  }
  getGrid(id: number): Promise<HlGrid> {
    return this.client.getJson(`/item_grids/${id}`, hlGridSchema);
  }
  gridItems(gridId: number): Promise<HlItem[]> {
    return all(
      this.client.paginate('/items', hlItemSchema, { query: { _filter: hlFilter.eq('grid_id', gridId) } }),
    );
  }
  updateGrid(id: number, body: Body): Promise<HlGrid> {
    return this.client.putJson(`/item_grids/${id}`, body, hlGridSchema);
  }

  // ── locations ──
  locations(): Promise<HlLocation[]> {
    return all(
      this.client.paginate('/locations', hlLocationSchema, { query: { '_include[]': ['stations'] } }),
    );
  }

  // ── inventory ──
  /** Values grouped by item and location; filter by item ids and/or location ids. */
  inventoryValues(
    filter: { itemIds?: number[]; locationIds?: number[] } = {},
  ): AsyncGenerator<HlPage<HlInventoryValue>> {
    const f = hlFilter.and(
      filter.itemIds ? hlFilter.in('item_id', filter.itemIds) : undefined,
      filter.locationIds ? hlFilter.in('location_id', filter.locationIds) : undefined,
    );
    const query: HlQuery = {
      'group[]': ['item_id', 'location_id'],
      exclude_empty_locations: true,
      _filter: f,
    };
    return this.client.paginate('/inventory/values', hlInventoryValueSchema, { query, perPage: 500 });
  }
  /** The stock ledger after `afterId` (delta poll cursor). */
  inventoryTransactions(
    afterId: number,
    filter?: HlFilter,
  ): AsyncGenerator<HlKeysetPage<HlInventoryTransaction>> {
    return this.client.keyset('/inventory/transactions', hlInventoryTransactionSchema, {
      afterId,
      filter,
      perPage: 500,
    });
  }

  // ── customers ──
  getCustomer(id: number): Promise<HlCustomer> {
    return this.client.getJson(`/customers/${id}`, hlCustomerSchema);
  }
  customersByEmail(email: string): Promise<HlCustomer[]> {
    return all(
      this.client.paginate('/customers', hlCustomerSchema, {
        query: { _filter: hlFilter.eq('email', email) },
        perPage: 20,
      }),
    );
  }
  /** Phone lives on addresses or a custom field depending on the account (NOTES §11); pass the field. */
  customersByPhone(phone: string, field = 'phone'): Promise<HlCustomer[]> {
    return all(
      this.client.paginate('/customers', hlCustomerSchema, {
        query: { _filter: hlFilter.eq(field, phone) },
        perPage: 20,
      }),
    );
  }
  customersUpdatedSince(sinceIso: string, afterId = 0): AsyncGenerator<HlKeysetPage<HlCustomer>> {
    return this.client.keyset('/customers', hlCustomerSchema, {
      filter: hlFilter.gt('updated_at', sinceIso),
      afterId,
    });
  }
  createCustomer(body: Body): Promise<number> {
    return this.client.createAndGetId('/customers', body);
  }
  updateCustomer(id: number, body: Body): Promise<HlCustomer> {
    return this.client.putJson(`/customers/${id}`, body, hlCustomerSchema);
  }
  customerAddresses(customerId: number): Promise<HlAddress[]> {
    return all(this.client.paginate(`/customers/${customerId}/addresses`, hlAddressSchema));
  }
  createCustomerAddress(customerId: number, body: Body): Promise<number> {
    return this.client.createAndGetId(`/customers/${customerId}/addresses`, body);
  }

  // ── sales orders ──
  /** Creates an order in `pending` (the flow adds lines and payments, then opens it). */
  createSalesOrder(body: Body): Promise<number> {
    return this.client.createAndGetId('/sales/orders', { status: 'pending', ...body });
  }
  /**
   * Creates an order in `pending` with its lines inline (NOTES §12: `lines:[…]` may be sent with the
   * order [C2]): one request instead of 1 + one per line. Each line is the body `addOrderLine` takes. The
   * 201 carries no line ids; read them with `getSalesOrderWithDetails` when they are needed.
   */
  createSalesOrderWithLines(body: Body, lines: readonly Body[]): Promise<number> {
    return this.client.createAndGetId('/sales/orders', { status: 'pending', ...body, lines });
  }
  /**
   * The order with its lines and payments embedded (`_include[]=lines&_include[]=payments`, NOTES §5
   * [C2]): one request instead of three. Falls back to the sub-resources if an embed is missing.
   * `newConnection`: read over a connection of its own — after an unanswered write, so that a write still
   * queued at the server is read before this (reset-on-abort.ts, `freshConnectionFor`).
   */
  async getSalesOrderWithDetails(
    id: number,
    opts: { newConnection?: boolean } = {},
  ): Promise<HlSalesOrder & { lines: HlOrderLine[]; payments: HlPayment[] }> {
    const order = await this.client.getJson(
      `/sales/orders/${id}`,
      hlSalesOrderSchema,
      { '_include[]': ['lines', 'payments'] },
      opts,
    );
    const [lines, payments] = [
      order.lines ?? (await all(this.client.paginate(`/sales/orders/${id}/lines`, hlOrderLineSchema))),
      order.payments ?? (await all(this.client.paginate(`/sales/orders/${id}/payments`, hlPaymentSchema))),
    ];
    return { ...order, lines, payments };
  }
  /** Finds orders carrying a custom-field reference (e.g. `bc_order_id`), the lookup before any create. */
  salesOrdersByCustom(key: string, value: string | number): Promise<HlSalesOrder[]> {
    return all(
      this.client.paginate('/sales/orders', hlSalesOrderSchema, {
        query: { _filter: hlFilter.eq(customField(key), value) },
      }),
    );
  }
  async getSalesOrder(id: number): Promise<HlSalesOrder & { lines: HlOrderLine[]; payments: HlPayment[] }> {
    const order = await this.client.getJson(`/sales/orders/${id}`, hlSalesOrderSchema);
    const [lines, payments] = [
      order.lines ?? (await all(this.client.paginate(`/sales/orders/${id}/lines`, hlOrderLineSchema))),
      order.payments ?? (await all(this.client.paginate(`/sales/orders/${id}/payments`, hlPaymentSchema))),
    ];
    return { ...order, lines, payments };
  }
  addOrderLine(orderId: number, body: Body): Promise<number> {
    return this.client.createAndGetId(`/sales/orders/${orderId}/lines`, body);
  }
  updateOrderLine(orderId: number, lineId: number, body: Body): Promise<HlOrderLine> {
    return this.client.putJson(`/sales/orders/${orderId}/lines/${lineId}`, body, hlOrderLineSchema);
  }
  addOrderPayment(orderId: number, body: Body): Promise<number> {
    return this.client.createAndGetId(`/sales/orders/${orderId}/payments`, body);
  }
  setOrderStatus(orderId: number, status: 'pending' | 'open' | 'closed' | 'canceled'): Promise<HlSalesOrder> {
    return this.client.putJson(`/sales/orders/${orderId}`, { status }, hlSalesOrderSchema);
  }
  updateSalesOrder(orderId: number, body: Body): Promise<HlSalesOrder> {
    return this.client.putJson(`/sales/orders/${orderId}`, body, hlSalesOrderSchema);
  }

  // ── fulfilment (invoices) ──
  invoicesSince(afterId: number, filter?: HlFilter): AsyncGenerator<HlKeysetPage<HlInvoice>> {
    return this.client.keyset('/sales/invoices', hlInvoiceSchema, { afterId, filter });
  }
  invoicesForOrder(orderId: number): Promise<HlInvoice[]> {
    return all(
      this.client.paginate('/sales/invoices', hlInvoiceSchema, {
        query: { _filter: hlFilter.eq('order_id', orderId) },
      }),
    );
  }
  invoiceLines(invoiceId: number): Promise<unknown[]> {
    return all(this.client.paginate(`/sales/invoices/${invoiceId}/lines`, z.unknown()));
  }

  // ── reference data ──
  paymentTypes(): Promise<HlNamed[]> {
    return all(this.client.paginate('/payment_types', hlNamedSchema));
  }
  createPaymentType(name: string): Promise<number> {
    return this.client.createAndGetId('/payment_types', { name });
  }
  shippingMethods(): Promise<HlNamed[]> {
    return all(this.client.paginate('/shipping_methods', hlNamedSchema));
  }

  // ── gift cards ──
  /** The path key is the card NUMBER (NOTES §14); an unknown number → undefined. */
  async giftCardByNumber(number: string): Promise<HlGiftCard | undefined> {
    const hits = await all(
      this.client.paginate('/gift_cards', hlGiftCardSchema, {
        query: { _filter: hlFilter.eq('number', number) },
      }),
    );
    return hits.find((g) => g.number === number);
  }
  /**
   * Creates a card and returns its id. The `Location` of a new card names it by NUMBER (the path key,
   * NOTES §14), so a trailing-digits parse would take an all-digit number for an id: the id is read back
   * by number instead (Heartland stores numbers without spaces).
   */
  async createGiftCard(body: {
    number: string;
    balance: string | number;
    reason_id?: number;
  }): Promise<number> {
    const res = await this.client.request('POST', '/gift_cards', { body });
    const bodyId = (res.body as { id?: unknown } | undefined)?.id;
    if (typeof bodyId === 'number') return bodyId;
    const number = body.number.replace(/\s+/g, '');
    const card = await this.giftCardByNumber(number);
    if (card) return card.id;
    throw new PermanentError({
      code: 'HB_ERR_HL_BAD_RESPONSE',
      message: `Heartland POST /gift_cards → ${res.status}, but no card with the number sent can be read back`,
      context: { method: 'POST', path: '/gift_cards' },
    });
  }
  /**
   * Adds `delta_balance` to the card's balance. The path is `/gift_card/adjustments` (C1); one source says
   * `/gift_card_adjustments` (NOTES §14 [CONFLICT]), so a 404 — nothing was written — tries that one and
   * remembers whichever answered.
   */
  async adjustGiftCard(body: {
    gift_card_id: number;
    reason_id?: number;
    delta_balance: string | number;
  }): Promise<number> {
    return this.onAdjustmentsPath((path) => this.client.createAndGetId(path, body));
  }
  /** Adjustments of one card with an id above `afterId`, oldest first. */
  async giftCardAdjustments(giftCardId: number, afterId = 0): Promise<HlGiftCardAdjustment[]> {
    return this.onAdjustmentsPath(async (path) => {
      const out: HlGiftCardAdjustment[] = [];
      for await (const page of this.client.keyset(path, hlGiftCardAdjustmentSchema, {
        filter: hlFilter.eq('gift_card_id', giftCardId),
        afterId,
      })) {
        out.push(...page.items);
      }
      return out;
    });
  }
  giftCardAdjustmentReasons(): Promise<HlNamed[]> {
    return all(this.client.paginate('/reason_codes/gift_card_adjustment_reasons', hlNamedSchema));
  }
  createGiftCardAdjustmentReason(body: { name: string; description?: string }): Promise<number> {
    return this.client.createAndGetId('/reason_codes/gift_card_adjustment_reasons', body);
  }
  private adjustmentsPath: string | undefined;
  private async onAdjustmentsPath<T>(call: (path: string) => Promise<T>): Promise<T> {
    if (this.adjustmentsPath) return call(this.adjustmentsPath);
    try {
      const out = await call('/gift_card/adjustments');
      this.adjustmentsPath = '/gift_card/adjustments';
      return out;
    } catch (err) {
      if ((err as { upstreamStatus?: number }).upstreamStatus !== 404) throw err;
      const out = await call('/gift_card_adjustments');
      this.adjustmentsPath = '/gift_card_adjustments';
      return out;
    }
  }

  // ── webhooks ──
  webhooks(): Promise<HlWebhook[]> {
    return all(this.client.paginate('/webhooks', hlWebhookSchema));
  }
  createWebhook(body: { url: string; events: string[] }): Promise<number> {
    return this.client.createAndGetId('/webhooks', body);
  }
  async deleteWebhook(id: number): Promise<void> {
    await this.client.request('DELETE', `/webhooks/${id}`);
  }

  // ── custom fields (for `heartbridge setup`) ──
  customFields(groupId?: string): Promise<HlCustomField[]> {
    const query: HlQuery = groupId ? { _filter: hlFilter.eq('group_id', groupId) } : {};
    return all(this.client.paginate('/custom_fields', hlCustomFieldSchema, { query }));
  }
  /** Creates the definition unless one with this group + key exists; returns its id either way. */
  async ensureCustomField(def: {
    group_id: string;
    key: string;
    name: string;
    validation_type?: string;
  }): Promise<number> {
    const existing = (await this.customFields(def.group_id)).find((f) => f.key === def.key);
    if (existing) return existing.id;
    return this.client.createAndGetId('/custom_fields', {
      required: false,
      unique: false,
      validation_type: 'text',
      ...def,
    });
  }
}
