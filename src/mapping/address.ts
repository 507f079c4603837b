/**
 * BigCommerce address → Heartland customer address (`/api/customers/{id}/addresses`, HL NOTES §11).
 *
 * Street lines: Heartland has exactly `line_1` and `line_2`, like BigCommerce's `street_1`/`street_2`,
 * so they map one to one, except that an empty `street_1` takes `street_2`'s place and a `street_2`
 * that repeats `street_1` is dropped. Heartland addresses have no company field: the company is
 * returned beside the address (`company`) for the customer record rather than squeezed into a street
 * line, where it would confuse carriers' address validation.
 *
 * Normalisation is idempotent: normalising a normalised address (fed back in BC shape) changes nothing.
 */
import { distance } from 'fastest-levenshtein';
import { countryName, countryToIso2 } from './country.js';
import { normalizePhone } from './phone.js';
import { hasRegionTable, type RegionCountry, regionCode, regionKey, regionNames } from './regions.js';
import { cleanText, foldKey, properCase } from './text.js';

export interface BcAddressInput {
  first_name?: string | null;
  last_name?: string | null;
  company?: string | null;
  street_1?: string | null;
  street_2?: string | null;
  city?: string | null;
  state?: string | null;
  zip?: string | null;
  country?: string | null;
  country_iso2?: string | null;
  phone?: string | null;
  email?: string | null;
}

export interface HlAddress {
  first_name: string;
  last_name: string;
  line_1: string;
  line_2: string | null;
  city: string;
  /** Postal abbreviation for US/CA; the cleaned text elsewhere (may be empty). */
  state: string;
  postal_code: string;
  /** ISO-3166-1 alpha-2. */
  country: string;
  /** E.164, or null when absent or not a valid number (see `phoneProblem`). */
  phone: string | null;
}

export interface AddressProblem {
  field: string;
  reason: string;
  suggestedFix: string;
}

export type NormalizedAddress =
  | { ok: true; address: HlAddress; company: string | null; email: string | null; phoneProblem?: string }
  | { ok: false; problems: AddressProblem[] };

export function normalizeAddress(input: BcAddressInput): NormalizedAddress {
  const problems: AddressProblem[] = [];
  const first = properCase(cleanText(input.first_name, 100));
  const last = properCase(cleanText(input.last_name, 100));
  if (first === '' && last === '') {
    problems.push({
      field: 'first_name',
      reason: 'no name on the address',
      suggestedFix: 'add a first and last name',
    });
  }

  let line1 = streetCase(cleanText(input.street_1));
  let line2 = streetCase(cleanText(input.street_2));
  if (line1 === '' && line2 !== '') [line1, line2] = [line2, ''];
  if (line2 !== '' && foldKey(line2) === foldKey(line1)) line2 = '';
  if (line1 === '') {
    problems.push({
      field: 'street_1',
      reason: 'street address is empty',
      suggestedFix: 'add the street address',
    });
  }

  const city = properCase(cleanText(input.city, 100));
  if (city === '') problems.push({ field: 'city', reason: 'city is empty', suggestedFix: 'add the city' });

  const country =
    countryToIso2(cleanText(input.country_iso2, 80)) ?? countryToIso2(cleanText(input.country, 80));
  if (!country) {
    const typed = cleanText(input.country_iso2) || cleanText(input.country);
    problems.push({
      field: 'country',
      reason: typed === '' ? 'country is empty' : `unknown country "${typed}"`,
      suggestedFix: 'use an ISO-3166 country code, e.g. US, CA, GB',
    });
  }

  const stateRaw = cleanText(input.state, 100);
  let state = stateRaw;
  if (country && hasRegionTable(country)) {
    const code = stateRaw === '' ? undefined : regionCode(country, stateRaw);
    if (code) state = code;
    else {
      const label = country === 'US' ? 'state' : 'province';
      problems.push({
        field: 'state',
        reason: stateRaw === '' ? `${label} is empty` : `unknown ${country} ${label} "${stateRaw}"`,
        suggestedFix: suggestRegion(country, stateRaw),
      });
    }
  }

  const zipRaw = cleanText(input.zip, 20);
  const postal = normalizePostalCode(zipRaw, country);
  if (!postal.ok) problems.push({ field: 'zip', reason: postal.reason, suggestedFix: postal.suggestedFix });

  if (problems.length > 0) return { ok: false, problems };

  const phone = normalizePhone(input.phone, country);
  const email = asciiLower(cleanText(input.email, 254));
  const company = cleanText(input.company, 255);
  return {
    ok: true,
    address: {
      first_name: first,
      last_name: last,
      line_1: line1,
      line_2: line2 === '' ? null : line2,
      city,
      state,
      postal_code: postal.ok ? postal.value : '',
      country: country ?? '',
      phone: phone.e164,
    },
    company: company === '' ? null : company,
    email: email === '' ? null : email,
    ...(phone.e164 === null && cleanText(input.phone) !== '' ? { phoneProblem: phone.reason } : {}),
  };
}

/** ASCII-only case folding: Unicode lower-casing can change a string's length ("İ"). */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Street lines: only all-lower-case text is recased (ALL CAPS is normal on labels; keep it). */
function streetCase(s: string): string {
  return /\p{Lu}/u.test(s) ? s : properCase(s);
}

type PostalResult = { ok: true; value: string } | { ok: false; reason: string; suggestedFix: string };

/** US ZIP / ZIP+4, Canadian "A1A 1A1"; elsewhere the cleaned text, upper-cased (UK "sw1a 1aa"). */
export function normalizePostalCode(raw: string, country: string | undefined): PostalResult {
  const compact = raw.replace(/[\s-]/g, '').toUpperCase();
  if (country === 'US') {
    if (/^\d{5}$/.test(compact)) return { ok: true, value: compact };
    if (/^\d{9}$/.test(compact)) return { ok: true, value: `${compact.slice(0, 5)}-${compact.slice(5)}` };
    const fix = /^\d{4}$/.test(compact)
      ? `use "0${compact}" (a leading zero is often lost by spreadsheets)`
      : 'use a 5-digit ZIP or ZIP+4, e.g. 78701 or 78701-1234';
    return {
      ok: false,
      reason: raw === '' ? 'ZIP code is empty' : `invalid US ZIP code "${raw}"`,
      suggestedFix: fix,
    };
  }
  if (country === 'CA') {
    if (/^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\d[ABCEGHJ-NPRSTV-Z]\d$/.test(compact)) {
      return { ok: true, value: `${compact.slice(0, 3)} ${compact.slice(3)}` };
    }
    return {
      ok: false,
      reason: raw === '' ? 'postal code is empty' : `invalid Canadian postal code "${raw}"`,
      suggestedFix: 'use the form A1A 1A1, e.g. K1A 0B1',
    };
  }
  return { ok: true, value: raw.replace(/[a-z]/g, (c) => c.toUpperCase()) };
}

function suggestRegion(country: RegionCountry, typed: string): string {
  const names = regionNames(country);
  const key = regionKey(typed);
  if (key === '')
    return `set the ${country === 'US' ? 'state' : 'province'} (postal abbreviation, e.g. ${names[0]?.code})`;
  let best = names[0];
  let bestD = Number.POSITIVE_INFINITY;
  for (const n of names) {
    const d = distance(key, regionKey(n.name));
    if (d < bestD) [best, bestD] = [n, d];
  }
  const where = countryName(country) ?? country;
  return best
    ? `did you mean ${best.name} (${best.code})? Use a ${where} postal abbreviation`
    : 'use a postal abbreviation';
}

/** HL address → the BC shape, so a normalised address can be fed back (idempotence, echo checks). */
export function hlAddressToBcInput(
  a: HlAddress,
  extra: { company?: string | null; email?: string | null } = {},
): BcAddressInput {
  return {
    first_name: a.first_name,
    last_name: a.last_name,
    company: extra.company ?? '',
    street_1: a.line_1,
    street_2: a.line_2 ?? '',
    city: a.city,
    state: a.state,
    zip: a.postal_code,
    country: a.country,
    country_iso2: a.country,
    phone: a.phone ?? '',
    email: extra.email ?? '',
  };
}
