/**
 * better-sqlite3 with its prepared statements kept, for Kysely's SqliteDialect.
 *
 * Kysely's SQLite driver calls `db.prepare(sql)` for every query it runs; compiling the same few dozen
 * statements again on every call was ~2 % of the bridge's CPU per order (bench/orders profile). This
 * hands back the statement prepared last time for the same text. Why hand-written: Kysely has no
 * statement cache option, and this is the one method it calls.
 *
 * - Only plain DML / queries are kept (select, insert, update, delete, with): SQLite runs a PRAGMA while
 *   compiling it, and DDL runs once.
 * - A statement still being iterated (Kysely's `stream()`) is `busy` and cannot be reused: a fresh one is
 *   prepared for that call.
 * - Bounded: statements with generated `in (?, ?, …)` lists make new texts; the oldest is dropped past
 *   `max` entries.
 */
import type SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

const CACHEABLE = /^\s*(select|insert|update|delete|with)\b/i;

export function withStatementCache(raw: SQLite.Database, max = 500): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => raw.close(),
    prepare(sql: string) {
      if (!CACHEABLE.test(sql)) return raw.prepare(sql);
      const hit = cache.get(sql);
      if (hit && !hit.busy) return hit;
      const stmt = raw.prepare(sql);
      if (!hit) {
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}
