/**
 * Finding, creating and linking the Heartland customer of a BigCommerce shopper — shared by the orders
 * flow (step 3, src/flows/orders/customer-step.ts) and the customer profile flow (sync-customer.ts), so
 * that an order and a profile sync of the same person always land on the same Heartland customer.
 *
 * `findHlCustomer` only reads: a person's review decision, then the customer link, then a Heartland
 * search by email and by phone (E.164) decided by the pure `decideCustomer` (src/mapping/customer-match.ts).
 * `createOrFindHlCustomer` creates when needed, under the store's shared lock of the shopper (every
 * worker process respects it), so two jobs of one new shopper (an order and a sign-up, or two orders) do
 * not make twins. `customerLinkFor` says which
 * link to record; `ensureHlAddresses` makes sure addresses exist on the customer (orders point at them).
 *
 * A create whose answer was lost is found again on the next run by the email search (the queue re-runs
 * the flow; the HTTP client never re-POSTs).
 */

import type { LinkUpsert } from '../../engine/index.js';
import type { HlAddress } from '../../mapping/address.js';
import {
  decideCustomer,
  type HlCustomerCandidate,
  type HlCustomerDraft,
} from '../../mapping/customer-match.js';
import type { FlowContext } from '../flow-context.js';
import type { ReviewItems } from '../orders/review-items.js';

export const CUSTOMER_LINK_KIND = 'customer';

export type CustomerResolution =
  | { kind: 'use'; id: number; matchedBy: 'email' | 'phone' | 'link' | 'review' }
  | { kind: 'create'; draft: HlCustomerDraft }
  | { kind: 'review'; candidates: HlCustomerCandidate[]; reason: string };

/** Who the shopper is, as the matching needs it. */
export interface ShopperIdentity {
  /** BigCommerce side of the link: `id:<customer id>`, `email:<email>` for guests, or null. */
  bcKey: string | null;
  /** What a new Heartland customer would be; `draft.email` is lower-cased, `draft.phone` E.164. */
  draft: HlCustomerDraft;
  /** Phone to search by when the email decides nothing (E.164). Default `draft.phone`. */
  searchPhone?: string | null;
}

const asText = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function hlCandidate(c: Record<string, unknown> & { id: number }): HlCustomerCandidate {
  return {
    id: c.id,
    email: asText(c.email),
    first_name: asText(c.first_name),
    last_name: asText(c.last_name),
    phone: asText(c.phone),
  };
}

const sameEmail = (a: string | null | undefined, b: string | null) =>
  b !== null && (a ?? '').trim().toLowerCase() === b;

export async function findHlCustomer(
  ctx: FlowContext,
  reviews: ReviewItems,
  review: { kind: string; entityKey: string },
  who: ShopperIdentity,
): Promise<CustomerResolution> {
  const decided = await reviews.resolutionFor(ctx.connectionId, review.kind, review.entityKey);
  const { draft } = who;
  if (decided?.resolution) {
    return 'use' in decided.resolution
      ? { kind: 'use', id: decided.resolution.use, matchedBy: 'review' }
      : { kind: 'create', draft };
  }
  if (who.bcKey) {
    const link = await ctx.engine.links.findByBcId(ctx.connectionId, CUSTOMER_LINK_KIND, who.bcKey);
    if (link?.hlId) return { kind: 'use', id: Number(link.hlId), matchedBy: 'link' };
  }
  const byEmail = draft.email ? (await ctx.hl.customersByEmail(draft.email)).map(hlCandidate) : [];
  const exactEmail = byEmail.filter((c) => sameEmail(c.email, draft.email));
  const phone = who.searchPhone ?? draft.phone;
  // Phone is only the fallback identity: no need to ask when the email already decided.
  const byPhone =
    exactEmail.length === 0 && phone ? (await ctx.hl.customersByPhone(phone)).map(hlCandidate) : [];
  const decision = decideCustomer({ email: draft.email, byEmail, byPhone, draft });
  if (decision.action === 'use') return { kind: 'use', id: decision.id, matchedBy: decision.matchedBy };
  if (decision.action === 'create') return { kind: 'create', draft: decision.draft };
  return { kind: 'review', candidates: decision.candidates, reason: decision.reason };
}

/**
 * Creates the Heartland customer of `draft`, unless another job of the same shopper made it meanwhile.
 * Two jobs of one new shopper run in parallel (different entity keys: two orders, or an order and a
 * sign-up), possibly in different worker processes: the second must find the customer the first
 * created, not make a twin. So the create holds the store's shared lock of the shopper, and records the
 * id it made on the lock; a later holder uses that id (its link may not be committed yet), and one that
 * waited also checks the link and Heartland by email. An uncontended first create skips that second
 * email search: `findHlCustomer` just made it.
 *
 * `anonKey` names the lock when the shopper has no `bcKey` (e.g. `anon:<order id>`).
 */
export async function createOrFindHlCustomer(
  ctx: FlowContext,
  draft: HlCustomerDraft,
  bcKey: string | null,
  anonKey: string,
): Promise<{ id: number; created: boolean }> {
  const lockKey = `customer:${ctx.connectionId}:${bcKey ?? anonKey}`;
  return ctx.engine.locks.run(lockKey, async (held) => {
    if (held.last && ctx.now() - held.last.at < RECENT_MS)
      return { id: Number(held.last.result), created: false };
    if (held.waited) {
      const linked = bcKey
        ? await ctx.engine.links.findByBcId(ctx.connectionId, CUSTOMER_LINK_KIND, bcKey)
        : null;
      if (linked?.hlId) return { id: Number(linked.hlId), created: false };
      if (draft.email) {
        const hits = (await ctx.hl.customersByEmail(draft.email)).filter((c) =>
          sameEmail(c.email, draft.email),
        );
        if (hits.length === 1) return { id: hits[0]!.id, created: false };
      }
    }
    const id = await ctx.hl.createCustomer(hlCustomerBody(draft));
    held.setResult(String(id));
    return { id, created: true };
  });
}

/** How long a customer just created under a shopper's lock is taken as that shopper's (link or not). */
const RECENT_MS = 10 * 60_000;

/** The `POST /customers` body of a draft (absent values are left out, not sent as null). */
export function hlCustomerBody(d: HlCustomerDraft): Record<string, unknown> {
  return {
    first_name: d.first_name,
    last_name: d.last_name,
    ...(d.email ? { email: d.email } : {}),
    ...(d.phone ? { phone: d.phone } : {}),
    ...(Object.keys(d.custom).length > 0 ? { custom: d.custom } : {}),
  };
}

/**
 * The customer link to record after a resolution, or null when there is nothing (new) to record.
 *
 * A guest key (`email:…`) never takes over a Heartland customer already linked to a BigCommerce account
 * (`id:…`): links are unique per Heartland id, so the upsert would rename the account's link to the
 * guest key and the profile flow would lose the account (a registered shopper sometimes checks out as
 * a guest). The guest is found again by the email search, so nothing is lost by not linking it.
 */
export async function customerLinkFor(
  ctx: FlowContext,
  resolution: Exclude<CustomerResolution, { kind: 'review' }>,
  bcKey: string | null,
  customerId: number,
  created: boolean,
): Promise<LinkUpsert | null> {
  if (!bcKey) return null;
  if (resolution.kind === 'use' && resolution.matchedBy === 'link') return null;
  if (bcKey.startsWith('email:') && !created) {
    const owner = await ctx.engine.links.findByHlId(ctx.connectionId, CUSTOMER_LINK_KIND, String(customerId));
    if (owner?.bcId?.startsWith('id:')) return null;
  }
  return { connectionId: ctx.connectionId, kind: CUSTOMER_LINK_KIND, bcId: bcKey, hlId: String(customerId) };
}

/**
 * Makes sure each address exists on the customer (same person at the same place = same address, case
 * and spacing aside); returns their ids in input order. A customer just created has none, so its
 * addresses are not listed first.
 */
export async function ensureHlAddresses(
  ctx: FlowContext,
  customerId: number,
  created: boolean,
  addresses: readonly HlAddress[],
): Promise<number[]> {
  if (addresses.length === 0) return [];
  const existing = created ? [] : await ctx.hl.customerAddresses(customerId);
  const known: Array<{ id: number; key: string }> = existing.map((a) => ({
    id: a.id,
    key: addressKey(a as unknown as Record<string, unknown>),
  }));
  const ids: number[] = [];
  for (const a of addresses) {
    const k = addressKey(a as unknown as Record<string, unknown>);
    const hit = known.find((x) => x.key === k);
    if (hit) {
      ids.push(hit.id);
      continue;
    }
    const id = await ctx.hl.createCustomerAddress(customerId, { ...a });
    known.push({ id, key: k });
    ids.push(id);
  }
  return ids;
}

/** Same person at the same place = same address (case and spacing do not matter). */
export function addressKey(a: Record<string, unknown>): string {
  const f = (k: string) =>
    String(a[k] ?? '')
      .trim()
      .toLowerCase()
      .replace(/\s+/g, ' ');
  return [
    f('first_name'),
    f('last_name'),
    f('line_1'),
    f('line_2'),
    f('city'),
    f('state'),
    f('postal_code'),
    f('country'),
  ].join('|');
}
