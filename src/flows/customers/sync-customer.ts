/**
 * Task `customers.sync`: one BigCommerce customer → its Heartland customer (sign-up, profile edit, an
 * address added or changed). Serialised per customer by the queue (entity key `bc:customer:<id>`); every
 * run starts from the current state of both sides, so duplicate deliveries, replays and retries converge.
 *
 *  1. which customer: the entity key (address events carry the address id in `data.id`), or `customerId`
 *  2. fetch it with its addresses; gone → nothing to do (Heartland customers are never deleted)
 *  3. echo guard: the BigCommerce state we last wrote (from Heartland) or last processed → skip
 *  4. validate: no email and no phone, an unreadable phone or email, absurd names → quarantine + fix
 *  5. match exactly as orders do (hl-customer.ts): link, email, E.164 phone; two or more candidates →
 *     review queue (kind `customer.match`) and the job parks until a person decides
 *  6. create, or update only the fields that flow to Heartland and differ; add missing addresses
 *  7. record the link with the hashes of both sides (the Heartland poll then recognises our write as an
 *     echo) and the audit entry, in one transaction
 */
import type { AuditEntryInput } from '../../engine/audit.js';
import { HeartbridgeError, PermanentError } from '../../engine/errors.js';
import type { LinkUpsert } from '../../engine/index.js';
import type { JsonObject } from '../../engine/queue/queue-backend.js';
import type { HlCustomerDraft } from '../../mapping/customer-match.js';
import { createLinksRepository } from '../../store/repositories/links.js';
import type { FlowContext } from '../flow-context.js';
import type { ReviewItems } from '../orders/review-items.js';
import { type CustomersConfig, flowsToHl } from './customers-config.js';
import {
  CUSTOMER_LINK_KIND,
  type CustomerResolution,
  createOrFindHlCustomer,
  ensureHlAddresses,
  findHlCustomer,
} from './hl-customer.js';
import {
  bcCustomerInSchema,
  bcStateHash,
  blockingProblems,
  hlStateHash,
  type Profile,
  profilePatch,
  readBcCustomer,
  readHlCustomer,
} from './profile.js';
import {
  CUSTOMER_QUARANTINE,
  problemsReason,
  type QuarantineJob,
  quarantineCustomer,
  resolveCustomerQuarantine,
} from './quarantine.js';
import { customerEntityKey } from './routing.js';

/** Review items of the profile flow (the orders flow's are `order.customer_match`, per order). */
export const CUSTOMER_REVIEW_KIND = 'customer.match';

export interface CustomersFlowContext extends FlowContext {
  customers: CustomersConfig;
}

export type CustomerSyncOutcome =
  | 'created'
  | 'updated'
  | 'linked'
  | 'unchanged'
  | 'echo'
  | 'gone'
  | 'quarantined'
  | 'review'
  | 'disabled';

const ACTOR = 'flow:customers.sync';

/** `bc:customer:<id>` (authoritative: address events carry an address id in `data.id`), else `customerId`. */
export function bcCustomerIdFrom(payload: JsonObject, entityKey: string): number {
  const fromKey = /^bc:customer:(\d+)$/.exec(entityKey)?.[1];
  const id = Number(fromKey ?? payload.customerId);
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw new PermanentError({
      code: 'HB_ERR_CUSTOMER_NO_ID',
      message: `cannot tell which BigCommerce customer job ${entityKey} is about`,
      suggestedFix: 'discard this entry: the event names no customer',
    });
  }
  return id;
}

export async function syncBcCustomer(
  ctx: CustomersFlowContext,
  reviews: ReviewItems,
  payload: JsonObject,
  job: QuarantineJob,
): Promise<CustomerSyncOutcome> {
  const cfg = ctx.customers;
  if (!cfg.enabled) return 'disabled';
  // ── 1. which customer ──
  const bcId = bcCustomerIdFrom(payload, job.entityKey);
  const entityKey = customerEntityKey(bcId);
  const bcKey = `id:${bcId}`;
  const log = (outcome: CustomerSyncOutcome, extra: object = {}) => {
    ctx.logger?.info({ entityKey, outcome, attempt: job.attempt, ...extra }, `customers.sync ${outcome}`);
    return outcome;
  };

  // ── 2. fetch ──
  let raw: unknown;
  try {
    raw = await ctx.bc.customers.get(bcId, 'addresses');
  } catch (err) {
    if (err instanceof HeartbridgeError && err.code === 'HB_ERR_BC_NOT_FOUND') raw = undefined;
    else throw err;
  }
  if (raw === undefined) return log('gone');
  const parsed = bcCustomerInSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    await quarantineCustomer(ctx, job, payload, {
      code: CUSTOMER_QUARANTINE.invalid,
      message: `BigCommerce customer ${bcId} has an unexpected shape: ${issues.join('; ')}`,
      suggestedFix: `check customer ${bcId} in BigCommerce (Customers), then heartbridge quarantine replay`,
    });
    return log('quarantined');
  }
  const view = readBcCustomer(parsed.data, cfg);
  const link = await ctx.engine.links.findByBcId(ctx.connectionId, CUSTOMER_LINK_KIND, bcKey);
  const hash = bcStateHash(view, cfg);

  // ── 3. echo guard ──
  if (link?.hlId && (hash === link.data?.bcWrittenHash || hash === link.data?.bcSeenHash)) {
    return log(hash === link.data?.bcWrittenHash ? 'echo' : 'unchanged');
  }

  // ── 4. validate ──
  const blocking = blockingProblems(view.problems, cfg, 'hl');
  if (blocking.length > 0) {
    await quarantineCustomer(
      ctx,
      job,
      payload,
      problemsReason(
        CUSTOMER_QUARANTINE.invalid,
        `BigCommerce customer ${bcId} cannot be written to Heartland`,
        blocking,
      ),
    );
    return log('quarantined', { fields: blocking.map((p) => p.field) });
  }

  // ── 5. match ──
  const defaults = ctx.mapping.defaults.customer;
  const draft: HlCustomerDraft = {
    ...view.profile,
    first_name: view.profile.first_name || defaults.firstName,
    last_name: view.profile.last_name || defaults.lastName,
    custom: { ...defaults.custom },
    address: view.addresses[0] ?? null,
    company: null,
  };
  const resolution: CustomerResolution = link?.hlId
    ? { kind: 'use', id: Number(link.hlId), matchedBy: 'link' }
    : await findHlCustomer(ctx, reviews, { kind: CUSTOMER_REVIEW_KIND, entityKey }, { bcKey, draft });
  if (resolution.kind === 'review') {
    const item = await reviews.open({
      connectionId: ctx.connectionId,
      kind: CUSTOMER_REVIEW_KIND,
      entityKey,
      reason: resolution.reason,
      candidates: resolution.candidates,
    });
    const first = resolution.candidates[0]?.id ?? '<customerId>';
    await quarantineCustomer(ctx, job, payload, {
      code: CUSTOMER_QUARANTINE.ambiguous,
      message: `BigCommerce customer ${bcId}: ${resolution.reason} (review item ${item.id}; candidates ${resolution.candidates.map((c) => c.id).join(', ')})`,
      suggestedFix: `heartbridge review resolve ${item.id} --use ${first}   (or --create for a new customer)`,
      context: { reviewItemId: item.id, candidates: resolution.candidates.map((c) => c.id) },
    });
    return log('review', { reviewItemId: item.id });
  }

  // ── 6. write ──
  let hlId: number;
  let created = false;
  let hlAfter: Profile;
  let patch: Partial<Profile> = {};
  if (resolution.kind === 'create') {
    const made = await createOrFindHlCustomer(ctx, resolution.draft, bcKey, `anon:bc-customer:${bcId}`);
    hlId = made.id;
    created = made.created;
  } else hlId = resolution.id;
  if (created) {
    // What Heartland now holds is what we sent (names, email and phone go in as normalised here).
    hlAfter = { ...view.profile, first_name: draft.first_name, last_name: draft.last_name };
  } else {
    const hl = readHlCustomer(await ctx.hl.getCustomer(hlId), cfg);
    patch = profilePatch(view.profile, hl.profile, cfg, flowsToHl);
    hlAfter =
      Object.keys(patch).length > 0
        ? readHlCustomer(await ctx.hl.updateCustomer(hlId, { ...patch }), cfg).profile
        : hl.profile;
  }
  const addressesFlow = cfg.fields.addresses === 'bc_to_hl';
  if (addressesFlow) await ensureHlAddresses(ctx, hlId, created, view.addresses);

  // ── 7. link + audit + quarantine resolution, one transaction ──
  const hlHash = hlStateHash(hlAfter, cfg);
  const wroteHl = created || Object.keys(patch).length > 0;
  const outcome: CustomerSyncOutcome = created
    ? 'created'
    : wroteHl
      ? 'updated'
      : resolution.kind === 'use' && resolution.matchedBy !== 'link'
        ? 'linked'
        : 'updated';
  const next: LinkUpsert = {
    connectionId: ctx.connectionId,
    kind: CUSTOMER_LINK_KIND,
    bcId: bcKey,
    hlId: String(hlId),
    data: {
      ...(link?.data ?? {}),
      bcCustomerId: bcId,
      bcSeenHash: hash,
      hlSeenHash: hlHash,
      // Our Heartland write moves its updated_at: the poll must see it as the echo it is.
      ...(wroteHl ? { hlWrittenHash: hlHash } : {}),
    },
  };
  const audit: AuditEntryInput = {
    actor: ACTOR,
    action: `customer.${created ? 'created' : wroteHl ? 'updated' : 'linked'}`,
    target: entityKey,
    connectionId: ctx.connectionId,
    detail: {
      hlCustomerId: hlId,
      matchedBy: resolution.kind === 'use' ? resolution.matchedBy : 'created',
      fields: Object.keys(patch),
      addresses: addressesFlow ? view.addresses.length : 0,
      configVersion: job.configVersion ?? ctx.configVersion,
    },
  };
  const addressProblems = addressesFlow ? view.addressProblems : [];
  const keep = addressProblems.length > 0 ? CUSTOMER_QUARANTINE.address : undefined;
  await ctx.engine.store.db.transaction().execute(async (trx) => {
    await createLinksRepository(trx, ctx.now).upsert(next);
    await ctx.engine.audit.record(audit, trx);
    await resolveCustomerQuarantine(ctx, entityKey, { keep, db: trx });
  });
  if (addressProblems.length > 0) {
    // The profile is in Heartland; the addresses that cannot be read wait for a fix (a BigCommerce edit
    // re-runs this through its webhook, or `quarantine replay`).
    await quarantineCustomer(
      ctx,
      job,
      payload,
      problemsReason(
        CUSTOMER_QUARANTINE.address,
        `BigCommerce customer ${bcId}: ${addressProblems.length} address problem(s), those addresses were not written to Heartland`,
        addressProblems,
      ),
    );
  }
  return log(outcome, { hlCustomerId: hlId, fields: Object.keys(patch) });
}
