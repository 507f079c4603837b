import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BigCommerceApi } from '../../src/connectors/bigcommerce/bigcommerce-api.js';
import { BigCommerceClient } from '../../src/connectors/bigcommerce/bigcommerce-client.js';
import { DbRateBudgetStore } from '../../src/connectors/bigcommerce/db-rate-budget-store.js';
import {
  applyObservation,
  GRANT_AHEAD_MS,
  InMemoryRateBudgetStore,
  MAX_REASK_MS,
  planSlot,
  type RateBudgetStore,
} from '../../src/connectors/bigcommerce/rate-budget.js';
import { openStore, type StoreHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';
import { type FakeServer, startFakeServer } from './helpers/fake-server.js';

/** A store with a real fixed-window quota that answers 429 when it is exceeded, like BigCommerce. */
async function quotaServer(quota: number, windowMs: number) {
  let windowStart = 0;
  let used = 0;
  const stats = { ok: 0, limited: 0 };
  const server = await startFakeServer((app) => {
    app.get('/stores/abc/v3/inventory/locations', async (_req, reply) => {
      const now = Date.now();
      if (now >= windowStart + windowMs) {
        windowStart = now;
        used = 0;
      }
      const resetMs = windowStart + windowMs - now;
      reply.header('x-rate-limit-requests-quota', quota);
      reply.header('x-rate-limit-time-window-ms', windowMs);
      reply.header('x-rate-limit-time-reset-ms', resetMs);
      if (used >= quota) {
        stats.limited++;
        reply.header('x-rate-limit-requests-left', 0).header('x-retry-after', Math.ceil(resetMs / 1000));
        return reply.code(429).send({ status: 429, title: 'Too many requests' });
      }
      used++;
      stats.ok++;
      reply.header('x-rate-limit-requests-left', quota - used);
      return { data: [], meta: { pagination: { current_page: 1, total_pages: 1 } } };
    });
  });
  return { server, stats };
}

function api(url: string, budget: RateBudgetStore) {
  return new BigCommerceApi(
    new BigCommerceClient({ apiUrl: url, storeHash: 'abc', accessToken: 't', rateBudget: budget }),
  );
}

async function drain(apis: BigCommerceApi[], total: number) {
  let next = 0;
  await Promise.all(
    apis.map(async (a) => {
      while (next < total) {
        next++;
        await a.inventory.listLocations();
      }
    }),
  );
}

/** A database test without its database: skipped on a laptop, a failure in CI. */
function skipUnlessCi(ctx: { skip: () => void }, why: string): void {
  if (process.env.CI === 'true') throw new Error(why);
  ctx.skip();
}

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('rate budget (pure)', () => {
  it('keeps 30 % of the quota for other apps and slows down before running out', () => {
    const start = 1_000_000;
    let now = start;
    let s = applyObservation(undefined, { quota: 100, left: 100, windowMs: 30_000, resetMs: 30_000 }, now);
    // One caller after another, each asking again after the wait it is told, until one must wait for
    // the reset: the grant times show the pace.
    const sentAt: number[] = [];
    for (let asks = 0; asks < 10_000; asks++) {
      const d = planSlot(s, now, 'realtime');
      s = d.next;
      if (d.granted) {
        sentAt.push(now + d.waitMs);
        continue;
      }
      if (now + d.waitMs >= start + 30_000) break;
      expect(d.waitMs).toBeLessThanOrEqual(MAX_REASK_MS);
      now += d.waitMs;
    }
    expect(sentAt).toHaveLength(70);
    expect(sentAt[0]).toBe(start);
    // The last slots are spread towards the reset, not bunched at "now".
    expect(sentAt.at(-1)! - start).toBeGreaterThan(10_000);
    expect(sentAt.at(-1)! - start).toBeLessThanOrEqual(30_000);
    const next = planSlot(s, start, 'realtime');
    expect(next.granted).toBe(false);
    expect(next.waitMs).toBe(30_000);
  });

  it('never promises a slot more than a second ahead (a caller re-asks instead)', () => {
    let s = applyObservation(undefined, { quota: 100, left: 100, windowMs: 30_000, resetMs: 30_000 }, 0);
    for (let i = 0; i < 200; i++) {
      const d = planSlot(s, 0, 'realtime');
      s = d.next;
      if (d.granted) expect(d.waitMs).toBeLessThanOrEqual(GRANT_AHEAD_MS);
    }
  });

  it('lets real-time work through after bulk work has stopped', () => {
    let now = 0;
    let s = applyObservation(undefined, { quota: 100, left: 100, windowMs: 30_000, resetMs: 30_000 }, now);
    let bulk = 0;
    for (;;) {
      const d = planSlot(s, now, 'bulk');
      s = d.next;
      if (d.granted) bulk++;
      else if (now + d.waitMs >= 30_000) break;
      else now += d.waitMs;
    }
    expect(bulk).toBeLessThan(70);
    // Bulk is told to wait for the reset; real-time work asking at the same moment still gets a slot.
    expect(planSlot(s, now, 'bulk').granted).toBe(false);
    expect(planSlot(s, now, 'realtime').granted).toBe(true);
  });

  it('on 429 waits max(X-Retry-After, Time-Reset-Ms)', () => {
    const s = applyObservation(undefined, { quota: 150, limitedForMs: 15_000 }, 0);
    const d = planSlot(s, 1000, 'realtime');
    expect(d.granted).toBe(false);
    expect(d.waitMs).toBe(14_000);
  });
});

describe('rate budget against a store with a real quota', () => {
  it('drains many requests through a tight quota with no 429 and no failure', async () => {
    const q = await quotaServer(20, 600);
    server = q.server;
    const budget = new InMemoryRateBudgetStore();
    const apis = [api(server.url, budget), api(server.url, budget), api(server.url, budget)];
    await drain(apis, 45);
    expect(q.stats.ok).toBe(45);
    expect(q.stats.limited).toBe(0);
  });

  it('recovers from a 429 storm from other apps without failing the caller', async () => {
    const q = await quotaServer(10, 400);
    server = q.server;
    // Another app empties the window before we start: our first requests meet 429s.
    const other = new BigCommerceClient({
      apiUrl: server.url,
      storeHash: 'abc',
      accessToken: 't',
      maxGetRetries: 0,
    });
    await Promise.all(Array.from({ length: 10 }, () => other.request('GET', '/v3/inventory/locations')));
    const ours = api(server.url, new InMemoryRateBudgetStore());
    await drain([ours], 12);
    expect(q.stats.ok).toBe(22);
  });
});

const backends: Array<{
  name: string;
  open: () => Promise<{ store: StoreHandle; cleanup: () => Promise<void> }>;
}> = [
  {
    name: 'sqlite',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hb-rate-'));
      const store = openStore(join(dir, 'rate.db'));
      await migrateToLatest(store);
      return {
        store,
        cleanup: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    open: async () => {
      const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
      const schema = `hb_conn_rate_${process.pid}_${Date.now()}`;
      const admin = openStore(url);
      await sql.raw(`create schema ${schema}`).execute(admin.db);
      const store = openStore(url, { pgSchema: schema });
      await migrateToLatest(store);
      return {
        store,
        cleanup: async () => {
          await store.close();
          await sql.raw(`drop schema ${schema} cascade`).execute(admin.db);
          await admin.close();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`DbRateBudgetStore (${backend.name})`, () => {
    let handle: { store: StoreHandle; cleanup: () => Promise<void> } | undefined;
    let unavailable: string | undefined;
    beforeAll(async () => {
      try {
        handle = await backend.open();
      } catch (err) {
        unavailable = err instanceof Error ? err.message : String(err);
      }
    });
    afterAll(async () => {
      await handle?.cleanup();
    });

    it('shares one budget between clients that only share the database', async (ctx) => {
      if (!handle) return skipUnlessCi(ctx, `${backend.name} unavailable: ${unavailable}`);
      const q = await quotaServer(20, 600);
      server = q.server;
      // Two stores over one database = two worker processes of one connection.
      const a = new DbRateBudgetStore(handle.store.db);
      const b = new DbRateBudgetStore(handle.store.db);
      await drain([api(server.url, a), api(server.url, b), api(server.url, a), api(server.url, b)], 40);
      expect(q.stats.ok).toBe(40);
      expect(q.stats.limited).toBe(0);
      const row = await a.peek('bc:abc');
      expect(row?.quota).toBe(20);
    });

    it('writes the shared row a few times per hundred requests, not twice per request', async (ctx) => {
      if (!handle) return skipUnlessCi(ctx, `${backend.name} unavailable: ${unavailable}`);
      const q = await quotaServer(20_000, 30_000);
      server = q.server;
      let writes = 0;
      // Counts the UPDATE/INSERT statements on rate_budgets the two "processes" send.
      const counted = handle.store.db.withPlugin({
        transformQuery: (args) => {
          const kind = args.node.kind;
          if (kind === 'UpdateQueryNode' || kind === 'InsertQueryNode') writes++;
          return args.node;
        },
        transformResult: async (args) => args.result,
      });
      const key = 'bc:abc';
      await handle.store.db.deleteFrom('rate_budgets').where('key', '=', key).execute();
      const a = new DbRateBudgetStore(counted);
      const b = new DbRateBudgetStore(counted);
      await drain([api(server.url, a), api(server.url, b), api(server.url, a), api(server.url, b)], 400);
      expect(q.stats.ok).toBe(400);
      expect(q.stats.limited).toBe(0);
      // One write per slot and one per response would be 800.
      expect(writes).toBeGreaterThan(0);
      expect(writes).toBeLessThan(120);
      // What the row says the store has left still counts every slot handed out.
      const row = await a.peek(key);
      expect(row?.left).toBeLessThanOrEqual(20_000 - 400);
    });

    it('drops the slots it holds when the server answers 429', async (ctx) => {
      if (!handle) return skipUnlessCi(ctx, `${backend.name} unavailable: ${unavailable}`);
      const key = 'bc:held';
      const store = new DbRateBudgetStore(handle.store.db);
      const now = 7_000_000;
      await store.observe(key, { quota: 20_000, left: 20_000, windowMs: 30_000, resetMs: 30_000 }, now);
      // The first slot takes a handful more for later …
      expect(await store.reserve(key, 'realtime', now)).toEqual({ granted: true, waitMs: 0 });
      const left = (await store.peek(key))?.left ?? 0;
      expect(left).toBeLessThan(20_000 - 1);
      expect(await store.reserve(key, 'realtime', now + 1)).toEqual({ granted: true, waitMs: 0 });
      expect((await store.peek(key))?.left).toBe(left); // … spent without a write
      // Another app spent the store's quota: a 429 says wait 5 s. The held slots are not used.
      await store.observe(key, { quota: 20_000, left: 0, limitedForMs: 5_000 }, now + 2);
      const after = await store.reserve(key, 'realtime', now + 3);
      expect(after.granted).toBe(false);
      expect(after.waitMs).toBeGreaterThan(4_000);
    });
  });
}

describe('a plan larger than the default', () => {
  it('adopts the quota the headers report instead of keeping the assumed 150', async () => {
    const store = new InMemoryRateBudgetStore();
    const now = 1_000_000;
    // The first request is planned against the default plan (150 / 30 s) …
    await store.reserve('bc:big', 'realtime', now);
    // … then a Pro-plus store answers with its real quota.
    await store.observe('bc:big', { quota: 450, left: 449, windowMs: 30_000, resetMs: 29_000 }, now + 10);
    const state = await store.peek('bc:big');
    expect(state?.quota).toBe(450);
    expect(state?.left).toBe(449);
    expect(
      applyObservation(state, { quota: 450, left: 440, windowMs: 30_000, resetMs: 28_000 }, now + 20).left,
    ).toBe(440);
  });

  it('after a restart, paces by the quota the first response reports, not by the assumed 150', async () => {
    // A restarted process meets a burst of waiting work before it has seen a single response: its
    // first grants are paced for the default plan. Once a response reports a 20,000 quota, the very
    // next request goes at once (it used to queue behind slots planned ~20 s ahead).
    const store = new InMemoryRateBudgetStore();
    const now = 5_000_000;
    let held = 0;
    for (let i = 0; i < 150; i++) {
      const d = await store.reserve('bc:big', 'realtime', now);
      if (!d.granted) held++;
      else expect(d.waitMs).toBeLessThanOrEqual(GRANT_AHEAD_MS);
    }
    expect(held).toBeGreaterThan(0);
    await store.observe(
      'bc:big',
      { quota: 20_000, left: 19_990, windowMs: 30_000, resetMs: 29_000 },
      now + 50,
    );
    const after = await store.reserve('bc:big', 'realtime', now + 60);
    expect(after).toEqual({ granted: true, waitMs: 0 });
  });
});
