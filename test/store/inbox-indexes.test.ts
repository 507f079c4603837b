/**
 * The inbox's two lookups each get their own index on PostgreSQL (migration 0007): a duplicate webhook is
 * found by its dedupe key's unique index, never by filtering every webhook row of the connection (92 ms per
 * duplicate in a full chaos run, when an index sharing the dedupe key's prefix was picked instead).
 */
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { availableBackends, createTestStore, type TestStore } from '../helpers/db.js';

const pgAvailable = (await availableBackends()).includes('postgres');
let t: TestStore | undefined;
afterAll(async () => {
  await t?.dispose();
});

async function plan(query: ReturnType<typeof sql>, db: TestStore['store']['db']): Promise<string> {
  const r = await sql<{ 'QUERY PLAN': string }>`explain ${query}`.execute(db);
  return r.rows.map((row) => row['QUERY PLAN']).join('\n');
}

describe.runIf(pgAvailable)('inbox indexes (PostgreSQL)', () => {
  it('finds a duplicate by its dedupe key and the orders poll by entity, on a table whose statistics lag', async () => {
    t = await createTestStore('postgres');
    const db = t.store.db;
    // Rows written after the last ANALYZE, as during a burst of webhooks.
    await sql`insert into inbox (connection_id, source, dedupe_key, topic, entity_key, payload_json, received_at)
      select 'main', 'bigcommerce', 'hook:' || g, 'store/order/updated', 'bc:order:' || (g % 500), '{}', 1000 + g
      from generate_series(1, 20000) g`.execute(db);
    const dedupe = await plan(
      sql`select id from inbox where connection_id = 'main' and source = 'bigcommerce' and dedupe_key = 'hook:77'`,
      db,
    );
    expect(dedupe).toContain('inbox_dedupe');
    const announced = await plan(
      sql`select id from inbox where connection_id = 'main' and source = 'bigcommerce' and entity_key = 'bc:order:7' and received_at >= 5000 limit 1`,
      db,
    );
    expect(announced).toContain('inbox_entity_key');
  });
});
