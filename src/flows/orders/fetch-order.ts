/**
 * Orders flow step 2: fetch the whole order from BigCommerce (webhooks carry ids only): the order, its
 * products, shipping addresses and transactions — four reads, the floor the v2/v3 APIs allow.
 *
 * Also the hash of the BigCommerce state a flow cares about (echo suppression, DESIGN §5.4): what the
 * mapping reads plus status and shipped quantities. Volatile fields (date_modified, payment status after
 * a capture) are left out so the webhook our own write causes hashes the same as what we recorded.
 */
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
  const order = await ctx.bc.orders.get(orderId, { query: { include: 'fees' } });
  const [products, shippingAddresses, transactions] = await Promise.all([
    ctx.bc.orders.products(orderId),
    ctx.bc.orders.shippingAddresses(orderId),
    ctx.bc.orders.transactions(orderId),
  ]);
  return { order, products, shippingAddresses, transactions };
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
