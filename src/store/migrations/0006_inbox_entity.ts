import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

/**
 * The orders poll asks, for every order it lists, "did a webhook for this order arrive since it last
 * changed?" (src/flows/orders/poll-orders.ts). Without an index on the entity that lookup read every
 * webhook row of the connection: 443 ms per order with 80,000 inbox rows in the full chaos run, one
 * database process busy all the time and the drain slowed with it. With this index it is one probe.
 */
export function up0006(_ctx: MigrationContext) {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema
      .createIndex('inbox_entity')
      .on('inbox')
      .columns(['connection_id', 'source', 'entity_key', 'received_at'])
      .execute();
  };
}
