import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

/**
 * Stock held for BigCommerce orders that Heartland does not have yet (DESIGN §5.5): the inventory flow
 * writes BigCommerce levels as available − safety − reserved, so a storefront sale is not given back by
 * the next absolute write. One row per order line (order, SKU); released when the order's link to a
 * Heartland order appears, when the order is cancelled, or after a TTL.
 */
export function up0003(ctx: MigrationContext) {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema
      .createTable('reservations')
      .addColumn('id', ctx.idColumnType, (c) => ctx.autoIncrement(c.primaryKey()))
      .addColumn('connection_id', 'text', (c) => c.notNull())
      .addColumn('bc_order_id', 'text', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('bc_location_id', 'integer', (c) => c.notNull())
      .addColumn('qty', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('released_at', 'bigint')
      .addColumn('release_reason', 'text')
      .addUniqueConstraint('reservations_line', ['connection_id', 'bc_order_id', 'sku', 'bc_location_id'])
      .execute();
    await db.schema
      .createIndex('reservations_open_sku')
      .on('reservations')
      .columns(['connection_id', 'sku', 'released_at'])
      .execute();
  };
}
