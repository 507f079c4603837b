import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

/**
 * Liveness of PostgreSQL queue workers. graphile-worker 0.17 has no heartbeat of its own and only frees a
 * dead worker's jobs after 4 hours; each of our worker pools writes its row here every few seconds, and a
 * job locked by a pool whose row went stale is unlocked and runs again (engine/queue/postgres/lease-sweeper.ts).
 * Created on SQLite too (migrations are one list), where nothing uses it.
 */
export function up0002(_ctx: MigrationContext) {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema
      .createTable('worker_heartbeats')
      // graphile-worker's pool id, which is what it writes into `locked_by`.
      .addColumn('worker_id', 'text', (c) => c.primaryKey())
      .addColumn('label', 'text')
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('pid', 'integer', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
      .execute();
  };
}
