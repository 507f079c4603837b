/**
 * The admin API through `inject()`: authentication, listing, replay / discard / bulk replay (each audited
 * with actor `api`), review resolution, validation errors in the one error shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReviewItems } from '../../src/flows/orders/review-items.js';
import { ADMIN_TOKEN, type AdminHarness, startAdmin } from './admin-harness.js';

let h: AdminHarness;
beforeAll(async () => {
  h = await startAdmin();
});
afterAll(async () => {
  await h?.close();
});

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function call(
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
  headers: Record<string, string> = auth,
) {
  const res = await h.server.inject({
    method,
    url,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    payload: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by assertions
  return { status: res.statusCode, body: res.json() as any };
}

describe('admin API authentication', () => {
  const routes: Array<['GET' | 'POST', string]> = [
    ['GET', '/admin/summary'],
    ['GET', '/admin/jobs'],
    ['GET', '/admin/jobs/1'],
    ['GET', '/admin/dead-letters'],
    ['POST', '/admin/dead-letters/1/replay'],
    ['POST', '/admin/dead-letters/1/discard'],
    ['POST', '/admin/dead-letters/replay'],
    ['GET', '/admin/review'],
    ['POST', '/admin/review/1/resolve'],
    ['GET', '/admin/audit'],
  ];
  it.each(routes)('%s %s answers 401 without a token and with a wrong one', async (method, url) => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong-token' },
      { authorization: ADMIN_TOKEN },
    ];
    for (const headers of attempts) {
      const r = await call(method, url, method === 'POST' ? { confirm: true } : undefined, headers);
      expect(r.status).toBe(401);
      expect(r.body).toEqual({
        statusCode: 401,
        code: 'HB_ERR_HTTP_UNAUTHORIZED',
        error: 'Unauthorized',
        message: expect.stringContaining('admin token'),
      });
    }
  });

  it('refuses before reading the body: a malformed body without a token is still a 401', async () => {
    const res = await h.server.inject({
      method: 'POST',
      url: '/admin/dead-letters/replay',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(res.statusCode).toBe(401);
  });
});

describe('dead letters', () => {
  it('lists with filters, replays one, discards one, bulk-replays by filter; every action audited as api', async () => {
    const old = Date.parse('2024-01-01T00:00:00Z');
    const a = await h.deadLetter({ task: 'orders.sync', code: 'HB_ERR_HL_VALIDATION' });
    const b = await h.deadLetter({ task: 'orders.sync', code: 'HB_ERR_HL_VALIDATION' });
    const c = await h.deadLetter({ task: 'inventory.sync', kind: 'quarantine', code: 'HB_ERR_MAP_SKU' });
    const d = await h.deadLetter({ task: 'orders.sync', code: 'HB_ERR_BC_TIMEOUT', at: old });

    const all = await call('GET', '/admin/dead-letters?status=open');
    expect(all.status).toBe(200);
    expect(all.body.deadLetters.map((x: { id: number }) => x.id)).toEqual([d, c, b, a]);
    expect(all.body.deadLetters[0]).toMatchObject({
      errorMessage: expect.any(String),
      suggestedFix: 'set mapping.defaults.stationId to a Heartland station id',
    });
    const quarantined = await call('GET', '/admin/dead-letters?kind=quarantine');
    expect(quarantined.body.deadLetters.map((x: { id: number }) => x.id)).toEqual([c]);
    const byCode = await call('GET', '/admin/dead-letters?code=HB_ERR_HL_VALIDATION&task=orders.sync');
    expect(byCode.body.deadLetters.map((x: { id: number }) => x.id)).toEqual([b, a]);
    const early = await call('GET', '/admin/dead-letters?until=2024-06-01T00:00:00Z');
    expect(early.body.deadLetters.map((x: { id: number }) => x.id)).toEqual([d]);
    const recent = await call('GET', `/admin/dead-letters?since=${old + 1}`);
    expect(recent.body.deadLetters.map((x: { id: number }) => x.id)).toEqual([c, b, a]);

    // Replay one: a new pending job, the entry closed, the action audited.
    const replay = await call('POST', `/admin/dead-letters/${a}/replay`);
    expect(replay.status).toBe(200);
    expect(replay.body.replayed).toEqual([{ id: a, jobId: expect.any(String) }]);
    const job = await call('GET', `/admin/jobs/${replay.body.replayed[0].jobId}`);
    expect(job.body.job).toMatchObject({ task: 'orders.sync', state: 'pending' });
    expect((await call('POST', `/admin/dead-letters/${a}/replay`)).status).toBe(409);
    expect((await call('POST', '/admin/dead-letters/99999/replay')).status).toBe(404);

    // Discard one with a reason.
    const discard = await call('POST', `/admin/dead-letters/${c}/discard`, { reason: 'SKU retired' });
    expect(discard.status).toBe(200);
    expect(discard.body.discarded).toEqual([c]);
    expect((await call('POST', `/admin/dead-letters/${c}/discard`, {})).status).toBe(409);

    // Bulk replay by filter needs confirm: true, then replays only what matches and is open.
    const unconfirmed = await call('POST', '/admin/dead-letters/replay', { code: 'HB_ERR_HL_VALIDATION' });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body.code).toBe('HB_ERR_HTTP_VALIDATION');
    expect(unconfirmed.body.message).toContain('confirm');
    const noFilter = await call('POST', '/admin/dead-letters/replay', { confirm: true });
    expect(noFilter.status).toBe(400);
    expect(noFilter.body.message).toContain('at least one filter');
    const bulk = await call('POST', '/admin/dead-letters/replay', {
      code: 'HB_ERR_HL_VALIDATION',
      confirm: true,
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.replayed.map((r: { id: number }) => r.id)).toEqual([b]);
    const stillOpen = await call('GET', '/admin/dead-letters?status=open');
    expect(stillOpen.body.deadLetters.map((x: { id: number }) => x.id)).toEqual([d]);

    const audit = await call('GET', '/admin/audit?action=dlq.');
    expect(audit.status).toBe(200);
    const entries = audit.body.entries as Array<{
      actor: string;
      action: string;
      target: string;
      detail: Record<string, unknown>;
    }>;
    expect(entries.map((e) => [e.action, e.target])).toEqual([
      ['dlq.replay', `dead_letter:${b}`],
      ['dlq.discard', `dead_letter:${c}`],
      ['dlq.replay', `dead_letter:${a}`],
    ]);
    expect(entries.every((e) => e.actor === 'api')).toBe(true);
    expect(entries[0]?.detail).toMatchObject({ bulk: true });
    expect(entries[1]?.detail).toMatchObject({ reason: 'SKU retired' });
  });

  it('answers bad input with 400 in the one error shape', async () => {
    for (const url of [
      '/admin/dead-letters?kind=zombie',
      '/admin/dead-letters?limit=0',
      '/admin/dead-letters?limit=abc',
      '/admin/dead-letters?since=yesterday-ish',
      '/admin/dead-letters?colour=red',
      '/admin/jobs?state=sleeping',
      '/admin/audit?limit=100000',
    ]) {
      const r = await call('GET', url);
      expect(r.status, url).toBe(400);
      expect(r.body).toMatchObject({ statusCode: 400, code: 'HB_ERR_HTTP_VALIDATION', error: 'Bad Request' });
    }
    expect((await call('POST', '/admin/dead-letters/abc/replay')).status).toBe(400);
    expect((await call('POST', '/admin/dead-letters/1/discard', { reason: 5 })).status).toBe(400);
    expect((await call('POST', '/admin/review/1/resolve', { use: 'x' })).status).toBe(400);
    expect((await call('POST', '/admin/review/1/resolve', { use: 1, create: true })).status).toBe(400);
  });
});

describe('summary, jobs, review', () => {
  it('summary counts jobs by state and open entries', async () => {
    const r = await call('GET', '/admin/summary');
    expect(r.status).toBe(200);
    expect(r.body.jobs).toMatchObject({ pending: expect.any(Number), dead: expect.any(Number) });
    expect(r.body.jobs.pending).toBeGreaterThanOrEqual(2); // the replays above
    expect(r.body.open).toEqual({
      deadLetters: expect.any(Number),
      quarantine: expect.any(Number),
      review: expect.any(Number),
    });
    expect(r.body.oldestPendingAgeMs).toEqual(expect.any(Number));
    expect(Array.isArray(r.body.lastEvents)).toBe(true);
    const pending = await call('GET', '/admin/jobs?state=pending&task=orders.sync');
    expect(pending.body.jobs.length).toBeGreaterThanOrEqual(2);
    expect(pending.body.jobs.every((j: { state: string }) => j.state === 'pending')).toBe(true);
    expect((await call('GET', '/admin/jobs/does-not-exist')).status).toBe(404);
  });

  it('review items list and resolve (audited as api, parked order replayed)', async () => {
    const item = await createReviewItems(h.t.store.db).open({
      connectionId: 'default',
      kind: 'order.customer_match',
      entityKey: 'bc:order:777',
      reason: 'two Heartland customers share ana@example.com',
      candidates: [
        { id: 11, email: 'ana@example.com' },
        { id: 12, email: 'ana@example.com' },
      ],
    });
    const parked = await h.deadLetter({
      kind: 'quarantine',
      code: 'HB_ERR_ORDER_CUSTOMER_AMBIGUOUS',
      entityKey: 'bc:order:777',
    });
    const list = await call('GET', '/admin/review?status=open');
    expect(list.body.items.map((i: { id: number }) => i.id)).toContain(item.id);
    const resolved = await call('POST', `/admin/review/${item.id}/resolve`, { use: 12 });
    expect(resolved.status).toBe(200);
    expect(resolved.body.item).toMatchObject({ status: 'resolved', resolution: { use: 12 } });
    expect(resolved.body.replayed.map((r: { id: number }) => r.id)).toEqual([parked]);
    expect((await call('POST', `/admin/review/${item.id}/resolve`, { create: true })).status).toBe(409);
    expect((await call('POST', '/admin/review/424242/resolve', { create: true })).status).toBe(404);
    const audit = await call('GET', `/admin/audit?target=review_item:${item.id}`);
    expect(audit.body.entries).toEqual([expect.objectContaining({ actor: 'api', action: 'review.resolve' })]);
  });
});
