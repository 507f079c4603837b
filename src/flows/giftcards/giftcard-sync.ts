/**
 * Gift card balances, BigCommerce gift certificates ⇄ Heartland gift cards (one card, one job).
 *
 * Identity. A card is the same card on both sides when the Heartland number equals the BigCommerce code
 * (spaces stripped, or every non-alphanumeric with `numbers: alphanumeric`; card-numbers.ts). A `giftcard`
 * link (bc_id = certificate id, hl_id = card id) records the pair and the balance both sides last agreed
 * on (giftcard-links.ts). Gift cards are not tied to customers in Heartland (NOTES §14), so neither is
 * the link.
 *
 * Polling. Neither side sends gift-card events (BC NOTES: no gift-certificate webhook; HL NOTES §15), so
 * giftcard-poll.ts reads both lists every `giftCards.every` and enqueues a `giftcards.card` job for each
 * card that moved, is new, or has an unfinished write. Jobs are keyed per card (a hash of its number), so
 * the queue never runs one card on two workers at once.
 *
 * Merge by deltas (balance-merge.ts): new = agreed + (bc − agreed) + (hl − agreed), so a card used online
 * and in store between two polls keeps both spends. Each side is written only if it differs: Heartland
 * by an adjustment of the difference with our reason code (reason-code.ts), BigCommerce by PUT balance.
 * A result below zero means the card was double-spent: it is clamped to 0, recorded on the link and in
 * the audit log, and a critical alert is raised.
 *
 * New cards. A card on one side only is created on the other with the same number and balance
 * (`createMissing`; active, non-zero cards only). A code Heartland cannot take, a number BigCommerce
 * would cut, or two existing cards with one number and different balances are quarantined with a
 * suggested fix (quarantine.ts) — never guessed.
 *
 * Retries and crashes. Before any write the link records the intent (`pending`: what both sides showed,
 * the target, the adjustment, the last adjustment id of the card) with a compare-and-set, which is also
 * the claim on the card: a second run — another worker after a lease expired, or a CLI `--full` beside
 * the service — sees the claim and waits. A run that fails after sending releases the claim but keeps
 * the intent. The next run re-reads both balances and settles the intent first: the Heartland adjustment
 * landed if the card's adjustment list holds it (id above the recorded one, same delta and reason; by the
 * balance when the list is unavailable), the BigCommerce PUT landed if the balance equals the target.
 * The merge then starts from those per-side bases, so a committed-then-timed-out adjustment is never
 * applied twice and a spend made meanwhile is still counted. When neither can be told (the balance moved
 * too) the card is quarantined, unless both sides already show the same balance.
 *
 * Money is integer cents parsed from decimal text (src/mapping/money.ts); no binary float holds a balance.
 *
 * Known limits: BigCommerce has no conditional update, so an online spend landing between our read and
 * our PUT (milliseconds) is overwritten; a BigCommerce PUT that timed out and was followed by a spend that
 * brings the balance exactly to our target is taken as landed.
 */
import { randomUUID } from 'node:crypto';
import type { GiftCertificateUpdateBody } from '../../connectors/bigcommerce/resources/body-types.js';
import type { BcGiftCertificate } from '../../connectors/bigcommerce/schemas.js';
import type { HlGiftCard } from '../../connectors/heartland/schemas.js';
import { RetryableError } from '../../engine/errors.js';
import type { JsonObject } from '../../engine/queue/queue-backend.js';
import { stableHash } from '../../mapping/stable-hash.js';
import {
  agreedBases,
  type Bases,
  basesAfterIntent,
  type Committed,
  cents,
  judgeByBalance,
  mergeBalances,
  money,
} from './balance-merge.js';
import { bcCodeForNumber, cardEntityKey, hlNumberForCode } from './card-numbers.js';
import {
  type ClampRecord,
  createGiftCardLinks,
  type GiftCardLink,
  type GiftCardLinkData,
  type GiftCardLinks,
  type PendingWrite,
} from './giftcard-links.js';
import type { GiftCardsConfig } from './giftcards-config.js';
import { type GiftCardFlowContext, maskNumber } from './giftcards-context.js';
import { type QuarantineJob, quarantineCard, resolveCardQuarantine } from './quarantine.js';
import { giftCardReasonId } from './reason-code.js';

export const GIFTCARD_TASKS = { poll: 'giftcards.poll', card: 'giftcards.card' } as const;

/** How long a run's claim on a card holds if the run dies without releasing it. */
export const DEFAULT_CLAIM_MS = 3 * 60_000;

/** What a job (or the CLI) asks for: any of the ids / number the poll saw. */
export interface CardRef {
  number?: string;
  bcId?: number;
  hlId?: number;
}

export type CardOutcome = { key: string; card: string } & (
  | { kind: 'unchanged' }
  | { kind: 'synced'; balance: string; hlDelta: string | null; bcWritten: boolean; clamped: boolean }
  | { kind: 'created'; side: 'hl' | 'bc'; balance: string }
  | { kind: 'linked'; balance: string }
  | { kind: 'quarantined'; code: string; deadLetterId: number }
  | { kind: 'skipped'; reason: string }
  | { kind: 'busy'; until: number }
  | {
      kind: 'planned';
      action: 'write' | 'create_hl' | 'create_bc' | 'link';
      balance: string;
      hlDelta?: string | null;
      bcWrite?: boolean;
      clamped?: boolean;
    }
);

export interface SyncCardOptions {
  /** Read and decide, write nothing (no claim either). */
  dryRun?: boolean;
  /** Identity of this run's claim (default: a fresh UUID). */
  owner?: string;
  /** The job being run (for quarantine entries); the CLI passes none. */
  job?: QuarantineJob;
  /** A card another run holds: throw RetryableError (jobs, the default) or report `busy` (CLI). */
  onBusy?: 'throw' | 'report';
  claimMs?: number;
}

/** What the poll and a quarantine entry know of a card's state: when it changes, a held card is retried. */
export function cardFingerprint(bc?: BcGiftCertificate, hl?: HlGiftCard): string {
  return stableHash({
    bc: bc ? { id: bc.id, code: bc.code, balance: cents(bc.balance), status: bc.status } : null,
    hl: hl ? { id: hl.id, number: hl.number, balance: cents(hl.balance) } : null,
  });
}

// ── decisions (pure; the poll uses them too) ──

export type UnlinkedAction =
  | { kind: 'link'; agreed: number }
  | { kind: 'mismatch'; bc: number; hl: number }
  | { kind: 'create_hl'; number: string; balance: number }
  | { kind: 'create_bc'; code: string; balance: number }
  | { kind: 'skip'; reason: string }
  | { kind: 'invalid'; side: 'bc' | 'hl'; reason: string; suggestion?: string };

/** What to do with a card no link knows yet (`hl` is the Heartland card whose number the code maps to). */
export function unlinkedAction(
  bc: BcGiftCertificate | undefined,
  hl: HlGiftCard | undefined,
  cfg: Pick<GiftCardsConfig, 'direction' | 'createMissing' | 'numbers'>,
): UnlinkedAction {
  if (bc && hl) {
    const b = cents(bc.balance);
    const h = cents(hl.balance);
    if (b === h) return { kind: 'link', agreed: b };
    // One master: link at its balance; the merge then sets the other side to it.
    if (cfg.direction === 'bc_to_hl') return { kind: 'link', agreed: b };
    if (cfg.direction === 'hl_to_bc') return { kind: 'link', agreed: h };
    return { kind: 'mismatch', bc: b, hl: h };
  }
  if (bc) {
    if (cfg.direction === 'hl_to_bc') return { kind: 'skip', reason: 'direction hl_to_bc' };
    if (!cfg.createMissing) return { kind: 'skip', reason: 'createMissing is off' };
    if (bc.status !== 'active') return { kind: 'skip', reason: `certificate is ${bc.status}` };
    const balance = cents(bc.balance);
    if (balance <= 0) return { kind: 'skip', reason: 'zero balance' };
    const n = hlNumberForCode(bc.code, cfg.numbers);
    if (!n.ok) return { kind: 'invalid', side: 'bc', reason: n.reason, suggestion: n.suggestion };
    return { kind: 'create_hl', number: n.number, balance };
  }
  if (hl) {
    if (cfg.direction === 'bc_to_hl') return { kind: 'skip', reason: 'direction bc_to_hl' };
    if (!cfg.createMissing) return { kind: 'skip', reason: 'createMissing is off' };
    const balance = cents(hl.balance);
    if (balance <= 0) return { kind: 'skip', reason: 'zero balance' };
    const c = bcCodeForNumber(hl.number);
    if (!c.ok) return { kind: 'invalid', side: 'hl', reason: c.reason };
    return { kind: 'create_bc', code: c.number, balance };
  }
  return { kind: 'skip', reason: 'the card exists on neither side' };
}

/** True when a linked card needs a run: an unfinished write, a side gone, or a balance off the agreed one. */
export function linkNeedsWork(link: GiftCardLink, bc?: BcGiftCertificate, hl?: HlGiftCard): boolean {
  if (link.data.pending || link.data.agreed === null || !bc || !hl) return true;
  const agreed = cents(link.data.agreed);
  return cents(bc.balance) !== agreed || cents(hl.balance) !== agreed;
}

// ── one card ──

interface Run {
  ctx: GiftCardFlowContext;
  cfg: GiftCardsConfig;
  links: GiftCardLinks;
  owner: string;
  opts: SyncCardOptions;
  claimMs: number;
}

export async function syncCard(
  ctx: GiftCardFlowContext,
  ref: CardRef,
  opts: SyncCardOptions = {},
): Promise<CardOutcome> {
  const run: Run = {
    ctx,
    cfg: ctx.giftCards,
    links: createGiftCardLinks(ctx.engine.store.db, ctx.connectionId, ctx.now),
    owner: opts.owner ?? randomUUID(),
    opts,
    claimMs: opts.claimMs ?? DEFAULT_CLAIM_MS,
  };
  const link = await run.links.find({ bcId: ref.bcId, hlId: ref.hlId });
  return link ? syncLinked(run, link) : syncUnlinked(run, ref);
}

async function syncUnlinked(run: Run, ref: CardRef): Promise<CardOutcome> {
  const { ctx, cfg } = run;
  const bc = ref.bcId
    ? await readBc(run, ref.bcId)
    : ref.number
      ? await ctx.bc.giftCertificates.byCode(ref.number)
      : undefined;
  const n = bc ? hlNumberForCode(bc.code, cfg.numbers) : undefined;
  const number = n?.ok ? n.number : bc ? undefined : ref.number;
  const hl = number ? await ctx.hl.giftCardByNumber(number) : undefined;
  const key = cardEntityKey({ number, bcId: bc?.id });
  const card = number ? maskNumber(number) : `BC certificate ${bc?.id}`;
  const base = { key, card };
  // The same number already paired with another card (two BigCommerce codes mapping to one number).
  if (hl && bc) {
    const other = await run.links.find({ hlId: hl.id });
    if (other && other.bcId !== bc.id) {
      return quarantine(
        run,
        base,
        { bc, hl },
        {
          code: 'HB_ERR_GIFTCARD_NUMBER_TAKEN',
          message: `BigCommerce certificate ${bc.id} maps to Heartland number ${maskNumber(hl.number)}, which is already paired with certificate ${other.bcId}`,
          suggestedFix:
            'give one of the two certificates a code that differs in its letters and digits, or set giftCards.numbers: as_is',
          context: { bcId: bc.id, hlId: hl.id, pairedBcId: other.bcId },
        },
      );
    }
  }
  const action = unlinkedAction(bc, hl, cfg);
  switch (action.kind) {
    case 'skip':
      return { ...base, kind: 'skipped', reason: action.reason };
    case 'invalid':
      return quarantine(run, base, { bc, hl }, invalidReason(action, bc, hl));
    case 'mismatch':
      return quarantine(
        run,
        base,
        { bc, hl },
        {
          code: 'HB_ERR_GIFTCARD_BALANCE_MISMATCH',
          message: `card ${card} exists on both sides with different balances (BigCommerce ${money(action.bc)}, Heartland ${money(action.hl)}) and no balance they agreed on`,
          suggestedFix:
            'find the right balance (order and ticket history), set it on both sides, and the next poll links the card; or run with giftCards.direction bc_to_hl / hl_to_bc once',
          context: { bcId: bc?.id, hlId: hl?.id, bcBalance: money(action.bc), hlBalance: money(action.hl) },
        },
      );
    case 'link': {
      if (!bc || !hl || !number) throw new Error('unreachable: link without both sides');
      if (run.opts.dryRun) {
        const m = mergeBalances(agreedBases(action.agreed), bcHl(bc, hl), cfg.direction);
        return { ...base, kind: 'planned', action: 'link', balance: money(m.target) };
      }
      const linked = await run.links.insert({
        bcId: bc.id,
        hlId: hl.id,
        data: { number, code: bc.code, agreed: money(action.agreed) },
      });
      if (!linked) return busy(run, base, run.ctx.now() + 1_000);
      await resolved(run, base, bc.id);
      const r = await mergeLinked(run, linked, bc, hl, base);
      return r.kind === 'unchanged' ? { ...base, kind: 'linked', balance: money(action.agreed) } : r;
    }
    case 'create_hl':
      if (!bc) throw new Error('unreachable: create_hl without a certificate');
      return createOnHl(run, bc, action.number, base, null);
    case 'create_bc':
      if (!hl) throw new Error('unreachable: create_bc without a card');
      return createOnBc(run, hl, action.code, base, null);
  }
}

function invalidReason(
  action: Extract<UnlinkedAction, { kind: 'invalid' }>,
  bc: BcGiftCertificate | undefined,
  hl: HlGiftCard | undefined,
) {
  if (action.side === 'bc') {
    return {
      code: 'HB_ERR_GIFTCARD_CODE_INVALID',
      message: `BigCommerce certificate ${bc?.id} cannot be copied to Heartland: ${action.reason}`,
      suggestedFix: action.suggestion
        ? 'change the certificate code in BigCommerce to letters and digits only (context.suggestedNumber), or set giftCards.numbers: alphanumeric to drop the other characters for every code; then replay'
        : 'give the certificate a code of letters and digits in BigCommerce, then replay',
      context: { bcId: bc?.id, ...(action.suggestion ? { suggestedNumber: action.suggestion } : {}) },
    };
  }
  return {
    code: 'HB_ERR_GIFTCARD_NUMBER_TOO_LONG',
    message: `Heartland card ${hl?.id} cannot be copied to BigCommerce: ${action.reason}`,
    suggestedFix:
      'move the balance to a card with a number of 20 characters or fewer in Heartland, or create the BigCommerce certificate by hand with a matching code and let the next poll link it',
    context: { hlId: hl?.id },
  };
}

async function syncLinked(run: Run, link: GiftCardLink): Promise<CardOutcome> {
  const { ctx } = run;
  const number = link.data.number;
  const base = { key: cardEntityKey({ number, bcId: link.bcId }), card: maskNumber(number) };
  const p = link.data.pending;
  if (p && p.owner !== run.owner && p.expiresAt > ctx.now()) return busy(run, base, p.expiresAt);
  const bc = link.bcId
    ? await readBc(run, link.bcId)
    : link.data.code
      ? await ctx.bc.giftCertificates.byCode(link.data.code)
      : undefined;
  const found = await ctx.hl.giftCardByNumber(number);
  // Another card now holds the number (ours was deleted and the number re-issued): not our partner.
  const hl = found && (link.hlId === null || found.id === link.hlId) ? found : undefined;
  if (p && (p.op === 'create_hl' || p.op === 'create_bc')) return resumeCreate(run, link, p, bc, hl, base);
  if (!bc || !hl) {
    return quarantine(
      run,
      base,
      { bc, hl },
      {
        code: 'HB_ERR_GIFTCARD_PARTNER_GONE',
        message: `card ${base.card} is gone from ${bc ? 'Heartland' : 'BigCommerce'} (certificate ${link.bcId}, card ${link.hlId}); its balance there is unknown`,
        suggestedFix: `if it was removed on purpose, remove the other side too (or discard this entry); otherwise recreate it with the same number and the last agreed balance ${link.data.agreed ?? '?'}`,
        context: { bcId: link.bcId, hlId: link.hlId, agreed: link.data.agreed },
      },
    );
  }
  return mergeLinked(run, link, bc, hl, base);
}

const bcHl = (bc: BcGiftCertificate, hl: HlGiftCard) => ({ bc: cents(bc.balance), hl: cents(hl.balance) });

async function mergeLinked(
  run: Run,
  link: GiftCardLink,
  bc: BcGiftCertificate,
  hl: HlGiftCard,
  base: { key: string; card: string },
): Promise<CardOutcome> {
  const { ctx, cfg, links } = run;
  const now = bcHl(bc, hl);
  const p = link.data.pending;
  let bases: Bases;
  if (p?.op === 'write') {
    const judged = await judgeIntent(run, p, hl.id, now);
    if (judged.bc === 'unknown' || judged.hl === 'unknown') {
      // Someone (a person fixing it, or both sides converging) made the sides equal: nothing to merge.
      if (now.bc !== now.hl) {
        return quarantine(
          run,
          base,
          { bc, hl },
          {
            code: 'HB_ERR_GIFTCARD_WRITE_UNKNOWN',
            message: `card ${base.card}: a ${judged.hl === 'unknown' ? 'Heartland adjustment' : 'BigCommerce balance update'} of ${p.at ? new Date(p.at).toISOString() : '?'} got no answer and the balance has moved since, so whether it landed cannot be told (BigCommerce ${money(now.bc)}, Heartland ${money(now.hl)}, intended ${p.target})`,
            suggestedFix:
              'check the card history on both sides, set both to the right balance, then `heartbridge quarantine replay` this entry',
            context: { bcId: bc.id, hlId: hl.id, intent: { ...p } },
          },
        );
      }
      bases = agreedBases(now.bc);
    } else {
      bases = basesAfterIntent(
        {
          target: cents(p.target),
          bcBefore: cents(p.bcBefore ?? p.target),
          hlBefore: cents(p.hlBefore ?? p.target),
        },
        { bc: judged.bc, hl: judged.hl },
      );
    }
  } else {
    bases = agreedBases(cents(link.data.agreed ?? money(now.bc)));
  }
  const m = mergeBalances(bases, now, cfg.direction);
  const hlDelta = m.target - now.hl;
  const bcWrite = m.target !== now.bc;
  const agreed = link.data.agreed === null ? null : cents(link.data.agreed);
  if (!p && hlDelta === 0 && !bcWrite && agreed === m.target && !m.clamped)
    return { ...base, kind: 'unchanged' };
  if (run.opts.dryRun) {
    return {
      ...base,
      kind: 'planned',
      action: 'write',
      balance: money(m.target),
      hlDelta: hlDelta === 0 ? null : money(hlDelta),
      bcWrite,
      clamped: m.clamped,
    };
  }
  const clamp: ClampRecord | undefined = m.clamped
    ? { at: ctx.now(), raw: money(m.raw), bc: money(now.bc), hl: money(now.hl), agreed: money(bases.agreed) }
    : undefined;
  const data: Omit<GiftCardLinkData, 'rev'> = {
    ...link.data,
    code: bc.code,
    ...(clamp ? { lastClamp: clamp } : {}),
  };

  if (hlDelta === 0 && !bcWrite) {
    const settled = await links.cas(link, { data: { ...data, agreed: money(m.target), pending: undefined } });
    if (!settled) throw conflict(base);
    if (clamp) await reportClamp(run, base, clamp);
    await resolved(run, base, bc.id);
    return {
      ...base,
      kind: 'synced',
      balance: money(m.target),
      hlDelta: null,
      bcWritten: false,
      clamped: m.clamped,
    };
  }

  const reasonId = hlDelta !== 0 ? await giftCardReasonId(ctx.hl, cfg) : undefined;
  const afterAdjustmentId = hlDelta !== 0 ? await lastAdjustmentId(run, hl.id) : undefined;
  const pending: PendingWrite = {
    op: 'write',
    owner: run.owner,
    expiresAt: ctx.now() + run.claimMs,
    at: ctx.now(),
    target: money(m.target),
    bcBefore: money(now.bc),
    hlBefore: money(now.hl),
    hlDelta: hlDelta === 0 ? null : money(hlDelta),
    bcWrite,
    ...(afterAdjustmentId !== undefined ? { afterAdjustmentId } : {}),
    ...(reasonId !== undefined ? { reasonId } : {}),
  };
  let held = await links.cas(link, { data: { ...data, pending } });
  if (!held) throw conflict(base);
  if (clamp) await reportClamp(run, base, clamp);

  if (hlDelta !== 0) {
    try {
      await ctx.hl.adjustGiftCard({
        gift_card_id: hl.id,
        reason_id: reasonId,
        delta_balance: money(hlDelta),
      });
    } catch (err) {
      throw await abandon(run, held, 'hl', err, base);
    }
    held = await links.cas(held, { data: { ...held.data, pending: { ...pending, hlDone: true } } });
    if (!held) throw conflict(base);
  }
  if (bcWrite) {
    try {
      await ctx.bc.giftCertificates.update(bc.id, putBody(bc, m.target));
    } catch (err) {
      throw await abandon(run, held, 'bc', err, base);
    }
  }
  const settled = await links.cas(held, {
    data: { ...held.data, agreed: money(m.target), pending: undefined },
  });
  if (!settled) throw conflict(base);
  ctx.logger?.info(
    {
      connection: ctx.connectionId,
      entityKey: base.key,
      card: base.card,
      balance: money(m.target),
      hlDelta: pending.hlDelta,
      bcWritten: bcWrite,
    },
    'gift card balance synced',
  );
  await resolved(run, base, bc.id);
  return {
    ...base,
    kind: 'synced',
    balance: money(m.target),
    hlDelta: pending.hlDelta ?? null,
    bcWritten: bcWrite,
    clamped: m.clamped,
  };
}

/** PUT body: the balance, plus the fields the spec marks required on PUT (giftCertificate_Base), as they are. */
function putBody(bc: BcGiftCertificate, target: number): GiftCertificateUpdateBody {
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    balance: money(target),
    amount: bc.amount,
    to_name: s(bc.to_name),
    to_email: s(bc.to_email),
    from_name: s(bc.from_name),
    from_email: s(bc.from_email),
  };
}

/** Settles an earlier run's intent from what both sides show now (see the header). */
async function judgeIntent(
  run: Run,
  p: PendingWrite,
  hlId: number,
  now: { bc: number; hl: number },
): Promise<{ bc: Committed; hl: Committed }> {
  const target = cents(p.target);
  let hl: Committed;
  if (!p.hlDelta || p.hlDone) hl = 'yes';
  else if (p.hlRefused) hl = 'no';
  else if (p.afterAdjustmentId !== undefined) {
    const delta = cents(p.hlDelta);
    const since = await run.ctx.hl.giftCardAdjustments(hlId, p.afterAdjustmentId ?? 0);
    hl = since.some((a) => cents(a.delta_balance) === delta && (a.reason_id ?? undefined) === p.reasonId)
      ? 'yes'
      : 'no';
  } else hl = judgeByBalance(now.hl, cents(p.hlBefore ?? p.target), target);
  let bc: Committed;
  if (!p.bcWrite || p.bcDone) bc = 'yes';
  else if (p.bcRefused) bc = 'no';
  else bc = judgeByBalance(now.bc, cents(p.bcBefore ?? p.target), target);
  return { bc, hl };
}

/** The card's newest adjustment id before ours (null: none), or undefined when Heartland cannot list them. */
async function lastAdjustmentId(run: Run, hlId: number): Promise<number | null | undefined> {
  try {
    const all = await run.ctx.hl.giftCardAdjustments(hlId, 0);
    return all.reduce<number | null>((max, a) => (max === null || a.id > max ? a.id : max), null);
  } catch (err) {
    const status = upstreamStatus(err);
    if (status === 404 || status === 405) {
      run.ctx.logger?.warn(
        { connection: run.ctx.connectionId, status },
        'Heartland does not list gift card adjustments: an unanswered adjustment is judged by the balance',
      );
      return undefined;
    }
    throw err;
  }
}

// ── creating the missing side ──

async function createOnHl(
  run: Run,
  bc: BcGiftCertificate,
  number: string,
  base: { key: string; card: string },
  existing: GiftCardLink | null,
): Promise<CardOutcome> {
  const { ctx, cfg, links } = run;
  const target = cents(bc.balance);
  if (run.opts.dryRun) return { ...base, kind: 'planned', action: 'create_hl', balance: money(target) };
  const reasonId = await giftCardReasonId(ctx.hl, cfg);
  const pending: PendingWrite = {
    op: 'create_hl',
    owner: run.owner,
    expiresAt: ctx.now() + run.claimMs,
    at: ctx.now(),
    target: money(target),
  };
  const data = { number, code: bc.code, agreed: null, pending };
  const held = existing
    ? await links.cas(existing, { data })
    : await links.insert({ bcId: bc.id, hlId: null, data });
  if (!held) return busy(run, base, ctx.now() + 1_000);
  let id: number;
  try {
    id = await ctx.hl.createGiftCard({ number, balance: money(target), reason_id: reasonId });
  } catch (err) {
    if (!isDefiniteRefusal(err)) throw await abandon(run, held, 'hl', err, base);
    await links.remove(held);
    if (isTaken(err)) throw appeared(base, 'Heartland');
    return quarantine(
      run,
      base,
      { bc },
      {
        code: 'HB_ERR_GIFTCARD_HL_REFUSED',
        message: `Heartland refused to create card ${base.card}: ${(err as Error).message}`,
        suggestedFix:
          'fix what Heartland names (the number format is the usual cause), or create the card by hand with the same number and balance',
        context: { bcId: bc.id, fieldErrors: (err as { fieldErrors?: unknown }).fieldErrors ?? null },
      },
    );
  }
  const done = await links.cas(held, {
    hlId: id,
    data: { ...held.data, agreed: money(target), pending: undefined },
  });
  if (!done) throw conflict(base);
  ctx.logger?.info(
    { connection: ctx.connectionId, entityKey: base.key, card: base.card },
    'gift card created in Heartland',
  );
  await resolved(run, base, bc.id);
  return { ...base, kind: 'created', side: 'hl', balance: money(target) };
}

async function createOnBc(
  run: Run,
  hl: HlGiftCard,
  code: string,
  base: { key: string; card: string },
  existing: GiftCardLink | null,
): Promise<CardOutcome> {
  const { ctx, cfg, links } = run;
  const target = cents(hl.balance);
  if (run.opts.dryRun) return { ...base, kind: 'planned', action: 'create_bc', balance: money(target) };
  const pending: PendingWrite = {
    op: 'create_bc',
    owner: run.owner,
    expiresAt: ctx.now() + run.claimMs,
    at: ctx.now(),
    target: money(target),
  };
  const data = { number: hl.number, code, agreed: null, pending };
  const held = existing
    ? await links.cas(existing, { data })
    : await links.insert({ bcId: null, hlId: hl.id, data });
  if (!held) return busy(run, base, ctx.now() + 1_000);
  let cert: BcGiftCertificate;
  try {
    cert = await ctx.bc.giftCertificates.create({
      code,
      amount: money(target),
      balance: money(target),
      status: 'active',
      to_name: cfg.bigcommerce.toName,
      to_email: cfg.bigcommerce.toEmail,
      from_name: cfg.bigcommerce.fromName,
      from_email: cfg.bigcommerce.fromEmail,
    });
  } catch (err) {
    if (!isDefiniteRefusal(err)) throw await abandon(run, held, 'bc', err, base);
    await links.remove(held);
    if (upstreamStatus(err) === 409) throw appeared(base, 'BigCommerce');
    return quarantine(
      run,
      base,
      { hl },
      {
        code: 'HB_ERR_GIFTCARD_BC_REFUSED',
        message: `BigCommerce refused to create certificate ${base.card}: ${(err as Error).message}`,
        suggestedFix:
          'fix what BigCommerce names (giftCards.bigcommerce recipient fields are a usual cause), then replay',
        context: { hlId: hl.id },
      },
    );
  }
  const done = await links.cas(held, {
    bcId: cert.id,
    data: { ...held.data, code: cert.code, agreed: money(target), pending: undefined },
  });
  if (!done) throw conflict(base);
  ctx.logger?.info(
    { connection: ctx.connectionId, entityKey: base.key, card: base.card },
    'gift certificate created in BigCommerce',
  );
  await resolved(run, base, cert.id);
  return { ...base, kind: 'created', side: 'bc', balance: money(target) };
}

/** A create whose answer was lost: the card exists now (it landed) → link it and merge; else create again. */
async function resumeCreate(
  run: Run,
  link: GiftCardLink,
  p: PendingWrite,
  bc: BcGiftCertificate | undefined,
  hl: HlGiftCard | undefined,
  base: { key: string; card: string },
): Promise<CardOutcome> {
  const source = p.op === 'create_hl' ? bc : hl;
  const made = p.op === 'create_hl' ? hl : bc;
  if (!source) {
    // The card we were copying is gone; if our copy landed it now stands alone: a person must decide.
    if (made) {
      return quarantine(
        run,
        base,
        { bc, hl },
        {
          code: 'HB_ERR_GIFTCARD_PARTNER_GONE',
          message: `card ${base.card} was copied to ${p.op === 'create_hl' ? 'Heartland' : 'BigCommerce'}, then removed from the side it came from`,
          suggestedFix: 'remove the copy too if the card was cancelled, or discard this entry to keep it',
          context: { bcId: link.bcId, hlId: link.hlId },
        },
      );
    }
    if (!run.opts.dryRun) await run.links.remove(link);
    return { ...base, kind: 'skipped', reason: 'the card is gone from the side it was to be copied from' };
  }
  if (!made) {
    return p.op === 'create_hl' && bc
      ? createOnHl(run, bc, link.data.number, base, link)
      : createOnBc(run, hl as HlGiftCard, link.data.code ?? link.data.number, base, link);
  }
  if (!bc || !hl) throw new Error('unreachable: both sides present');
  if (run.opts.dryRun) {
    const m = mergeBalances(agreedBases(cents(p.target)), bcHl(bc, hl), run.cfg.direction);
    return { ...base, kind: 'planned', action: 'link', balance: money(m.target) };
  }
  // It landed: both sides started from the target (the source had it when we copied, the copy was made with it).
  const linked = await run.links.cas(link, {
    bcId: bc.id,
    hlId: hl.id,
    data: { ...link.data, code: bc.code, agreed: p.target, pending: undefined },
  });
  if (!linked) throw conflict(base);
  const r = await mergeLinked(run, linked, bc, hl, base);
  return r.kind === 'unchanged'
    ? { ...base, kind: 'created', side: p.op === 'create_hl' ? 'hl' : 'bc', balance: p.target }
    : r;
}

// ── failure handling ──

function upstreamStatus(err: unknown): number | undefined {
  return (err as { upstreamStatus?: number } | null)?.upstreamStatus;
}

/** A 4xx answer means the write was refused and nothing happened; a timeout, reset or 5xx may have written. */
function isDefiniteRefusal(err: unknown): boolean {
  const s = upstreamStatus(err);
  return s !== undefined && s >= 400 && s < 500;
}

function isTaken(err: unknown): boolean {
  const fields = (err as { fieldErrors?: Record<string, string[]> }).fieldErrors ?? {};
  return (fields.number ?? []).some((m) => /taken|exists/i.test(m));
}

/**
 * A write failed: release the claim so the next run need not wait, keep the intent, and say whether this
 * side's write is known not to have happened. Returns the error to throw.
 */
async function abandon(
  run: Run,
  held: GiftCardLink,
  side: 'hl' | 'bc',
  err: unknown,
  base: { key: string; card: string },
): Promise<unknown> {
  const p = held.data.pending;
  if (p) {
    const refused = isDefiniteRefusal(err);
    const released = await run.links.cas(held, {
      data: {
        ...held.data,
        pending: {
          ...p,
          expiresAt: 0,
          ...(refused && p.op === 'write' ? (side === 'hl' ? { hlRefused: true } : { bcRefused: true }) : {}),
        },
      },
    });
    if (!released) {
      run.ctx.logger?.warn(
        { entityKey: base.key },
        'gift card claim changed under a failing run (left to expire)',
      );
    }
  }
  // Heartland refuses an adjustment that would take the card below zero: it was spent since we read it.
  if (
    side === 'hl' &&
    upstreamStatus(err) === 422 &&
    /negative/i.test(JSON.stringify((err as { fieldErrors?: unknown }).fieldErrors ?? ''))
  ) {
    return new RetryableError({
      code: 'HB_ERR_GIFTCARD_MOVED',
      message: `card ${base.card} was used in store while we wrote it; it is re-read and merged again`,
      cause: err,
    });
  }
  return err;
}

/** Marks the card's open quarantine entries resolved, under its number key and its certificate-id key. */
async function resolved(run: Run, base: { key: string }, bcId: number | null | undefined): Promise<void> {
  await resolveCardQuarantine(run.ctx, base.key);
  if (bcId) await resolveCardQuarantine(run.ctx, cardEntityKey({ bcId }));
}

function conflict(base: { key: string; card: string }): RetryableError {
  return new RetryableError({
    code: 'HB_ERR_GIFTCARD_CONFLICT',
    message: `the link of card ${base.card} changed while this run worked on it; it is re-read on retry`,
    context: { entityKey: base.key },
  });
}

function appeared(base: { key: string; card: string }, where: string): RetryableError {
  return new RetryableError({
    code: 'HB_ERR_GIFTCARD_APPEARED',
    message: `card ${base.card} appeared in ${where} while we were creating it; the retry links it`,
    context: { entityKey: base.key },
  });
}

function busy(run: Run, base: { key: string; card: string }, until: number): CardOutcome {
  if (run.opts.onBusy === 'report') return { ...base, kind: 'busy', until };
  throw new RetryableError({
    code: 'HB_ERR_GIFTCARD_BUSY',
    message: `card ${base.card} is being written by another run`,
    notBefore: until,
    context: { entityKey: base.key },
  });
}

async function readBc(run: Run, id: number): Promise<BcGiftCertificate | undefined> {
  try {
    return await run.ctx.bc.giftCertificates.get(id);
  } catch (err) {
    if (upstreamStatus(err) === 404) return undefined;
    throw err;
  }
}

async function quarantine(
  run: Run,
  base: { key: string; card: string },
  sides: { bc?: BcGiftCertificate; hl?: HlGiftCard },
  reason: { code: string; message: string; suggestedFix: string; context?: Record<string, unknown> },
): Promise<CardOutcome> {
  if (run.opts.dryRun) return { ...base, kind: 'quarantined', code: reason.code, deadLetterId: 0 };
  const job: QuarantineJob = run.opts.job ?? {
    task: GIFTCARD_TASKS.card,
    entityKey: base.key,
    attempt: 1,
    inboxId: null,
    configVersion: run.ctx.configVersion,
  };
  const payload: JsonObject = {
    ...(sides.bc ? { bcId: sides.bc.id } : {}),
    ...(sides.hl ? { hlId: sides.hl.id, number: sides.hl.number } : {}),
    seen: cardFingerprint(sides.bc, sides.hl),
  };
  const id = await quarantineCard(run.ctx, { ...job, entityKey: base.key }, payload, reason);
  return { ...base, kind: 'quarantined', code: reason.code, deadLetterId: id };
}

/** A double spend: recorded on the link (by the caller's CAS), in the audit log, and as a critical alert. */
async function reportClamp(run: Run, base: { key: string; card: string }, clamp: ClampRecord): Promise<void> {
  const { ctx } = run;
  const detail = `agreed ${clamp.agreed}, BigCommerce ${clamp.bc}, Heartland ${clamp.hl}: both spends together come to ${clamp.raw}; both sides set to 0.00. The card was spent twice — ${clamp.raw.replace('-', '')} more than it held; check the orders and tickets that used it.`;
  ctx.logger?.warn(
    { connection: ctx.connectionId, entityKey: base.key, card: base.card, ...clamp },
    'gift card double-spent: clamped to 0',
  );
  await ctx.engine.audit.record({
    actor: 'flow:giftcards',
    action: 'giftcards.clamp',
    target: base.key,
    connectionId: ctx.connectionId,
    detail: { card: base.card, ...clamp },
  });
  await ctx.alerts?.raise({
    connectionId: ctx.connectionId,
    key: `giftcards:double-spend:${base.key}`,
    severity: 'critical',
    title: `Gift card ${base.card} double-spent: balance clamped to 0`,
    detail,
  });
}
