/**
 * Runs our raw SQL on whatever the caller holds: the store's Kysely instance, a Kysely `Transaction`, or a
 * bare pg client that is inside the caller's own transaction (so an inbox row and its job commit together).
 * Queries are built with Kysely's `sql` tag either way and compiled for PostgreSQL.
 */
import { Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../../store/schema.js';

export interface SqlRunner {
  rows<R>(query: RawBuilder<R>): Promise<R[]>;
}

/** The part of a pg client/pool we call (structural: any node-postgres client fits). */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
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
    async rows<R>(query: RawBuilder<R>) {
      const compiled = query.compile(compiler);
      const res = await client.query(compiled.sql, [...compiled.parameters]);
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
