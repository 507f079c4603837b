/**
 * Poll cursors and resumable sync positions, per connection and name (e.g. `orders.modified_since`).
 * Values are opaque strings to this layer (an ISO time, a page token, an id).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface CursorsRepository {
  get(connectionId: string, name: string): Promise<string | null>;
  set(connectionId: string, name: string, value: string): Promise<void>;
  list(connectionId: string): Promise<{ name: string; value: string; updatedAt: number }[]>;
}

export function createCursorsRepository(
  db: Kysely<Database>,
  now: () => number = Date.now,
): CursorsRepository {
  return {
    async get(connectionId, name) {
      const row = await db
        .selectFrom('cursors')
        .select('value')
        .where('connection_id', '=', connectionId)
        .where('name', '=', name)
        .executeTakeFirst();
      return row?.value ?? null;
    },
    async set(connectionId, name, value) {
      const t = now();
      await db
        .insertInto('cursors')
        .values({ connection_id: connectionId, name, value, updated_at: t })
        .onConflict((oc) => oc.columns(['connection_id', 'name']).doUpdateSet({ value, updated_at: t }))
        .execute();
    },
    async list(connectionId) {
      const rows = await db
        .selectFrom('cursors')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .orderBy('name')
        .execute();
      return rows.map((r) => ({ name: r.name, value: r.value, updatedAt: Number(r.updated_at) }));
    },
  };
}
