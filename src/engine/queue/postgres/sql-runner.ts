/**
 * Runs our raw SQL on whatever the caller holds: the store's Kysely instance, a Kysely `Transaction`, or a
 * bare pg client that is inside the caller's own transaction (so an inbox row and its job commit together).
 * Queries are built with Kysely's `sql` tag either way and compiled for PostgreSQL.
 */
import { Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../../store/schema.js';

export interface SqlRunner {
  /**
   * `name` makes it a named prepared statement where the runner talks to pg directly (parsed and planned
   * once per connection — our hot statements are big CTEs); Kysely runners ignore it.
   */
  rows<R>(query: RawBuilder<R>, name?: string): Promise<R[]>;
}

/** The part of a pg client/pool we call (structural: any node-postgres client fits). */
export interface PgQueryable {
  query(config: { text: string; values?: unknown[]; name?: string }): Promise<{ rows: unknown[] }>;
}

export function kyselyRunner(db: Kysely<Database>): SqlRunner {
  return {
    async rows<R>(query: RawBuilder<R>) {
      return (await query.execute(db)).rows;
    },
  };
}

export function pgClientRunner(client: PgQueryable, compiler: Kysely<Database>): SqlRunner {
  return {
    async rows<R>(query: RawBuilder<R>, name?: string) {
      const compiled = query.compile(compiler);
      const res = await client.query({ text: compiled.sql, values: [...compiled.parameters], name });
      return res.rows as R[];
    },
  };
}

export function isKysely(tx: unknown): tx is Kysely<Database> {
  return tx instanceof Kysely;
}

export function isPgQueryable(tx: unknown): tx is PgQueryable {
  return typeof tx === 'object' && tx !== null && typeof (tx as { query?: unknown }).query === 'function';
}
