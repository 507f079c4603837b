/**
 * Task `orders.sync`: one BigCommerce order → exactly one Heartland sales order (issue 5, steps 1–9).
 * Runs once per job, serialised per order by the queue (entity key `bc:order:<id>`); every run starts
 * from the current state of both sides, so duplicates, replays and retries all converge.
 *
 *  1. resolve the order id (webhook envelope, poll payload or `{orderId}`)
 *  2. fetch order, products, shipping addresses, transactions; skip Incomplete (status 0);
 *     stale guard: a version older than the link's `last_seen_version` is a no-op
 *  9. echo guard: the BigCommerce state we last wrote (or already processed) → skip
 *  8. payment failure (Declined / every transaction errored) → no Heartland order, or cancel it; alert
 *  7. already-linked order → BigCommerce status change becomes a Heartland status (forward only)
 *  3. customer: review decision, link, email, phone → use / create / review queue (order waits)
 *  4. map with the connection's mapping config
 *  5. validate: problems → quarantine with reason + suggested fix, alert; other orders keep flowing
 *     5b. risk screen (mapping.risk, opt-in): unusual order → review item, waits for --approve/--reject
 *  6. create the Heartland order idempotently (hl-order-writer.ts), record the link, audit
 * (10, the poll backstop, is poll-orders.ts.)
 */
import { hlSalesOrderSchema } from '../../connectors/heartland/schemas.js';
import type { AuditEntryInput } from '../../engine/audit.js';
import { HeartbridgeError, PermanentError } from '../../engine/errors.js';
import type { Link } from '../../engine/index.js';
import type { JobContext, JsonObject } from '../../engine/queue/queue-backend.js';
import type { HlItemRef } from '../../mapping/hl-draft.js';
import { hashDraft, mapOrder, type Problem } from '../../mapping/order-to-sales-order.js';
import { bcStatusToHeartland, isForwardHlTransition } from '../../mapping/status-map.js';
import { type FlowContext, raiseAlert } from '../flow-context.js';
import { orderEntityKey } from '../routing.js';
import { ensureCustomer, findCustomer } from './customer-step.js';
import { bcOrderStateHash, fetchOrderBundle, type OrderBundle, versionOf } from './fetch-order.js';
import { findByBcOrderId, isHlStatus, writeSalesOrder } from './hl-order-writer.js';
import { scheduleLateWriteCheck, writtenSnapshot } from './late-writes.js';
import { describeLineEdits, linesSignature, snapshotLines, storedSnapshot } from './line-edits.js';
import { commitOrderWrites } from './order-writes.js';
import { quarantineJob } from './quarantine.js';
import type { ReferenceData } from './reference-data.js';
import { CUSTOMER_MATCH_KIND, type ReviewItems } from './review-items.js';
import { screenOrderRisk } from './risk-step.js';

export type SyncOutcome =
  | 'created'
  | 'completed'
  | 'updated'
  | 'unchanged'
  | 'stale'
  | 'echo'
  | 'skipped'
  | 'quarantined'
  | 'review'
  | 'payment_failed'
  | 'canceled'
  | 'gone';

export interface OrdersDeps {
  reviews: ReviewItems;
  refs: ReferenceData;
}

type Job = Pick<JobContext, 'task' | 'entityKey' | 'attempt' | 'inboxId' | 'configVersion'> &
  Partial<Pick<JobContext, 'jobId'>>;

const ACTOR = 'flow:orders.sync';

export async function syncOrder(
  ctx: FlowContext,
  deps: OrdersDeps,
  payload: JsonObject,
  job: Job,
): Promise<SyncOutcome> {
  // ── 1. which order ──
  const orderId = orderIdFrom(payload, job.entityKey);
  const entityKey = orderEntityKey(orderId);
  const log = (outcome: SyncOutcome, extra: object = {}) =>
    ctx.logger?.info(
      { entityKey, outcome, attempt: job.attempt, jobId: job.jobId, ...extra },
      `orders.sync ${outcome}`,
    );

  // ── 2. fetch the whole order; skip Incomplete; stale guard ──
  let bundle: OrderBundle;
  try {
    bundle = await fetchOrderBundle(ctx, orderId);
  } catch (err) {
    if (err instanceof HeartbridgeError && err.code === 'HB_ERR_BC_NOT_FOUND') {
      log('gone');
      return 'gone';
    }
    throw err;
  }
  const { order } = bundle;
  const link = await ctx.engine.links.findByBcId(ctx.connectionId, 'order', String(orderId));
  const synced = link?.data?.state === 'synced' && link.hlId !== null;
  if (order.status_id === 0 && !link) {
    log('skipped', { reason: 'incomplete checkout; store/order/updated will fire when it completes' });
    return 'skipped';
  }
  const version = versionOf(order.date_modified);
  if (synced && link.lastSeenVersion && version < Date.parse(link.lastSeenVersion)) {
    log('stale', { dateModified: order.date_modified, lastSeen: link.lastSeenVersion });
    return 'stale';
  }

  // ── 9. echo guard ──
  const stateHash = bcOrderStateHash(bundle);
  if (synced && (stateHash === link.data?.bcWrittenHash || stateHash === link.data?.bcSeenHash)) {
    const echo = stateHash === link.data?.bcWrittenHash;
    await markSeen(ctx, link, version, stateHash);
    log(echo ? 'echo' : 'unchanged');
    return echo ? 'echo' : 'unchanged';
  }

  // ── 8. payment failures: no half-made Heartland order ──
  const failure = paymentFailure(bundle);
  if (failure) return handlePaymentFailure(ctx, link, bundle, failure, version, stateHash, job.attempt);

  // ── 7. later changes to a linked order: status only, never duplicate lines ──
  if (synced) {
    await applyStatusChange(ctx, link, bundle, version, stateHash);
    log('updated', { statusId: order.status_id });
    return 'updated';
  }

  const decision = bcStatusToHeartland(order.status_id, ctx.mapping);
  if (!link && (decision.action === 'skip' || decision.status === 'canceled')) {
    log('skipped', {
      statusId: order.status_id,
      reason: decision.action === 'skip' ? decision.reason : 'canceled before it was synced',
    });
    return 'skipped';
  }

  // The SKU → item lookup (step 4) does not depend on the customer: it runs alongside step 3, one
  // Heartland round trip less on the path of an order (cached per connection, reference-data.ts; a
  // retry reads them fresh). Awaited in step 4; a review or quarantine return leaves it unused.
  const skus = [...new Set(bundle.products.map((p) => (p.sku ?? '').trim()).filter((s) => s !== ''))];
  const itemsPending = deps.refs.itemsBySku(skus, { fresh: job.attempt > 1 });
  itemsPending.catch(() => undefined);

  // ── 3. customer (read only here; created in step 6 once the order is known to be writable) ──
  const customer = await findCustomer(ctx, deps.reviews, entityKey, order);
  if (customer.kind === 'review') {
    const item = await deps.reviews.open({
      connectionId: ctx.connectionId,
      kind: CUSTOMER_MATCH_KIND,
      entityKey,
      reason: customer.reason,
      candidates: customer.candidates,
    });
    const first = customer.candidates[0]?.id ?? '<customerId>';
    await quarantineJob(ctx, job, payload, {
      code: 'HB_ERR_ORDER_CUSTOMER_AMBIGUOUS',
      message: `order ${orderId}: ${customer.reason} (review item ${item.id}; candidates ${customer.candidates.map((c) => c.id).join(', ')})`,
      suggestedFix: `heartbridge review resolve ${item.id} --use ${first}   (or --create for a new customer)`,
      context: { reviewItemId: item.id, candidates: customer.candidates.map((c) => c.id) },
    });
    log('review', { reviewItemId: item.id });
    return 'review';
  }

  // ── 4. map with the connection's mapping config ──
  const itemLookup = await itemsPending;
  const hlItemsBySku: Map<string, HlItemRef> = itemLookup.items;
  const mapInput = {
    order,
    products: bundle.products,
    shippingAddresses: bundle.shippingAddresses,
    // The mapper's transaction schema reads `amount` as a JSON number (it never computes money with it).
    transactions: bundle.transactions.map((t) => ({ ...t, amount: Number(t.amount) })),
    config: ctx.mapping,
    hlItemsBySku,
    hlCustomerId: customer.kind === 'use' ? customer.id : 0,
    now: ctx.now(),
  };
  let mapped = await mapOrder(mapInput);

  // ── 5. validate: quarantine with reasons and suggested fixes ──
  if (!mapped.ok && mapped.problems.some((p) => p.code === 'HB_ERR_MAP_UNKNOWN_SKU')) {
    mapped = await mapOrder({ ...mapInput, catalogue: await deps.refs.skuIndex() });
  }
  if (!mapped.ok) {
    await quarantineJob(ctx, job, payload, quarantineReason(orderId, mapped.problems));
    log('quarantined', { codes: mapped.problems.map((p) => p.code) });
    return 'quarantined';
  }
  const draft = mapped.draft;

  // ── 5b. risk screen (opt-in): an unusual order waits for a person before Heartland fulfils it ──
  // Only before any create was attempted: once the link exists (`creating`), a Heartland order may
  // already be there, and holding it now would leave it half-made.
  if (ctx.mapping.risk.enabled && !link) {
    const risk = await screenOrderRisk(ctx, deps.reviews, job, payload, bundle, customer.kind === 'create');
    if (!risk.pass) {
      log('review', { reviewItemId: risk.reviewItemId, reason: 'risk' });
      return 'review';
    }
  }

  // ── 6. write: customer (+ addresses), then the sales order, exactly once ──
  const ensured = await ensureCustomer(ctx, customer, order, {
    billing: draft.billingAddress,
    shipping: draft.shippingAddress,
  });
  draft.header.customer_id = ensured.customerId;
  // An earlier run wrote (or may have written) to Heartland and did not finish — the link says
  // `creating` from before its first POST until the final commit — so a write of it may still land
  // (late-writes.ts). A re-run whose predecessor failed before writing anything needs no check.
  if (link?.data?.state === 'creating') await scheduleLateWriteCheck(ctx, orderId);
  const written = await writeSalesOrder(ctx, deps.refs, {
    bcOrderId: orderId,
    draft,
    billingAddressId: ensured.billingAddressId,
    shippingAddressId: ensured.shippingAddressId,
    link,
    attempt: job.attempt,
    jobId: job.jobId,
    alsoWrite: ensured.link ? [ensured.link] : [],
    itemsFromCache: itemLookup.fromCache,
  });
  const outcome: SyncOutcome =
    written.created || written.foundByLookup || !link?.hlId ? 'created' : 'completed';
  // One transaction: the order's final state, the customer link if the marker did not carry it, the
  // audit entry and the quarantine resolution (order-writes.ts).
  await commitOrderWrites(ctx, {
    links: [
      {
        connectionId: ctx.connectionId,
        kind: 'order',
        bcId: String(orderId),
        hlId: String(written.hlOrderId),
        lastHash: hashDraft(draft),
        lastSeenVersion: isoOf(version),
        data: {
          ...(link?.data ?? {}),
          state: 'synced',
          hlStatus: written.status,
          lines: written.lines,
          bcLines: snapshotLines(bundle.products),
          written: writtenSnapshot(draft),
          customerId: ensured.customerId,
          bcSeenHash: stateHash,
        },
      },
      ...(ensured.link && !written.wroteAlso ? [ensured.link] : []),
    ],
    audit: {
      actor: ACTOR,
      action: 'order.created',
      target: entityKey,
      connectionId: ctx.connectionId,
      detail: {
        hlOrderId: written.hlOrderId,
        foundByLookup: written.foundByLookup,
        customerId: ensured.customerId,
        customerCreated: ensured.created,
        added: written.added,
        totals: draft.totals,
        configVersion: job.configVersion ?? ctx.configVersion,
      },
    },
    resolveQuarantine: entityKey,
  });
  log(outcome, { hlOrderId: written.hlOrderId, foundByLookup: written.foundByLookup });
  return outcome;
}

/** `{orderId}`, a poll payload, or a BigCommerce webhook envelope (`data.id`); else the entity key. */
export function orderIdFrom(payload: JsonObject, entityKey: string): number {
  const data = payload.data;
  const fromData =
    data && typeof data === 'object' && !Array.isArray(data) ? (data.id ?? data.order_id) : undefined;
  const raw = payload.orderId ?? fromData ?? entityKey.replace(/^bc:order:/, '');
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw new PermanentError({
      code: 'HB_ERR_ORDER_NO_ID',
      message: `cannot tell which order job ${entityKey} is about`,
      suggestedFix: 'discard this entry: the event names no order',
    });
  }
  return id;
}

function isoOf(epochMs: number): string | null {
  return Number.isFinite(epochMs) ? new Date(epochMs).toISOString() : null;
}

async function markSeen(ctx: FlowContext, link: Link, version: number, stateHash: string): Promise<void> {
  const seen = link.lastSeenVersion ? Date.parse(link.lastSeenVersion) : Number.NEGATIVE_INFINITY;
  const newer = Number.isFinite(version) && version > seen;
  // A duplicate delivery of what we already recorded changes nothing: no write (an fsync on SQLite).
  if (!newer && link.data?.bcSeenHash === stateHash) return;
  await ctx.engine.links.upsert({
    connectionId: ctx.connectionId,
    kind: 'order',
    bcId: link.bcId,
    lastSeenVersion: newer ? isoOf(version) : undefined,
    data: { ...(link.data ?? {}), bcSeenHash: stateHash },
  });
}

function quarantineReason(orderId: number, problems: Problem[]) {
  const codes = [...new Set(problems.map((p) => p.code))];
  return {
    code: codes.length === 1 ? codes[0]! : 'HB_ERR_ORDER_UNMAPPABLE',
    message: `order ${orderId} cannot be written to Heartland: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`,
    suggestedFix: [...new Set(problems.map((p) => p.suggestedFix))].join(' | '),
    context: { problems: problems.map((p) => ({ ...p })) },
  };
}

// ── 8. payment failures ──

function paymentFailure(b: OrderBundle): string | null {
  if (b.order.status_id === 6) return 'the payment was declined (BigCommerce status Declined)';
  const tx = b.transactions;
  if (tx.length > 0 && tx.every((t) => String((t as Record<string, unknown>).status ?? '') === 'error')) {
    const gateways = [...new Set(tx.map((t) => t.gateway))].join(', ');
    return `every payment attempt failed at the gateway (${gateways})`;
  }
  return null;
}

async function handlePaymentFailure(
  ctx: FlowContext,
  link: Link | null,
  bundle: OrderBundle,
  reason: string,
  version: number,
  stateHash: string,
  attempt: number,
): Promise<SyncOutcome> {
  const orderId = bundle.order.id;
  let hlIds = link?.hlId ? [Number(link.hlId)] : [];
  if (hlIds.length === 0 && (link?.data?.state === 'creating' || attempt > 1))
    hlIds = await findByBcOrderId(ctx, orderId);
  if (hlIds.length === 0) {
    await raiseAlert(ctx, {
      key: `orders:payment-failed:${orderId}`,
      severity: 'warning',
      title: `BigCommerce order ${orderId}: payment failed, not sent to Heartland`,
      detail: `${reason}. No Heartland order was made; nothing to undo.`,
    });
    ctx.logger?.info({ entityKey: orderEntityKey(orderId), reason }, 'orders.sync payment_failed');
    return 'payment_failed';
  }
  for (const id of hlIds) {
    const hl = await ctx.hl.client.getJson(`/sales/orders/${id}`, hlSalesOrderSchema);
    if (hl.status === 'pending' || hl.status === 'open') await ctx.hl.setOrderStatus(id, 'canceled');
  }
  await commitOrderWrites(ctx, {
    links: [
      {
        connectionId: ctx.connectionId,
        kind: 'order',
        bcId: String(orderId),
        hlId: String(hlIds[0]),
        lastSeenVersion: isoOf(version),
        data: { ...(link?.data ?? {}), state: 'synced', hlStatus: 'canceled', bcSeenHash: stateHash },
      },
    ],
    audit: {
      actor: ACTOR,
      action: 'order.canceled',
      target: orderEntityKey(orderId),
      connectionId: ctx.connectionId,
      detail: { hlOrderIds: hlIds, reason },
    },
  });
  await raiseAlert(ctx, {
    key: `orders:payment-failed:${orderId}`,
    severity: 'warning',
    title: `BigCommerce order ${orderId}: payment failed, Heartland order canceled`,
    detail: `${reason}. Heartland order ${hlIds.join(', ')} was canceled.`,
  });
  return 'canceled';
}

// ── 7. status changes of a linked order ──

async function applyStatusChange(
  ctx: FlowContext,
  link: Link,
  bundle: OrderBundle,
  version: number,
  stateHash: string,
): Promise<void> {
  const hlId = Number(link.hlId);
  const decision = bcStatusToHeartland(bundle.order.status_id, ctx.mapping);
  let hlStatus = typeof link.data?.hlStatus === 'string' ? link.data.hlStatus : undefined;
  let audit: AuditEntryInput | undefined;
  if (decision.action === 'set') {
    // Heartland may have moved on its own (an invoice closes the order): read before writing.
    const current = await ctx.hl.client.getJson(`/sales/orders/${hlId}`, hlSalesOrderSchema);
    hlStatus = current.status;
    if (isHlStatus(current.status) && isForwardHlTransition(current.status, decision.status)) {
      if (current.status === 'pending' && decision.status === 'closed')
        await ctx.hl.setOrderStatus(hlId, 'open');
      await ctx.hl.setOrderStatus(hlId, decision.status);
      hlStatus = decision.status;
      audit = {
        actor: ACTOR,
        action: 'order.status',
        target: orderEntityKey(bundle.order.id),
        connectionId: ctx.connectionId,
        detail: {
          hlOrderId: hlId,
          from: current.status,
          to: decision.status,
          bcStatusId: bundle.order.status_id,
        },
      };
    }
  }
  const edits = await reportLineEdits(ctx, link, bundle);
  // The audit entries and the link in one transaction. A crash in between the PUT and this commit re-runs
  // the change, which reads the Heartland status first and finds it already moved (no second PUT).
  await commitOrderWrites(ctx, {
    links: [
      {
        connectionId: ctx.connectionId,
        kind: 'order',
        bcId: link.bcId,
        lastSeenVersion: isoOf(version),
        data: { ...(link.data ?? {}), ...edits.data, hlStatus: hlStatus ?? null, bcSeenHash: stateHash },
      },
    ],
    audit: [audit, edits.audit].filter((a): a is AuditEntryInput => a !== undefined),
  });
}

/**
 * Lines edited in BigCommerce after the Heartland order was made: alert once per edited state, never
 * rewrite Heartland's lines (line-edits.ts says why). A link from before snapshots were kept gets one now.
 */
async function reportLineEdits(
  ctx: FlowContext,
  link: Link,
  bundle: OrderBundle,
): Promise<{ data: Record<string, unknown>; audit?: AuditEntryInput }> {
  const now = snapshotLines(bundle.products);
  const made = storedSnapshot(link.data?.bcLines);
  if (!made) return { data: { bcLines: now } };
  const changes = describeLineEdits(made, now);
  const signature = linesSignature(now);
  if (changes.length === 0 || link.data?.lineEditsReported === signature) return { data: {} };
  const orderId = bundle.order.id;
  await raiseAlert(ctx, {
    key: `orders:lines-edited:${orderId}`,
    severity: 'warning',
    title: `Order ${orderId} was edited in BigCommerce after it reached Heartland`,
    detail:
      `${changes.join('; ')}. Heartland order ${link.hlId} still has the lines it was made with: heartbridge ` +
      'does not change the lines of an order that may already be picked. Change the Heartland order by hand ' +
      '(or cancel it and place a new one).',
  });
  return {
    data: { lineEditsReported: signature },
    audit: {
      actor: ACTOR,
      action: 'order.lines_edited',
      target: orderEntityKey(orderId),
      connectionId: ctx.connectionId,
      detail: { hlOrderId: Number(link.hlId), changes },
    },
  };
}
