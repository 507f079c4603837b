import { Decimal } from 'decimal.js';
import { afterEach, describe, expect, it } from 'vitest';
import { RetryableError } from '../../src/engine/errors.js';
import { createGiftCardLinks } from '../../src/flows/giftcards/giftcard-links.js';
import { fullGiftCardSync, pollGiftCards } from '../../src/flows/giftcards/giftcard-poll.js';
import { GIFTCARD_TASKS, syncCard } from '../../src/flows/giftcards/giftcard-sync.js';
import { parseGiftCardsConfig } from '../../src/flows/giftcards/giftcards-config.js';
import { createGiftCardHandlers, giftCardSchedules } from '../../src/flows/giftcards/handlers.js';
import { toScheduleDefinition } from '../../src/flows/inventory/handlers.js';
import { type GiftHarness, startGiftHarness } from './giftcards-harness.js';

let h: GiftHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const same = (bc: string | undefined, hl: number | undefined) =>
  bc !== undefined && hl !== undefined && new Decimal(bc).eq(new Decimal(hl));

async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Heartland adjustments of a card made with our reason (not the POS's `Redemption`). */
function ours(g: GiftHarness, number: string) {
  const reason = g.sb.hl.state.giftCardAdjustmentReasons.all().find((r) => r.name === 'BigCommerce sync');
  return g.hlAdjustments(number).filter((a) => reason !== undefined && a.reason_id === reason.id);
}

/** A card on both sides, linked, with this balance. */
async function sharedCard(g: GiftHarness, code: string, amount: string): Promise<number> {
  const id = await g.createBcCertificate(code, amount);
  await fullGiftCardSync(g.ctx);
  expect(same(g.bcBalance(code), g.hlBalance(code))).toBe(true);
  return id;
}

/** The ids of a card on both sides (the simulators pick them). */
function ref(g: GiftHarness, code: string) {
  const bc = [...g.sb.bc.state.giftCertificates.values()].find((c) => c.code === code);
  const hl = g.sb.hl.state.giftCards.all().find((c) => c.number === code);
  return { number: code, ...(bc ? { bcId: bc.id } : {}), ...(hl ? { hlId: hl.id } : {}) };
}

async function deadLetters(g: GiftHarness) {
  return g.store.db.selectFrom('dead_letters').selectAll().where('kind', '=', 'quarantine').execute();
}

describe('gift cards: first sight and new cards', () => {
  it('links cards on both sides and copies one-sided cards with their balances', async () => {
    h = await startGiftHarness({ giftCards: 8 });
    const r = await fullGiftCardSync(h.ctx);
    expect(r.counts.linked).toBe(4); // seed: codes 1, 2, 5, 6 on both sides
    expect(r.counts.created).toBe(4); // two BigCommerce-only, two Heartland-only
    expect(r.failed).toEqual([]);
    const certs = [...h.sb.bc.state.giftCertificates.values()];
    const cards = h.sb.hl.state.giftCards.all();
    expect(certs).toHaveLength(8);
    expect(cards).toHaveLength(8);
    for (const c of certs) expect(same(c.balance, h.hlBalance(c.code))).toBe(true);
    // The second run finds nothing to do.
    const writes = h.writes.length;
    const again = await fullGiftCardSync(h.ctx);
    expect(again.unchanged).toBe(8);
    expect(again.outcomes).toEqual([]);
    expect(h.writes.length).toBe(writes);
  });

  it('a card created on BigCommerce appears in Heartland with the same balance, and vice versa (poll → jobs → worker)', async () => {
    h = await startGiftHarness({ giftCards: 4 });
    await fullGiftCardSync(h.ctx);
    await h.createBcCertificate('WEB12345', '40.00');
    await h.createHlCard('STORE9876', '15.50');

    const [schedule] = giftCardSchedules(h.ctx.giftCards);
    expect(schedule?.task).toBe(GIFTCARD_TASKS.poll);
    await toScheduleDefinition(schedule as NonNullable<typeof schedule>, h.engine, 'test').run(Date.now());
    const worker = await h.engine.startWorkers(createGiftCardHandlers(h.ctx), {
      concurrency: 2,
      pollIntervalMs: 10,
    });
    try {
      await until(() => h?.hlBalance('WEB12345') !== undefined && h?.bcBalance('STORE9876') !== undefined);
      await until(async () => {
        const c = await (h as GiftHarness).engine.queue.countsByState();
        return c.pending === 0 && c.running === 0;
      });
    } finally {
      await worker.stop(1000);
    }
    expect(h.hlBalance('WEB12345')).toBe(40);
    expect(h.bcBalance('STORE9876')).toBe('15.5000');
    const made = [...h.sb.bc.state.giftCertificates.values()].find((g) => g.code === 'STORE9876');
    expect(made?.status).toBe('active');
    const jobs = await h.engine.queue.listJobs({ task: GIFTCARD_TASKS.card });
    expect(jobs.map((j) => j.state)).toEqual(['done', 'done']);
    // Both cards are linked now: the next poll enqueues nothing.
    const next = await pollGiftCards(h.ctx);
    expect(next.enqueued).toBe(0);
  });
});

describe('gift cards: balances', () => {
  it('spent online and in store between two polls: both sides show the combined result', async () => {
    h = await startGiftHarness({ giftCards: 0 });
    await sharedCard(h, 'DUAL0001', '50.00');
    h.spendOnline('DUAL0001', '12.25');
    await h.spendInStore('DUAL0001', '7.50');

    const r = await fullGiftCardSync(h.ctx);
    expect(r.outcomes).toMatchObject([
      { kind: 'synced', balance: '30.25', hlDelta: '-12.25', bcWritten: true },
    ]);
    expect(h.bcBalance('DUAL0001')).toBe('30.2500');
    expect(h.hlBalance('DUAL0001')).toBe(30.25);
    expect(ours(h, 'DUAL0001')).toEqual([{ delta_balance: -12.25, reason_id: expect.any(Number) }]);
    const link = (await createGiftCardLinks(h.store.db, 'test', Date.now).all())[0];
    expect(link?.data.agreed).toBe('30.25');
    expect(link?.data.pending).toBeUndefined();
  });

  it('unchanged cards cost no write and no job', async () => {
    h = await startGiftHarness({ giftCards: 6 });
    await fullGiftCardSync(h.ctx);
    const writes = h.writes.length;
    const poll = await pollGiftCards(h.ctx);
    expect(poll.enqueued).toBe(0);
    expect(poll.unchanged).toBe(6);
    const full = await fullGiftCardSync(h.ctx);
    expect(full.outcomes).toEqual([]);
    expect(h.writes.length).toBe(writes);
    expect(await h.engine.queue.listJobs({})).toEqual([]);
  });

  it('a double spend is clamped to 0 on both sides, recorded and alerted', async () => {
    h = await startGiftHarness({ giftCards: 0 });
    await sharedCard(h, 'TWICE001', '30.00');
    h.spendOnline('TWICE001', '25.00');
    await h.spendInStore('TWICE001', '20.00');

    const r = await fullGiftCardSync(h.ctx);
    expect(r.outcomes).toMatchObject([{ kind: 'synced', balance: '0.00', clamped: true }]);
    expect(h.bcBalance('TWICE001')).toBe('0.0000');
    expect(h.hlBalance('TWICE001')).toBe(0);
    const alert = h.alerts.find((a) => a.key.startsWith('giftcards:double-spend:'));
    expect(alert?.severity).toBe('critical');
    expect(alert?.title).not.toContain('TWICE001'); // numbers are masked in alerts
    expect(alert?.detail).toContain('-15.00');
    const audit = await h.engine.audit.list({ action: 'giftcards.clamp' });
    expect(audit).toHaveLength(1);
    expect(audit[0]?.detail).toMatchObject({ raw: '-15.00', bc: '5.00', hl: '10.00', agreed: '30.00' });
    const link = (await createGiftCardLinks(h.store.db, 'test', Date.now).all())[0];
    expect(link?.data.lastClamp?.raw).toBe('-15.00');
    expect(link?.data.agreed).toBe('0.00');
  });

  it('direction hl_to_bc makes Heartland the master: BigCommerce is set to its balance', async () => {
    h = await startGiftHarness({ giftCards: 0 });
    await sharedCard(h, 'MASTER01', '20.00');
    h.ctx.giftCards = parseGiftCardsConfig({ direction: 'hl_to_bc' });
    h.spendOnline('MASTER01', '5.00');
    await h.spendInStore('MASTER01', '2.00');
    await fullGiftCardSync(h.ctx);
    expect(h.bcBalance('MASTER01')).toBe('18.0000');
    expect(h.hlBalance('MASTER01')).toBe(18);
    expect(ours(h, 'MASTER01')).toEqual([]);
  });
});

describe('gift cards: retries and crashes', () => {
  it('a Heartland adjustment that committed but whose answer was lost is applied once', async () => {
    h = await startGiftHarness({ giftCards: 0 });
    await sharedCard(h, 'LOST0001', '60.00');
    h.spendOnline('LOST0001', '20.00');
    h.sb.hl.faults.set({
      enabled: true,
      routes: { 'POST /api/gift_card/adjustments': { commitThenTimeoutRate: 1 } },
    });

    const first = syncCard(h.ctx, ref(h, 'LOST0001'));
    await expect(first).rejects.toBeInstanceOf(RetryableError);
    expect(h.hlBalance('LOST0001')).toBe(40); // it did land
    h.sb.hl.faults.set({ enabled: false });
    // A sale in store before the retry: the balance alone can no longer tell whether ours landed.
    await h.spendInStore('LOST0001', '5.00');

    const retry = await syncCard(h.ctx, ref(h, 'LOST0001'));
    expect(retry).toMatchObject({ kind: 'synced', balance: '35.00', hlDelta: null, bcWritten: true });
    expect(h.hlBalance('LOST0001')).toBe(35);
    expect(h.bcBalance('LOST0001')).toBe('35.0000');
    expect(ours(h, 'LOST0001')).toHaveLength(1);
  });

  it('a Heartland adjustment that failed is sent again on retry, once', async () => {
    h = await startGiftHarness({ giftCards: 0 });
    await sharedCard(h, 'FAIL0001', '60.00');
    h.spendOnline('FAIL0001', '20.00');
    h.sb.hl.faults.set({
      enabled: true,
      routes: { 'POST /api/gift_card/adjustments': { errorRate: 1, errorStatuses: [503] } },
    });
    await expect(syncCard(h.ctx, ref(h as GiftHarness, 'FAIL0001'))).rejects.toBeInstanceOf(RetryableError);
    expect(h.hlBalance('FAIL0001')).toBe(60);
    h.sb.hl.faults.set({ enabled: false });
    await h.spendInStore('FAIL0001', '5.00');

    await syncCard(h.ctx, ref(h as GiftHarness, 'FAIL0001'));
    expect(h.hlBalance('FAIL0001')).toBe(35);
    expect(h.bcBalance('FAIL0001')).toBe('35.0000');
    expect(ours(h, 'FAIL0001')).toHaveLength(1);
  });

  it('a BigCommerce balance update whose answer was lost is not sent twice', async () => {
    h = await startGiftHarness({ giftCards: 0 });
    await sharedCard(h, 'PUTLOST1', '40.00');
    await h.spendInStore('PUTLOST1', '15.00');
    h.sb.bc.faults.set({
      enabled: true,
      routes: { 'PUT /stores/:hash/v2/gift_certificates/:id': { commitThenTimeoutRate: 1 } },
    });
    await expect(syncCard(h.ctx, ref(h as GiftHarness, 'PUTLOST1'))).rejects.toBeInstanceOf(RetryableError);
    expect(h.bcBalance('PUTLOST1')).toBe('25.0000');
    h.sb.bc.faults.set({ enabled: false });
    const writes = h.writes.length;
    const retry = await syncCard(h.ctx, ref(h as GiftHarness, 'PUTLOST1'));
    expect(retry).toMatchObject({ kind: 'synced', balance: '25.00', hlDelta: null, bcWritten: false });
    expect(h.writes.slice(writes)).toEqual([]);
    expect(h.hlBalance('PUTLOST1')).toBe(25);
  });

  it('two runs on one card at once: one writes, the other stands back', async () => {
    h = await startGiftHarness({ giftCards: 0 });
    await sharedCard(h, 'RACE0001', '50.00');
    h.spendOnline('RACE0001', '10.00');
    const runs = await Promise.allSettled([
      syncCard(h.ctx, ref(h as GiftHarness, 'RACE0001'), { onBusy: 'report' }),
      syncCard(h.ctx, ref(h as GiftHarness, 'RACE0001'), { onBusy: 'report' }),
    ]);
    const synced = runs.filter((r) => r.status === 'fulfilled' && r.value.kind === 'synced');
    expect(synced).toHaveLength(1);
    expect(h.hlBalance('RACE0001')).toBe(40);
    expect(ours(h, 'RACE0001')).toHaveLength(1);
  });

  it('a create whose answer was lost links the card made instead of making a second', async () => {
    h = await startGiftHarness({ giftCards: 0 });
    await h.createBcCertificate('MADE0001', '22.00');
    h.sb.hl.faults.set({ enabled: true, routes: { 'POST /api/gift_cards': { commitThenTimeoutRate: 1 } } });
    const r = await fullGiftCardSync(h.ctx);
    expect(r.failed).toHaveLength(1);
    h.sb.hl.faults.set({ enabled: false });
    await h.spendInStore('MADE0001', '2.00'); // used in store before we heard back
    const again = await fullGiftCardSync(h.ctx);
    expect(again.failed).toEqual([]);
    expect(h.sb.hl.state.giftCards.all().filter((c) => c.number === 'MADE0001')).toHaveLength(1);
    expect(h.hlBalance('MADE0001')).toBe(20);
    expect(h.bcBalance('MADE0001')).toBe('20.0000');
  });
});

describe('gift cards: quarantine', () => {
  it('a code Heartland cannot take is quarantined with a fix, held until it changes, and syncs once mapped', async () => {
    h = await startGiftHarness({ giftCards: 0 });
    await h.createBcCertificate('GIFT-2024-XY', '25.00');
    const r = await fullGiftCardSync(h.ctx);
    expect(r.outcomes).toMatchObject([{ kind: 'quarantined', code: 'HB_ERR_GIFTCARD_CODE_INVALID' }]);
    expect(h.sb.hl.state.giftCards.all()).toEqual([]);
    const [entry] = await deadLetters(h);
    expect(entry?.suggested_fix).toContain('giftCards.numbers: alphanumeric');
    expect(entry?.error_message).not.toContain('GIFT-2024-XY');
    expect(JSON.parse(entry?.error_chain_json ?? '[]')[0].context.suggestedNumber).toBe('GIFT2024XY');
    expect(h.alerts.map((a) => a.key)).toEqual(['giftcards:quarantine:HB_ERR_GIFTCARD_CODE_INVALID']);

    // Unchanged: held, not quarantined again.
    const again = await fullGiftCardSync(h.ctx);
    expect(again.held).toBe(1);
    expect(again.outcomes).toEqual([]);
    expect(h.alerts).toHaveLength(1);

    h.ctx.giftCards = parseGiftCardsConfig({ numbers: 'alphanumeric' });
    // The config changed, not the card: a replay (what `quarantine replay` enqueues) runs it.
    const fixed = await syncCard(h.ctx, { bcId: ref(h, 'GIFT-2024-XY').bcId });
    expect(fixed).toMatchObject({ kind: 'created', side: 'hl', balance: '25.00' });
    expect(h.hlBalance('GIFT2024XY')).toBe(25);
    expect((await deadLetters(h)).map((d) => d.status)).toEqual(['resolved']);
  });

  it('a Heartland number too long for a BigCommerce code is quarantined', async () => {
    h = await startGiftHarness({ giftCards: 0 });
    await h.createHlCard('A1234567890123456789012', '10.00');
    const r = await fullGiftCardSync(h.ctx);
    expect(r.outcomes).toMatchObject([{ kind: 'quarantined', code: 'HB_ERR_GIFTCARD_NUMBER_TOO_LONG' }]);
    expect(h.sb.bc.state.giftCertificates.size).toBe(0);
  });

  it('the same card with different balances on first sight is held for a person, not guessed', async () => {
    h = await startGiftHarness({ giftCards: 0 });
    await h.createBcCertificate('SPLIT001', '20.00');
    await h.createHlCard('SPLIT001', '25.00');
    const writes = h.writes.length;
    const r = await fullGiftCardSync(h.ctx);
    expect(r.outcomes).toMatchObject([{ kind: 'quarantined', code: 'HB_ERR_GIFTCARD_BALANCE_MISMATCH' }]);
    expect(h.writes.length).toBe(writes);
    // A person sets both sides alike: the next poll links it.
    h.spendOnline('SPLIT001', '0.00');
    await h.spendInStore('SPLIT001', '5.00');
    const linked = await fullGiftCardSync(h.ctx);
    expect(linked.outcomes).toMatchObject([{ kind: 'linked', balance: '20.00' }]);
    expect((await deadLetters(h)).map((d) => d.status)).toEqual(['resolved']);
  });

  it('--dry-run decides and writes nothing', async () => {
    h = await startGiftHarness({ giftCards: 8 });
    const r = await fullGiftCardSync(h.ctx, { dryRun: true });
    expect(r.counts.planned).toBe(8);
    expect(h.writes).toEqual([]);
    expect(await createGiftCardLinks(h.store.db, 'test', Date.now).all()).toEqual([]);
  });
});
