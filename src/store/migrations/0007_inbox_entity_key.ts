import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

/**
 * 0006's index began with (connection_id, source) — the same prefix as the dedupe key's unique index. With
 * the inbox growing fast and its statistics behind, PostgreSQL picked it for the duplicate-webhook lookup
 * (`… where connection_id = ? and source = ? and dedupe_key = ?`) and filtered every webhook row of the
 * connection: 92 ms and 24,032 rows read per duplicate in a full chaos run, the top active query (11 of 32
 * samples) once the rate-budget row was fixed. Keyed by entity first, the index cannot serve the dedupe
 * lookup, and it matches every condition of the orders poll's, so the unique index's shorter prefix does
 * not look better for that one either (test/store/inbox-indexes.test.ts, on a table with no statistics).
 */
export function up0007(_ctx: MigrationContext) {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema.dropIndex('inbox_entity').execute();
    await db.schema
      .createIndex('inbox_entity_key')
      .on('inbox')
      .columns(['entity_key', 'connection_id', 'source', 'received_at'])
      .execute();
  };
}
