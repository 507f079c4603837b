/**
 * Opens the database named by a URL: `postgres://…` → PostgreSQL via `pg`; anything else is a SQLite
 * file path (default `./data/heartbridge.db`) or `:memory:`.
 */
import { closeSync, fdatasyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { withStatementCache } from './statement-cache.js';

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
  const mode = String(raw.pragma('journal_mode = WAL', { simple: true })).toLowerCase();
  // The connection's default. In WAL mode: NORMAL — a commit writes its frames to the -wal without an
  // fsync, so it survives kill -9 (the OS has the pages) and a power cut loses only the latest commits,
  // never consistency (WAL checksums cut torn frames). Everything that PROMISES something commits
  // durably on its own path: the inbox (fdatasync off the event loop before the 2xx), enqueues and DLQ
  // replays (FULL), and writes that must precede an irreversible call outside (the orders flow's
  // `creating` marker, admin mutations) await `SqliteWriter.durable()`. The rest — links, cursors, audit
  // written by the flows — is recomputed or looked up again if a power cut drops it; an fsync each on
  // the event loop was ~4 of ~13 ms CPU per order (bench/results/orders-*). Not WAL (`:memory:`, a file
  // system without shared memory): FULL, as there is no cheap way to make a commit durable later.
  raw.pragma(mode === 'wal' ? 'synchronous = NORMAL' : 'synchronous = FULL');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) });
  return {
    db,
    dialect: 'sqlite',
    url: path,
    sqlite: raw,
    async close() {
      // What this connection committed at NORMAL (a CLI's quarantine fix, a review decision) is synced
      // before it goes: another process (the server) may keep the -wal open, so no final checkpoint would.
      if (mode === 'wal') syncWalFile(raw);
      await db.destroy();
    },
  };
}

function openPostgres(url: string, options: OpenStoreOptions): StoreHandle {
  // JIT off: our statements are short and indexed, but the planner's estimates on the churning queue
  // tables run into the millions, and PostgreSQL then spent ~600 ms compiling one 0.2 ms lease sweep —
  // four processes sweeping every second kept both cores of the chaos machine busy compiling.
  const settings = ['-c jit=off', ...(options.pgSchema ? [`-c search_path=${options.pgSchema}`] : [])];
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    options: settings.join(' '),
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

/** fdatasync of the connection's -wal (if it exists), on the calling thread: for close/shutdown only. */
function syncWalFile(raw: SQLite.Database): void {
  const main = (raw.pragma('database_list') as Array<{ name: string; file: string }>).find(
    (d) => d.name === 'main',
  );
  if (!main?.file) return;
  let fd: number | undefined;
  try {
    fd = openSync(`${main.file}-wal`, 'r+');
    fdatasyncSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Cheap liveness probe used by `/readyz` and `doctor`. */
export async function pingStore(store: StoreHandle): Promise<void> {
  await sql`select 1`.execute(store.db);
}
