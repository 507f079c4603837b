/**
 * "Did you mean…?" for unknown SKUs: ranks existing catalogue SKUs by SKU string distance
 * (fastest-levenshtein, normalised to 0..1) combined with product-name similarity (token Jaccard).
 *
 * Fast on 100k SKUs: an inverted index of SKU trigrams and name tokens picks a few hundred candidates
 * sharing the most grams/tokens with the query; only those get the (quadratic) edit distance.
 */
import { distance } from 'fastest-levenshtein';
import { foldKey } from './text.js';

export interface CatalogueEntry {
  sku: string;
  name: string;
}

export interface SkuSuggestion {
  sku: string;
  name: string;
  /** Combined score 0..1 (1 = identical SKU). */
  score: number;
  skuScore: number;
  nameScore: number;
}

export interface SkuIndex {
  entries: readonly CatalogueEntry[];
  skuKeys: string[];
  nameTokens: Array<Set<string>>;
  byGram: Map<string, number[]>;
  byToken: Map<string, number[]>;
  exact: Map<string, number>;
}

export interface SuggestOptions {
  /** How many suggestions (default 5). */
  limit?: number;
  /** Drop suggestions scoring below this (default 0.3). */
  minScore?: number;
  /** Candidates that get an edit distance after the prefilter (default 400). */
  maxCandidates?: number;
  /** Weight of the SKU similarity when a name is given (default 0.6; the name gets the rest). */
  skuWeight?: number;
}

/** "s-oran " → "SORAN": separators and case do not make two SKUs different for suggestion purposes. */
export function skuKey(sku: string): string {
  return foldKey(sku).replace(/ /g, '').toUpperCase();
}

function grams(key: string): string[] {
  const padded = `\u0001${key}\u0002`;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3));
  return [...out];
}

function tokens(name: string): Set<string> {
  return new Set(
    foldKey(name)
      .split(' ')
      .filter((t) => t.length > 1),
  );
}

function push(map: Map<string, number[]>, key: string, i: number): void {
  const list = map.get(key);
  if (list) list.push(i);
  else map.set(key, [i]);
}

export function buildSkuIndex(catalogue: readonly CatalogueEntry[]): SkuIndex {
  const index: SkuIndex = {
    entries: catalogue,
    skuKeys: [],
    nameTokens: [],
    byGram: new Map(),
    byToken: new Map(),
    exact: new Map(),
  };
  catalogue.forEach((e, i) => {
    const key = skuKey(e.sku);
    index.skuKeys.push(key);
    if (!index.exact.has(e.sku)) index.exact.set(e.sku, i);
    for (const g of grams(key)) push(index.byGram, g, i);
    const t = tokens(e.name);
    index.nameTokens.push(t);
    for (const tok of t) push(index.byToken, tok, i);
  });
  return index;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let inter = 0;
  for (const t of a) if (b.has(t)) inter++;
  return inter / (a.size + b.size - inter);
}

export function suggestSkus(
  index: SkuIndex,
  unknownSku: string,
  productName?: string | null,
  options: SuggestOptions = {},
): SkuSuggestion[] {
  const limit = options.limit ?? 5;
  const minScore = options.minScore ?? 0.3;
  const maxCandidates = options.maxCandidates ?? 400;
  const skuWeight = productName ? (options.skuWeight ?? 0.6) : 1;
  const qKey = skuKey(unknownSku.slice(0, 200));
  const qTokens = tokens((productName ?? '').slice(0, 500));

  // Prefilter: count shared SKU trigrams (and, at half weight, shared name tokens) per entry.
  // Grams/tokens shared by a large share of the catalogue ("SKU-" prefixes, "the") say little and cost
  // a lot, so they are skipped unless nothing rarer matches.
  const common = Math.max(1000, Math.floor(index.entries.length / 20));
  const hits = new Map<number, number>();
  const add = (lists: Array<number[] | undefined>, weight: number): void => {
    const found = lists.filter((l): l is number[] => l !== undefined);
    const rare = found.filter((l) => l.length <= common);
    for (const list of rare.length > 0 ? rare : found)
      for (const i of list) hits.set(i, (hits.get(i) ?? 0) + weight);
  };
  add(
    grams(qKey).map((g) => index.byGram.get(g)),
    1,
  );
  add(
    [...qTokens].map((t) => index.byToken.get(t)),
    0.5,
  );
  const exactIdx = index.exact.get(unknownSku);
  if (exactIdx !== undefined) hits.set(exactIdx, Number.POSITIVE_INFINITY);
  const candidates = [...hits.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, maxCandidates)
    .map(([i]) => i);

  const scored: SkuSuggestion[] = [];
  for (const i of candidates) {
    const entry = index.entries[i]!;
    const key = index.skuKeys[i]!;
    let skuScore: number;
    if (entry.sku === unknownSku) skuScore = 1;
    else if (key === qKey && key !== '') skuScore = 0.99;
    else {
      const len = Math.max(key.length, qKey.length);
      skuScore = len === 0 ? 0 : Math.min(0.98, 1 - distance(key, qKey) / len);
    }
    const nameScore = jaccard(qTokens, index.nameTokens[i]!);
    const score = entry.sku === unknownSku ? 1 : skuWeight * skuScore + (1 - skuWeight) * nameScore;
    if (score >= minScore)
      scored.push({
        sku: entry.sku,
        name: entry.name,
        score: round3(score),
        skuScore: round3(skuScore),
        nameScore: round3(nameScore),
      });
  }
  // Exact first, then score, then SKU text for a stable order.
  scored.sort(
    (a, b) =>
      Number(b.sku === unknownSku) - Number(a.sku === unknownSku) ||
      b.score - a.score ||
      (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0),
  );
  return scored.slice(0, limit);
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** One-line text for a quarantine entry's suggested fix. */
export function describeSuggestions(unknownSku: string, suggestions: readonly SkuSuggestion[]): string {
  if (suggestions.length === 0) {
    return `create an item with public_id "${unknownSku}" in Heartland, or fix the SKU in BigCommerce`;
  }
  const list = suggestions.map((s) => `${s.sku} ("${s.name}", ${Math.round(s.score * 100)}%)`).join(', ');
  return `fix the SKU in BigCommerce or create it in Heartland; closest existing SKUs: ${list}`;
}
