/**
 * How a BigCommerce certificate code becomes a Heartland card number and back.
 *
 * Heartland numbers are alphanumeric and spaces are stripped on import (NOTES §14); BigCommerce codes are
 * free text, generated as `FFZ-5N4-C7M-S78`, and cut to 20 characters (BigCommerce NOTES §12). So:
 * - BC → HL: strip spaces (`as_is`) or every non-alphanumeric (`alphanumeric`); anything left that is not
 *   alphanumeric cannot be a Heartland number and is quarantined with the number we would suggest.
 * - HL → BC: the number is used as the code unchanged; over 20 characters BigCommerce would silently cut
 *   it (two cards could then share a code), so that is quarantined too.
 */
import { createHash } from 'node:crypto';

export const BC_CODE_MAX = 20;
const ALNUM = /^[A-Za-z0-9]+$/;

export type NumberMode = 'as_is' | 'alphanumeric';

export type NumberResult = { ok: true; number: string } | { ok: false; reason: string; suggestion?: string };

/** Reasons name no code: a code is a bearer credential and reasons reach logs and alerts. */
export function hlNumberForCode(code: string, mode: NumberMode): NumberResult {
  const stripped = mode === 'alphanumeric' ? code.replace(/[^A-Za-z0-9]/g, '') : code.replace(/\s+/g, '');
  if (stripped.length > 0 && ALNUM.test(stripped)) return { ok: true, number: stripped };
  const suggestion = code.replace(/[^A-Za-z0-9]/g, '');
  return {
    ok: false,
    reason:
      suggestion.length === 0
        ? 'the code has no letters or digits, and Heartland card numbers are alphanumeric (NOTES §14)'
        : 'the code has characters other than letters and digits, and Heartland card numbers are alphanumeric (NOTES §14)',
    ...(suggestion.length > 0 ? { suggestion } : {}),
  };
}

export function bcCodeForNumber(number: string): NumberResult {
  if (number.length === 0) return { ok: false, reason: 'the Heartland card has an empty number' };
  if (number.length > BC_CODE_MAX) {
    return {
      ok: false,
      reason: `the number is longer than ${BC_CODE_MAX} characters, and BigCommerce cuts longer codes (two cards could end up with one code)`,
    };
  }
  return { ok: true, number };
}

/**
 * The per-card job key: one card = one key whichever side it was first seen on (the Heartland number,
 * which equals the normalised BigCommerce code). It is a hash of the number, not the number itself: a
 * card number is a bearer credential and job keys reach logs, the jobs table and the DLQ listings.
 */
export function cardEntityKey(ref: { number?: string | null; bcId?: number | null }): string {
  if (ref.number) return `giftcard:${createHash('sha256').update(ref.number).digest('hex').slice(0, 16)}`;
  return `giftcard:bc:${ref.bcId ?? 'unknown'}`;
}
