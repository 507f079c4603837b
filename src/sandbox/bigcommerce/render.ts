/** Stored records → the JSON shapes of the BigCommerce API (v2 orders, v3 catalog, inventory, …). */
import { iso, rfc2822 } from './dates.js';
import { allocate4dp, dec, m4, num2, sum } from './money.js';
import { statusName } from './order-statuses.js';
import type {
  CustomerRecord,
  GiftCertificateRecord,
  HookRecord,
  LocationRecord,
  OrderLine,
  OrderRecord,
  ProductRecord,
  ShipmentRecord,
  ShippingAddressRecord,
  StoreState,
  TransactionRecord,
  VariantRecord,
} from './store-state.js';

const API = 'https://api.bigcommerce.com/stores';

/**
 * What `?include=` embeds of the consignments (orders.v2 order_includes, only together with
 * `consignment_structure=object`): nothing (the answer as without the parameter), the consignments with
 * their line items as links, or with the line items as `/products` renders them.
 */
export type ConsignmentsInclude = 'none' | 'links' | 'line_items';

export function renderOrder(state: StoreState, o: OrderRecord, consignments: ConsignmentsInclude = 'none') {
  const m = o.money;
  const base = `${API}/${state.storeHash}/v2/orders/${o.id}`;
  const subtotalTax = dec(m.subtotal_inc_tax).minus(m.subtotal_ex_tax);
  const shipTax = dec(m.shipping_cost_inc_tax).minus(m.shipping_cost_ex_tax);
  const handTax = dec(m.handling_cost_inc_tax).minus(m.handling_cost_ex_tax);
  const wrapTax = dec(m.wrapping_cost_inc_tax).minus(m.wrapping_cost_ex_tax);
  const totals = orderTotals(o);
  return {
    id: o.id,
    customer_id: o.customer_id,
    date_created: rfc2822(o.date_created),
    date_modified: rfc2822(o.date_modified),
    date_shipped: o.date_shipped === null ? '' : rfc2822(o.date_shipped),
    status_id: o.status_id,
    status: statusName(o.status_id),
    subtotal_ex_tax: m4(m.subtotal_ex_tax),
    subtotal_inc_tax: m4(m.subtotal_inc_tax),
    subtotal_tax: m4(subtotalTax),
    base_shipping_cost: m4(m.base_shipping_cost),
    shipping_cost_ex_tax: m4(m.shipping_cost_ex_tax),
    shipping_cost_inc_tax: m4(m.shipping_cost_inc_tax),
    shipping_cost_tax: m4(shipTax),
    shipping_cost_tax_class_id: 0,
    base_handling_cost: m4(m.base_handling_cost),
    handling_cost_ex_tax: m4(m.handling_cost_ex_tax),
    handling_cost_inc_tax: m4(m.handling_cost_inc_tax),
    handling_cost_tax: m4(handTax),
    handling_cost_tax_class_id: 0,
    base_wrapping_cost: m4(m.base_wrapping_cost),
    wrapping_cost_ex_tax: m4(m.wrapping_cost_ex_tax),
    wrapping_cost_inc_tax: m4(m.wrapping_cost_inc_tax),
    wrapping_cost_tax: m4(wrapTax),
    wrapping_cost_tax_class_id: 0,
    total_ex_tax: m4(totals.exTax),
    total_inc_tax: m4(totals.incTax),
    total_tax: m4(totals.incTax.minus(totals.exTax)),
    is_tax_inclusive_pricing: false,
    items_total: o.lines.reduce((n, l) => n + l.quantity, 0),
    items_shipped: o.lines.reduce((n, l) => n + l.quantity_shipped, 0),
    payment_method: o.payment_method,
    payment_provider_id: o.payment_provider_id,
    payment_status: o.payment_status,
    refunded_amount: m4(m.refunded_amount),
    order_is_digital: o.lines.length > 0 && o.lines.every((l) => l.type === 'digital'),
    store_credit_amount: m4(m.store_credit_amount),
    gift_certificate_amount: m4(m.gift_certificate_amount),
    ip_address: o.ip_address,
    ip_address_v6: '',
    geoip_country: '',
    geoip_country_iso2: '',
    currency_id: 1,
    currency_code: o.currency_code,
    currency_exchange_rate: '1.0000000000',
    default_currency_id: 1,
    default_currency_code: o.currency_code,
    staff_notes: o.staff_notes,
    customer_message: o.customer_message,
    discount_amount: m4(m.discount_amount),
    coupon_discount: m4(m.coupon_discount),
    shipping_address_count: o.shippingAddresses.length,
    is_deleted: o.is_deleted,
    ebay_order_id: '0',
    cart_id: '',
    billing_address: o.billing_address,
    is_email_opt_in: false,
    credit_card_type: null,
    order_source: o.order_source,
    channel_id: o.channel_id,
    external_source: o.external_source,
    products: { url: `${base}/products`, resource: `/orders/${o.id}/products` },
    shipping_addresses: { url: `${base}/shipping_addresses`, resource: `/orders/${o.id}/shipping_addresses` },
    coupons: { url: `${base}/coupons`, resource: `/orders/${o.id}/coupons` },
    external_id: o.external_id,
    external_merchant_id: null,
    tax_provider_id: 'BasicTaxProvider',
    store_default_currency_code: state.currencyCode,
    store_default_to_transactional_exchange_rate: '1.0000000000',
    custom_status: statusName(o.status_id),
    customer_locale: o.customer_locale,
    external_order_id: o.external_order_id,
    ...(consignments === 'none'
      ? {}
      : { consignments: renderConsignments(state, o, consignments === 'line_items') }),
  };
}

/**
 * An order's consignments in the object structure (orders.v2 orderConsignment_Get, what
 * `GET /orders/{id}/consignments` answers). The sandbox has no pickups; its lines go:
 * - physical lines → one shipping consignment per shipping address. A shipping consignment IS the order's
 *   shipping address: same id (the lines' `order_address_id`, what shipments reference), same address
 *   fields and shipping method. Its costs are JSON numbers, as shippingConsignment_Get types them
 *   (`/shipping_addresses` sends the same costs as 4-dp strings), and `items_total`/`items_shipped` count
 *   its own line items. An order without a physical line ships nothing: no shipping consignment, although
 *   the sandbox keeps a shipping address (a copy of the billing address) for every order.
 * - digital lines → the download consignment (at most one), to the billing email;
 * - gift-certificate lines → `email.gift_certificates`, to the billing email.
 * `lineItems`: the line items as `/products` renders them; otherwise as links to `/products/{id}`.
 */
export function renderConsignments(state: StoreState, o: OrderRecord, lineItems: boolean) {
  const base = `${API}/${state.storeHash}/v2/orders/${o.id}`;
  const items = (lines: OrderLine[]) =>
    lines.map((l) =>
      lineItems
        ? renderOrderProduct(o, l)
        : { url: `${base}/products/${l.id}`, resource: `/orders/${o.id}/products/${l.id}` },
    );
  const ofType = (type: OrderLine['type']) => o.lines.filter((l) => l.type === type);
  const physical = ofType('physical');
  const digital = ofType('digital');
  const gifts = ofType('giftcertificate');
  const recipient = o.billing_address.email;
  const shipping =
    physical.length === 0
      ? []
      : o.shippingAddresses.map((a) => {
          const lines = physical.filter((l) => l.order_address_id === a.id);
          const { id, shipping_method, base_cost, cost_ex_tax, cost_inc_tax, ...addr } = a;
          return {
            id,
            ...addr,
            form_fields: [],
            shipping_method,
            line_items: items(lines),
            items_total: lines.reduce((n, l) => n + l.quantity, 0),
            items_shipped: lines.reduce((n, l) => n + l.quantity_shipped, 0),
            base_cost: num4(base_cost),
            cost_ex_tax: num4(cost_ex_tax),
            cost_inc_tax: num4(cost_inc_tax),
            cost_tax: num4(dec(cost_inc_tax).minus(cost_ex_tax).toString()),
            cost_tax_class_id: 0,
            base_handling_cost: 0,
            handling_cost_ex_tax: 0,
            handling_cost_inc_tax: 0,
            handling_cost_tax: 0,
            handling_cost_tax_class_id: 0,
            shipping_zone_id: 1,
            shipping_zone_name: 'United States',
            shipping_quotes: {
              url: `${base}/consignments/shipping/${id}/shipping_quotes`,
              resource: `/orders/${o.id}/consignments/shipping/${id}/shipping_quotes`,
            },
          };
        });
  return {
    pickups: [],
    shipping,
    downloads: digital.length === 0 ? [] : [{ recipient_email: recipient, line_items: items(digital) }],
    email: {
      gift_certificates: gifts.length === 0 ? [] : [{ recipient_email: recipient, line_items: items(gifts) }],
    },
  };
}

/** Order totals: subtotal + shipping + handling + wrapping − discounts. */
export function orderTotals(o: OrderRecord) {
  const m = o.money;
  const discounts = dec(m.discount_amount).plus(m.coupon_discount);
  const exTax = sum([
    m.subtotal_ex_tax,
    m.shipping_cost_ex_tax,
    m.handling_cost_ex_tax,
    m.wrapping_cost_ex_tax,
  ]).minus(discounts);
  const incTax = sum([
    m.subtotal_inc_tax,
    m.shipping_cost_inc_tax,
    m.handling_cost_inc_tax,
    m.wrapping_cost_inc_tax,
  ]).minus(discounts);
  return { exTax, incTax };
}

/**
 * The order's manual discount (`discount_amount`) as BigCommerce shows it on each line: "distributed
 * across products in proportion to the products price, (total_manual_discount*price_ex_tax)/subtotal_ex_tax"
 * (orders.v2 orderProductAppliedDiscounts), as an applied discount with target "order", and deducted from
 * `discounted_total_inc_tax`. Computed from the current order, so a PUT of discount_amount re-spreads it.
 */
export function lineManualDiscount(o: OrderRecord, l: OrderLine) {
  if (!dec(o.money.discount_amount).gt(0)) return dec(0);
  const shares = allocate4dp(
    o.money.discount_amount,
    o.lines.map((x) => dec(x.price_ex_tax).times(x.quantity)),
  );
  return shares[o.lines.indexOf(l)] ?? dec(0);
}

export function renderOrderProduct(o: OrderRecord, l: OrderLine) {
  const q = l.quantity;
  const tax = dec(l.price_inc_tax).minus(l.price_ex_tax);
  const manual = lineManualDiscount(o, l);
  return {
    id: l.id,
    order_id: o.id,
    product_id: l.product_id,
    variant_id: l.variant_id ?? 0,
    order_pickup_method_id: 0,
    order_address_id: l.order_address_id,
    name: l.name,
    name_customer: l.name,
    name_merchant: l.name,
    sku: l.sku,
    upc: l.upc,
    type: l.type,
    base_price: m4(l.base_price),
    price_ex_tax: m4(l.price_ex_tax),
    price_inc_tax: m4(l.price_inc_tax),
    price_tax: m4(tax),
    base_total: m4(dec(l.base_price).times(q)),
    total_ex_tax: m4(dec(l.price_ex_tax).times(q)),
    total_inc_tax: m4(dec(l.price_inc_tax).times(q)),
    total_tax: m4(tax.times(q)),
    weight: l.weight,
    width: '0.0000',
    height: '0.0000',
    depth: '0.0000',
    quantity: q,
    base_cost_price: m4(l.base_cost_price),
    cost_price_inc_tax: m4(l.base_cost_price),
    cost_price_ex_tax: m4(l.base_cost_price),
    cost_price_tax: '0.0000',
    is_refunded: l.quantity_refunded > 0 && l.quantity_refunded >= q,
    quantity_refunded: l.quantity_refunded,
    refund_amount: '0.0000',
    return_id: 0,
    wrapping_id: 0,
    wrapping_name: '',
    base_wrapping_cost: '0.0000',
    wrapping_cost_ex_tax: '0.0000',
    wrapping_cost_inc_tax: '0.0000',
    wrapping_cost_tax: '0.0000',
    wrapping_message: '',
    quantity_shipped: l.quantity_shipped,
    event_name: null,
    event_date: null,
    fixed_shipping_cost: '0.0000',
    ebay_item_id: '',
    ebay_transaction_id: '',
    option_set_id: null,
    parent_order_product_id: null,
    is_bundled_product: false,
    bin_picking_number: '',
    external_id: null,
    brand: '',
    applied_discounts: manual.gt(0)
      ? [{ id: 'manual-discount', amount: m4(manual), name: 'Manual Discount', code: null, target: 'order' }]
      : [],
    product_options: l.product_options.map((po, i) => ({
      id: l.id * 100 + i,
      option_id: po.option_id,
      order_product_id: l.id,
      product_option_id: po.option_id,
      display_name: po.display_name,
      display_name_customer: po.display_name,
      display_name_merchant: po.display_name,
      display_value: po.display_value,
      display_value_customer: po.display_value,
      display_value_merchant: po.display_value,
      value: po.value,
      type: 'Multiple choice',
      name: po.display_name,
      display_style: 'Rectangle',
    })),
    configurable_fields: [],
    gift_certificate_id: null,
    discounted_total_inc_tax: m4(dec(l.price_inc_tax).times(q).minus(manual)),
  };
}

export function renderShippingAddress(state: StoreState, o: OrderRecord, a: ShippingAddressRecord) {
  const lines = o.lines.filter((l) => l.order_address_id === a.id);
  const { id, shipping_method, base_cost, cost_ex_tax, cost_inc_tax, ...addr } = a;
  return {
    id,
    order_id: o.id,
    ...addr,
    items_total: lines.reduce((n, l) => n + l.quantity, 0),
    items_shipped: lines.reduce((n, l) => n + l.quantity_shipped, 0),
    shipping_method,
    base_cost: m4(base_cost),
    cost_ex_tax: m4(cost_ex_tax),
    cost_inc_tax: m4(cost_inc_tax),
    cost_tax: m4(dec(cost_inc_tax).minus(cost_ex_tax)),
    cost_tax_class_id: 0,
    base_handling_cost: '0.0000',
    handling_cost_ex_tax: '0.0000',
    handling_cost_inc_tax: '0.0000',
    handling_cost_tax: '0.0000',
    handling_cost_tax_class_id: 0,
    shipping_zone_id: 1,
    shipping_zone_name: 'United States',
    form_fields: [],
    shipping_quotes: {
      url: `${API}/${state.storeHash}/v2/orders/${o.id}/shipping_addresses/${id}/shipping_quotes`,
      resource: `/orders/${o.id}/shipping_addresses/${id}/shipping_quotes`,
    },
  };
}

export function renderShipment(o: OrderRecord, s: ShipmentRecord) {
  const addr = o.shippingAddresses.find((a) => a.id === s.order_address_id);
  const { form_fields: _ff, ...billing } = o.billing_address;
  return {
    id: s.id,
    order_id: s.order_id,
    customer_id: s.customer_id,
    order_address_id: s.order_address_id,
    date_created: rfc2822(s.date_created),
    tracking_number: s.tracking_number,
    merchant_shipping_cost: '0.0000',
    shipping_method: s.shipping_method,
    shipping_provider: s.shipping_provider,
    tracking_carrier: s.tracking_carrier,
    tracking_link: '',
    comments: s.comments,
    billing_address: billing,
    shipping_address: addr
      ? (({ id: _i, shipping_method: _s, base_cost: _b, cost_ex_tax: _e, cost_inc_tax: _c, ...rest }) =>
          rest)(addr)
      : {},
    items: s.items,
    shipping_provider_display_name: s.shipping_provider,
    generated_tracking_link: '',
  };
}

export function renderTransaction(t: TransactionRecord) {
  return {
    id: t.id,
    order_id: String(t.order_id),
    event: t.event,
    method: t.method,
    amount: num2(t.amount),
    currency: t.currency,
    gateway: t.gateway,
    gateway_transaction_id: t.gateway_transaction_id,
    date_created: iso(t.date_created),
    test: t.test,
    status: t.status,
    fraud_review: false,
    ...(t.reference_transaction_id === null ? {} : { reference_transaction_id: t.reference_transaction_id }),
    offline: t.offline,
    custom: null,
    payment_method_id: t.method === 'credit_card' ? 'stripe.card' : '',
    payment_instrument_token: null,
    gift_certificate: t.gift_certificate,
    store_credit: null,
  };
}

export function renderProduct(state: StoreState, p: ProductRecord, includeVariants: boolean) {
  const stockKey = p.inventory_tracking === 'product' ? `p${p.id}` : '';
  const level =
    p.inventory_tracking === 'product'
      ? state.availableTotal(stockKey)
      : p.inventory_tracking === 'variant'
        ? p.variantIds.reduce((n, vid) => n + state.availableTotal(`v${vid}`), 0)
        : 0;
  return {
    id: p.id,
    name: p.name,
    type: p.type,
    sku: p.sku,
    description: p.description,
    weight: p.weight,
    width: 0,
    depth: 0,
    height: 0,
    price: num4(p.price),
    cost_price: num4(p.cost_price),
    retail_price: num4(p.retail_price),
    sale_price: num4(p.sale_price),
    map_price: 0,
    tax_class_id: 0,
    product_tax_code: '',
    calculated_price: num4(dec(p.sale_price).gt(0) ? p.sale_price : p.price),
    categories: p.categories,
    brand_id: p.brand_id,
    option_set_display: 'right',
    inventory_level: level,
    inventory_warning_level: p.inventory_warning_level,
    inventory_tracking: p.inventory_tracking,
    reviews_rating_sum: 0,
    reviews_count: 0,
    total_sold: 0,
    fixed_cost_shipping_price: 0,
    is_free_shipping: false,
    is_visible: p.is_visible,
    is_featured: false,
    related_products: [],
    warranty: '',
    bin_picking_number: '',
    layout_file: '',
    upc: p.upc,
    mpn: '',
    gtin: '',
    date_last_imported: '',
    search_keywords: '',
    availability: 'available',
    availability_description: '',
    gift_wrapping_options_type: 'any',
    gift_wrapping_options_list: [],
    sort_order: 0,
    condition: 'New',
    is_condition_shown: false,
    order_quantity_minimum: 0,
    order_quantity_maximum: 0,
    page_title: '',
    meta_keywords: [],
    meta_description: '',
    date_created: iso(p.date_created),
    date_modified: iso(p.date_modified),
    view_count: 0,
    preorder_release_date: null,
    preorder_message: '',
    is_preorder_only: false,
    is_price_hidden: false,
    price_hidden_label: '',
    custom_url: { url: `/${slug(p.name)}/`, is_customized: false },
    base_variant_id: p.base_variant_id,
    open_graph_type: 'product',
    open_graph_title: '',
    open_graph_description: '',
    open_graph_use_meta_description: true,
    open_graph_use_product_name: true,
    open_graph_use_image: true,
    ...(includeVariants
      ? {
          variants: p.variantIds
            .map((vid) => state.variants.get(vid))
            .filter((v): v is VariantRecord => v !== undefined)
            .map((v) => renderVariant(state, v)),
        }
      : {}),
  };
}

export function renderVariant(state: StoreState, v: VariantRecord) {
  const p = state.products.get(v.product_id);
  const price = v.price ?? p?.price ?? '0';
  const key = p ? state.stockKeyFor(p, v) : '';
  // The spec types these as plain numbers; "not set" (inherit from the product) is rendered by leaving
  // the field out rather than as null.
  const optional = (name: string, value: string | null) => (value === null ? {} : { [name]: num4(value) });
  return {
    id: v.id,
    product_id: v.product_id,
    sku: v.sku,
    ...(v.sku_id === null ? {} : { sku_id: v.sku_id }),
    ...optional('price', v.price),
    calculated_price: num4(price),
    ...optional('sale_price', v.sale_price),
    is_free_shipping: false,
    calculated_weight: p?.weight ?? 0,
    purchasing_disabled: false,
    purchasing_disabled_message: '',
    image_url: '',
    ...optional('cost_price', v.cost_price),
    upc: v.upc,
    mpn: '',
    gtin: '',
    inventory_level: p?.inventory_tracking === 'variant' ? state.availableTotal(key) : 0,
    inventory_warning_level: v.inventory_warning_level,
    bin_picking_number: '',
    option_values: v.option_values,
  };
}

/** Catalog v3 prices are JSON numbers; stored as decimal strings, converted only here. */
function num4(value: string): number {
  return dec(value).toDecimalPlaces(4).toNumber();
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** The spec gives `address.email` format "email": an empty one is left out rather than sent as "". */
function withoutEmptyEmail<T extends { email: string }>(a: T): Omit<T, 'email'> & { email?: string } {
  const { email, ...rest } = a;
  return email ? { ...rest, email } : rest;
}

export function renderLocation(l: LocationRecord) {
  return {
    id: l.id,
    code: l.code,
    label: l.label,
    description: l.description,
    managed_by_external_source: l.managed_by_external_source,
    type_id: l.type_id,
    enabled: l.enabled,
    operating_hours: Object.fromEntries(
      ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].map((d) => [
        d,
        { open: false, opening: '00:00', closing: '00:00' },
      ]),
    ),
    time_zone: l.time_zone,
    created_at: iso(l.created_at),
    updated_at: iso(l.updated_at),
    address: withoutEmptyEmail(
      l.address ?? {
        address1: '',
        address2: '',
        city: '',
        state: '',
        zip: '',
        email: '',
        phone: '',
        geo_coordinates: { latitude: 0, longitude: 0 },
        country_code: '',
      },
    ),
    storefront_visibility: l.storefront_visibility,
    special_hours: [],
  };
}

export function renderCustomer(c: CustomerRecord, include: Set<string>) {
  return {
    id: c.id,
    email: c.email,
    first_name: c.first_name,
    last_name: c.last_name,
    company: c.company,
    phone: c.phone,
    notes: c.notes,
    registration_ip_address: c.registration_ip_address,
    customer_group_id: c.customer_group_id,
    tax_exempt_category: c.tax_exempt_category,
    date_created: iso(c.date_created),
    date_modified: iso(c.date_modified),
    accepts_product_review_abandoned_cart_emails: c.accepts_product_review_abandoned_cart_emails,
    address_count: c.addresses.length,
    attribute_count: 0,
    authentication: { force_password_reset: false },
    ...(c.channel_ids === null ? {} : { channel_ids: c.channel_ids }),
    origin_channel_id: c.origin_channel_id,
    ...(include.has('addresses') ? { addresses: c.addresses.map((a) => ({ ...a, form_fields: [] })) } : {}),
    ...(include.has('storecredit') ? { store_credit_amounts: [{ amount: num2(c.store_credit) }] } : {}),
    ...(include.has('attributes') ? { attributes: [] } : {}),
    ...(include.has('formfields') ? { form_fields: [] } : {}),
  };
}

export function renderGiftCertificate(g: GiftCertificateRecord) {
  return {
    id: g.id,
    code: g.code,
    amount: m4(g.amount),
    balance: m4(g.balance),
    status: g.status,
    to_name: g.to_name,
    to_email: g.to_email,
    from_name: g.from_name,
    from_email: g.from_email,
    customer_id: g.customer_id,
    order_id: g.order_id,
    template: g.template,
    message: g.message,
    // The API shows unix-timestamp strings here (NOTES §12), unlike the RFC-2822 it accepts.
    purchase_date: String(Math.floor(g.purchase_date / 1000)),
    expiry_date: g.expiry_date ? String(Math.floor(g.expiry_date / 1000)) : '0',
    currency_code: g.currency_code,
  };
}

export function renderHook(h: HookRecord) {
  return {
    id: h.id,
    client_id: h.client_id,
    store_hash: h.store_hash,
    created_at: Math.floor(h.created_at / 1000),
    updated_at: Math.floor(h.updated_at / 1000),
    scope: h.scope,
    destination: h.destination,
    is_active: h.is_active,
    headers: h.headers,
  };
}
