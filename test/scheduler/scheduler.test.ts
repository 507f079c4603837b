import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScheduler, slotCalculator } from '../../src/engine/scheduler/index.js';
import { createLogger } from '../../src/log/index.js';
import { openStore, type StoreHandle } from '../../src/store/database.js';
import { availableBackends, createTestStore, type TestStore } from '../helpers/db.js';

const logger = createLogger({ level: 'silent' });

describe('schedule slots', () => {
  it('computes cron slots in UTC and epoch-aligned "every" slots', () => {
    const cron = slotCalculator({ name: 'poll', cron: '*/5 * * * *' });
    expect(new Date(cron(Date.parse('2024-01-01T00:02:10Z')) as number).toISOString()).toBe(
      '2024-01-01T00:05:00.000Z',
    );
    const every = slotCalculator({ name: 'poll', every: '5m' });
    expect(new Date(every(Date.parse('2024-01-01T00:05:00Z')) as number).toISOString()).toBe(
      '2024-01-01T00:10:00.000Z',
    );
    expect(() => slotCalculator({ name: 'bad', cron: 'every tuesday' })).toThrow(
      /schedule "bad": invalid cron/,
    );
    expect(() => slotCalculator({ name: 'bad', every: '5 minutes' })).toThrow(/not a duration/);
  });
});

const backends = await availableBackends();

describe.each(backends)('scheduler on %s', (dialect) => {
  let t: TestStore;
  let second: StoreHandle;

  beforeAll(async () => {
    t = await createTestStore(dialect);
    // A second handle to the same database: what a second process would have.
    second = dialect === 'sqlite' ? openStore(t.url) : openStore(t.url, { pgSchema: t.pgSchema });
  });
  afterAll(async () => {
    await second?.close();
    await t?.dispose();
  });

  it('fires each slot once across two instances racing for the same slots', async () => {
    const fired: string[] = [];
    const make = (store: StoreHandle, id: string) =>
      createScheduler({
        store,
        logger,
        instanceId: id,
        schedules: [
          { name: 'orders.poll', every: '1m', run: async (slot) => void fired.push(`${id}:${slot}`) },
        ],
      });
    const a = make(t.store, 'a');
    const b = make(second, 'b');
    const slots = Array.from({ length: 40 }, (_, i) => i * 60_000);
    const results = await Promise.all(
      slots.flatMap((slot) => [a.fire('orders.poll', slot), b.fire('orders.poll', slot)]),
    );
    expect(results.filter(Boolean)).toHaveLength(40);
    expect(fired).toHaveLength(40);
    expect(new Set(fired.map((f) => f.split(':')[1])).size).toBe(40);
    const rows = await t.store.db
      .selectFrom('schedule_runs')
      .selectAll()
      .where('name', '=', 'orders.poll')
      .execute();
    expect(rows).toHaveLength(40);
  });

  it('runs on real timers without firing any slot twice', async () => {
    const fired: number[] = [];
    const make = (store: StoreHandle, id: string) =>
      createScheduler({
        store,
        logger,
        instanceId: id,
        schedules: [{ name: 'tick', every: '50ms', run: async (slot) => void fired.push(slot) }],
      });
    const a = make(t.store, 'a');
    const b = make(second, 'b');
    a.start();
    b.start();
    const deadline = Date.now() + 10_000;
    while (new Set(fired).size < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await a.stop();
    await b.stop();
    expect(new Set(fired).size).toBeGreaterThanOrEqual(4);
    expect(fired.length).toBe(new Set(fired).size);
  });

  it('logs a failing run and still counts the slot as fired', async () => {
    const s = createScheduler({
      store: t.store,
      logger,
      schedules: [
        { name: 'broken', every: '1h', run: async () => Promise.reject(new Error('enqueue failed')) },
      ],
    });
    await expect(s.fire('broken', 3_600_000)).resolves.toBe(true);
    await expect(s.fire('broken', 3_600_000)).resolves.toBe(false);
  });
});
