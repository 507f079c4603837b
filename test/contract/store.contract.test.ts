/** Repositories (links, cursors) and the audit log behave the same on every database. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAudit } from '../../src/engine/audit.js';
import { createCursorsRepository } from '../../src/store/repositories/cursors.js';
import { createLinksRepository } from '../../src/store/repositories/links.js';
import { availableBackends, createTestStore, type TestStore } from '../helpers/db.js';

const dialects = await availableBackends();

describe.each(dialects)('store repositories (%s)', (dialect) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await createTestStore(dialect);
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('links: upsert creates then updates, found by either id; echo detection uses the last hash', async () => {
    const links = createLinksRepository(t.store.db);
    const created = await links.upsert({ connectionId: 'c1', kind: 'order', bcId: '100', lastHash: 'h1' });
    expect(created).toMatchObject({ bcId: '100', hlId: null, lastHash: 'h1' });
    const updated = await links.upsert({
      connectionId: 'c1',
      kind: 'order',
      bcId: '100',
      hlId: 'SO-9',
      lastHash: 'h2',
      lastSeenVersion: '2026-01-01T00:00:00Z',
      data: { total: '10.00' },
    });
    expect(updated.id).toBe(created.id);
    expect(await links.findByHlId('c1', 'order', 'SO-9')).toMatchObject({
      bcId: '100',
      lastHash: 'h2',
      lastSeenVersion: '2026-01-01T00:00:00Z',
      data: { total: '10.00' },
    });
    // Fields left out keep their value.
    await links.upsert({ connectionId: 'c1', kind: 'order', hlId: 'SO-9', lastSeenVersion: 'v3' });
    expect((await links.findByBcId('c1', 'order', '100'))?.lastHash).toBe('h2');
    expect(await links.isEcho('c1', 'order', '100', 'h2')).toBe(true);
    expect(await links.isEcho('c1', 'order', '100', 'h1')).toBe(false);
    expect(await links.isEcho('c2', 'order', '100', 'h2')).toBe(false);
    expect(await links.findByBcId('c1', 'customer', '100')).toBeNull();
    expect(await links.listByKind('c1', 'order')).toHaveLength(1);
  });

  it('cursors: get / set / list per connection', async () => {
    const cursors = createCursorsRepository(t.store.db);
    expect(await cursors.get('c1', 'orders.modified_since')).toBeNull();
    await cursors.set('c1', 'orders.modified_since', '2026-01-01T00:00:00Z');
    await cursors.set('c1', 'orders.modified_since', '2026-01-02T00:00:00Z');
    await cursors.set('c2', 'orders.modified_since', 'other');
    expect(await cursors.get('c1', 'orders.modified_since')).toBe('2026-01-02T00:00:00Z');
    expect((await cursors.list('c1')).map((c) => c.value)).toEqual(['2026-01-02T00:00:00Z']);
  });

  it('audit: records and lists newest first with filters', async () => {
    let clock = 1_000;
    const audit = createAudit(t.store.db, () => clock++);
    await audit.record({
      actor: 'cli:alice',
      action: 'dlq.replay',
      target: 'dead_letter:1',
      detail: { n: 1 },
    });
    await audit.record({
      actor: 'api:bob',
      action: 'dlq.discard',
      target: 'dead_letter:2',
      connectionId: 'c1',
    });
    await audit.record({ actor: 'cli:alice', action: 'config.promote' });
    expect((await audit.list({ action: 'dlq.' })).map((e) => e.action)).toEqual([
      'dlq.discard',
      'dlq.replay',
    ]);
    expect(await audit.list({ actor: 'cli:alice', since: 1_001 })).toHaveLength(1);
    expect((await audit.list({ connectionId: 'c1' }))[0]).toMatchObject({ actor: 'api:bob', detail: null });
  });
});
