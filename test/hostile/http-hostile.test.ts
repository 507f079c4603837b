/**
 * Hostile HTTP corpus (issue 7): ≥ 300 bad requests against every endpoint, on each database backend.
 *
 * For every case: the answer is the expected 4xx in the one error shape with a reason (or, for input the
 * design accepts, a 2xx with the expected outcome), never a 5xx, and no secret it did not send comes back.
 * After each family `/healthz` still answers. Valid events ingested before the barrage are all still in
 * the inbox with their jobs at the end, and no captured log line holds a secret.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DialectName } from '../../src/store/database.js';
import { availableBackends } from '../helpers/db.js';
import { createHarness, type Harness, SECRETS, secretNeedles } from './hostile-harness.js';
import { bcEnvelope, bcPost, type HostileCase, hlItem, hlPost, httpCases } from './http-cases.js';

const ERROR_KEYS = ['code', 'error', 'message', 'statusCode'];

/** Secret fragments: whole secrets plus 16-char heads and tails (a near-miss echo would still leak most of one). */
function fragments(): string[] {
  return secretNeedles().flatMap((s) => [s, s.slice(0, 16), s.slice(-16)]);
}

function requestText(c: HostileCase): string {
  const payload = c.request.payload;
  const body = Buffer.isBuffer(payload)
    ? payload.toString('latin1')
    : typeof payload === 'string'
      ? payload
      : '';
  return `${c.request.url} ${JSON.stringify(c.request.headers ?? {})} ${body}`;
}

/** Why the answer is wrong, or undefined when it is right. Records accepted inbox ids. */
function checkAnswer(c: HostileCase, r: LightMyRequestResponse, accepted: number[]): string | undefined {
  const shown = r.body.slice(0, 160);
  if (!c.status.includes(r.statusCode)) return `status ${r.statusCode}, want ${c.status.join('|')}: ${shown}`;
  const sent = requestText(c);
  const answer = `${r.body} ${JSON.stringify(r.headers)}`;
  for (const f of fragments()) if (answer.includes(f) && !sent.includes(f)) return `secret leaked: ${shown}`;
  // /metrics answers Prometheus text and HEAD has no body: only status and secrets apply.
  const webhook = c.endpoint === 'bigcommerce' || c.endpoint === 'heartland';
  if (c.request.method === 'HEAD' || (r.statusCode < 400 && !webhook)) return undefined;
  let body: Record<string, unknown>;
  try {
    body = r.json();
  } catch {
    return `answer is not JSON: ${shown}`;
  }
  if (r.statusCode >= 400) {
    if (JSON.stringify(Object.keys(body).sort()) !== JSON.stringify(ERROR_KEYS))
      return `not the error shape: ${shown}`;
    if (body.statusCode !== r.statusCode) return `statusCode field ${String(body.statusCode)}`;
    if (typeof body.code !== 'string' || !/^HB_ERR_HTTP_[A-Z_]+$/.test(body.code))
      return `code ${String(body.code)}`;
    if (c.codes && !c.codes.includes(body.code))
      return `code ${body.code}, want ${c.codes.join('|')}: ${shown}`;
    if (typeof body.message !== 'string' || body.message.length < 5) return `no reason: ${shown}`;
    if (c.reason && !c.reason.test(body.message)) return `reason does not say ${c.reason}: ${shown}`;
    return undefined;
  }
  if (webhook) {
    if (c.outcomes && !c.outcomes.includes(body.status as never))
      return `outcome ${String(body.status)}: ${shown}`;
    if (body.status === 'accepted') {
      if (typeof body.inboxId !== 'number') return `accepted without inboxId: ${shown}`;
      accepted.push(body.inboxId);
    }
  }
  return undefined;
}

const cases = httpCases();
const families = [...new Set(cases.map((c) => c.family))];
const dialects = await availableBackends();

describe('hostile corpus size', () => {
  it('has at least 300 requests, covering every endpoint', () => {
    expect(cases.length).toBeGreaterThanOrEqual(300);
    const endpoints = new Set(cases.map((c) => c.endpoint));
    expect([...endpoints].sort()).toEqual(['admin', 'bigcommerce', 'health', 'heartland', 'metrics']);
  });
});

describe.each(dialects)('hostile HTTP corpus on %s', (dialect: DialectName) => {
  let h: Harness;
  const accepted: number[] = [];
  const baseline: string[] = [];

  beforeAll(async () => {
    h = await createHarness({ dialect });
    // Valid traffic first: the barrage must not lose any of it.
    for (let i = 0; i < 4; i++) {
      const bc = await h.inject(bcPost(JSON.stringify(bcEnvelope(900_000 + i))));
      const hl = await h.inject(hlPost(JSON.stringify(hlItem(800_000 + i))));
      expect([bc.statusCode, hl.statusCode]).toEqual([200, 200]);
      accepted.push(bc.json().inboxId, hl.json().inboxId);
      baseline.push(`bc:order:${900_000 + i}`, `hl:item:${800_000 + i}`);
    }
  });
  afterAll(async () => {
    await h?.close();
  });

  for (const family of families) {
    const inFamily = cases.filter((c) => c.family === family);
    const healthy = inFamily.filter((c) => !c.bug?.(dialect));
    it(`${family}: ${healthy.length} requests get the right answer, then /healthz answers`, async () => {
      const failures: string[] = [];
      for (const c of healthy) {
        const problem = checkAnswer(c, await h.inject(c.request), accepted);
        if (problem) failures.push(`${c.name}: ${problem}`);
      }
      expect(failures).toEqual([]);
      expect((await h.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    });
    for (const c of inFamily.filter((k) => k.bug?.(dialect))) {
      it.fails(`${c.bug?.(dialect)} — ${family}: ${c.name}`, async () => {
        const problem = checkAnswer(c, await h.inject(c.request), accepted);
        expect((await h.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
        expect(problem).toBeUndefined();
      });
    }
  }

  it('lost nothing: every event acknowledged with 200 accepted is in the inbox, with a job per entity', async () => {
    await h.engine.inbox.flush();
    const rows = await h.test.store.db.selectFrom('inbox').select(['id', 'entity_key']).execute();
    const ids = new Set(rows.map((r) => r.id));
    expect(accepted.filter((id) => !ids.has(id))).toEqual([]);
    for (const key of baseline) {
      expect(rows.some((r) => r.entity_key === key)).toBe(true);
      expect(await h.engine.queue.listJobs({ entityKey: key })).toHaveLength(1);
    }
  });

  it('kept every secret (and 16-char fragments of one) out of the captured log', async () => {
    const text = h.logs.join('');
    for (const f of fragments())
      expect(text.includes(f), `log holds secret fragment ${f.slice(0, 4)}…`).toBe(false);
  });

  it('every admin route (the probe, and admin API modules once they exist) refuses a missing or wrong token', async () => {
    const admin = h.routes.filter((r) => /^\/(admin|api)\b/.test(r.url) && r.method !== 'HEAD');
    expect(admin.length).toBeGreaterThanOrEqual(2);
    const hostileIds = ['1', '-1', '18446744073709551616', "1' OR '1'='1", '%24string(%24)', '..%2F..'];
    const failures: string[] = [];
    for (const route of admin) {
      for (const id of hostileIds) {
        const url = route.url.replace(/:[A-Za-z_]+/g, id).replace('*', id);
        for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
          const r = await h.inject({ method: route.method as 'GET', url, headers });
          if (r.statusCode !== 401) failures.push(`${route.method} ${url} without token: ${r.statusCode}`);
        }
        // With the right token a hostile id is a 4xx with a reason (or a 2xx), never a 5xx.
        const ok = await h.inject({
          method: route.method as 'GET',
          url,
          headers: { authorization: `Bearer ${SECRETS.admin}`, 'content-type': 'application/json' },
          payload: route.method === 'GET' || route.method === 'DELETE' ? undefined : '{"reason":"<script>"}',
        });
        if (ok.statusCode >= 500)
          failures.push(`${route.method} ${url} with token: ${ok.statusCode} ${ok.body}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('a body with __proto__ is valid JSON: the reason names the forbidden key, not "not valid JSON"', async () => {
    const r = await h.inject(bcPost('{"__proto__":{"x":1}}'));
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toMatch(/__proto__|forbidden|prototype/i);
    expect(r.json().message).not.toMatch(/not valid JSON/i);
    const nested = await h.inject(bcPost('{"data":{"a":[{"constructor":{"prototype":{"x":1}}}]}}'));
    expect(nested.json()).toMatchObject({
      statusCode: 400,
      code: 'HB_ERR_HTTP_VALIDATION',
      message: expect.stringMatching(
        /^forbidden key "constructor\.prototype" at data\.a\[0\]\.constructor\.prototype/,
      ),
    });
  });
});
