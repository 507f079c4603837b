/**
 * Orders flow step 3: which Heartland customer the order belongs to. The matching itself is shared with
 * the customer profile flow (src/flows/customers/hl-customer.ts), so an order and a profile sync of the
 * same shopper land on the same Heartland customer; this file only says who the order's shopper is.
 *
 * `findCustomer` only reads: a person's review decision for this order, then the customer link, then a
 * Heartland search by email and by phone (E.164). Nothing is created here, so an order that later fails
 * validation leaves nothing behind in Heartland. `ensureCustomer` runs once the order is known to be
 * writable: it creates the customer when needed, says which link to record, and makes sure the billing
 * and shipping addresses exist on the customer (orders point at addresses by id, NOTES §11).
 */
import type { BcOrder } from '../../connectors/bigcommerce/schemas.js';
import type { LinkUpsert } from '../../engine/index.js';
import type { HlAddress } from '../../mapping/address.js';
import type { BcAddress } from '../../mapping/bc-input.js';
import { customerDraftFromOrder } from '../../mapping/customer-match.js';
import { normalizePhone } from '../../mapping/phone.js';
import {
  type CustomerResolution,
  createOrFindHlCustomer,
  customerLinkFor,
  ensureHlAddresses,
  findHlCustomer,
} from '../customers/hl-customer.js';
import type { FlowContext } from '../flow-context.js';
import { CUSTOMER_MATCH_KIND, type ReviewItems } from './review-items.js';

export type { CustomerResolution } from '../customers/hl-customer.js';

/** The BigCommerce side of a customer link: the BC customer id, or the email for guests. */
export function bcCustomerKey(order: BcOrder): string | null {
  if (order.customer_id > 0) return `id:${order.customer_id}`;
  const email = (order.billing_address.email ?? '').trim().toLowerCase();
  return email ? `email:${email}` : null;
}

const asText = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export async function findCustomer(
  ctx: FlowContext,
  reviews: ReviewItems,
  entityKey: string,
  order: BcOrder,
): Promise<CustomerResolution> {
  const billing = order.billing_address as BcAddress;
  const draft = customerDraftFromOrder(billing, ctx.mapping);
  const searchPhone =
    draft.phone ?? normalizePhone(billing.phone, asText(billing.country_iso2) ?? undefined).e164 ?? null;
  return findHlCustomer(
    ctx,
    reviews,
    { kind: CUSTOMER_MATCH_KIND, entityKey },
    { bcKey: bcCustomerKey(order), draft, searchPhone },
  );
}

export interface EnsuredCustomer {
  customerId: number;
  created: boolean;
  billingAddressId: number | null;
  shippingAddressId: number | null;
  /**
   * The customer link to record, or null when it already says this. Not written here: the caller commits
   * it with its next durable write (the order's `creating` marker, or its final state), one fsync fewer.
   * If the run dies before that, the next run finds the customer again by email (or, in this process,
   * through the shared recently-created memory).
   */
  link: LinkUpsert | null;
}

export async function ensureCustomer(
  ctx: FlowContext,
  resolution: Exclude<CustomerResolution, { kind: 'review' }>,
  order: BcOrder,
  addresses: { billing: HlAddress; shipping: HlAddress | null },
): Promise<EnsuredCustomer> {
  const key = bcCustomerKey(order);
  const made =
    resolution.kind === 'use'
      ? { id: resolution.id, created: false }
      : await createOrFindHlCustomer(ctx, resolution.draft, key, `anon:${order.id}`);
  const link = await customerLinkFor(ctx, resolution, key, made.id, made.created);
  const wanted = addresses.shipping ? [addresses.billing, addresses.shipping] : [addresses.billing];
  const [billingAddressId, shippingAddressId] = await ensureHlAddresses(ctx, made.id, made.created, wanted);
  return {
    customerId: made.id,
    created: made.created,
    billingAddressId: billingAddressId ?? null,
    shippingAddressId: addresses.shipping ? (shippingAddressId ?? null) : null,
    link,
  };
}
