/**
 * Which Heartland customer an order belongs to (orders flow step 3). The flow searches Heartland by
 * email, then by phone (E.164), and hands the candidates here; this decides, purely:
 *   - exactly one email match → use it (email is the identity BigCommerce checkout verifies);
 *   - no email match, exactly one phone match without a conflicting email → use it;
 *   - two or more matches at the deciding step, or a phone match registered to another email → review;
 *   - nothing → create (draft from the order's billing address).
 * Never matches on names (DESIGN §5.1).
 */
import { type BcAddressInput, type HlAddress, normalizeAddress } from './address.js';
import type { MappingConfig } from './mapping-config.js';
import { normalizePhone } from './phone.js';
import { cleanText, properCase } from './text.js';

export interface HlCustomerCandidate {
  id: number;
  email?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  phone?: string | null;
}

export interface HlCustomerDraft {
  first_name: string;
  last_name: string;
  email: string | null;
  /** E.164; Heartland keeps phones per address, the flow decides where to write it. */
  phone: string | null;
  custom: Record<string, string>;
  /** Normalised billing address to add to the customer, or null when it is unusable. */
  address: HlAddress | null;
  company: string | null;
}

export type CustomerDecision =
  | { action: 'use'; id: number; matchedBy: 'email' | 'phone' }
  | { action: 'create'; draft: HlCustomerDraft }
  | { action: 'review'; candidates: HlCustomerCandidate[]; reason: string };

function emailKey(e: string | null | undefined): string {
  return (e ?? '').trim().replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function uniqueById(list: readonly HlCustomerCandidate[]): HlCustomerCandidate[] {
  const seen = new Map<number, HlCustomerCandidate>();
  for (const c of list) if (!seen.has(c.id)) seen.set(c.id, c);
  return [...seen.values()];
}

export function decideCustomer(input: {
  email: string | null;
  byEmail: readonly HlCustomerCandidate[];
  byPhone: readonly HlCustomerCandidate[];
  draft: HlCustomerDraft;
}): CustomerDecision {
  const email = emailKey(input.email);
  // A search may be fuzzy; only exact (case-insensitive) email matches count.
  const byEmail = uniqueById(input.byEmail).filter((c) => email !== '' && emailKey(c.email) === email);
  if (byEmail.length === 1) return { action: 'use', id: byEmail[0]!.id, matchedBy: 'email' };
  if (byEmail.length > 1) {
    return {
      action: 'review',
      candidates: byEmail,
      reason: `${byEmail.length} Heartland customers have the email ${email}`,
    };
  }
  const byPhone = uniqueById(input.byPhone);
  if (byPhone.length > 1) {
    return {
      action: 'review',
      candidates: byPhone,
      reason: `${byPhone.length} Heartland customers have the same phone number`,
    };
  }
  if (byPhone.length === 1) {
    const c = byPhone[0]!;
    const other = emailKey(c.email);
    if (other !== '' && email !== '' && other !== email) {
      return {
        action: 'review',
        candidates: [c],
        reason: `phone matches Heartland customer ${c.id}, but that customer has a different email`,
      };
    }
    return { action: 'use', id: c.id, matchedBy: 'phone' };
  }
  return { action: 'create', draft: input.draft };
}

/** Customer to create from the order's billing address; names fall back to the config defaults. */
export function customerDraftFromOrder(
  billing: BcAddressInput,
  config?: Pick<MappingConfig, 'defaults'>,
): HlCustomerDraft {
  const norm = normalizeAddress(billing);
  const fallback = config?.defaults.customer;
  const first = properCase(cleanText(billing.first_name, 100)) || fallback?.firstName || 'Guest';
  const last = properCase(cleanText(billing.last_name, 100)) || fallback?.lastName || 'Customer';
  const email = emailKey(cleanText(billing.email, 254));
  const country = norm.ok ? norm.address.country : undefined;
  const phone = normalizePhone(billing.phone, country ?? (cleanText(billing.country_iso2) || undefined)).e164;
  const company = cleanText(billing.company, 255);
  return {
    first_name: first,
    last_name: last,
    email: email === '' ? null : email,
    phone,
    custom: { ...(fallback?.custom ?? {}) },
    address: norm.ok ? norm.address : null,
    company: company === '' ? null : company,
  };
}
