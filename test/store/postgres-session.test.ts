/**
 * PostgreSQL sessions opened by the store run without JIT (src/store/database.ts): with JIT on, the
 * planner's inflated estimates on the queue tables made PostgreSQL compile ~600 ms of machine code for a
 * 0.2 ms lease sweep, every second in every process — a full chaos run crawled at a fifth of its speed.
 */
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { availableBackends, createTestStore, type TestStore } from '../helpers/db.js';

const pgAvailable = (await availableBackends()).includes('postgres');
let t: TestStore | undefined;
afterAll(async () => {
  await t?.dispose();
});

describe.runIf(pgAvailable)('PostgreSQL store sessions', () => {
  it('run with JIT off and in the store schema, on every pooled connection', async () => {
    t = await createTestStore('postgres');
    const db = t.store.db;
    // Several at once, so the pool opens more than one connection.
    const rows = await Promise.all(
      Array.from({ length: 4 }, () =>
        sql<{
          jit: string;
          schema: string;
        }>`select current_setting('jit') as jit, current_schema() as schema, pg_sleep(0.05)`.execute(db),
      ),
    );
    for (const r of rows) expect(r.rows[0]).toMatchObject({ jit: 'off', schema: t.pgSchema });
  });
});
