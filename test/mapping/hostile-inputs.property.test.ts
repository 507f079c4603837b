/**
 * Hostile-input properties for the mapping and normalisation functions the other property tests do not
 * reach: arbitrary unicode (controls, NUL, lone surrogates) and the injection corpus of test/hostile.
 * Each function must answer — a value or a PermanentError with a code — never crash, never hang, and never
 * pass a control character through to what heartbridge writes to Heartland.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../src/engine/errors.js';
import { normalizeAddress, normalizePostalCode } from '../../src/mapping/address.js';
import { countryToIso2 } from '../../src/mapping/country.js';
import { decideCustomer } from '../../src/mapping/customer-match.js';
import { evaluateExpression } from '../../src/mapping/jsonata-eval.js';
import { parseMappingConfig } from '../../src/mapping/mapping-config.js';
import { parseMoney, tryParseMoney } from '../../src/mapping/money.js';
import { mapOrder } from '../../src/mapping/order-to-sales-order.js';
import { CA_REGION_CODES, regionCode, US_REGION_CODES } from '../../src/mapping/regions.js';
import { buildSkuIndex, skuKey, suggestSkus } from '../../src/mapping/sku-suggest.js';
import { canonicalJson, stableHash } from '../../src/mapping/stable-hash.js';
import { cleanText } from '../../src/mapping/text.js';

const CORPUS = join(import.meta.dirname, '..', 'hostile', 'corpus');
const injection = JSON.parse(readFileSync(join(CORPUS, 'injection-strings.json'), 'utf8')) as Record<
  string,
  string[] | string
>;
const unicode = JSON.parse(readFileSync(join(CORPUS, 'unicode-strings.json'), 'utf8')) as {
  strings: Array<{ value: string }>;
};
const HOSTILE: string[] = [
  ...Object.values(injection).flatMap((v) => (Array.isArray(v) ? v : [])),
  ...unicode.strings.map((s) => s.value),
];
const JSONATA = Array.isArray(injection.jsonata) ? injection.jsonata : [];

/** Arbitrary text: plain, any UTF-16 code units (lone surrogates), or a corpus string. */
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(...HOSTILE),
);
const maybe = fc.oneof(text, fc.constant(null), fc.constant(undefined));
const RUNS = { numRuns: 250 };

/** C0/C1 controls, DEL, and unpaired surrogates: none may reach a Heartland record. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
    if (c >= 0xd800 && c <= 0xdbff) {
      const n = s.charCodeAt(i + 1);
      if (n >= 0xdc00 && n <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

const isPermanentWithCode = (err: unknown) =>
  err instanceof PermanentError && /^HB_ERR_[A-Z_]+$/.test(err.code);

describe('text and address normalisation on hostile text', () => {
  it('cleanText: never longer than asked, no controls, idempotent', () => {
    fc.assert(
      fc.property(maybe, fc.integer({ min: 1, max: 300 }), (s, max) => {
        const once = cleanText(s, max);
        expect(once.length).toBeLessThanOrEqual(max);
        expect(hasControl(once)).toBe(false);
        expect(cleanText(once, max)).toBe(once);
      }),
      RUNS,
    );
  });

  it('normalizeAddress: never throws; an accepted address holds no control character', () => {
    const addr = fc.record(
      {
        first_name: maybe,
        last_name: maybe,
        company: maybe,
        street_1: maybe,
        street_2: maybe,
        city: maybe,
        state: fc.oneof(maybe, fc.constantFrom('Texas', 'tx', 'Québec', 'ONTARIO')),
        zip: fc.oneof(maybe, fc.constantFrom('78701', 'K1A 0B1', '7870')),
        country: maybe,
        country_iso2: fc.oneof(maybe, fc.constantFrom('US', 'CA', 'GB', 'ZZ')),
        phone: maybe,
        email: maybe,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(addr, (input) => {
        const r = normalizeAddress(input);
        if (r.ok) expect(strings(r.address).filter(hasControl)).toEqual([]);
      }),
      RUNS,
    );
  });

  it('normalizePostalCode, countryToIso2 and regionCode answer for any text', () => {
    fc.assert(
      fc.property(
        text,
        fc.oneof(fc.constantFrom('US', 'CA', 'GB'), fc.constant(undefined), text),
        (raw, c) => {
          // normalizeAddress cleans the zip before this (exported for that caller); so does this test.
          const postal = normalizePostalCode(cleanText(raw, 40), c);
          if (postal.ok) expect(hasControl(postal.value)).toBe(false);
          else expect(postal.reason.length).toBeGreaterThan(0);
          const iso = countryToIso2(raw);
          if (iso !== undefined) expect(iso).toMatch(/^[A-Z]{2}$/);
          const us = regionCode('US', raw);
          if (us !== undefined) expect(US_REGION_CODES).toContain(us);
          const ca = regionCode('CA', raw);
          if (ca !== undefined) expect(CA_REGION_CODES).toContain(ca);
        },
      ),
      RUNS,
    );
  });
});

describe('SKU suggestions on hostile SKUs', () => {
  const catalogue = [
    { sku: 'TOTE-NORTH-BLK', name: 'Northern Tote Black' },
    { sku: 'TOTE-NORTH-RED', name: 'Northern Tote Red' },
    { sku: 'MUG-12OZ', name: 'Mug 12 oz' },
    { sku: 'Ünïcödé-1', name: 'Ünïcödé thing' },
    { sku: "1' OR '1'='1", name: 'SQL-shaped SKU' },
  ];
  const index = buildSkuIndex(catalogue);

  it('skuKey is idempotent', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(skuKey(skuKey(s))).toBe(skuKey(s));
      }),
      RUNS,
    );
  });

  it('suggestSkus: never throws; only catalogue SKUs, scores in [0,1], best first, at most the limit', () => {
    fc.assert(
      fc.property(text, maybe, fc.integer({ min: 1, max: 4 }), (sku, name, limit) => {
        const list = suggestSkus(index, sku, name, { limit });
        expect(list.length).toBeLessThanOrEqual(limit);
        for (const s of list) {
          expect(catalogue.map((c) => c.sku)).toContain(s.sku);
          expect(s.score).toBeGreaterThanOrEqual(0);
          expect(s.score).toBeLessThanOrEqual(1);
        }
        for (let i = 1; i < list.length; i++)
          expect(list[i - 1]?.score ?? 0).toBeGreaterThanOrEqual(list[i]?.score ?? 0);
      }),
      RUNS,
    );
  });
});

describe('money on hostile text', () => {
  it('parseMoney accepts only plain decimals and refuses anything else with a coded PermanentError', () => {
    fc.assert(
      fc.property(
        fc.oneof(text, fc.constantFrom('1e3', '0x10', '1,000.00', '١٢٣', '12.5', '-0.0001', ' 7 ')),
        (s) => {
          try {
            const m = parseMoney(s);
            expect(s.trim()).toMatch(/^-?\d+(\.\d+)?$/);
            expect(m.toFixed()).toBe(m.toFixed()); // a real decimal
          } catch (err) {
            expect(isPermanentWithCode(err)).toBe(true);
            expect(String((err as Error).message).length).toBeLessThan(200);
          }
          expect(() => tryParseMoney(s)).not.toThrow();
        },
      ),
      RUNS,
    );
  });
});

describe('stable hashing of hostile JSON', () => {
  it('key order does not change the hash; canonicalJson is JSON of the same value', () => {
    const obj = fc.dictionary(text, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 });
    fc.assert(
      fc.property(obj, (o) => {
        const reversed = Object.fromEntries(Object.entries(o).reverse());
        expect(stableHash(reversed)).toBe(stableHash(o));
        expect(JSON.parse(canonicalJson(o))).toEqual(JSON.parse(JSON.stringify(o)));
      }),
      RUNS,
    );
  });
});

describe('customer decision on hostile candidates', () => {
  it('never throws; "use" names a candidate id, "review" lists candidates', () => {
    const cand = fc.record({
      id: fc.integer({ min: 1, max: 5 }),
      email: maybe,
      phone: maybe,
      first_name: maybe,
    });
    fc.assert(
      fc.property(
        maybe,
        fc.array(cand, { maxLength: 4 }),
        fc.array(cand, { maxLength: 4 }),
        (email, byEmail, byPhone) => {
          const d = decideCustomer({
            email: email ?? null,
            byEmail,
            byPhone,
            draft: {
              first_name: 'A',
              last_name: 'B',
              email: null,
              phone: null,
              custom: {},
              address: null,
              company: null,
            },
          });
          if (d.action === 'use') expect([...byEmail, ...byPhone].map((c) => c.id)).toContain(d.id);
          if (d.action === 'review') expect(d.candidates.length).toBeGreaterThan(0);
        },
      ),
      RUNS,
    );
  });
});

describe('JSONata expressions from the hostile corpus', () => {
  const order = { id: 1, billing_address: { first_name: 'Jane' }, secret: 'never-exposed' };
  it('each resolves to a scalar or fails with HB_ERR_MAP_EXPRESSION, within the step budget', async () => {
    for (const expr of [...JSONATA, '$eval("1+1")', '$string($$)', '$sum([1..1000000])', '$.secret']) {
      try {
        const v = await evaluateExpression('note', expr, order, 0);
        expect(v === null || ['string', 'number', 'boolean'].includes(typeof v)).toBe(true);
      } catch (err) {
        expect(err instanceof PermanentError && err.code === 'HB_ERR_MAP_EXPRESSION').toBe(true);
      }
    }
  });

  it('arbitrary expression text never escapes the error contract', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom(...JSONATA)), async (expr) => {
        try {
          await evaluateExpression('note', expr, order, 0);
        } catch (err) {
          expect(err instanceof PermanentError && err.code === 'HB_ERR_MAP_EXPRESSION').toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('mapOrder on payloads that are not BigCommerce orders', () => {
  const config = parseMappingConfig({
    defaults: { stationId: 2, sourceLocationId: 1 },
    paymentMethods: { default: { id: 5 } },
  });
  it('answers problems (or a coded PermanentError) for arbitrary JSON, never a crash', async () => {
    const junk = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(...HOSTILE));
    await fc.assert(
      fc.asyncProperty(junk, junk, junk, junk, async (order, products, shippingAddresses, transactions) => {
        try {
          const r = await mapOrder({
            order,
            products,
            shippingAddresses,
            transactions,
            config,
            hlItemsBySku: new Map(),
            hlCustomerId: 1,
            now: 0,
          });
          expect(r.ok).toBe(false);
        } catch (err) {
          expect(isPermanentWithCode(err), String(err)).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });
});
