/**
 * Property tests for the webhook edge (fast-check): the parsers and verifiers see raw bytes from the
 * internet, so they must answer a value — never throw — whatever arrives, and their answers must be
 * deterministic (dedupe keys are how "no duplicates" is kept).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseBigCommerceDelivery,
  parseBigCommerceId,
  routeScope,
  verifyBigCommerceDelivery,
  verifyStandardWebhookSignature,
} from '../../src/connectors/bigcommerce/webhooks.js';
import { normaliseBooleanKeys } from '../../src/connectors/heartland/normalise.js';
import { parseHeartlandDelivery, verifyHeartlandUrlSecret } from '../../src/connectors/heartland/webhooks.js';

const RUNS = { numRuns: 300 };

/** Raw bodies: random bytes, random text, JSON of anything, and envelope-shaped objects with junk fields. */
const anyJson = fc.jsonValue({ maxDepth: 6 });
const junk = fc.oneof(anyJson, fc.string({ unit: 'binary' }), fc.constant(null));
const bcShaped = fc.record(
  {
    scope: fc.oneof(
      fc.constantFrom('store/order/created', 'store/sku/inventory/updated', 'store/shipment/created'),
      fc.constantFrom('store/channel/1/inventory/product/stock_changed', 'store/customer/address/updated'),
      fc.string({ unit: 'binary' }),
      junk,
    ),
    store_id: fc.oneof(fc.string(), junk),
    data: fc.oneof(
      fc.dictionary(
        fc.constantFrom('id', 'order_id', 'orderId', 'variant_id', 'product_id', 'address', 'x'),
        junk,
      ),
      junk,
    ),
    hash: fc.oneof(fc.string(), junk),
    created_at: fc.oneof(fc.integer(), fc.double(), junk),
    producer: fc.oneof(fc.string(), junk),
  },
  { requiredKeys: [] },
);
const hlShaped = fc.record(
  {
    id: fc.oneof(fc.integer(), fc.double(), junk),
    updated_at: fc.oneof(fc.string(), junk),
    public_id: junk,
    description: junk,
    first_name: junk,
    email: junk,
    type: fc.oneof(fc.constantFrom('Ticket', 'Return'), junk),
    'active?': junk,
  },
  { requiredKeys: [] },
);
const bodies = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
  fc.string({ unit: 'binary', maxLength: 512 }),
  anyJson.map((v) => JSON.stringify(v)),
  bcShaped.map((v) => JSON.stringify(v)),
  hlShaped.map((v) => JSON.stringify(v)),
);

const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

describe('parseBigCommerceDelivery', () => {
  it('never throws on arbitrary bytes; a refusal always carries a reason', () => {
    fc.assert(
      fc.property(bodies, (raw) => {
        const r = parseBigCommerceDelivery(raw);
        if (!r.ok) expect(r.detail.length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });

  it('is deterministic: the same bytes give the same dedupe key and route', () => {
    fc.assert(
      fc.property(bcShaped, (env) => {
        const raw = JSON.stringify(env);
        const a = parseBigCommerceDelivery(raw);
        const b = parseBigCommerceDelivery(Buffer.from(raw));
        expect(b).toEqual(a);
      }),
      RUNS,
    );
  });

  it('answers a 10k-deep body with a value', () => {
    expect(parseBigCommerceDelivery(deep(10_000)).ok).toBe(false);
  });
});

describe('routeScope', () => {
  it('never throws; an entity key is always bc:<kind>:<non-empty id>', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          bcShaped.map((e) => String(e.scope)),
        ),
        fc.dictionary(fc.string(), junk),
        (scope, data) => {
          const r = routeScope(scope, data);
          // Only a canonical positive safe integer ever reaches an entity key (no paths, no rounding).
          if (!r.ignored) {
            expect(r.entityKey).toMatch(/^bc:(order|customer|product|sku|hook):[1-9]\d{0,15}$/);
            expect(Number.isSafeInteger(Number(r.entityKey.split(':')[2]))).toBe(true);
          } else if (r.invalid !== undefined)
            expect(r.invalid).toMatch(/^data\.[\w.]+: must be a positive integer id/);
        },
      ),
      RUNS,
    );
  });
});

describe('parseBigCommerceId', () => {
  it('accepts exactly the positive safe integers, as numbers or digit strings, in canonical form', () => {
    const anyNumber = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(Number),
      fc.constantFrom(0, -0, 2 ** 53, 2 ** 53 - 1, 2 ** 53 + 2, Number.POSITIVE_INFINITY, Number.NaN),
    );
    fc.assert(
      fc.property(anyNumber, (n) => {
        const r = parseBigCommerceId(n);
        const valid = Number.isSafeInteger(n) && n > 0;
        expect(r).toEqual(valid ? { id: String(n) } : { invalid: expect.stringMatching(/positive integer/) });
      }),
      { numRuns: 1000 },
    );
    const digits = fc.string({
      unit: fc.constantFrom('0', '1', '9', '-', '.', ' ', 'e', '/', '+'),
      maxLength: 20,
    });
    fc.assert(
      fc.property(fc.oneof(digits, fc.string(), fc.bigInt({ min: 0n, max: 2n ** 60n }).map(String)), (s) => {
        const r = parseBigCommerceId(s);
        const n = Number(s);
        const valid = /^\d+$/.test(s) && Number.isSafeInteger(n) && n > 0;
        expect(r).toEqual(valid ? { id: String(n) } : { invalid: expect.any(String) });
      }),
      { numRuns: 1000 },
    );
    expect(parseBigCommerceId(undefined)).toBeUndefined();
    expect(parseBigCommerceId(null)).toBeUndefined();
    expect(parseBigCommerceId('0042')).toEqual({ id: '42' });
  });
});

describe('parseHeartlandDelivery', () => {
  it('never throws on arbitrary bytes; a refusal always carries a reason', () => {
    fc.assert(
      fc.property(bodies, (raw) => {
        const r = parseHeartlandDelivery(raw);
        if (!r.ok) expect(r.detail.length).toBeGreaterThan(0);
        else expect(r.entityKey).toBe(`hl:${r.kind}:${r.id}`);
      }),
      RUNS,
    );
  });

  it('answers a 5k- and a 100k-deep record without overflowing the stack (normaliseBooleanKeys is iterative)', () => {
    for (const n of [5_000, 100_000]) {
      const raw = `{"id":1,"public_id":"A","description":"d","x":${deep(n)}}`;
      expect(() => parseHeartlandDelivery(raw)).not.toThrow();
    }
  });
});

describe('normaliseBooleanKeys', () => {
  it('keeps every own key that has no `?`, and turns `k?` into `k` unless `k` is there', () => {
    const key = fc.string({ maxLength: 8 }).filter((k) => k.replace(/\?+$/, '') !== '__proto__');
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.oneof(
            key,
            key.map((k) => `${k}?`),
          ),
          anyJson,
        ),
        (obj) => {
          const out = normaliseBooleanKeys(obj) as Record<string, unknown>;
          for (const k of Object.keys(obj)) {
            if (!k.endsWith('?')) expect(out[k]).toEqual(normaliseBooleanKeys(obj[k]));
            else if (!Object.hasOwn(obj, k.slice(0, -1)))
              expect(Object.hasOwn(out, k.slice(0, -1))).toBe(true);
          }
          // Nothing appears that the input did not name.
          for (const k of Object.keys(out))
            expect(Object.hasOwn(obj, k) || Object.hasOwn(obj, `${k}?`)).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it('keeps `constructor?` / `toString?` as own keys (Object.prototype names are not "already present")', () => {
    const out = normaliseBooleanKeys({ 'constructor?': true, 'toString?': false }) as Record<string, unknown>;
    expect(Object.hasOwn(out, 'constructor') && Object.hasOwn(out, 'toString')).toBe(true);
    expect(out).toEqual({ constructor: true, toString: false });
  });

  it('drops `__proto__` keys instead of letting them set the prototype of the copy', () => {
    for (const key of ['__proto__', '__proto__?']) {
      const input = JSON.parse(`{"a":1,"${key}":{"polluted":true},"n":[{"${key}":{"x":1}}]}`);
      const out = normaliseBooleanKeys(input) as { a: number; polluted?: unknown; n: Array<{ x?: unknown }> };
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
      expect(out.polluted).toBeUndefined();
      expect(out.n[0]?.x).toBeUndefined();
      expect(Object.keys(out)).toEqual(['a', 'n']);
    }
  });
});

describe('verifiers', () => {
  const headerBag = fc.dictionary(
    fc.constantFrom(
      'x-heartbridge-secret',
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
      'X-Other',
    ),
    fc.oneof(fc.string({ unit: 'binary' }), fc.array(fc.string(), { maxLength: 3 })),
  );
  it('verifyBigCommerceDelivery never throws and never accepts a wrong secret', () => {
    fc.assert(
      fc.property(headerBag, bodies, fc.boolean(), (headers, raw, signing) => {
        const r = verifyBigCommerceDelivery(headers, raw, {
          secret: 'the-real-secret',
          signingSecret: signing ? Buffer.from('k'.repeat(32)).toString('base64') : undefined,
        });
        expect(r.valid).toBe(false);
      }),
      RUNS,
    );
  });

  it('verifyStandardWebhookSignature never throws on any secret, header or body', () => {
    fc.assert(
      fc.property(
        headerBag,
        bodies,
        fc.string({ unit: 'binary' }),
        fc.integer(),
        (headers, raw, key, tol) => {
          const r = verifyStandardWebhookSignature(headers, raw, key, tol);
          expect(typeof r.valid).toBe('boolean');
        },
      ),
      RUNS,
    );
  });

  it('verifyHeartlandUrlSecret accepts exactly the secret', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.string({ unit: 'binary', minLength: 1 }),
        (got, expected) => {
          expect(verifyHeartlandUrlSecret(got, expected)).toBe(got === expected);
          expect(verifyHeartlandUrlSecret(expected, expected)).toBe(true);
        },
      ),
      RUNS,
    );
  });
});
