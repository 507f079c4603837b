/**
 * Heartland → BigCommerce. Heartland sends no customer events we can rely on, so task `customers.poll`
 * (every `polling.customers`) reads customers whose `updated_at` moved, and task `customers.from_hl`
 * writes one of them to BigCommerce.
 *
 * The poll is a keyset walk: `updated_at > since − overlap`, by id, page after page; after every page the
 * cursor `customers.updated_since` stores `{since, afterId, newest}`, so a crash or a bounded run (at most
 * `maxPages` per job, then the poll re-queues itself) resumes after the last id instead of starting over.
 * A finished walk moves `since` to the newest `updated_at` seen; the overlap re-reads late commits and
 * clock skew, and costs nothing for customers whose hash is unchanged.
 *
 * For each changed customer the poll decides cheaply, from the link, without an API call:
 * - its hash equals the one we wrote (our BigCommerce → Heartland write moved `updated_at`) → echo, skip;
 * - equals the one we last saw → unchanged (a field we do not sync changed), skip;
 * - linked by the orders flow but never synced here → taken as the baseline, not pushed: the Heartland
 *   customer was made from the order's billing address, which must not overwrite the web account;
 * - otherwise → a `customers.from_hl` job on the BigCommerce customer's entity key (serialised with the
 *   webhooks' `customers.sync`), through the inbox with dedupe key `poll:customer:<id>:<updated_at>`.
 * Customers without a BigCommerce account are only looked at when `createInBigCommerce` is on.
 */
import { z } from 'zod';
import type { HlCustomer } from '../../connectors/heartland/schemas.js';
import type { AuditEntryInput } from '../../engine/audit.js';
import { HeartbridgeError } from '../../engine/errors.js';
import type { Link, LinkUpsert } from '../../engine/index.js';
import type { JsonObject } from '../../engine/queue/queue-backend.js';
import { createLinksRepository } from '../../store/repositories/links.js';
import { flowOptions } from '../flow-context.js';
import { flowsToBc } from './customers-config.js';
import { CUSTOMER_LINK_KIND } from './hl-customer.js';
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
import { CUSTOMER_PRIORITY, CUSTOMER_TASKS, customerEntityKey, hlCustomerEntityKey } from './routing.js';
import type { CustomersFlowContext } from './sync-customer.js';

export const CUSTOMERS_CURSOR = 'customers.updated_since';
const DEFAULT_MAX_PAGES = 10;

const cursorSchema = z.object({
  since: z.iso.datetime(),
  afterId: z.number().int().min(0),
  newest: z.iso.datetime(),
});
type Cursor = z.infer<typeof cursorSchema>;

export interface CustomerPollResult {
  seen: number;
  enqueued: number;
  echo: number;
  unchanged: number;
  baseline: number;
  unlinked: number;
  /** More pages wait: the caller re-queues the poll. */
  more: boolean;
  cursor: Cursor;
}

/** The BigCommerce customer id a link stands for (`id:<n>`, or remembered in its data), else null. */
export function bcCustomerIdOf(link: Link | null): number | null {
  if (!link) return null;
  const fromKey = /^id:(\d+)$/.exec(link.bcId ?? '')?.[1];
  const n = Number(fromKey ?? link.data?.bcCustomerId);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

const iso = (ms: number) => new Date(ms).toISOString();

async function readCursor(ctx: CustomersFlowContext): Promise<Cursor> {
  const raw = await ctx.engine.cursors.get(ctx.connectionId, CUSTOMERS_CURSOR);
  if (raw) {
    try {
      const r = cursorSchema.safeParse(JSON.parse(raw));
      if (r.success) return r.data;
    } catch {
      // An unreadable cursor (hand-edited?) restarts from the initial look-back below: re-reading is safe.
    }
    ctx.logger?.warn({ cursor: CUSTOMERS_CURSOR }, 'unreadable customer poll cursor: starting over');
  }
  const since = iso(ctx.now() - flowOptions(ctx).pollInitialLookbackMs);
  return { since, afterId: 0, newest: since };
}

export async function pollCustomers(
  ctx: CustomersFlowContext,
  opts: { maxPages?: number } = {},
): Promise<CustomerPollResult> {
  const maxPages = opts.maxPages ?? DEFAULT_MAX_PAGES;
  const start = await readCursor(ctx);
  const from = iso(Math.max(0, Date.parse(start.since) - flowOptions(ctx).pollOverlapMs));
  const result: CustomerPollResult = {
    seen: 0,
    enqueued: 0,
    echo: 0,
    unchanged: 0,
    baseline: 0,
    unlinked: 0,
    more: false,
    cursor: start,
  };
  let newest = Date.parse(start.newest);
  let pages = 0;
  for await (const page of ctx.hl.customersUpdatedSince(from, start.afterId)) {
    for (const c of page.items) {
      result.seen++;
      const t = c.updated_at ? Date.parse(c.updated_at) : Number.NaN;
      if (Number.isFinite(t)) newest = Math.max(newest, t);
      result[await considerHlCustomer(ctx, c)]++;
    }
    pages++;
    if (page.done) break;
    // Resumable mid-walk: the position after this page (the walk's `since` moves only when it ends).
    result.cursor = { since: start.since, afterId: page.lastId, newest: iso(newest) };
    await ctx.engine.cursors.set(ctx.connectionId, CUSTOMERS_CURSOR, JSON.stringify(result.cursor));
    if (pages >= maxPages) {
      result.more = true;
      return result;
    }
  }
  result.cursor = { since: iso(newest), afterId: 0, newest: iso(newest) };
  await ctx.engine.cursors.set(ctx.connectionId, CUSTOMERS_CURSOR, JSON.stringify(result.cursor));
  return result;
}

type Verdict = 'enqueued' | 'echo' | 'unchanged' | 'baseline' | 'unlinked';

async function considerHlCustomer(ctx: CustomersFlowContext, c: HlCustomer): Promise<Verdict> {
  const cfg = ctx.customers;
  const link = await ctx.engine.links.findByHlId(ctx.connectionId, CUSTOMER_LINK_KIND, String(c.id));
  const bcId = bcCustomerIdOf(link);
  if (bcId === null && !cfg.createInBigCommerce) return 'unlinked';
  const hash = hlStateHash(readHlCustomer(c, cfg).profile, cfg);
  if (link && hash === link.data?.hlWrittenHash) return 'echo';
  if (link && hash === link.data?.hlSeenHash) return 'unchanged';
  if (
    link &&
    bcId !== null &&
    link.data?.hlSeenHash === undefined &&
    link.data?.hlWrittenHash === undefined
  ) {
    await ctx.engine.links.upsert({
      connectionId: ctx.connectionId,
      kind: CUSTOMER_LINK_KIND,
      hlId: String(c.id),
      data: { ...(link.data ?? {}), hlSeenHash: hash },
    });
    return 'baseline';
  }
  const entityKey = bcId !== null ? customerEntityKey(bcId) : hlCustomerEntityKey(c.id);
  const r = await ctx.engine.inbox.ingest({
    connectionId: ctx.connectionId,
    source: 'poll:customers',
    dedupeKey: `poll:customer:${c.id}:${c.updated_at ?? hash}`,
    topic: 'hl/customer/updated',
    entityKey,
    payload: { hlCustomerId: c.id },
    job: {
      task: CUSTOMER_TASKS.fromHl,
      coalesceKey: `${CUSTOMER_TASKS.fromHl}:${entityKey}`,
      priority: CUSTOMER_PRIORITY.realtime,
    },
  });
  return r.duplicate ? 'unchanged' : 'enqueued';
}

export type FromHlOutcome =
  | 'updated'
  | 'created'
  | 'linked'
  | 'unchanged'
  | 'echo'
  | 'unlinked'
  | 'skipped'
  | 'gone'
  | 'quarantined'
  | 'disabled';

const ACTOR = 'flow:customers.from_hl';

/** Task `customers.from_hl`: one Heartland customer → its BigCommerce customer (re-read, never trusted). */
export async function applyHlCustomer(
  ctx: CustomersFlowContext,
  payload: JsonObject,
  job: QuarantineJob,
): Promise<FromHlOutcome> {
  const cfg = ctx.customers;
  if (!cfg.enabled) return 'disabled';
  const hlId = Number(payload.hlCustomerId ?? /^hl:customer:(\d+)$/.exec(job.entityKey)?.[1]);
  const log = (outcome: FromHlOutcome, extra: object = {}) => {
    ctx.logger?.info(
      { entityKey: job.entityKey, hlCustomerId: hlId, outcome, ...extra },
      `customers.from_hl ${outcome}`,
    );
    return outcome;
  };
  if (!Number.isSafeInteger(hlId) || hlId <= 0) return log('skipped', { reason: 'no Heartland customer id' });
  let hlRaw: HlCustomer;
  try {
    hlRaw = await ctx.hl.getCustomer(hlId);
  } catch (err) {
    if (err instanceof HeartbridgeError && err.code === 'HB_ERR_HL_NOT_FOUND') return log('gone');
    throw err;
  }
  const hl = readHlCustomer(hlRaw, cfg);
  const hash = hlStateHash(hl.profile, cfg);
  const link = await ctx.engine.links.findByHlId(ctx.connectionId, CUSTOMER_LINK_KIND, String(hlId));
  if (link && hash === link.data?.hlWrittenHash) return log('echo');
  if (link && hash === link.data?.hlSeenHash) return log('unchanged');
  let bcId = bcCustomerIdOf(link);
  if (bcId === null && !cfg.createInBigCommerce) return log('unlinked');

  const blocking = blockingProblems(hl.problems, cfg, 'bc');
  if (blocking.length > 0) {
    await quarantineCustomer(
      ctx,
      job,
      payload,
      problemsReason(
        CUSTOMER_QUARANTINE.hlInvalid,
        `Heartland customer ${hlId} cannot be written to BigCommerce`,
        blocking,
      ),
    );
    return log('quarantined', { fields: blocking.map((p) => p.field) });
  }

  let linkedNow = false;
  if (bcId === null) {
    // createInBigCommerce: an account with this email may exist already (a sign-up not linked yet, or our
    // own create whose answer was lost): link it rather than make a second one.
    const email = hl.profile.email;
    if (!email) return log('skipped', { reason: 'a BigCommerce account needs an email' });
    const existing = await ctx.bc.customers.byEmail([email], 'addresses');
    if (existing[0]) {
      bcId = existing[0].id;
      linkedNow = true;
    } else {
      return createInBigCommerce(ctx, job, payload, hlId, hl.profile, hash, link, log);
    }
  }

  const bcRaw = await ctx.bc.customers.get(bcId, 'addresses');
  if (!bcRaw)
    return log('gone', { bcCustomerId: bcId, reason: 'the linked BigCommerce customer was deleted' });
  const bcParsed = bcCustomerInSchema.parse(bcRaw);
  const bc = readBcCustomer(bcParsed, cfg);
  const patch = profilePatch(hl.profile, bc.profile, cfg, flowsToBc);
  let bcAfter = bc;
  if (Object.keys(patch).length > 0) {
    let updated: unknown;
    try {
      [updated] = await ctx.bc.customers.update([{ id: bcId, ...bcBody(patch) }]);
    } catch (err) {
      if (rejected(err))
        return quarantineRejected(ctx, job, payload, err, `BigCommerce customer ${bcId}`, log);
      throw err;
    }
    bcAfter = readBcCustomer(
      bcCustomerInSchema.parse({ ...bcParsed, ...(updated as object), addresses: bcParsed.addresses }),
      cfg,
    );
  }
  const wrote = Object.keys(patch).length > 0;
  const bcHash = bcStateHash(bcAfter, cfg);
  await commit(
    ctx,
    {
      connectionId: ctx.connectionId,
      kind: CUSTOMER_LINK_KIND,
      bcId: `id:${bcId}`,
      hlId: String(hlId),
      data: {
        ...(link?.data ?? {}),
        bcCustomerId: bcId,
        hlSeenHash: hash,
        bcSeenHash: bcHash,
        // Our BigCommerce write comes back as store/customer/updated: customers.sync must skip it.
        ...(wrote ? { bcWrittenHash: bcHash } : {}),
      },
    },
    {
      actor: ACTOR,
      action: wrote ? 'customer.bc_updated' : 'customer.bc_linked',
      target: customerEntityKey(bcId),
      connectionId: ctx.connectionId,
      detail: { hlCustomerId: hlId, fields: Object.keys(patch), linkedNow },
    },
    job.entityKey,
  );
  return log(wrote ? 'updated' : linkedNow ? 'linked' : 'unchanged', {
    bcCustomerId: bcId,
    fields: Object.keys(patch),
  });
}

async function createInBigCommerce(
  ctx: CustomersFlowContext,
  job: QuarantineJob,
  payload: JsonObject,
  hlId: number,
  p: Profile,
  hash: string,
  link: Link | null,
  log: (o: FromHlOutcome, extra?: object) => FromHlOutcome,
): Promise<FromHlOutcome> {
  const cfg = ctx.customers;
  const fallback = ctx.mapping.defaults.customer;
  const body = {
    email: p.email as string,
    first_name: p.first_name || fallback.firstName,
    last_name: p.last_name || fallback.lastName,
    ...(p.phone ? { phone: p.phone } : {}),
  };
  let created: unknown;
  try {
    [created] = await ctx.bc.customers.create([body]);
  } catch (err) {
    if (rejected(err)) return quarantineRejected(ctx, job, payload, err, `Heartland customer ${hlId}`, log);
    throw err;
  }
  const bc = bcCustomerInSchema.parse({ ...(created as object), addresses: [] });
  const bcHash = bcStateHash(readBcCustomer(bc, cfg), cfg);
  await commit(
    ctx,
    {
      connectionId: ctx.connectionId,
      kind: CUSTOMER_LINK_KIND,
      bcId: `id:${bc.id}`,
      hlId: String(hlId),
      data: {
        ...(link?.data ?? {}),
        bcCustomerId: bc.id,
        hlSeenHash: hash,
        bcSeenHash: bcHash,
        bcWrittenHash: bcHash,
      },
    },
    {
      actor: ACTOR,
      action: 'customer.bc_created',
      target: customerEntityKey(bc.id),
      connectionId: ctx.connectionId,
      detail: { hlCustomerId: hlId },
    },
    job.entityKey,
  );
  return log('created', { bcCustomerId: bc.id });
}

/** A profile patch as BigCommerce takes it (absent stays absent; a patch never carries null). */
function bcBody(patch: Partial<Profile>): {
  first_name?: string;
  last_name?: string;
  email?: string;
  phone?: string;
} {
  return {
    ...(patch.first_name ? { first_name: patch.first_name } : {}),
    ...(patch.last_name ? { last_name: patch.last_name } : {}),
    ...(patch.email ? { email: patch.email } : {}),
    ...(patch.phone ? { phone: patch.phone } : {}),
  };
}

function rejected(err: unknown): err is HeartbridgeError {
  return (
    err instanceof HeartbridgeError &&
    (err.code === 'HB_ERR_BC_VALIDATION' || err.code === 'HB_ERR_BC_CONFLICT')
  );
}

async function quarantineRejected(
  ctx: CustomersFlowContext,
  job: QuarantineJob,
  payload: JsonObject,
  err: HeartbridgeError,
  subject: string,
  log: (o: FromHlOutcome, extra?: object) => FromHlOutcome,
): Promise<FromHlOutcome> {
  await quarantineCustomer(ctx, job, payload, {
    code: CUSTOMER_QUARANTINE.rejected,
    message: `${subject}: BigCommerce refused the write: ${err.message}`,
    suggestedFix:
      'correct the customer in Heartland (an email already used by another BigCommerce account must be changed on one side), then heartbridge quarantine replay',
    context: { upstreamStatus: err.upstreamStatus, fieldErrors: err.fieldErrors },
  });
  return log('quarantined', { code: err.code });
}

async function commit(
  ctx: CustomersFlowContext,
  link: LinkUpsert,
  audit: AuditEntryInput,
  entityKey: string,
): Promise<void> {
  await ctx.engine.store.db.transaction().execute(async (trx) => {
    await createLinksRepository(trx, ctx.now).upsert(link);
    await ctx.engine.audit.record(audit, trx);
    await resolveCustomerQuarantine(ctx, entityKey, { db: trx });
  });
}
