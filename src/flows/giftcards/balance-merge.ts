/**
 * The balance arithmetic of the gift card flow, pure and in integer cents (parsed with
 * src/mapping/money.ts, so no binary float ever holds a balance).
 *
 * Merge by deltas: each side's change since the balance both last agreed on is a spend (or a top-up)
 * that happened there, and both happened, so
 *
 *     new = agreed + (bc − agreed) + (hl − agreed)
 *
 * A card used online and in store between two polls keeps both spends. A negative result means the two
 * spends together exceeded the balance — the card was double-spent — and is clamped to 0 (the caller
 * records and alerts).
 *
 * After an interrupted write the bases differ per side: a side whose write committed moved to the
 * target, one whose write did not is still at its old value (see `basesAfterIntent`).
 */
import { centsToString, parseMoney, toCents } from '../../mapping/money.js';
import type { GiftCardDirection } from './giftcards-config.js';

/** Money text (BigCommerce "25.0000", Heartland "25" / "25.5") → integer cents, half-up. */
export function cents(value: string | number): number {
  return toCents(parseMoney(value, 'balance'));
}

export const money = centsToString;

export interface Bases {
  /** The balance both sides agreed on (or the target of the last intended write). */
  agreed: number;
  /** What each side showed when that balance was agreed (or written). */
  bc: number;
  hl: number;
}

export interface MergeResult {
  /** Unclamped result (negative = double spend). */
  raw: number;
  /** What both sides should show: max(0, raw). */
  target: number;
  clamped: boolean;
}

export function mergeBalances(
  bases: Bases,
  now: { bc: number; hl: number },
  direction: GiftCardDirection,
): MergeResult {
  const raw =
    direction === 'bc_to_hl'
      ? now.bc
      : direction === 'hl_to_bc'
        ? now.hl
        : bases.agreed + (now.bc - bases.bc) + (now.hl - bases.hl);
  const target = Math.max(0, raw);
  return { raw, target, clamped: target !== raw };
}

export const agreedBases = (agreed: number): Bases => ({ agreed, bc: agreed, hl: agreed });

/** Whether a write we sent without hearing back is known to have landed. */
export type Committed = 'yes' | 'no' | 'unknown';

/**
 * The recorded intent of a write whose outcome may be unknown: what each side showed when we decided,
 * and the target both were to show.
 */
export interface WriteIntent {
  target: number;
  bcBefore: number;
  hlBefore: number;
}

/** Bases after an intent, given what is known about each side's write (`unknown` is not allowed here). */
export function basesAfterIntent(
  intent: WriteIntent,
  committed: { bc: 'yes' | 'no'; hl: 'yes' | 'no' },
): Bases {
  return {
    agreed: intent.target,
    bc: committed.bc === 'yes' ? intent.target : intent.bcBefore,
    hl: committed.hl === 'yes' ? intent.target : intent.hlBefore,
  };
}

/**
 * Judging an absolute write (BigCommerce PUT balance) by the balance read back: the target → it landed,
 * the old value → it did not; anything else → unknown (the card was also used meanwhile). If the target
 * equals the old value nothing needed writing and the answer is `yes`.
 */
export function judgeByBalance(now: number, before: number, target: number): Committed {
  if (now === target) return 'yes';
  if (now === before) return 'no';
  return 'unknown';
}
