/** Customer profiles, pure: normalisation, problems, hashes, patches, config. */
import { describe, expect, it } from 'vitest';
import {
  customersConfigSchema,
  flowsToBc,
  flowsToHl,
  parseCustomersConfig,
  pollsHeartland,
} from '../../src/flows/customers/customers-config.js';
import {
  bcStateHash,
  blockingProblems,
  hlStateHash,
  profilePatch,
  readBcCustomer,
  readHlCustomer,
} from '../../src/flows/customers/profile.js';
import { customerTopicRoute } from '../../src/flows/customers/routing.js';
import { webhookTaskRouter } from '../../src/flows/routing.js';

const cfg = parseCustomersConfig({});

const bc = (over: Record<string, unknown> = {}) => ({
  id: 7,
  email: ' Grace.Hopper@Example.COM ',
  first_name: 'GRACE',
  last_name: 'hopper',
  phone: '(512) 555-0199',
  addresses: [
    {
      id: 3,
      first_name: 'Grace',
      last_name: 'Hopper',
      address1: '1 navy way',
      city: 'austin',
      state_or_province: 'Texas',
      postal_code: '78701',
      country_code: 'US',
    },
  ],
  ...over,
});

describe('customers config', () => {
  it('defaults: on, names and phone both ways, email only to Heartland, no web accounts made', () => {
    expect(cfg).toEqual({
      enabled: true,
      fields: { name: 'both', phone: 'both', email: 'bc_to_hl', addresses: 'bc_to_hl' },
      createInBigCommerce: false,
      defaultCountry: 'US',
    });
    expect(pollsHeartland(cfg)).toBe(true);
    expect(pollsHeartland(parseCustomersConfig({ fields: { name: 'bc_to_hl', phone: 'off' } }))).toBe(false);
    expect(pollsHeartland(parseCustomersConfig({ enabled: false }))).toBe(false);
  });

  it('rejects unknown fields and directions with the path', () => {
    const typo = customersConfigSchema.safeParse({ fields: { nmae: 'both' } });
    expect(typo.success).toBe(false);
    const bad = customersConfigSchema.safeParse({ fields: { email: 'sideways' } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['fields', 'email']);
    expect(customersConfigSchema.safeParse({ fields: { addresses: 'hl_to_bc' } }).success).toBe(false);
    expect(customersConfigSchema.safeParse({ defaultCountry: 'usa' }).success).toBe(false);
  });
});

describe('readBcCustomer', () => {
  it('normalises names, email, phone (E.164) and addresses as orders do', () => {
    const v = readBcCustomer(bc(), cfg);
    expect(v.problems).toEqual([]);
    expect(v.profile).toEqual({
      first_name: 'Grace',
      last_name: 'Hopper',
      email: 'grace.hopper@example.com',
      phone: '+15125550199',
    });
    expect(v.addresses).toHaveLength(1);
    expect(v.addresses[0]).toMatchObject({
      line_1: '1 Navy Way',
      city: 'Austin',
      state: 'TX',
      country: 'US',
    });
  });

  it('reads a local phone in the country of the first address, else the configured one', () => {
    const gb = bc({
      phone: '020 7946 0958',
      addresses: [
        { ...bc().addresses[0], country_code: 'GB', state_or_province: '', postal_code: 'SW1A 1AA' },
      ],
    });
    expect(readBcCustomer(gb, cfg).profile.phone).toBe('+442079460958');
    expect(
      readBcCustomer(bc({ phone: '020 7946 0958', addresses: [] }), { defaultCountry: 'GB' }).profile.phone,
    ).toBe('+442079460958');
  });

  it('an unreadable phone is a problem with a fix, not a silently dropped number', () => {
    const v = readBcCustomer(bc({ phone: '12345' }), cfg);
    expect(v.problems).toEqual([
      expect.objectContaining({ field: 'phone', reason: expect.stringContaining('12345') }),
    ]);
    expect(v.problems[0]?.suggestedFix).toMatch(/correct the phone in BigCommerce/);
    // Only when the phone flows to Heartland does it block.
    expect(blockingProblems(v.problems, cfg, 'hl')).toHaveLength(1);
    expect(blockingProblems(v.problems, parseCustomersConfig({ fields: { phone: 'off' } }), 'hl')).toEqual(
      [],
    );
  });

  it('neither email nor phone: an identity problem, whatever the directions', () => {
    const v = readBcCustomer(bc({ email: '', phone: '', addresses: [] }), cfg);
    expect(v.problems.map((p) => p.field)).toEqual(['identity']);
    expect(
      blockingProblems(v.problems, parseCustomersConfig({ fields: { email: 'off', phone: 'off' } }), 'hl'),
    ).toHaveLength(1);
    // An address phone identifies the person when the account has none.
    const withAddressPhone = readBcCustomer(
      bc({ email: '', phone: '', addresses: [{ ...bc().addresses[0], phone: '512-555-0100' }] }),
      cfg,
    );
    expect(withAddressPhone.problems).toEqual([]);
    expect(withAddressPhone.profile.phone).toBe('+15125550100');
  });

  it('hostile strings: control characters are cleaned, absurd lengths and non-emails are problems', () => {
    const v = readBcCustomer(
      bc({ first_name: 'Gr\u0000ace\u200b', last_name: `${'x'.repeat(300)}\u202e`, email: 'a@b' }),
      cfg,
    );
    expect(v.profile.first_name).toBe('Grace');
    expect(v.problems.map((p) => p.field).sort()).toEqual(['email', 'last_name']);
    expect(v.problems.find((p) => p.field === 'last_name')?.reason).toMatch(/300 characters/);
    // A name that cleans to nothing stays empty: it never overwrites the other side's name.
    const blank = readBcCustomer(bc({ first_name: '\u200b\u0000 ' }), cfg).profile;
    expect(blank.first_name).toBe('');
    const hl = { first_name: 'Grace', last_name: 'Hopper', email: null, phone: null };
    expect(profilePatch(blank, hl, cfg, flowsToHl)).not.toHaveProperty('first_name');
    const markup = readBcCustomer(bc({ email: '<script>@x.com' }), cfg);
    expect(markup.problems.map((p) => p.field)).toEqual(['email']);
  });

  it('an unusable address is reported apart: the profile itself stays writable', () => {
    const v = readBcCustomer(
      bc({ addresses: [{ id: 9, first_name: 'G', last_name: 'H', address1: '', city: '' }] }),
      cfg,
    );
    expect(v.problems).toEqual([]);
    expect(v.addresses).toEqual([]);
    expect(v.addressProblems.length).toBeGreaterThan(0);
    expect(v.addressProblems[0]?.field).toMatch(/^addresses\[9\]\./);
  });
});

describe('hashes and patches', () => {
  it('the BigCommerce hash ignores fields that do not flow to Heartland, and is stable', () => {
    const a = readBcCustomer(bc(), cfg);
    expect(bcStateHash(a, cfg)).toBe(bcStateHash(readBcCustomer(bc(), cfg), cfg));
    // Same person typed differently: same hash (normalised before hashing).
    expect(bcStateHash(readBcCustomer(bc({ first_name: 'grace', phone: '+1 512 555 0199' }), cfg), cfg)).toBe(
      bcStateHash(a, cfg),
    );
    expect(bcStateHash(readBcCustomer(bc({ last_name: 'Murray' }), cfg), cfg)).not.toBe(bcStateHash(a, cfg));
    const namesOff = parseCustomersConfig({ fields: { name: 'off' } });
    expect(bcStateHash(readBcCustomer(bc({ last_name: 'Murray' }), namesOff), namesOff)).toBe(
      bcStateHash(a, namesOff),
    );
  });

  it('the Heartland hash covers what flows to BigCommerce (email only when configured)', () => {
    const hl = (email: string) =>
      readHlCustomer({ id: 1, first_name: 'Grace', last_name: 'Hopper', email, phone: '+15125550199' }, cfg)
        .profile;
    expect(hlStateHash(hl('a@example.com'), cfg)).toBe(hlStateHash(hl('b@example.com'), cfg));
    const both = parseCustomersConfig({ fields: { email: 'both' } });
    expect(hlStateHash(hl('a@example.com'), both)).not.toBe(hlStateHash(hl('b@example.com'), both));
  });

  it('patches hold only differing fields flowing that way; an empty value never overwrites one', () => {
    const from = { first_name: 'Grace', last_name: 'Murray', email: 'g@example.com', phone: null };
    const to = { first_name: 'Grace', last_name: 'Hopper', email: 'old@example.com', phone: '+15125550199' };
    expect(profilePatch(from, to, cfg, flowsToBc)).toEqual({ last_name: 'Murray' });
    expect(profilePatch(from, to, cfg, flowsToHl)).toEqual({ last_name: 'Murray', email: 'g@example.com' });
    expect(profilePatch(from, to, parseCustomersConfig({ fields: { name: 'bc_to_hl' } }), flowsToBc)).toEqual(
      {},
    );
  });
});

describe('routing', () => {
  it('customer and address events of a customer become customers.sync, coalesced per customer', () => {
    for (const topic of [
      'store/customer/created',
      'store/customer/updated',
      'store/customer/address/created',
      'store/customer/address/updated',
    ]) {
      expect(customerTopicRoute(topic, 'bc:customer:5')).toEqual({
        task: 'customers.sync',
        coalesceKey: 'customers.sync:bc:customer:5',
        priority: 10,
      });
      expect(webhookTaskRouter('main', topic, 'bc:customer:5')?.task).toBe('customers.sync');
    }
    expect(customerTopicRoute('store/customer/deleted', 'bc:customer:5')).toBeUndefined();
    expect(customerTopicRoute('store/customer/updated', 'bc:order:5')).toBeUndefined();
    expect(webhookTaskRouter('main', 'store/order/created', 'bc:order:5')?.task).toBe('orders.sync');
  });
});
