/**
 * JSON parsing that never silently changes a number.
 *
 * BigCommerce sends money as decimal strings (kept as strings), but some fields are JSON numbers
 * (v3 transaction `amount`, catalog `price`) and ids are integers. A JSON number survives a round trip
 * through a double exactly when it has at most 15 significant digits, which covers every id below 2^53
 * and every realistic money amount: `new Decimal(String(n))` gives back the digits that were sent.
 * Numbers with more significant digits (ids ≥ 2^53, over-precise decimals) are returned as their
 * original text instead, so nothing downstream computes with a rounded value.
 *
 * Written by hand (about 40 lines) because Node 20's `JSON.parse` has no access to the source text of a
 * number (the reviver `context.source` arrives in Node 21+), and a scanner is smaller than a dependency.
 */

const MAX_EXACT_DIGITS = 15;

export function parseJsonLossless(text: string): unknown {
  // Fast path: a token with 16+ significant digits needs 16 consecutive digits somewhere.
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  return JSON.parse(quoteUnsafeNumbers(text));
}

function quoteUnsafeNumbers(text: string): string {
  let out = '';
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      i++;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === 0x5c /* \ */) i += 2;
        else if (c === 0x22) break;
        else i++;
      }
      i++;
    } else if (ch === 0x2d /* - */ || (ch >= 0x30 && ch <= 0x39)) {
      const start = i;
      i++;
      while (i < n && /[0-9eE+\-.]/.test(text[i] as string)) i++;
      const token = text.slice(start, i);
      if (!isExact(token)) {
        out += `${text.slice(last, start)}"${token}"`;
        last = i;
      }
    } else {
      i++;
    }
  }
  return out + text.slice(last);
}

function isExact(token: string): boolean {
  if (/^-?\d+$/.test(token)) return Number.isSafeInteger(Number(token));
  const mantissa = token.replace(/^-/, '').split(/[eE]/)[0] ?? '';
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return digits.length <= MAX_EXACT_DIGITS;
}
