/**
 * Orders flow step 3: which Heartland customer the order belongs to.
 *
 * `findCustomer` only reads: a person's review decision for this order, then the customer link, then a
 * Heartland search by email and by phone (E.164) decided by the pure `decideCustomer`. Nothing is
 * created here, so an order that later fails validation leaves nothing behind in Heartland.
 * `ensureCustomer` runs once the order is known to be writable: it creates the customer when needed,
 * records the link, and makes sure the billing and shipping addresses exist on the customer (orders
 * point at addresses by id, NOTES §11).
 *
 * A create whose answer was lost is found again on the next run by the email search (the queue re-runs
 * the flow; the HTTP client never re-POSTs).
 */
import type { BcOrder } from '../../connectors/bigcommerce/schemas.js';
import type { LinkUpsert } from '../../engine/index.js';
import type { HlAddress } from '../../mapping/address.js';
import type { BcAddress } from '../../mapping/bc-input.js';
import {
  customerDraftFromOrder,
  decideCustomer,
  type HlCustomerCandidate,
  type HlCustomerDraft,
} from '../../mapping/customer-match.js';
import { normalizePhone } from '../../mapping/phone.js';
import type { FlowContext } from '../flow-context.js';
import { CUSTOMER_MATCH_KIND, type ReviewItems } from './review-items.js';

export type CustomerResolution =
  | { kind: 'use'; id: number; matchedBy: 'email' | 'phone' | 'link' | 'review' }
  | { kind: 'create'; draft: HlCustomerDraft }
  | { kind: 'review'; candidates: HlCustomerCandidate[]; reason: string };

/** The BigCommerce side of a customer link: the BC customer id, or the email for guests. */
export function bcCustomerKey(order: BcOrder): string | null {
  if (order.customer_id > 0) return `id:${order.customer_id}`;
  const email = (order.billing_address.email ?? '').trim().toLowerCase();
  return email ? `email:${email}` : null;
}

const asText = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function candidate(c: Record<string, unknown> & { id: number }): HlCustomerCandidate {
  return {
    id: c.id,
    email: asText(c.email),
    first_name: asText(c.first_name),
    last_name: asText(c.last_name),
    phone: asText(c.phone),
  };
}

export async function findCustomer(
  ctx: FlowContext,
  reviews: ReviewItems,
  entityKey: string,
  order: BcOrder,
): Promise<CustomerResolution> {
  const decided = await reviews.resolutionFor(ctx.connectionId, CUSTOMER_MATCH_KIND, entityKey);
  const billing = order.billing_address as BcAddress;
  const draft = customerDraftFromOrder(billing, ctx.mapping);
  if (decided?.resolution) {
    return 'use' in decided.resolution
      ? { kind: 'use', id: decided.resolution.use, matchedBy: 'review' }
      : { kind: 'create', draft };
  }
  const key = bcCustomerKey(order);
  if (key) {
    const link = await ctx.engine.links.findByBcId(ctx.connectionId, 'customer', key);
    if (link?.hlId) return { kind: 'use', id: Number(link.hlId), matchedBy: 'link' };
  }
  const byEmail = draft.email ? (await ctx.hl.customersByEmail(draft.email)).map(candidate) : [];
  const exactEmail = byEmail.filter((c) => (c.email ?? '').trim().toLowerCase() === draft.email);
  const phone =
    draft.phone ?? normalizePhone(billing.phone, asText(billing.country_iso2) ?? undefined).e164 ?? null;
  // Phone is only the fallback identity: no need to ask when the email already decided.
  const byPhone =
    exactEmail.length === 0 && phone ? (await ctx.hl.customersByPhone(phone)).map(candidate) : [];
  const decision = decideCustomer({ email: draft.email, byEmail, byPhone, draft });
  if (decision.action === 'use') return { kind: 'use', id: decision.id, matchedBy: decision.matchedBy };
  if (decision.action === 'create') return { kind: 'create', draft: decision.draft };
  return { kind: 'review', candidates: decision.candidates, reason: decision.reason };
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
   * through `recentlyCreated`).
   */
  link: LinkUpsert | null;
}

export async function ensureCustomer(
  ctx: FlowContext,
  resolution: Exclude<CustomerResolution, { kind: 'review' }>,
  order: BcOrder,
  addresses: { billing: HlAddress; shipping: HlAddress | null },
): Promise<EnsuredCustomer> {
  let customerId: number;
  let created = false;
  const key = bcCustomerKey(order);
  if (resolution.kind === 'use') {
    customerId = resolution.id;
  } else {
    // Two orders of one new shopper run in parallel (different entity keys): the second must find the
    // customer the first created, not make a twin. Serialised per shopper in this process; whoever waited
    // for the lock checks what the holder made (in memory: its link is not committed yet), the link, and
    // Heartland by email. An uncontended run skips that second email search: findCustomer just made it.
    const d = resolution.draft;
    const lockKey = `${ctx.connectionId}:${key ?? `anon:${order.id}`}`;
    const made = await withKeyLock(lockKey, async (waited) => {
      const recent = recentlyCreated(ctx, lockKey);
      if (recent !== undefined) return { id: recent, created: false };
      if (waited) {
        const linked = key ? await ctx.engine.links.findByBcId(ctx.connectionId, 'customer', key) : null;
        if (linked?.hlId) return { id: Number(linked.hlId), created: false };
        if (d.email) {
          const hits = (await ctx.hl.customersByEmail(d.email)).filter(
            (c) => (c.email ?? '').trim().toLowerCase() === d.email,
          );
          if (hits.length === 1) return { id: hits[0]!.id, created: false };
        }
      }
      const id = await ctx.hl.createCustomer({
        first_name: d.first_name,
        last_name: d.last_name,
        ...(d.email ? { email: d.email } : {}),
        ...(d.phone ? { phone: d.phone } : {}),
        ...(Object.keys(d.custom).length > 0 ? { custom: d.custom } : {}),
      });
      rememberCreated(ctx, lockKey, id);
      return { id, created: true };
    });
    customerId = made.id;
    created = made.created;
  }
  const alreadyLinked = resolution.kind === 'use' && resolution.matchedBy === 'link';
  const link: LinkUpsert | null =
    key && !alreadyLinked
      ? { connectionId: ctx.connectionId, kind: 'customer', bcId: key, hlId: String(customerId) }
      : null;
  const existing = created ? [] : await ctx.hl.customerAddresses(customerId);
  const known: Array<{ id: number; key: string }> = existing.map((a) => ({
    id: a.id,
    key: addressKey(a as unknown as Record<string, unknown>),
  }));
  const ensure = async (a: HlAddress): Promise<number> => {
    const k = addressKey(a as unknown as Record<string, unknown>);
    const hit = known.find((x) => x.key === k);
    if (hit) return hit.id;
    const id = await ctx.hl.createCustomerAddress(customerId, { ...a });
    known.push({ id, key: k });
    return id;
  };
  const billingAddressId = await ensure(addresses.billing);
  const shippingAddressId = addresses.shipping ? await ensure(addresses.shipping) : null;
  return { customerId, created, billingAddressId, shippingAddressId, link };
}

/** Same person at the same place = same address (case and spacing do not matter). */
function addressKey(a: Record<string, unknown>): string {
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

const locks = new Map<string, Promise<unknown>>();

/** Runs `work` after every earlier holder of `key` in this process finished; `waited` = there was one. */
async function withKeyLock<T>(key: string, work: (waited: boolean) => Promise<T>): Promise<T> {
  const before = locks.get(key);
  const run = (before ?? Promise.resolve()).catch(() => {}).then(() => work(before !== undefined));
  locks.set(key, run);
  try {
    return await run;
  } finally {
    if (locks.get(key) === run) locks.delete(key);
  }
}

/**
 * Customers this process created recently, per store (engine) and lock key: their links may not be
 * committed yet. Bounded: expired entries go first, then the oldest.
 */
const recentByEngine = new WeakMap<object, Map<string, { id: number; at: number }>>();
const RECENT_MS = 10 * 60_000;
const RECENT_MAX = 1_000;

function recentFor(ctx: FlowContext): Map<string, { id: number; at: number }> {
  let m = recentByEngine.get(ctx.engine);
  if (!m) {
    m = new Map();
    recentByEngine.set(ctx.engine, m);
  }
  return m;
}

function recentlyCreated(ctx: FlowContext, key: string): number | undefined {
  const hit = recentFor(ctx).get(key);
  return hit && ctx.now() - hit.at < RECENT_MS ? hit.id : undefined;
}

function rememberCreated(ctx: FlowContext, key: string, id: number): void {
  const m = recentFor(ctx);
  const at = ctx.now();
  m.delete(key);
  m.set(key, { id, at });
  if (m.size <= RECENT_MAX) return;
  for (const [k, v] of m) if (at - v.at >= RECENT_MS) m.delete(k);
  for (const k of m.keys()) {
    if (m.size <= RECENT_MAX) break;
    m.delete(k);
  }
}
