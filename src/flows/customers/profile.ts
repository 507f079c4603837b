/**
 * Customer profiles as both sides hold them, normalised so they can be compared and hashed (pure; no I/O).
 *
 * - Names: cleaned (control / format characters removed, whitespace collapsed) and proper-cased only
 *   where that is safe (src/mapping/text.ts), exactly as orders create customers.
 * - Email: cleaned and lower-cased; must look like an address.
 * - Phone: E.164 (src/mapping/phone.ts); a number without country code is read in the country of the
 *   customer's first address, else `customers.defaultCountry`.
 * - Addresses (BigCommerce only): src/mapping/address.ts, as orders do.
 *
 * What cannot be used is a `problem` with a suggested fix: the flow quarantines the customer rather
 * than writing half-understood data (an unreadable phone would otherwise break phone matching later).
 *
 * Hashes cover only the fields that flow towards the other side (and the directions themselves, so a
 * config change makes everything look new once): a change to a field we do not sync costs no write.
 */
import { z } from 'zod';
import type { HlCustomer } from '../../connectors/heartland/schemas.js';
import { type HlAddress, normalizeAddress } from '../../mapping/address.js';
import { normalizePhone } from '../../mapping/phone.js';
import { stableHash } from '../../mapping/stable-hash.js';
import { cleanText, properCase } from '../../mapping/text.js';
import { type CustomerField, type CustomersConfig, flowsToBc, flowsToHl } from './customers-config.js';
import { addressKey } from './hl-customer.js';

export interface Profile {
  first_name: string;
  last_name: string;
  /** Lower-cased, or null when absent. */
  email: string | null;
  /** E.164, or null when absent. */
  phone: string | null;
}

export interface CustomerProblem {
  /** `first_name`, `last_name`, `email`, `phone`, `identity` (neither email nor phone), `addresses[…]…`. */
  field: string;
  reason: string;
  suggestedFix: string;
}

const str = z.string().nullish();

/** The BigCommerce fields this flow reads (v3 customer with `include=addresses`). Loose: new fields pass. */
export const bcCustomerInSchema = z.looseObject({
  id: z.number().int().positive(),
  email: str,
  first_name: str,
  last_name: str,
  phone: str,
  date_modified: str,
  addresses: z
    .array(
      z.looseObject({
        id: z.number().int().optional(),
        first_name: str,
        last_name: str,
        company: str,
        address1: str,
        address2: str,
        city: str,
        state_or_province: str,
        postal_code: str,
        country_code: str,
        country: str,
        phone: str,
      }),
    )
    .nullish(),
});
export type BcCustomerIn = z.infer<typeof bcCustomerInSchema>;

export interface BcCustomerView {
  profile: Profile;
  /** Normalised addresses that can be written to Heartland. */
  addresses: HlAddress[];
  /** Reasons the customer cannot be written at all. */
  problems: CustomerProblem[];
  /** Addresses that cannot be written (the profile still can). */
  addressProblems: CustomerProblem[];
}

const NAME_MAX = 100;
const EMAIL_MAX = 254;
// Deliberately loose (RFC 5322 allows far more), but no spaces, no markup characters, a dot in the domain.
const EMAIL_RE = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:".]+(\.[^\s@<>()[\]\\,;:".]+)+$/;

export function normName(v: string | null | undefined): string {
  return properCase(cleanText(v, NAME_MAX));
}

export function normEmail(v: string | null | undefined): string | null {
  const e = cleanText(v, 1_000).toLowerCase();
  return e === '' ? null : e;
}

function checkName(
  v: string | null | undefined,
  field: string,
  where: string,
  problems: CustomerProblem[],
): string {
  const full = cleanText(v, 10_000);
  if (full.length > NAME_MAX) {
    problems.push({
      field,
      reason: `${field} is ${full.length} characters long (at most ${NAME_MAX})`,
      suggestedFix: `shorten the ${field.replace('_', ' ')} in ${where}`,
    });
  }
  return properCase(cleanText(v, NAME_MAX));
}

function checkEmail(v: string | null | undefined, where: string, problems: CustomerProblem[]): string | null {
  const email = normEmail(v);
  if (email === null) return null;
  if (email.length > EMAIL_MAX || !EMAIL_RE.test(email)) {
    problems.push({
      field: 'email',
      reason: `"${email.slice(0, 80)}" is not an email address`,
      suggestedFix: `correct the email in ${where}`,
    });
    return null;
  }
  return email;
}

function checkPhone(
  v: string | null | undefined,
  country: string,
  where: string,
  problems: CustomerProblem[],
): string | null {
  if (cleanText(v, 1_000) === '') return null;
  const r = normalizePhone(v, country);
  if (r.e164 !== null) return r.e164;
  problems.push({
    field: 'phone',
    reason: r.reason,
    suggestedFix: `correct the phone in ${where}, with its country code if it is not a ${country} number (e.g. +44 20 7946 0958)`,
  });
  return null;
}

const validIso2 = (c: string | null | undefined) => (c && /^[A-Za-z]{2}$/.test(c) ? c.toUpperCase() : null);

/** A BigCommerce customer as Heartland should hold it, with what stops it from being written. */
export function readBcCustomer(
  c: BcCustomerIn,
  cfg: Pick<CustomersConfig, 'defaultCountry'>,
): BcCustomerView {
  const where = `BigCommerce (Customers → customer ${c.id})`;
  const problems: CustomerProblem[] = [];
  const addressProblems: CustomerProblem[] = [];
  const addresses: HlAddress[] = [];
  const bcAddresses = c.addresses ?? [];
  for (const a of bcAddresses) {
    const norm = normalizeAddress({
      first_name: a.first_name,
      last_name: a.last_name,
      company: a.company,
      street_1: a.address1,
      street_2: a.address2,
      city: a.city,
      state: a.state_or_province,
      zip: a.postal_code,
      country: a.country,
      country_iso2: a.country_code,
      phone: a.phone,
    });
    if (norm.ok) {
      if (!addresses.some((x) => addressKey({ ...x }) === addressKey({ ...norm.address })))
        addresses.push(norm.address);
    } else {
      for (const p of norm.problems) {
        addressProblems.push({
          field: `addresses[${a.id ?? '?'}].${p.field}`,
          reason: p.reason,
          suggestedFix: `${p.suggestedFix} (address ${a.id ?? '?'} of customer ${c.id} in BigCommerce)`,
        });
      }
    }
  }
  const country = validIso2(bcAddresses[0]?.country_code) ?? cfg.defaultCountry;
  const first = checkName(c.first_name, 'first_name', where, problems);
  const last = checkName(c.last_name, 'last_name', where, problems);
  const email = checkEmail(c.email, where, problems);
  let phone = checkPhone(c.phone, country, where, problems);
  // No phone on the account: an address's phone still identifies the person (orders match on it).
  if (phone === null && cleanText(c.phone) === '') {
    phone = addresses.find((a) => a.phone !== null)?.phone ?? null;
  }
  if (email === null && phone === null && !problems.some((p) => p.field === 'email' || p.field === 'phone')) {
    problems.push({
      field: 'identity',
      reason: 'the customer has neither an email nor a phone number, so no Heartland customer can be matched',
      suggestedFix: `add an email or a phone number in ${where}`,
    });
  }
  return {
    profile: {
      // Empty stays empty here (a patch never writes an empty name); a new customer gets the defaults.
      first_name: first,
      last_name: last,
      email,
      phone,
    },
    addresses,
    problems,
    addressProblems,
  };
}

/** A Heartland customer as BigCommerce should hold it, with what stops it from being written. */
export function readHlCustomer(
  c: HlCustomer,
  cfg: Pick<CustomersConfig, 'defaultCountry'>,
): { profile: Profile; problems: CustomerProblem[] } {
  const where = `Heartland (Customers → customer ${c.public_id ?? c.id})`;
  const problems: CustomerProblem[] = [];
  const first = checkName(c.first_name, 'first_name', where, problems);
  const last = checkName(c.last_name, 'last_name', where, problems);
  const email = checkEmail(c.email, where, problems);
  const phone = checkPhone(typeof c.phone === 'string' ? c.phone : null, cfg.defaultCountry, where, problems);
  return { profile: { first_name: first, last_name: last, email, phone }, problems };
}

function pick(p: Profile, cfg: CustomersConfig, flows: (d: CustomersConfig['fields']['name']) => boolean) {
  const f = cfg.fields;
  return {
    ...(flows(f.name) ? { first_name: p.first_name, last_name: p.last_name } : {}),
    ...(flows(f.email) ? { email: p.email } : {}),
    ...(flows(f.phone) ? { phone: p.phone } : {}),
  };
}

const FIELD_OF: Record<string, CustomerField> = {
  first_name: 'name',
  last_name: 'name',
  email: 'email',
  phone: 'phone',
};

/**
 * The problems that stop a write in one direction: those of fields flowing that way. Email and the
 * identity check always count towards Heartland: they are how the customer is matched there.
 */
export function blockingProblems(
  problems: readonly CustomerProblem[],
  cfg: CustomersConfig,
  towards: 'hl' | 'bc',
): CustomerProblem[] {
  return problems.filter((p) => {
    if (towards === 'hl' && (p.field === 'identity' || p.field === 'email')) return true;
    const field = FIELD_OF[p.field];
    if (!field) return false;
    return towards === 'hl' ? flowsToHl(cfg.fields[field]) : flowsToBc(cfg.fields[field]);
  });
}

/** Hash of what BigCommerce holds, over what flows to Heartland (echo / no-op detection). */
export function bcStateHash(
  view: Pick<BcCustomerView, 'profile' | 'addresses'>,
  cfg: CustomersConfig,
): string {
  return stableHash({
    v: 1,
    fields: cfg.fields,
    p: pick(view.profile, cfg, flowsToHl),
    a: cfg.fields.addresses === 'bc_to_hl' ? view.addresses.map((a) => addressKey({ ...a })).sort() : [],
  });
}

/** Hash of what Heartland holds, over what flows to BigCommerce. */
export function hlStateHash(profile: Profile, cfg: CustomersConfig): string {
  return stableHash({ v: 1, fields: cfg.fields, p: pick(profile, cfg, flowsToBc) });
}

/**
 * The fields of `from` to write to the other side: those flowing that way whose value differs. An empty
 * value never overwrites one (a field cleared on one side is not cleared on the other).
 */
export function profilePatch(
  from: Profile,
  to: Profile,
  cfg: CustomersConfig,
  flows: (d: CustomersConfig['fields']['name']) => boolean,
): Partial<Profile> {
  const f = cfg.fields;
  const out: Partial<Profile> = {};
  if (flows(f.name)) {
    if (from.first_name !== '' && from.first_name !== to.first_name) out.first_name = from.first_name;
    if (from.last_name !== '' && from.last_name !== to.last_name) out.last_name = from.last_name;
  }
  if (flows(f.email) && from.email !== null && from.email !== to.email) out.email = from.email;
  if (flows(f.phone) && from.phone !== null && from.phone !== to.phone) out.phone = from.phone;
  return out;
}
