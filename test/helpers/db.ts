/**
 * Test databases: one fresh store per test file (or per test), for each selected backend.
 *
 * - SQLite: a temp file in os.tmpdir(), deleted afterwards.
 * - PostgreSQL: a fresh schema `hb_t_<random>` on `TEST_DATABASE_URL ?? postgres://postgres@127.0.0.1:5432/test`,
 *   created before and dropped (cascade) after, so parallel runs cannot collide.
 *
 * `BACKENDS=sqlite` (comma list) narrows the selection for a quick local loop. When PostgreSQL does not
 * answer, its suites are skipped with a plain message — except under `CI=true`, where that is a failure.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type DialectName, openStore, type StoreHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestStore {
  store: StoreHandle;
  dialect: DialectName;
  /** What a child process needs to open the same database: a SQLite path or a PostgreSQL URL. */
  url: string;
  /** PostgreSQL only: the schema of this test store. */
  pgSchema?: string;
  dispose(): Promise<void>;
}

/** Backends named by `BACKENDS` (default both). */
export function requestedBackends(): DialectName[] {
  const raw = process.env.BACKENDS?.trim();
  if (!raw) return ['sqlite', 'postgres'];
  return raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s): s is DialectName => s === 'sqlite' || s === 'postgres');
}

let pgProbe: Promise<string | null> | undefined;

/** Null when PostgreSQL answers; otherwise the reason it does not. Probed once per test file. */
export function postgresUnavailableReason(): Promise<string | null> {
  pgProbe ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3_000 });
    try {
      await client.connect();
      await client.query('select 1');
      return null;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return pgProbe;
}

export async function postgresAvailable(): Promise<boolean> {
  return (await postgresUnavailableReason()) === null;
}

/**
 * The backends this test file will run: requested ∩ reachable. An unreachable PostgreSQL is skipped with
 * a plain message, or throws under CI=true (a CI run must never silently skip half the contract).
 */
export async function availableBackends(): Promise<DialectName[]> {
  const out: DialectName[] = [];
  for (const name of requestedBackends()) {
    if (name === 'postgres') {
      const reason = await postgresUnavailableReason();
      if (reason !== null) {
        if (process.env.CI === 'true') {
          throw new Error(`PostgreSQL is required under CI=true but is unreachable (${reason})`);
        }
        console.warn(
          `PostgreSQL suite skipped: ${reason} — set TEST_DATABASE_URL or start PostgreSQL on 127.0.0.1:5432`,
        );
        continue;
      }
    }
    out.push(name);
  }
  return out;
}

function randomSuffix(): string {
  return randomBytes(6).toString('hex');
}

/** A fresh, migrated store. Always `dispose()` it (afterAll / finally). */
export async function createTestStore(
  dialect: DialectName,
  options: { migrate?: boolean } = {},
): Promise<TestStore> {
  const migrate = options.migrate ?? true;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'hb-test-'));
    const url = join(dir, 'test.db');
    const store = openStore(url);
    if (migrate) await migrateToLatest(store);
    return {
      store,
      dialect,
      url,
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const pgSchema = `hb_t_${randomSuffix()}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`create schema ${pgSchema}`);
  } finally {
    await admin.end();
  }
  const store = openStore(TEST_DATABASE_URL, { pgSchema, poolSize: 8 });
  if (migrate) await migrateToLatest(store);
  return {
    store,
    dialect,
    url: TEST_DATABASE_URL,
    pgSchema,
    async dispose() {
      await store.close();
      // `<schema>_gw` is where the PostgreSQL queue backend puts graphile-worker for a non-public schema.
      await dropSchema(pgSchema, `${pgSchema}_gw`);
    },
  };
}

/** Drops a test schema and everything in it (also graphile-worker's schema when given). */
export async function dropSchema(...schemas: string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    for (const s of schemas) await admin.query(`drop schema if exists ${s} cascade`);
  } finally {
    await admin.end();
  }
}

/** Runs `fn` with a fresh store and disposes it whatever happens. */
export async function withTestStore<T>(dialect: DialectName, fn: (t: TestStore) => Promise<T>): Promise<T> {
  const t = await createTestStore(dialect);
  try {
    return await fn(t);
  } finally {
    await t.dispose();
  }
}
