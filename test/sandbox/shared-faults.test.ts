import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultController, installFaults, registerFaultAdminRoutes } from '../../src/sandbox/shared/faults.js';
import { Prng } from '../../src/sandbox/shared/prng.js';

describe('Prng', () => {
  it('is deterministic per seed and forks are independent of parent position', () => {
    const a = new Prng('x');
    const b = new Prng('x');
    expect([a.next(), a.int(1, 6), a.pick(['p', 'q', 'r'])]).toEqual([
      b.next(),
      b.int(1, 6),
      b.pick(['p', 'q', 'r']),
    ]);
    const f1 = new Prng('x').fork('orders').next();
    const p = new Prng('x');
    p.next();
    p.next();
    expect(p.fork('orders').next()).toBe(f1);
    expect(new Prng('y').next()).not.toBe(new Prng('x').next());
  });

  it('int stays within bounds', () => {
    const r = new Prng(1);
    for (let i = 0; i < 1000; i++) {
      const v = r.int(3, 5);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(5);
    }
  });
});

describe('fault injection', () => {
  let app: FastifyInstance | undefined;
  let commits = 0;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(controller: FaultController): Promise<string> {
    commits = 0;
    app = Fastify();
    installFaults(app, controller);
    registerFaultAdminRoutes(app, controller);
    app.get('/things', async () => ({ ok: true }));
    app.post('/things', async () => {
      commits++;
      return { ok: true };
    });
    return app.listen({ port: 0, host: '127.0.0.1' });
  }

  it('injects errors at the configured rate, reproducibly under a seed', async () => {
    const run = async () => {
      const c = new FaultController({ enabled: true, seed: 'stat', global: { errorRate: 0.2 } });
      const url = await start(c);
      const statuses: number[] = [];
      for (let i = 0; i < 300; i++) statuses.push((await fetch(`${url}/things`)).status);
      await app?.close();
      app = undefined;
      return statuses;
    };
    const first = await run();
    const errors = first.filter((s) => s >= 500).length;
    // Binomial(300, 0.2): mean 60, sd ≈ 6.9; ±4 sd.
    expect(errors).toBeGreaterThan(32);
    expect(errors).toBeLessThan(88);
    expect(first.every((s) => s === 200 || s === 500 || s === 503)).toBe(true);
    expect(await run()).toEqual(first);
  });

  it('admin routes are exempt, and PUT/GET/reset/stats work', async () => {
    const c = new FaultController({ seed: 1 });
    const url = await start(c);
    const put = await fetch(`${url}/__sandbox/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        enabled: true,
        routes: { 'GET /things': { errorRate: 1, errorStatuses: [502] } },
      }),
    });
    expect(put.status).toBe(200);
    expect((await fetch(`${url}/things`)).status).toBe(502);
    expect((await fetch(`${url}/things`, { method: 'POST' })).status).toBe(200);
    const stats = (await (await fetch(`${url}/__sandbox/stats`)).json()) as { faults: { error: number } };
    expect(stats.faults.error).toBe(1);
    const bad = await fetch(`${url}/__sandbox/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ global: { errorRate: 7 } }),
    });
    expect(bad.status).toBe(400);
    await fetch(`${url}/__sandbox/faults/reset`, { method: 'POST' });
    expect((await fetch(`${url}/things`)).status).toBe(200);
  });

  it('outage windows answer 503 and 429 storms carry Retry-After', async () => {
    let now = 1_000_000;
    const c = new FaultController(
      { enabled: true, global: { outages: [{ startMs: 1000, durationMs: 500 }] } },
      { now: () => now },
    );
    const url = await start(c);
    expect((await fetch(`${url}/things`)).status).toBe(200);
    now += 1200;
    expect((await fetch(`${url}/things`)).status).toBe(503);
    now += 1000;
    expect((await fetch(`${url}/things`)).status).toBe(200);
    c.set({
      global: { outages: [], rate429: { storm: { everyMs: 10_000, durationMs: 5000 }, retryAfterS: 3 } },
    });
    const r = await fetch(`${url}/things`); // elapsed 2200 % 10000 < 5000 → storm
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('3');
  });

  it('commit-then-timeout runs the handler but the client never gets the answer', async () => {
    const c = new FaultController({
      enabled: true,
      routes: { 'POST /things': { commitThenTimeoutRate: 1 } },
    });
    const url = await start(c);
    await expect(fetch(`${url}/things`, { method: 'POST' })).rejects.toThrow();
    expect(commits).toBe(1);
    expect(c.counters.commitThenTimeout).toBe(1);
  });

  it('a hung request never answers and closing the server frees it', async () => {
    const c = new FaultController({ enabled: true, global: { hangRate: 1 } });
    const url = await start(c);
    const ctrl = new AbortController();
    const pending = fetch(`${url}/things`, { signal: ctrl.signal });
    // The server must hold the request before it is closed (on a loaded machine the request can arrive
    // after a fixed wait, and a closing Fastify answers late arrivals 503 itself).
    const held = Date.now() + 10_000;
    while (c.counters.hang === 0 && Date.now() < held) await new Promise((r) => setTimeout(r, 10));
    expect(c.counters.hang).toBe(1);
    const outcome = await Promise.race([
      pending.then(() => 'answered'),
      new Promise((r) => setTimeout(() => r('still waiting'), 150)),
    ]);
    expect(outcome).toBe('still waiting');
    await app?.close();
    app = undefined;
    await expect(pending).rejects.toThrow();
  });
});
