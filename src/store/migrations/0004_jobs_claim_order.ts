import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

/**
 * SQLite queue claim: an index in the claim's ORDER BY (priority desc, run_at, id) among pending jobs,
 * so a claim walks ready jobs in order and stops at its limit instead of sorting the whole backlog.
 * Measured with 10,000 pending jobs: drain went from ~1,000 to see bench/results/queue-*.md.
 */
export function up0004(_ctx: MigrationContext) {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema.dropIndex('jobs_claim').ifExists().execute();
    await db.schema
      .createIndex('jobs_claim_order')
      .on('jobs')
      .columns(['state', 'priority desc', 'run_at', 'id'])
      .execute();
  };
}
