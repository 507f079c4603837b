/**
 * Text clean-up shared by the normalisers. Every function here is idempotent (f(f(x)) = f(x)) —
 * property tests hold them to it — because a record normalised by a previous run must hash the same.
 */

/**
 * Whitespace of any kind → one space; control, format, private-use, unassigned and lone-surrogate
 * code points removed; NFC; trimmed. Whitespace goes first so "a\tb" stays two words.
 */
export function cleanText(input: string | null | undefined, maxLength = 255): string {
  if (input === null || input === undefined) return '';
  const s = String(input)
    .replace(/\s+/gu, ' ')
    .replace(/[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}]/gu, '')
    .normalize('NFC')
    .replace(/ {2,}/g, ' ')
    .trim();
  return s.length > maxLength ? truncate(s, maxLength) : s;
}

/** Cuts at a code-point boundary and re-trims, so the result is still clean (and stable). */
function truncate(s: string, max: number): string {
  let out = '';
  for (const ch of s) {
    if (out.length + ch.length > max) break;
    out += ch;
  }
  return out.normalize('NFC').trim();
}

function hasUpper(s: string): boolean {
  return /\p{Lu}/u.test(s);
}
function hasLower(s: string): boolean {
  return /\p{Ll}/u.test(s);
}

/** Changes a character's case only when that is a one-to-one mapping ("ß" would become "SS"). */
function safeUpper(ch: string): string {
  const u = ch.toUpperCase();
  return u.length === ch.length && u.toLowerCase() === ch.toLowerCase() ? u : ch;
}
function safeLower(ch: string): string {
  const l = ch.toLowerCase();
  return l.length === ch.length && l.toUpperCase() === ch.toUpperCase() ? l : ch;
}

/**
 * Proper-cases text only where that is safe: text typed ALL IN CAPITALS or all in lower case.
 * Mixed case is left exactly as typed, because it is usually deliberate ("McDonald", "van der Berg",
 * "DeLuca", "iPhone Street"). A word starts after a space, hyphen, apostrophe or period; digits do not
 * start a word ("5th Avenue", not "5Th Avenue").
 */
export function properCase(input: string): string {
  const upper = hasUpper(input);
  const lower = hasLower(input);
  if (upper && lower) return input;
  if (!upper && !lower) return input;
  let out = '';
  let startOfWord = true;
  for (const ch of input) {
    if (/\p{L}/u.test(ch)) {
      out += startOfWord ? safeUpper(ch) : safeLower(ch);
      startOfWord = false;
    } else {
      out += ch;
      startOfWord = /[\s\-'’.(/]/u.test(ch);
      if (/\p{N}/u.test(ch)) startOfWord = false;
    }
  }
  // Only keep the result if it really is mixed case; otherwise a second pass would change it again.
  return hasUpper(out) && hasLower(out) ? out : input;
}

/** Lower-case, accent-free, alphanumeric tokens: for comparisons, never for output. */
export function foldKey(input: string): string {
  return input
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
