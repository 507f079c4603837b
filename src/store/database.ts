/**
 * Opens the database named by a URL: `postgres://…` → PostgreSQL via `pg`; anything else is a SQLite
 * file path (default `./data/heartbridge.db`) or `:memory:`.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export interface StoreHandle {
  db: Kysely<Database>;
  dialect: DialectName;
  /** The URL it was opened with (never logged: may hold a password). */
  url: string;
  /** SQLite only: the raw better-sqlite3 handle (group commit, synchronous transactions). */
  sqlite?: SQLite.Database;
  /** PostgreSQL only: the pool (graphile-worker shares it). */
  pgPool?: pg.Pool;
  close(): Promise<void>;
}

export const DEFAULT_SQLITE_PATH = './data/heartbridge.db';

// int8 (bigint) columns hold epoch milliseconds and counters, all far below 2^53: parse as numbers.
pg.types.setTypeParser(20, (value) => Number(value));

export function isPostgresUrl(url: string | undefined): boolean {
  return !!url && /^postgres(ql)?:\/\//i.test(url);
}

export interface OpenStoreOptions {
  /** PostgreSQL schema to use (tests use one per run so runs cannot collide). */
  pgSchema?: string;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
}

export function openStore(url: string | undefined, options: OpenStoreOptions = {}): StoreHandle {
  if (isPostgresUrl(url)) return openPostgres(url as string, options);
  return openSqlite(url && url.length > 0 ? url.replace(/^sqlite:(\/\/)?/, '') : DEFAULT_SQLITE_PATH);
}

function openSqlite(path: string): StoreHandle {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const raw = new SQLite(path);
  raw.pragma('journal_mode = WAL');
  // FULL: every commit is fsync'd, so an acknowledged event survives power loss, not only kill -9.
  // Throughput comes from group commit (many events per transaction), not from weaker durability.
  raw.pragma('synchronous = FULL');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  return {
    db,
    dialect: 'sqlite',
    url: path,
    sqlite: raw,
    async close() {
      await db.destroy();
    },
  };
}

function openPostgres(url: string, options: OpenStoreOptions): StoreHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    ...(options.pgSchema ? { options: `-c search_path=${options.pgSchema}` } : {}),
  });
  // A dropped connection must not crash the process: idle ones are reported on the pool, checked-out ones
  // on the client (the query in flight then fails and its job is retried).
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    url,
    pgPool: pool,
    async close() {
      await db.destroy();
    },
  };
}

/** Cheap liveness probe used by `/readyz` and `doctor`. */
export async function pingStore(store: StoreHandle): Promise<void> {
  await sql`select 1`.execute(store.db);
}
