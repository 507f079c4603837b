/**
 * Order placement and lifecycle: POST/PUT /v2/orders, shipments, and the stock and webhook side
 * effects the real store produces.
 *
 * Stock follows `/v3/settings/inventory` `update_stock_behavior`: `order_placed` takes stock when a
 * non-incomplete order is created (or an incomplete one leaves status 0); `order_completed_or_shipped`
 * when the order reaches Shipped, Partially Shipped or Completed. Cancelled/Refunded give it back when
 * `refund_order_stock_adjustment` is on. Stock always moves at the default location (id 1), which is
 * where the storefront sells from by default.
 *
 * Transactions: POST /v2/orders on the real API records no payment; the sandbox emulates a storefront
 * checkout instead and records one transaction from `payment_method` (see `paymentPlan`).
 */
import { BcError } from './bc-errors.js';
import type { BcContext } from './context.js';
import { parseApiDate } from './dates.js';
import type { ResolvedItem } from './inventory-service.js';
import { dec, m4, sum } from './money.js';
import { type OrderPostIn, orderPostIn, orderPutIn, shipmentPostIn } from './order-input.js';
import { orderTotals } from './render.js';
import type { OrderLine, OrderRecord, ShipmentRecord, TransactionRecord } from './store-state.js';

type PaymentPlan = Pick<TransactionRecord, 'event' | 'method' | 'gateway'> & {
  status: string;
  offline: boolean;
};

/** Map the display name of a payment method to the transaction a storefront checkout would record. */
export function paymentPlan(paymentMethod: string): PaymentPlan | null {
  const pm = paymentMethod.toLowerCase();
  if (pm === '' || pm === 'manual') return null;
  const offline = (gateway: string): PaymentPlan => ({
    event: 'pending',
    method: 'offline',
    gateway,
    status: 'pending',
    offline: true,
  });
  if (pm.includes('cash') || pm.includes('in store') || pm.includes('pickup')) return offline('instore');
  if (pm.includes('check') || pm.includes('cheque')) return offline('cheque');
  if (pm.includes('bank')) return offline('bankdeposit');
  if (pm.includes('money order')) return offline('moneyorder');
  if (pm.includes('cod') || pm.includes('cash on delivery')) return offline('cod');
  if (pm.includes('gift'))
    return {
      event: 'purchase',
      method: 'gift_certificate',
      gateway: 'giftcertificate',
      status: 'captured',
      offline: false,
    };
  if (pm.includes('store credit'))
    return {
      event: 'purchase',
      method: 'store_credit',
      gateway: 'storecredit',
      status: 'captured',
      offline: false,
    };
  if (pm.includes('paypal'))
    return {
      event: 'purchase',
      method: 'electronic_wallet',
      gateway: 'paypalexpress',
      status: 'captured',
      offline: false,
    };
  const gateway = pm.includes('braintree')
    ? 'braintree'
    : pm.includes('square')
      ? 'square'
      : pm.includes('test')
        ? 'testgateway'
        : 'stripe';
  if (pm.includes('auth'))
    return { event: 'authorization', method: 'credit_card', gateway, status: 'authorized', offline: false };
  return { event: 'purchase', method: 'credit_card', gateway, status: 'captured', offline: false };
}

const TAKES_STOCK_ON_SHIP = new Set([2, 3, 10]);
const GIVES_STOCK_BACK = new Set([4, 5]);

export class OrderService {
  constructor(private readonly ctx: BcContext) {}

  private resolveLine(line: OrderPostIn['products'][number]): {
    r: ResolvedItem | null;
    variantId: number | null;
  } {
    const { state } = this.ctx;
    if (line.product_id === undefined && line.variant_id === undefined) {
      if (line.name !== undefined || line.sku === undefined) return { r: null, variantId: null }; // custom product
      const v = state.variantBySku(line.sku);
      const p = v ? state.products.get(v.product_id) : undefined;
      if (!v || !p) throw new BcError(400, `The product with SKU ${line.sku} was not found.`);
      return { r: { product: p, variant: v, stockKey: state.stockKeyFor(p, v) }, variantId: v.id };
    }
    const v = line.variant_id !== undefined ? state.variants.get(line.variant_id) : undefined;
    const productId = line.product_id ?? v?.product_id;
    const p = productId === undefined ? undefined : state.products.get(productId);
    if (!p) throw new BcError(400, `The product with ID ${productId} was not found.`);
    let variant = v && v.product_id === p.id ? v : undefined;
    if (!variant && line.product_options && line.product_options.length > 0) {
      const wanted = new Set(line.product_options.map((o) => Number(o.value)));
      variant = p.variantIds
        .map((id) => state.variants.get(id))
        .find(
          (cand) =>
            cand !== undefined &&
            cand.option_values.length > 0 &&
            cand.option_values.every((ov) => wanted.has(ov.id)),
        );
    }
    if (!variant && p.variantIds.length === 1) variant = state.variants.get(p.variantIds[0] ?? -1);
    if (!variant) throw new BcError(400, `The product ${p.name} requires product options to be selected.`);
    return { r: { product: p, variant, stockKey: state.stockKeyFor(p, variant) }, variantId: variant.id };
  }

  private takesStockOnCreate(statusId: number): boolean {
    return statusId !== 0 && this.ctx.state.inventorySettings.update_stock_behavior === 'order_placed';
  }

  place(body: unknown): OrderRecord {
    const parsed = orderPostIn.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BcError(
        400,
        `The field '${issue?.path.join('.') ?? ''}' is invalid: ${issue?.message ?? ''}`,
      );
    }
    const input = parsed.data;
    const { state } = this.ctx;
    const now = this.ctx.now();
    const created = input.date_created ? (parseApiDate(input.date_created) ?? now) : now;
    const orderId = state.nextId('order', 100);
    const billing = { ...input.billing_address, form_fields: [] };
    const shipping = (input.shipping_addresses ?? [{ ...input.billing_address, shipping_method: '' }]).map(
      (a) => ({
        ...a,
        id: state.nextId('orderAddress', 1),
        base_cost: '0',
        cost_ex_tax: '0',
        cost_inc_tax: '0',
      }),
    );
    const firstAddress = shipping[0];
    if (!firstAddress) throw new BcError(400, 'The order needs a shipping address.');

    const resolved = input.products.map((line) => ({ line, ...this.resolveLine(line) }));
    if (this.ctx.options.rejectOutOfStock && this.takesStockOnCreate(input.status_id)) {
      const need = new Map<string, { r: ResolvedItem; qty: number }>();
      for (const { line, r } of resolved) {
        if (!r || r.product.inventory_tracking === 'none') continue;
        const cur = need.get(r.stockKey) ?? { r, qty: 0 };
        cur.qty += line.quantity;
        need.set(r.stockKey, cur);
      }
      for (const { r, qty } of need.values()) {
        if (this.ctx.inventory.available(r, 1) < qty) {
          throw new BcError(
            400,
            `The product ${r.variant?.sku ?? r.product.sku} does not have sufficient stock.`,
          );
        }
      }
    }

    const lines: OrderLine[] = resolved.map(({ line, r, variantId }) => {
      const catalogPrice = r ? (r.variant?.price ?? r.product.price) : '0';
      const ex = line.price_ex_tax ?? line.price_inc_tax ?? catalogPrice;
      const inc = line.price_inc_tax ?? ex;
      return {
        id: state.nextId('orderProduct', 1),
        product_id: r?.product.id ?? 0,
        variant_id: variantId,
        stockKey: r?.stockKey ?? '',
        name: line.name ?? r?.product.name ?? 'Custom item',
        sku: line.sku ?? r?.variant?.sku ?? r?.product.sku ?? '',
        upc: line.upc ?? r?.variant?.upc ?? '',
        type: r?.product.type === 'digital' ? 'digital' : 'physical',
        base_price: m4(ex),
        price_ex_tax: m4(ex),
        price_inc_tax: m4(inc),
        base_cost_price: m4(r?.variant?.cost_price ?? r?.product.cost_price ?? '0'),
        quantity: line.quantity,
        quantity_shipped: 0,
        quantity_refunded: 0,
        order_address_id: firstAddress.id,
        weight: m4(r?.product.weight ?? 0),
        product_options: (r?.variant?.option_values ?? []).map((ov) => ({
          display_name: ov.option_display_name,
          display_value: ov.label,
          option_id: ov.option_id,
          value: String(ov.id),
        })),
      };
    });

    const shipEx =
      input.shipping_cost_ex_tax ?? input.base_shipping_cost ?? input.shipping_cost_inc_tax ?? '0';
    const shipInc = input.shipping_cost_inc_tax ?? shipEx;
    firstAddress.base_cost = m4(input.base_shipping_cost ?? shipEx);
    firstAddress.cost_ex_tax = m4(shipEx);
    firstAddress.cost_inc_tax = m4(shipInc);
    const handEx = input.handling_cost_ex_tax ?? input.base_handling_cost ?? '0';
    const wrapEx = input.wrapping_cost_ex_tax ?? input.base_wrapping_cost ?? '0';
    const order: OrderRecord = {
      id: orderId,
      customer_id: input.customer_id,
      status_id: input.status_id,
      date_created: created,
      date_modified: created,
      date_shipped: null,
      billing_address: billing,
      lines,
      shippingAddresses: shipping,
      shipments: [],
      transactions: [],
      refunds: [],
      money: {
        subtotal_ex_tax: m4(sum(lines.map((l) => dec(l.price_ex_tax).times(l.quantity)))),
        subtotal_inc_tax: m4(sum(lines.map((l) => dec(l.price_inc_tax).times(l.quantity)))),
        base_shipping_cost: m4(input.base_shipping_cost ?? shipEx),
        shipping_cost_ex_tax: m4(shipEx),
        shipping_cost_inc_tax: m4(shipInc),
        base_handling_cost: m4(input.base_handling_cost ?? handEx),
        handling_cost_ex_tax: m4(handEx),
        handling_cost_inc_tax: m4(input.handling_cost_inc_tax ?? handEx),
        base_wrapping_cost: m4(input.base_wrapping_cost ?? wrapEx),
        wrapping_cost_ex_tax: m4(wrapEx),
        wrapping_cost_inc_tax: m4(input.wrapping_cost_inc_tax ?? wrapEx),
        discount_amount: m4(input.discount_amount ?? '0'),
        coupon_discount: '0.0000',
        refunded_amount: '0.0000',
        store_credit_amount: m4(input.store_credit_amount ?? '0'),
        gift_certificate_amount: m4(input.gift_certificate_amount ?? '0'),
      },
      payment_method: input.payment_method,
      payment_provider_id: input.payment_provider_id === undefined ? '' : String(input.payment_provider_id),
      payment_status: '',
      currency_code: input.default_currency_code ?? state.currencyCode,
      customer_message: input.customer_message,
      staff_notes: input.staff_notes,
      order_source: input.order_source ?? 'external',
      channel_id: input.channel_id,
      external_source: input.external_source ?? null,
      external_id: input.external_id ?? null,
      external_order_id: input.external_order_id,
      customer_locale: input.customer_locale,
      ip_address: input.ip_address,
      is_deleted: false,
      stockTaken: false,
    };
    state.orders.set(order.id, order);
    if (order.status_id !== 0) this.recordPayment(order);
    // Incomplete orders (status 0) fire store/order/created too.
    this.ctx.webhooks.emit('store/order/created', { type: 'order', id: order.id });
    if (this.takesStockOnCreate(order.status_id)) this.moveStock(order, -1);
    return order;
  }

  private recordPayment(order: OrderRecord): void {
    const plan = paymentPlan(order.payment_method);
    if (!plan || order.transactions.length > 0) return;
    const total = orderTotals(order).incTax;
    order.transactions.push(
      this.transaction(order, plan.event, plan.method, plan.gateway, m4(total), null, plan.offline),
    );
    order.payment_status = plan.status;
  }

  transaction(
    order: OrderRecord,
    event: TransactionRecord['event'],
    method: string,
    gateway: string,
    amount: string,
    reference: number | null,
    offline = false,
  ): TransactionRecord {
    const id = this.ctx.state.nextId('transaction', 1);
    return {
      id,
      order_id: order.id,
      event,
      method,
      amount,
      currency: order.currency_code,
      gateway,
      gateway_transaction_id: `sbx_${order.id}_${id}`,
      date_created: this.ctx.now(),
      test: true,
      status: 'ok',
      reference_transaction_id: reference,
      offline: offline ? { display_name: order.payment_method } : null,
      gift_certificate: null,
    };
  }

  /** Take (sign −1) or give back (+1) the stock of every catalog line. */
  private moveStock(order: OrderRecord, sign: 1 | -1): void {
    if ((sign === -1) === order.stockTaken) return;
    const { state, inventory } = this.ctx;
    for (const l of order.lines) {
      if (!l.stockKey) continue;
      const product = state.products.get(l.product_id);
      if (!product) continue;
      const variant = l.variant_id === null ? undefined : state.variants.get(l.variant_id);
      inventory.orderChange({ product, variant, stockKey: l.stockKey }, sign * l.quantity);
    }
    order.stockTaken = sign === -1;
  }

  get(id: number): OrderRecord {
    const o = this.ctx.state.orders.get(id);
    if (!o || o.is_deleted) throw new BcError(404, 'The requested resource was not found.');
    return o;
  }

  update(id: number, body: unknown): OrderRecord {
    const order = this.get(id);
    const parsed = orderPutIn.safeParse(body);
    if (!parsed.success)
      throw new BcError(400, `The request body is invalid: ${parsed.error.issues[0]?.message}`);
    const p = parsed.data;
    if (p.customer_id !== undefined) order.customer_id = p.customer_id;
    if (p.billing_address) Object.assign(order.billing_address, p.billing_address);
    if (p.payment_method !== undefined) order.payment_method = p.payment_method;
    if (p.staff_notes !== undefined) order.staff_notes = p.staff_notes;
    if (p.customer_message !== undefined) order.customer_message = p.customer_message;
    if (p.external_order_id !== undefined) order.external_order_id = p.external_order_id;
    if (p.discount_amount !== undefined) order.money.discount_amount = m4(p.discount_amount);
    order.date_modified = this.ctx.now();
    if (p.status_id !== undefined && p.status_id !== order.status_id) this.setStatus(order, p.status_id);
    this.ctx.webhooks.emit('store/order/updated', { type: 'order', id: order.id });
    return order;
  }

  setStatus(order: OrderRecord, next: number): void {
    const prev = order.status_id;
    if (prev === next) return;
    order.status_id = next;
    order.date_modified = this.ctx.now();
    if (next === 2 && order.date_shipped === null) order.date_shipped = this.ctx.now();
    const settings = this.ctx.state.inventorySettings;
    if (prev === 0) this.recordPayment(order);
    if (GIVES_STOCK_BACK.has(next)) {
      if (settings.refund_order_stock_adjustment) this.moveStock(order, 1);
    } else if (next !== 0) {
      if (settings.update_stock_behavior === 'order_placed' && (prev === 0 || GIVES_STOCK_BACK.has(prev)))
        this.moveStock(order, -1);
      if (settings.update_stock_behavior === 'order_completed_or_shipped' && TAKES_STOCK_ON_SHIP.has(next))
        this.moveStock(order, -1);
    }
    this.ctx.webhooks.emit('store/order/statusUpdated', {
      type: 'order',
      id: order.id,
      status: { previous_status_id: prev, new_status_id: next },
    });
  }

  ship(orderId: number, body: unknown): ShipmentRecord {
    const order = this.get(orderId);
    const parsed = shipmentPostIn.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BcError(
        400,
        `The field '${issue?.path.join('.') ?? ''}' is invalid: ${issue?.message ?? ''}`,
      );
    }
    const input = parsed.data;
    if (!order.shippingAddresses.some((a) => a.id === input.order_address_id)) {
      throw new BcError(
        400,
        `The order address ${input.order_address_id} does not belong to order ${order.id}.`,
      );
    }
    const wanted = new Map<number, number>();
    for (const it of input.items)
      wanted.set(it.order_product_id, (wanted.get(it.order_product_id) ?? 0) + it.quantity);
    for (const [opId, qty] of wanted) {
      const line = order.lines.find((l) => l.id === opId);
      if (!line) throw new BcError(400, `The order product ${opId} does not belong to order ${order.id}.`);
      if (line.order_address_id !== input.order_address_id) {
        throw new BcError(
          400,
          `The order product ${opId} does not ship to address ${input.order_address_id}.`,
        );
      }
      if (line.quantity_shipped + qty > line.quantity) {
        throw new BcError(
          400,
          `The quantity to ship for order product ${opId} exceeds the quantity remaining to ship.`,
        );
      }
    }
    for (const [opId, qty] of wanted) {
      const line = order.lines.find((l) => l.id === opId);
      if (line) line.quantity_shipped += qty;
    }
    const shipment: ShipmentRecord = {
      id: this.ctx.state.nextId('shipment', 1),
      order_id: order.id,
      customer_id: order.customer_id,
      order_address_id: input.order_address_id,
      date_created: this.ctx.now(),
      tracking_number: input.tracking_number,
      shipping_method: input.shipping_method,
      shipping_provider: input.shipping_provider,
      tracking_carrier: input.tracking_carrier,
      comments: input.comments,
      items: [...wanted].map(([order_product_id, quantity]) => ({
        order_product_id,
        product_id: order.lines.find((l) => l.id === order_product_id)?.product_id ?? 0,
        quantity,
      })),
    };
    order.shipments.push(shipment);
    this.ctx.webhooks.emit('store/shipment/created', {
      type: 'shipment',
      id: shipment.id,
      orderId: order.id,
    });
    const allShipped = order.lines.every((l) => l.quantity_shipped >= l.quantity);
    this.setStatus(order, allShipped ? 2 : 3);
    this.ctx.webhooks.emit('store/order/updated', { type: 'order', id: order.id });
    return shipment;
  }
}
