import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BcAddressInput, hlAddressToBcInput, normalizeAddress } from '../../src/mapping/address.js';
import { countryToIso2 } from '../../src/mapping/country.js';
import { CA_REGION_CODES, regionCode, US_REGION_CODES } from '../../src/mapping/regions.js';
import order from './fixtures/order_get_response.json' with { type: 'json' };

const base: BcAddressInput = {
  first_name: 'Jane',
  last_name: 'Doe',
  company: '',
  street_1: '555 East Street',
  street_2: '',
  city: 'Austin',
  state: 'Texas',
  zip: '78108',
  country: 'United States',
  country_iso2: 'US',
  phone: '(512) 555-0123',
  email: 'JaneDoe@Example.com',
};

describe('normalizeAddress', () => {
  it('maps the BigCommerce sample billing address to the Heartland shape', () => {
    const r = normalizeAddress(order.billing_address);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.address).toMatchObject({
      first_name: 'Jane',
      last_name: 'Doe',
      line_1: '555 East Street',
      line_2: null,
      city: 'Austin',
      state: 'TX',
      postal_code: '78108',
      country: 'US',
    });
    // The sample's "1234567890" is not a valid NANP number: kept out of the address, with a reason.
    expect(r.address.phone).toBeNull();
    expect(r.phoneProblem).toMatch(/not a valid/);
    expect(r.email).toBe('janedoe@example.com');
  });

  it('trims, collapses whitespace and proper-cases only single-case text', () => {
    const r = normalizeAddress({
      ...base,
      first_name: '  JANE\t ',
      last_name: 'mcdonald',
      city: 'SAN   ANTONIO',
      street_1: ' 12  5th avenue ',
      street_2: 'APT 4B',
    });
    expect(r.ok && r.address).toMatchObject({
      first_name: 'Jane',
      last_name: 'Mcdonald',
      city: 'San Antonio',
      line_1: '12 5th Avenue',
      line_2: 'APT 4B',
      phone: '+15125550123',
    });
    const mixed = normalizeAddress({ ...base, last_name: 'McDonald', first_name: "d'Arcy" });
    expect(mixed.ok && [mixed.address.first_name, mixed.address.last_name]).toEqual(["d'Arcy", 'McDonald']); // mixed case is deliberate: kept
  });

  it('moves street_2 up when street_1 is empty and drops a repeated line', () => {
    const r = normalizeAddress({ ...base, street_1: '', street_2: '1 Main St' });
    expect(r.ok && [r.address.line_1, r.address.line_2]).toEqual(['1 Main St', null]);
    const d = normalizeAddress({ ...base, street_1: '1 Main St', street_2: '1 main st.' });
    expect(d.ok && d.address.line_2).toBeNull();
  });

  it('turns Canadian province names in any case, with or without accents, into abbreviations', () => {
    for (const [state, code] of [
      ['Québec', 'QC'],
      ['QUEBEC', 'QC'],
      ['quebec', 'QC'],
      ['Île-du-Prince-Édouard', 'PE'],
      ['Newfoundland and Labrador', 'NL'],
      ['bc', 'BC'],
    ]) {
      const r = normalizeAddress({
        ...base,
        country_iso2: 'CA',
        country: 'Canada',
        state,
        zip: 'h3z2y7',
        phone: '',
      });
      expect(r.ok && r.address.state, state).toBe(code);
      expect(r.ok && r.address.postal_code).toBe('H3Z 2Y7');
    }
  });

  it('has complete US and CA tables', () => {
    expect(US_REGION_CODES.length).toBe(50 + 1 + 6 + 3 + 3); // states, DC, territories, FAS, armed forces
    expect(CA_REGION_CODES.length).toBe(13);
    expect(regionCode('US', 'washington, d.c.')).toBe('DC');
    expect(regionCode('US', 'Puerto Rico')).toBe('PR');
    expect(regionCode('CA', 'Yukon')).toBe('YT');
  });

  it('formats ZIP+4 and rejects bad US ZIPs with a suggested fix', () => {
    const r = normalizeAddress({ ...base, zip: '787011234' });
    expect(r.ok && r.address.postal_code).toBe('78701-1234');
    const bad = normalizeAddress({ ...base, zip: '2134', state: 'Massachusetts' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems[0]).toMatchObject({
      field: 'zip',
      suggestedFix: expect.stringContaining('02134'),
    });
  });

  it('suggests the closest state for a misspelling', () => {
    const r = normalizeAddress({ ...base, state: 'Texsa' });
    expect(!r.ok && r.problems).toEqual([
      {
        field: 'state',
        reason: 'unknown US state "Texsa"',
        suggestedFix: expect.stringContaining('Texas (TX)'),
      },
    ]);
  });

  it('resolves country names, ISO-3 and other languages to ISO-2', () => {
    expect(countryToIso2('Deutschland')).toBe('DE');
    expect(countryToIso2('DEU')).toBe('DE');
    expect(countryToIso2('united kingdom')).toBe('GB');
    expect(countryToIso2('UK')).toBe('GB');
    expect(countryToIso2('Atlantis')).toBeUndefined();
    const gb = normalizeAddress({
      ...base,
      country_iso2: '',
      country: 'England',
      state: '',
      zip: 'sw1a 1aa',
      phone: '',
    });
    expect(gb.ok && [gb.address.country, gb.address.postal_code, gb.address.state]).toEqual([
      'GB',
      'SW1A 1AA',
      '',
    ]);
  });

  it('reports every problem at once for an unusable address', () => {
    const r = normalizeAddress({ country: 'Atlantis' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems.map((p) => p.field)).toEqual(['first_name', 'street_1', 'city', 'country']);
  });
});

describe('normalizeAddress properties', () => {
  const anyText = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ maxLength: 40 }),
    fc.constantFrom('', '  ', '\u0000\u200b\t', 'É\u0301', 'ß', 'İstanbul', 'ǅ', 'ﬀ', '\ud800'),
  );
  const realistic = fc.record({
    first_name: fc.oneof(anyText, fc.constantFrom('JANE', 'jane', "o'brien", 'van der BERG')),
    last_name: fc.oneof(anyText, fc.constantFrom('DOE', 'McDonald')),
    company: anyText,
    street_1: fc.oneof(anyText, fc.constantFrom('555 east street', '12 5TH AVE')),
    street_2: anyText,
    city: fc.oneof(anyText, fc.constantFrom('austin', 'MONTRÉAL')),
    state: fc.oneof(anyText, fc.constantFrom('Texas', 'québec', 'ON', 'tx')),
    zip: fc.oneof(anyText, fc.constantFrom('78108', '787011234', 'h3z 2y7', 'SW1A1AA')),
    country: fc.oneof(anyText, fc.constantFrom('United States', 'Canada', 'Deutschland')),
    country_iso2: fc.oneof(anyText, fc.constantFrom('US', 'CA', 'GB', '')),
    phone: fc.oneof(anyText, fc.constantFrom('(512) 555-0123', '+44 20 7946 0958')),
    email: anyText,
  });

  it('never throws, and normalising twice equals normalising once', () => {
    fc.assert(
      fc.property(realistic, (input) => {
        const once = normalizeAddress(input);
        if (!once.ok) return;
        const twice = normalizeAddress(hlAddressToBcInput(once.address, once));
        expect(twice.ok).toBe(true);
        if (twice.ok) {
          expect(twice.address).toEqual(once.address);
          expect([twice.company, twice.email]).toEqual([once.company, once.email]);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('outputs no control characters or doubled spaces', () => {
    fc.assert(
      fc.property(realistic, (input) => {
        const r = normalizeAddress(input);
        if (!r.ok) return;
        for (const v of Object.values(r.address)) {
          if (v === null) continue;
          expect(v).not.toMatch(/[\p{Cc}\p{Cf}]|\s{2}|^\s|\s$/u);
        }
      }),
    );
  });
});
