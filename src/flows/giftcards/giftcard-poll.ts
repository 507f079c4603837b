/**
 * Finding the gift cards that need a run. Neither side can be asked "what changed since": BigCommerce v2
 * gift certificates have no modified-date filter and Heartland's gift cards none documented (NOTES §14),
 * so each poll reads both lists whole — by id (`min_id` on BigCommerce, an id keyset on Heartland, so
 * cards added during the walk are not skipped by page drift) — and compares them with the links.
 * 250 certificates and 500 cards per request: 10,000 cards cost about 60 requests per poll.
 *
 * - `pollGiftCards` (the schedule): one `giftcards.card` job per card that needs work, keyed per card.
 * - `fullGiftCardSync` (`heartbridge sync giftcards --full`): the same cards, run here and now, each
 *   still claimed through its link (giftcard-links.ts) so a service running beside it cannot write the
 *   same card at the same time. `--dry-run` decides and writes nothing.
 *
 * Unchanged cards cost nothing beyond the two lists: no job, no write.
 */
import type { BcGiftCertificate } from '../../connectors/bigcommerce/schemas.js';
import { type HlGiftCard, hlGiftCardSchema } from '../../connectors/heartland/schemas.js';
import { PRIORITY } from '../routing.js';
import { cardEntityKey, hlNumberForCode } from './card-numbers.js';
import { createGiftCardLinks, type GiftCardLink } from './giftcard-links.js';
import {
  type CardOutcome,
  type CardRef,
  cardFingerprint,
  GIFTCARD_TASKS,
  linkNeedsWork,
  syncCard,
  unlinkedAction,
} from './giftcard-sync.js';
import type { GiftCardFlowContext } from './giftcards-context.js';
import { openCardQuarantines } from './quarantine.js';

const BC_PAGE = 250;
const HL_PAGE = 500;

export interface CardCandidate {
  key: string;
  ref: CardRef;
  /** Fingerprint of what the poll saw (a quarantined card is retried only when it changes). */
  seen: string;
}

export interface ScanResult {
  bcCertificates: number;
  hlCards: number;
  linked: number;
  /** Cards left alone: unchanged, skipped (zero balance, inactive, direction), or held in quarantine. */
  unchanged: number;
  skipped: number;
  held: number;
  candidates: CardCandidate[];
}

async function allCertificates(ctx: GiftCardFlowContext): Promise<BcGiftCertificate[]> {
  const out: BcGiftCertificate[] = [];
  let minId = 1;
  for (;;) {
    let page: BcGiftCertificate[] = [];
    for await (const p of ctx.bc.giftCertificates.list(
      { min_id: minId, sort: 'id', direction: 'asc' },
      { limit: BC_PAGE },
    )) {
      page = p.items;
      break; // one page per min_id: the next request starts after the last id seen
    }
    out.push(...page);
    if (page.length < BC_PAGE) return out;
    minId = Math.max(...page.map((g) => g.id)) + 1;
  }
}

async function allCards(ctx: GiftCardFlowContext): Promise<HlGiftCard[]> {
  const out: HlGiftCard[] = [];
  for await (const page of ctx.hl.client.keyset('/gift_cards', hlGiftCardSchema, { perPage: HL_PAGE })) {
    out.push(...page.items);
  }
  return out;
}

/** Reads both sides and the links; lists the cards that need a run. */
export async function scanGiftCards(ctx: GiftCardFlowContext): Promise<ScanResult> {
  const cfg = ctx.giftCards;
  const [certs, cards, links, held] = await Promise.all([
    allCertificates(ctx),
    allCards(ctx),
    createGiftCardLinks(ctx.engine.store.db, ctx.connectionId, ctx.now).all(),
    openCardQuarantines(ctx, GIFTCARD_TASKS.card),
  ]);
  const bcById = new Map(certs.map((c) => [c.id, c]));
  const hlById = new Map(cards.map((c) => [c.id, c]));
  const hlByNumber = new Map(cards.map((c) => [c.number, c]));
  const usedBc = new Set<number>();
  const usedHl = new Set<number>();
  const result: ScanResult = {
    bcCertificates: certs.length,
    hlCards: cards.length,
    linked: 0,
    unchanged: 0,
    skipped: 0,
    held: 0,
    candidates: [],
  };
  const consider = (key: string, ref: CardRef, bc?: BcGiftCertificate, hl?: HlGiftCard) => {
    const seen = cardFingerprint(bc, hl);
    if (held.has(key) && held.get(key) === seen) {
      result.held++;
      return;
    }
    result.candidates.push({ key, ref, seen });
  };

  for (const link of links) {
    const bc = link.bcId === null ? undefined : bcById.get(link.bcId);
    const hl = link.hlId === null ? undefined : hlById.get(link.hlId);
    if (link.bcId !== null) usedBc.add(link.bcId);
    if (link.hlId !== null) usedHl.add(link.hlId);
    result.linked++;
    if (!linkNeedsWork(link, bc, hl)) {
      result.unchanged++;
      continue;
    }
    consider(cardEntityKey({ number: link.data.number, bcId: link.bcId }), refOf(link), bc, hl);
  }
  for (const bc of certs) {
    if (usedBc.has(bc.id)) continue;
    const n = hlNumberForCode(bc.code, cfg.numbers);
    const hlMatch = n.ok ? hlByNumber.get(n.number) : undefined;
    const hl = hlMatch && !usedHl.has(hlMatch.id) ? hlMatch : undefined;
    if (hl) usedHl.add(hl.id);
    usedBc.add(bc.id);
    if (unlinkedAction(bc, hl, cfg).kind === 'skip') {
      result.skipped++;
      continue;
    }
    const number = n.ok ? n.number : undefined;
    consider(
      cardEntityKey({ number, bcId: bc.id }),
      { bcId: bc.id, ...(hl ? { hlId: hl.id } : {}), ...(number ? { number } : {}) },
      bc,
      hl,
    );
  }
  for (const hl of cards) {
    if (usedHl.has(hl.id)) continue;
    if (unlinkedAction(undefined, hl, cfg).kind === 'skip') {
      result.skipped++;
      continue;
    }
    consider(cardEntityKey({ number: hl.number }), { hlId: hl.id, number: hl.number }, undefined, hl);
  }
  return result;
}

function refOf(link: GiftCardLink): CardRef {
  return {
    number: link.data.number,
    ...(link.bcId !== null ? { bcId: link.bcId } : {}),
    ...(link.hlId !== null ? { hlId: link.hlId } : {}),
  };
}

export interface GiftCardPollResult extends Omit<ScanResult, 'candidates'> {
  enqueued: number;
}

/** The scheduled poll: one job per card that needs a run (coalesced: a card waiting once is not queued twice). */
export async function pollGiftCards(ctx: GiftCardFlowContext): Promise<GiftCardPollResult> {
  const { candidates, ...scan } = await scanGiftCards(ctx);
  for (const c of candidates) {
    await ctx.engine.queue.enqueue({
      connectionId: ctx.connectionId,
      task: GIFTCARD_TASKS.card,
      entityKey: c.key,
      coalesceKey: `${GIFTCARD_TASKS.card}:${c.key}`,
      payload: { ...c.ref, seen: c.seen },
      priority: PRIORITY.poll,
    });
  }
  return { ...scan, enqueued: candidates.length };
}

export interface FullGiftCardResult extends Omit<ScanResult, 'candidates'> {
  dryRun: boolean;
  counts: Record<string, number>;
  outcomes: CardOutcome[];
  failed: Array<{ key: string; code: string; message: string }>;
}

export interface FullGiftCardOptions {
  dryRun?: boolean;
  onProgress?: (p: { done: number; total: number }) => void;
}

/** Every card that needs a run, run now (CLI). A card another run holds is reported `busy`, not waited for. */
export async function fullGiftCardSync(
  ctx: GiftCardFlowContext,
  opts: FullGiftCardOptions = {},
): Promise<FullGiftCardResult> {
  const { candidates, ...scan } = await scanGiftCards(ctx);
  const outcomes: CardOutcome[] = [];
  const failed: FullGiftCardResult['failed'] = [];
  const counts: Record<string, number> = {};
  let done = 0;
  for (const c of candidates) {
    try {
      const o = await syncCard(ctx, c.ref, { dryRun: opts.dryRun, onBusy: 'report' });
      outcomes.push(o);
      counts[o.kind] = (counts[o.kind] ?? 0) + 1;
    } catch (err) {
      const e = err as { code?: string; message?: string };
      failed.push({ key: c.key, code: e.code ?? 'HB_ERR_UNKNOWN', message: String(e.message ?? err) });
      counts.failed = (counts.failed ?? 0) + 1;
    }
    opts.onProgress?.({ done: ++done, total: candidates.length });
  }
  return { ...scan, dryRun: opts.dryRun === true, counts, outcomes, failed };
}
