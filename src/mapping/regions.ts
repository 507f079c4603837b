/**
 * US and Canadian state/province names → postal abbreviations.
 *
 * Hand-written on purpose: the small, fixed USPS / Canada Post code lists (plus the French and older
 * spellings shoppers type) are easier to audit here than through a general ISO-3166-2 package, whose
 * subdivision names differ from what storefront checkouts send ("Québec" vs "Quebec", "Washington, D.C."
 * …) and whose codes are "US-TX" rather than the postal "TX" Heartland expects.
 */

/** USPS codes: 50 states, DC, inhabited territories, freely associated states, armed forces. */
const US: Record<string, readonly string[]> = {
  AL: ['Alabama'],
  AK: ['Alaska'],
  AZ: ['Arizona'],
  AR: ['Arkansas'],
  CA: ['California'],
  CO: ['Colorado'],
  CT: ['Connecticut'],
  DE: ['Delaware'],
  FL: ['Florida'],
  GA: ['Georgia'],
  HI: ['Hawaii', "Hawai'i", 'Hawaiʻi'],
  ID: ['Idaho'],
  IL: ['Illinois'],
  IN: ['Indiana'],
  IA: ['Iowa'],
  KS: ['Kansas'],
  KY: ['Kentucky'],
  LA: ['Louisiana'],
  ME: ['Maine'],
  MD: ['Maryland'],
  MA: ['Massachusetts'],
  MI: ['Michigan'],
  MN: ['Minnesota'],
  MS: ['Mississippi'],
  MO: ['Missouri'],
  MT: ['Montana'],
  NE: ['Nebraska'],
  NV: ['Nevada'],
  NH: ['New Hampshire'],
  NJ: ['New Jersey'],
  NM: ['New Mexico'],
  NY: ['New York', 'New York State'],
  NC: ['North Carolina'],
  ND: ['North Dakota'],
  OH: ['Ohio'],
  OK: ['Oklahoma'],
  OR: ['Oregon'],
  PA: ['Pennsylvania'],
  RI: ['Rhode Island'],
  SC: ['South Carolina'],
  SD: ['South Dakota'],
  TN: ['Tennessee'],
  TX: ['Texas'],
  UT: ['Utah'],
  VT: ['Vermont'],
  VA: ['Virginia'],
  WA: ['Washington', 'Washington State'],
  WV: ['West Virginia'],
  WI: ['Wisconsin'],
  WY: ['Wyoming'],
  DC: ['District of Columbia', 'Washington DC', 'Washington D.C.', 'Washington, D.C.'],
  AS: ['American Samoa'],
  GU: ['Guam'],
  MP: ['Northern Mariana Islands', 'Commonwealth of the Northern Mariana Islands'],
  PR: ['Puerto Rico'],
  VI: ['U.S. Virgin Islands', 'US Virgin Islands', 'United States Virgin Islands', 'Virgin Islands'],
  UM: ['United States Minor Outlying Islands', 'U.S. Minor Outlying Islands'],
  FM: ['Federated States of Micronesia', 'Micronesia'],
  MH: ['Marshall Islands'],
  PW: ['Palau'],
  AA: ['Armed Forces Americas'],
  AE: ['Armed Forces Europe', 'Armed Forces Africa', 'Armed Forces Middle East', 'Armed Forces Canada'],
  AP: ['Armed Forces Pacific'],
};

/** Canada Post codes: 10 provinces + 3 territories, English and French names, old codes. */
const CA: Record<string, readonly string[]> = {
  AB: ['Alberta'],
  BC: ['British Columbia', 'Colombie-Britannique'],
  MB: ['Manitoba'],
  NB: ['New Brunswick', 'Nouveau-Brunswick'],
  NL: ['Newfoundland and Labrador', 'Newfoundland', 'Terre-Neuve-et-Labrador', 'NF', 'LB'],
  NS: ['Nova Scotia', 'Nouvelle-Écosse'],
  NT: ['Northwest Territories', 'Territoires du Nord-Ouest', 'NWT'],
  NU: ['Nunavut'],
  ON: ['Ontario'],
  PE: ['Prince Edward Island', 'Île-du-Prince-Édouard', 'PEI'],
  QC: ['Quebec', 'Québec', 'PQ', 'Province of Quebec'],
  SK: ['Saskatchewan'],
  YT: ['Yukon', 'Yukon Territory', 'YK'],
};

/** "Québec", "QUEBEC", " quebec. " → "quebec"; "Washington, D.C." → "washington d c". */
export function regionKey(input: string): string {
  return input
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

function buildIndex(table: Record<string, readonly string[]>): Map<string, string> {
  const index = new Map<string, string>();
  for (const [code, names] of Object.entries(table)) {
    index.set(regionKey(code), code);
    for (const name of names) index.set(regionKey(name), code);
  }
  // "Washington D.C." → "washington d c"; also accept the dotless spelling "washington dc".
  for (const [key, code] of [...index]) index.set(key.replace(/\b(\w) (?=\w\b)/g, '$1'), code);
  return index;
}

const INDEX: Record<'US' | 'CA', Map<string, string>> = { US: buildIndex(US), CA: buildIndex(CA) };

export type RegionCountry = 'US' | 'CA';

export function hasRegionTable(country: string): country is RegionCountry {
  return country === 'US' || country === 'CA';
}

/** Postal abbreviation for a US/CA state or province name or code (any case, with or without accents). */
export function regionCode(country: RegionCountry, input: string): string | undefined {
  return INDEX[country].get(regionKey(input));
}

/** All codes with their primary name, for suggestions. */
export function regionNames(country: RegionCountry): Array<{ code: string; name: string }> {
  const table = country === 'US' ? US : CA;
  return Object.entries(table).map(([code, names]) => ({ code, name: names[0] ?? code }));
}

export const US_REGION_CODES: readonly string[] = Object.keys(US);
export const CA_REGION_CODES: readonly string[] = Object.keys(CA);
