/**
 * Phone → E.164 with libphonenumber-js. The default country comes from the address the number was
 * typed in (a US shopper writes "(512) 555-0100", not "+1 512…"). Never throws: bad input is a
 * `null` with a reason the quarantine list can show.
 */
import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type PhoneResult = { e164: string; reason?: undefined } | { e164: null; reason: string };

/** Longer than any real number with extension; stops pathological inputs early. */
const MAX_INPUT = 64;

export function normalizePhone(raw: string | null | undefined, defaultCountry?: string | null): PhoneResult {
  try {
    if (raw === null || raw === undefined) return { e164: null, reason: 'no phone number' };
    const cleaned = raw
      .normalize('NFKC')
      .replace(/[\p{C}]/gu, '')
      .trim();
    if (cleaned === '') return { e164: null, reason: 'no phone number' };
    if (cleaned.length > MAX_INPUT) return { e164: null, reason: 'phone number is too long' };
    const country =
      defaultCountry && isSupportedCountry(defaultCountry.toUpperCase())
        ? (defaultCountry.toUpperCase() as CountryCode)
        : undefined;
    // "00 44 20…" is the international prefix used in most of the world: treat it as "+".
    const text = cleaned.startsWith('00') ? `+${cleaned.slice(2)}` : cleaned;
    const parsed = parsePhoneNumberFromString(text, country ? { defaultCountry: country } : undefined);
    if (!parsed) {
      return {
        e164: null,
        reason: country
          ? `not a phone number for ${country}: "${cleaned}"`
          : `cannot read "${cleaned}" without a country code`,
      };
    }
    if (!parsed.isValid())
      return {
        e164: null,
        reason: `"${cleaned}" is not a valid ${parsed.country ?? ''} number`.replace('  ', ' '),
      };
    const e164 = parsed.number;
    return /^\+[1-9]\d{1,14}$/.test(e164)
      ? { e164 }
      : { e164: null, reason: `"${cleaned}" has no E.164 form` };
  } catch (err) {
    return {
      e164: null,
      reason: `unreadable phone number (${err instanceof Error ? err.message : 'error'})`,
    };
  }
}
