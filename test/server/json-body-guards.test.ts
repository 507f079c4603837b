/**
 * The cheap pre-parse guards of buildServer's JSON parser, checked against a slow obvious definition.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../../src/server/build-server.js';

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
