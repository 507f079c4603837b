import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HeartlandApi } from '../../src/connectors/heartland/heartland-api.js';
import {
  agreedBases,
  basesAfterIntent,
  cents,
  judgeByBalance,
  mergeBalances,
  money,
} from '../../src/flows/giftcards/balance-merge.js';
import { bcCodeForNumber, cardEntityKey, hlNumberForCode } from '../../src/flows/giftcards/card-numbers.js';
import { unlinkedAction } from '../../src/flows/giftcards/giftcard-sync.js';
import { giftCardsConfigSchema, parseGiftCardsConfig } from '../../src/flows/giftcards/giftcards-config.js';
import { cardRefFromPayload } from '../../src/flows/giftcards/handlers.js';

describe('balance merge (integer cents)', () => {
  it('keeps a spend on each side', () => {
    // 50.00, then 12.25 spent online and 7.50 in store.
    expect(mergeBalances(agreedBases(5000), { bc: 3775, hl: 4250 }, 'both')).toEqual({
      raw: 3025,
      target: 3025,
      clamped: false,
    });
  });

  it('keeps a top-up on one side and a spend on the other', () => {
    expect(mergeBalances(agreedBases(1000), { bc: 3000, hl: 400 }, 'both').target).toBe(2400);
  });

  it('clamps a double spend to zero and says so', () => {
    expect(mergeBalances(agreedBases(3000), { bc: 500, hl: 1000 }, 'both')).toEqual({
      raw: -1500,
      target: 0,
      clamped: true,
    });
  });

  it('one-way directions take the master balance', () => {
    expect(mergeBalances(agreedBases(1000), { bc: 700, hl: 900 }, 'bc_to_hl').target).toBe(700);
    expect(mergeBalances(agreedBases(1000), { bc: 700, hl: 900 }, 'hl_to_bc').target).toBe(900);
  });

  it('after an intent, a side whose write landed counts from the target, the other from its old value', () => {
    // agreed 60, online −20 → intent: target 40, HL adjusted −20 (landed), BC unchanged; then −5 in store.
    const bases = basesAfterIntent(
      { target: 4000, bcBefore: 4000, hlBefore: 6000 },
      { bc: 'yes', hl: 'yes' },
    );
    expect(mergeBalances(bases, { bc: 4000, hl: 3500 }, 'both').target).toBe(3500);
    // Same, but the adjustment did not land: Heartland still counts from 60.
    const notLanded = basesAfterIntent(
      { target: 4000, bcBefore: 4000, hlBefore: 6000 },
      { bc: 'yes', hl: 'no' },
    );
    expect(mergeBalances(notLanded, { bc: 4000, hl: 5500 }, 'both').target).toBe(3500);
  });

  it('judges an absolute write by the balance read back', () => {
    expect(judgeByBalance(2500, 4000, 2500)).toBe('yes');
    expect(judgeByBalance(4000, 4000, 2500)).toBe('no');
    expect(judgeByBalance(2000, 4000, 2500)).toBe('unknown');
  });

  it('parses both sides’ money text exactly and prints cents', () => {
    expect(cents('25.0000')).toBe(2500);
    expect(cents('0.1')).toBe(10);
    expect(cents(0.3)).toBe(30);
    expect(cents('62.6750')).toBe(6268);
    expect(money(-1500)).toBe('-15.00');
    expect(() => cents('1e3')).toThrow();
  });
});

describe('card numbers', () => {
  it('strips spaces as Heartland does; other characters need the alphanumeric mode', () => {
    expect(hlNumberForCode('AB12 CD34', 'as_is')).toEqual({ ok: true, number: 'AB12CD34' });
    const bad = hlNumberForCode('FFZ-5N4-C7M-S78', 'as_is');
    expect(bad).toMatchObject({ ok: false, suggestion: 'FFZ5N4C7MS78' });
    expect(JSON.stringify(bad)).not.toContain('FFZ-5N4'); // reasons never carry the code
    expect(hlNumberForCode('FFZ-5N4-C7M-S78', 'alphanumeric')).toEqual({ ok: true, number: 'FFZ5N4C7MS78' });
    expect(hlNumberForCode('---', 'alphanumeric').ok).toBe(false);
  });

  it('refuses numbers BigCommerce would cut', () => {
    expect(bcCodeForNumber('A'.repeat(20)).ok).toBe(true);
    expect(bcCodeForNumber('A'.repeat(21)).ok).toBe(false);
  });

  it('keys a card by a hash of its number, never the number', () => {
    const key = cardEntityKey({ number: 'GC00011234' });
    expect(key).toMatch(/^giftcard:[0-9a-f]{16}$/);
    expect(key).toBe(cardEntityKey({ number: 'GC00011234', bcId: 9 }));
    expect(cardEntityKey({ bcId: 9 })).toBe('giftcard:bc:9');
  });
});

describe('what to do with an unlinked card', () => {
  const cfg = parseGiftCardsConfig({});
  const cert = (code: string, balance: string, status = 'active') => ({
    id: 1,
    code,
    amount: balance,
    balance,
    status,
  });
  const card = (number: string, balance: string) => ({ id: 2, number, balance });

  it('links equal balances, holds different ones unless one side is the master', () => {
    expect(unlinkedAction(cert('A1', '10.0000'), card('A1', '10'), cfg)).toEqual({
      kind: 'link',
      agreed: 1000,
    });
    expect(unlinkedAction(cert('A1', '10.0000'), card('A1', '12'), cfg).kind).toBe('mismatch');
    expect(
      unlinkedAction(cert('A1', '10.0000'), card('A1', '12'), { ...cfg, direction: 'hl_to_bc' }),
    ).toEqual({
      kind: 'link',
      agreed: 1200,
    });
  });

  it('copies active non-zero cards only, in the allowed direction', () => {
    expect(unlinkedAction(cert('A1', '5'), undefined, cfg)).toMatchObject({
      kind: 'create_hl',
      number: 'A1',
    });
    expect(unlinkedAction(cert('A1', '5', 'pending'), undefined, cfg).kind).toBe('skip');
    expect(unlinkedAction(cert('A1', '0.0000'), undefined, cfg).kind).toBe('skip');
    expect(unlinkedAction(cert('A1', '5'), undefined, { ...cfg, direction: 'hl_to_bc' }).kind).toBe('skip');
    expect(unlinkedAction(undefined, card('B2', '7.5'), cfg)).toMatchObject({
      kind: 'create_bc',
      balance: 750,
    });
    expect(unlinkedAction(undefined, card('B2', '7.5'), { ...cfg, createMissing: false }).kind).toBe('skip');
    expect(unlinkedAction(cert('A-1', '5'), undefined, cfg).kind).toBe('invalid');
  });
});

describe('giftCards config', () => {
  it('has defaults and rejects unknown fields and bad values', () => {
    const c = parseGiftCardsConfig({});
    expect(c).toMatchObject({
      enabled: true,
      every: '5m',
      direction: 'both',
      reasonName: 'BigCommerce sync',
    });
    expect(giftCardsConfigSchema.safeParse({ direction: 'sideways' }).success).toBe(false);
    expect(giftCardsConfigSchema.safeParse({ every: 'soon' }).success).toBe(false);
    expect(giftCardsConfigSchema.safeParse({ reasonID: 3 }).success).toBe(false);
    expect(giftCardsConfigSchema.safeParse({ bigcommerce: { toEmail: 'nope' } }).success).toBe(false);
  });

  it('docs/configuration.md lists every field with its description (the generated reference does not expand feature blocks)', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../../docs/configuration.md'), 'utf8');
    type Node = { description?: string; properties?: Record<string, Node> };
    const walk = (node: Node, prefix: string): Array<[string, string]> =>
      Object.entries(node.properties ?? {}).flatMap(([k, child]) =>
        child.properties
          ? walk(child, `${prefix}.${k}`)
          : [[`${prefix}.${k}`, child.description ?? ''] as [string, string]],
      );
    const fields = walk(z.toJSONSchema(giftCardsConfigSchema, { io: 'input' }) as Node, 'giftCards');
    expect(fields.length).toBeGreaterThan(10);
    for (const [path, description] of fields) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${path}\` |`));
      expect(row, path).toBeDefined();
      expect(row?.replace(/\\\|/g, '|'), path).toContain(description);
    }
  });

  it('job payloads are checked, not trusted', () => {
    expect(cardRefFromPayload({ bcId: 3, hlId: '4', number: '' })).toEqual({ bcId: 3 });
    expect(cardRefFromPayload({ number: 'X1', hlId: 2.5 })).toEqual({ number: 'X1' });
  });
});

describe('Heartland adjustments path ([CONFLICT] NOTES §14)', () => {
  it('falls back to /gift_card_adjustments when /gift_card/adjustments is 404, and remembers it', async () => {
    const calls: string[] = [];
    const fetchFn = async (input: string, init: RequestInit) => {
      const path = new URL(input).pathname;
      calls.push(`${init.method} ${path}`);
      if (path === '/api/gift_card/adjustments') {
        return new Response(JSON.stringify({ error: 'not_found', message: 'no route' }), {
          status: 404,
          headers: { 'content-type': 'application/json' },
        });
      }
      return new Response(null, { status: 201, headers: { location: '/api/gift_card_adjustments/77' } });
    };
    const hl = new HeartlandApi({ apiUrl: 'http://hl.test/api', token: 't', fetch: fetchFn });
    expect(await hl.adjustGiftCard({ gift_card_id: 1, reason_id: 2, delta_balance: '-1.00' })).toBe(77);
    expect(await hl.adjustGiftCard({ gift_card_id: 1, reason_id: 2, delta_balance: '-1.00' })).toBe(77);
    expect(calls).toEqual([
      'POST /api/gift_card/adjustments',
      'POST /api/gift_card_adjustments',
      'POST /api/gift_card_adjustments',
    ]);
  });
});
