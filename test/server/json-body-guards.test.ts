/**
 * The cheap pre-parse guards of buildServer's JSON parser, checked against a slow obvious definition.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findUnstorableString,
  jsonDepthExceeds,
  MAX_JSON_DEPTH,
  mayHoldUnstorableString,
} from '../../src/server/build-server.js';

/** Nesting depth of a parsed JSON value (the obvious recursive definition). */
function depthOf(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  const children = Array.isArray(v) ? v : Object.values(v);
  return 1 + Math.max(0, ...children.map(depthOf));
}

describe('jsonDepthExceeds', () => {
  it('agrees with the depth of the parsed value, whatever the strings hold', () => {
    const text = fc.string({ unit: fc.constantFrom('{', '[', '}', ']', '"', '\\', 'a', 'é', '😀') });
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer(),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(text, tie('value'), { maxKeys: 3 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 6 }), (v, max) => {
        expect(jsonDepthExceeds(JSON.stringify(v), max)).toBe(depthOf(v) > max);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses 65 levels and accepts 64 (the default limit)', () => {
    expect(MAX_JSON_DEPTH).toBe(64);
    const nest = (n: number) => `${'{"a":['.repeat(n / 2)}1${']}'.repeat(n / 2)}`;
    expect(jsonDepthExceeds(nest(64))).toBe(false);
    expect(jsonDepthExceeds(`[${nest(64)}]`)).toBe(true);
    expect(jsonDepthExceeds('['.repeat(100_000))).toBe(true);
  });

  it('does not count brackets in strings, including after escaped quotes and backslashes', () => {
    expect(jsonDepthExceeds(JSON.stringify({ s: `\\"${'['.repeat(100)}`, t: '\\\\' }), 1)).toBe(false);
    expect(jsonDepthExceeds(`{"s":"\\\\"${',"x":[[1]]'}}`, 2)).toBe(true);
  });
});

/** The slow obvious definition: U+0000, or a surrogate code unit without its partner. */
function unstorable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return true;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

describe('findUnstorableString and its pre-check', () => {
  const units = fc.string({
    unit: fc.constantFrom('a', '\\', 'u', '0', '\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '😀', 'é'),
    maxLength: 6,
  });
  const value = fc.oneof(
    units,
    fc.array(units, { maxLength: 3 }),
    fc.dictionary(units, units, { maxKeys: 3 }),
  );

  it('finds exactly the unstorable strings (keys and values), and the pre-check never misses one', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('a', 'b'), value, { maxKeys: 2 }), (body) => {
        const text = JSON.stringify(body);
        const strings: string[] = [];
        JSON.parse(text, (key, v) => {
          strings.push(key);
          if (typeof v === 'string') strings.push(v);
          return v;
        });
        const bad = strings.some(unstorable);
        expect(findUnstorableString(JSON.parse(text)) !== undefined).toBe(bad);
        if (bad) expect(mayHoldUnstorableString(text)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('names the path of the first bad value, or the object holding a bad key', () => {
    expect(findUnstorableString({ data: { items: [{ n: 'ok' }, { n: 'a\u0000' }] } })).toBe(
      'data.items[1].n',
    );
    expect(findUnstorableString({ data: { 'k\ud800': 1 } })).toBe('a key in data');
    expect(findUnstorableString('\udc00')).toBe('(body)');
    expect(findUnstorableString({ ok: '😀', s: 'é' })).toBeUndefined();
  });

  it('the pre-check is false for typical bodies without such escapes', () => {
    expect(mayHoldUnstorableString(JSON.stringify({ a: 'é😀', b: '\\u0041' }))).toBe(false);
    expect(mayHoldUnstorableString('{"a":"\\u00e9"}')).toBe(false);
  });
});
