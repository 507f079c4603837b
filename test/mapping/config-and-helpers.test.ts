import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { customerDraftFromOrder, decideCustomer } from '../../src/mapping/customer-match.js';
import { evaluateExpression } from '../../src/mapping/jsonata-eval.js';
import {
  defaultMappingConfig,
  mappingConfigJsonSchema,
  parseMappingConfig,
} from '../../src/mapping/mapping-config.js';
import { stableHash } from '../../src/mapping/stable-hash.js';
import {
  bcStatusToHeartland,
  hlStatusToBigCommerce,
  isForwardHlTransition,
} from '../../src/mapping/status-map.js';
import order from './fixtures/order_get_response.json' with { type: 'json' };

const exampleYaml = new URL('../../src/mapping/examples/mapping.example.yaml', import.meta.url);

describe('mapping config', () => {
  it('accepts the documented example YAML', () => {
    const cfg = parseMappingConfig(parse(readFileSync(exampleYaml, 'utf8')));
    expect(cfg.paymentMethods.byName.Cash).toEqual({ name: 'Cash' });
    expect(cfg.fulfilmentLocation.rules).toHaveLength(4);
    expect(cfg.expressions['custom.channel']).toBe("'web-' & order.channel_id");
  });

  it('fills documented defaults from the two required ids', () => {
    const cfg = defaultMappingConfig({ stationId: 2, sourceLocationId: 1 });
    expect(cfg.bcOrderIdCustomField).toBe('bc_order_id');
    expect(cfg.taxHandling).toMatchObject({ mode: 'line', pricesIncludeTax: 'auto' });
    expect(cfg.statusMap.toHeartland['11']).toBe('open');
  });

  it('reports every invalid field with its path', () => {
    try {
      parseMappingConfig({
        defaults: { stationId: 'x' },
        statusMap: { toHeartland: { '99': 'open' } },
        paymentMethods: { default: {} },
      });
      expect.unreachable();
    } catch (err) {
      const e = err as { code: string; fieldErrors: Record<string, string[]> };
      expect(e.code).toBe('HB_ERR_MAP_CONFIG_INVALID');
      expect(Object.keys(e.fieldErrors)).toEqual(
        expect.arrayContaining(['defaults.stationId', 'defaults.sourceLocationId', 'paymentMethods.default']),
      );
      expect(Object.keys(e.fieldErrors).some((k) => k.startsWith('statusMap.toHeartland'))).toBe(true);
    }
  });

  it('exports a JSON Schema with descriptions', () => {
    const schema = JSON.stringify(mappingConfigJsonSchema());
    expect(schema).toContain('HL sales order custom field holding the BC order id');
    expect(schema).toContain('"bcOrderIdCustomField"');
  });
});

describe('status map', () => {
  const cfg = defaultMappingConfig({ stationId: 2, sourceLocationId: 1 });
  it('maps both ways and skips what is not listed', () => {
    expect(bcStatusToHeartland(11, cfg)).toEqual({ action: 'set', status: 'open' });
    expect(bcStatusToHeartland(0, cfg).action).toBe('skip');
    expect(bcStatusToHeartland(42, cfg).action).toBe('skip');
    expect(hlStatusToBigCommerce('canceled', cfg)).toBe(5);
    expect(hlStatusToBigCommerce('open', cfg)).toBeUndefined();
    expect(isForwardHlTransition('pending', 'open')).toBe(true);
    expect(isForwardHlTransition('open', 'pending')).toBe(false);
    expect(isForwardHlTransition('closed', 'canceled')).toBe(false);
  });
});

describe('JSONata expressions', () => {
  it('evaluates against the order with a fixed $now()', async () => {
    expect(await evaluateExpression('custom.channel', "'web-' & order.channel_id", { order }, 0)).toBe(
      'web-1',
    );
    expect(await evaluateExpression('custom.at', '$now()', {}, Date.UTC(2024, 0, 1))).toBe(
      '2024-01-01T00:00:00.000Z',
    );
  });

  it('turns runaway, random, non-scalar and syntax errors into HB_ERR_MAP_EXPRESSION naming the target', async () => {
    for (const expr of [
      '(function($f){ $f($f) })(function($g){ $g($g) })',
      '$random()',
      'order',
      'order.(',
      '$x := 1;',
    ]) {
      await expect(evaluateExpression('custom.t', expr, { order }, 0)).rejects.toMatchObject({
        code: 'HB_ERR_MAP_EXPRESSION',
        message: expect.stringContaining('custom.t'),
      });
    }
  });
});

describe('customer match', () => {
  const draft = customerDraftFromOrder({ ...order.billing_address, phone: '(512) 555-0123' });
  it('builds a customer draft from the billing address', () => {
    expect(draft).toMatchObject({
      first_name: 'Jane',
      last_name: 'Doe',
      email: 'janedoe@example.com',
      phone: '+15125550123',
      company: null,
    });
    expect(draft.address?.state).toBe('TX');
    expect(customerDraftFromOrder({ email: 'x@y.z' }).first_name).toBe('Guest');
  });

  it('uses one email match, reviews several, falls back to phone, creates when nothing matches', () => {
    const email = 'janedoe@example.com';
    expect(
      decideCustomer({
        email,
        byEmail: [{ id: 1, email: 'JaneDoe@Example.com' }],
        byPhone: [{ id: 2 }],
        draft,
      }),
    ).toEqual({ action: 'use', id: 1, matchedBy: 'email' });
    expect(
      decideCustomer({
        email,
        byEmail: [
          { id: 1, email },
          { id: 3, email },
        ],
        byPhone: [],
        draft,
      }).action,
    ).toBe('review');
    expect(decideCustomer({ email, byEmail: [], byPhone: [{ id: 2, email: null }], draft })).toEqual({
      action: 'use',
      id: 2,
      matchedBy: 'phone',
    });
    expect(
      decideCustomer({ email, byEmail: [], byPhone: [{ id: 2, email: 'other@example.com' }], draft }).action,
    ).toBe('review');
    expect(decideCustomer({ email, byEmail: [], byPhone: [{ id: 2 }, { id: 4 }], draft }).action).toBe(
      'review',
    );
    expect(
      decideCustomer({ email, byEmail: [{ id: 9, email: 'someone@else.com' }], byPhone: [], draft }),
    ).toEqual({ action: 'create', draft });
  });
});

describe('stableHash', () => {
  it('ignores key order and undefined, but not values', () => {
    expect(stableHash({ a: 1, b: { c: '2', d: undefined } })).toBe(stableHash({ b: { c: '2' }, a: 1 }));
    expect(stableHash({ a: 1 })).not.toBe(stableHash({ a: '1' }));
  });
});
