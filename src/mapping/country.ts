/**
 * Country names / ISO-3 / ISO-2 → ISO-3166-1 alpha-2, via i18n-iso-countries (well kept, all locales).
 * Only the few everyday names no ISO list carries ("England", "Holland") are aliased here by hand.
 */
import countries from 'i18n-iso-countries';

const LANGS = ['en', 'fr', 'de', 'es', 'it', 'nl', 'pt'] as const;

/** Common non-ISO names shoppers type; the value is the ISO-2 code the carrier needs. */
const ALIASES: Record<string, string> = {
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  'northern ireland': 'GB',
  holland: 'NL',
  usa: 'US',
  'u s a': 'US',
  'u s': 'US',
};

function aliasKey(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * Name lookups scan every locale's list, so answers are memoised (a deterministic cache, bounded so
 * hostile input cannot grow it without limit).
 */
const memo = new Map<string, string | undefined>();
const MEMO_MAX = 5000;

/** ISO-2 code for "US", "usa", "United States", "Deutschland", "Côte d’Ivoire"…; undefined if unknown. */
export function countryToIso2(input: string | null | undefined): string | undefined {
  if (input === null || input === undefined) return undefined;
  if (memo.has(input)) return memo.get(input);
  const code = lookup(input);
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(input, code);
  return code;
}

function lookup(input: string): string | undefined {
  const s = input.normalize('NFC').trim();
  if (s === '' || s.length > 80) return undefined;
  if (/^[A-Za-z]{2}$/.test(s)) {
    const up = s.toUpperCase();
    if (up === 'UK') return 'GB';
    return countries.isValid(up) ? up : undefined;
  }
  if (/^[A-Za-z]{3}$/.test(s)) {
    const a2 = countries.alpha3ToAlpha2(s.toUpperCase());
    if (a2) return a2;
  }
  const alias = ALIASES[aliasKey(s)];
  if (alias) return alias;
  const variants = [s, s.replace(/[’‘`]/g, "'")];
  for (const lang of LANGS) {
    for (const v of variants) {
      const code = countries.getAlpha2Code(v, lang) ?? countries.getSimpleAlpha2Code(v, lang);
      if (code) return code;
    }
  }
  return undefined;
}

/** English name for an ISO-2 code (for messages and suggestions). */
export function countryName(iso2: string): string | undefined {
  return countries.getName(iso2, 'en') ?? undefined;
}
