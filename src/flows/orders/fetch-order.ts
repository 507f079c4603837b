/**
 * Orders flow step 2: fetch the whole order from BigCommerce (webhooks carry ids only): the order, its
 * products, shipping addresses and transactions — two reads in one round trip, the floor the v2/v3 APIs
 * allow: `GET /v2/orders/{id}?include=consignments.line_items,fees&consignment_structure=object` embeds the
 * products and shipping addresses (orders.v2 order_includes), and the v3 transactions are read beside it.
 * When the embedded consignments cannot be shown to be the whole order, `/products` and
 * `/shipping_addresses` are read as before (four reads) — see `consignmentsGap`.
 *
 * Also the hash of the BigCommerce state a flow cares about (echo suppression, DESIGN §5.4): what the
 * mapping reads plus status and shipped quantities. Volatile fields (date_modified, payment status after
 * a capture) are left out so the webhook our own write causes hashes the same as what we recorded.
 */
import type { BcOrderWithConsignments } from '../../connectors/bigcommerce/resources/orders-resource.js';
import type {
  BcOrder,
  BcOrderProduct,
  BcShippingAddress,
  BcTransaction,
} from '../../connectors/bigcommerce/schemas.js';
import { stableHash } from '../../mapping/stable-hash.js';
import type { FlowContext } from '../flow-context.js';

export interface OrderBundle {
  order: BcOrder;
  products: BcOrderProduct[];
  shippingAddresses: BcShippingAddress[];
  transactions: BcTransaction[];
}

export async function fetchOrderBundle(ctx: FlowContext, orderId: number): Promise<OrderBundle> {
  const [read, txs] = await Promise.allSettled([
    ctx.bc.orders.getWithConsignments(orderId),
    ctx.bc.orders.transactions(orderId),
  ]);
  // The order's error first (a 404 there means the order is gone), as when it was read alone.
  if (read.status === 'rejected') throw read.reason;
  if (txs.status === 'rejected') throw txs.reason;
  const { order } = read.value;
  const transactions = txs.value;
  const gap = consignmentsGap(read.value);
  if (gap === null && read.value.products && read.value.shippingAddresses) {
    return {
      order,
      products: read.value.products,
      shippingAddresses: read.value.shippingAddresses,
      transactions,
    };
  }
  ctx.logger?.info(
    { orderId, reason: gap },
    'orders.fetch: embedded consignments not usable, reading products and shipping addresses',
  );
  const [products, shippingAddresses] = await Promise.all([
    ctx.bc.orders.products(orderId),
    ctx.bc.orders.shippingAddresses(orderId),
  ]);
  return { order, products, shippingAddresses, transactions };
}

/**
 * Why the embedded consignments may not be the whole order; null when they are. Conservative on purpose:
 * a bundle short of a line or an address would map to a wrong Heartland order (or a different echo hash),
 * while a fallback only costs two reads. The spec neither promises that every line sits in a consignment
 * nor says outright that a shipping consignment's id is the shipping address id, so both are checked:
 * - no consignments in the object structure with full line items (an API version or store that ignores
 *   the include, or answers the older array structure);
 * - no shipping consignment: digital-only and pickup orders (the spec puts those lines in `downloads`,
 *   `email.gift_certificates`, `pickups`), and any line outside a shipping consignment — how those relate
 *   to `/shipping_addresses` is not specified, so such orders keep the separate reads;
 * - a shipping consignment count other than the order's `shipping_address_count` (or no such field);
 * - line quantities that do not add up to the order's `items_total` (or no such field): a line missing,
 *   e.g. a cap on embedded lines the spec does not mention;
 * - a line whose `order_address_id` is not a shipping consignment id (then the consignment ids are not the
 *   address ids shipments refer to).
 */
export function consignmentsGap(r: BcOrderWithConsignments): string | null {
  const { order, products, shippingAddresses } = r;
  if (!products || !shippingAddresses) return r.notEmbedded ?? 'no consignments embedded';
  if (shippingAddresses.length === 0) return 'no shipping consignment';
  if (r.unshippedProductIds.length > 0) return 'lines outside shipping consignments';
  if (order.shipping_address_count !== shippingAddresses.length) {
    return `${shippingAddresses.length} shipping consignments, shipping_address_count ${order.shipping_address_count ?? 'absent'}`;
  }
  const quantity = products.reduce((n, p) => n + p.quantity, 0);
  if (order.items_total == null || order.items_total !== quantity) {
    return `embedded lines hold ${quantity} items, items_total ${order.items_total ?? 'absent'}`;
  }
  const ids = new Set(shippingAddresses.map((a) => a.id));
  const stray = products.find((p) => p.order_address_id == null || !ids.has(p.order_address_id));
  if (stray)
    return `line ${stray.id} has order_address_id ${stray.order_address_id ?? 'absent'}, no such consignment`;
  return null;
}

/** Epoch ms of an RFC-2822 / ISO `date_modified`; NaN when unparseable. */
export function versionOf(dateModified: string | null | undefined): number {
  return dateModified ? Date.parse(dateModified) : Number.NaN;
}

export function bcOrderStateHash(b: Pick<OrderBundle, 'order' | 'products' | 'shippingAddresses'>): string {
  const o = b.order as Record<string, unknown>;
  return stableHash({
    status_id: b.order.status_id,
    total_inc_tax: b.order.total_inc_tax,
    payment_method: o.payment_method ?? null,
    billing_address: b.order.billing_address,
    products: [...b.products]
      .sort((x, y) => x.id - y.id)
      .map((p) => ({
        id: p.id,
        sku: p.sku,
        quantity: p.quantity,
        shipped: p.quantity_shipped ?? 0,
        total: p.total_inc_tax,
      })),
    shipping: [...b.shippingAddresses]
      .sort((x, y) => x.id - y.id)
      .map((s) => {
        const a = s as Record<string, unknown>;
        return [
          s.id,
          s.street_1,
          a.street_2 ?? null,
          s.city,
          a.state ?? null,
          s.zip,
          s.country_iso2,
          s.shipping_method ?? null,
        ];
      }),
  });
}
