import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

/**
 * Named locks shared by every process on one store (src/store/repositories/locks.ts): a lease row per
 * key, taken when expired, renewed while held, and keeping the holder's last result so the next holder
 * in another process can see what was just done (e.g. the Heartland customer just created).
 */
export function up0005(_ctx: MigrationContext) {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema
      .createTable('locks')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('owner', 'text')
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('result', 'text')
      .addColumn('result_at', 'bigint')
      .execute();
  };
}
