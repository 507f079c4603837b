import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizePhone } from '../../src/mapping/phone.js';

describe('normalizePhone', () => {
  it('formats national numbers with the address country as default', () => {
    expect(normalizePhone('(512) 555-0123', 'US')).toEqual({ e164: '+15125550123' });
    expect(normalizePhone('514 555 0199', 'ca')).toEqual({ e164: '+15145550199' });
    expect(normalizePhone('020 7946 0958', 'GB')).toEqual({ e164: '+442079460958' });
  });

  it('keeps an explicit international prefix over the default country', () => {
    expect(normalizePhone('+44 20 7946 0958', 'US')).toEqual({ e164: '+442079460958' });
    expect(normalizePhone('0044 20 7946 0958', 'US')).toEqual({ e164: '+442079460958' });
  });

  it('returns null with a reason for invalid or missing numbers', () => {
    expect(normalizePhone('1234567890', 'US')).toEqual({
      e164: null,
      reason: expect.stringContaining('not a valid'),
    });
    expect(normalizePhone('', 'US')).toEqual({ e164: null, reason: 'no phone number' });
    expect(normalizePhone(null)).toEqual({ e164: null, reason: 'no phone number' });
    expect(normalizePhone('555 0123', 'ZZ').e164).toBeNull();
  });

  it('never throws and always returns E.164 or null', () => {
    const phoneish = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.stringMatching(/^[+0-9() .\-x]{0,25}$/),
    );
    fc.assert(
      fc.property(
        phoneish,
        fc.option(fc.oneof(fc.constantFrom('US', 'CA', 'GB', 'DE', 'XX', ''), fc.string())),
        (p, c) => {
          const r = normalizePhone(p, c);
          if (r.e164 === null) expect(typeof r.reason).toBe('string');
          else expect(r.e164).toMatch(/^\+[1-9]\d{1,14}$/);
          // Idempotent: an E.164 result normalises to itself.
          if (r.e164 !== null) expect(normalizePhone(r.e164, c).e164).toBe(r.e164);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
