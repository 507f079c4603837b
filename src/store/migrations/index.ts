/**
 * Versioned migrations, applied in name order at start-up and by `heartbridge migrate`.
 * Add a file `NNNN_name.ts`, register it below; never edit a migration that has shipped.
 */
import { type Migration, type MigrationProvider, type MigrationResultSet, Migrator, sql } from 'kysely';
import type { StoreHandle } from '../database.js';
import { up0001 } from './0001_initial.js';
import { up0002 } from './0002_worker_heartbeats.js';
import { up0003 } from './0003_reservations.js';
import { up0004 } from './0004_jobs_claim_order.js';
import { up0005 } from './0005_locks.js';
import { up0006 } from './0006_inbox_entity.js';
import { up0007 } from './0007_inbox_entity_key.js';
import { migrationContext } from './context.js';

class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly store: StoreHandle) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const ctx = migrationContext(this.store.dialect);
    return {
      '0001_initial': { up: up0001(ctx) },
      '0002_worker_heartbeats': { up: up0002(ctx) },
      '0003_reservations': { up: up0003(ctx) },
      '0004_jobs_claim_order': { up: up0004(ctx) },
      '0005_locks': { up: up0005(ctx) },
      '0006_inbox_entity': { up: up0006(ctx) },
      '0007_inbox_entity_key': { up: up0007(ctx) },
    };
  }
}

/**
 * PostgreSQL errors that mean "a catalog object vanished while we read it": Kysely's migrator lists the
 * tables of every schema in the database, so another install creating or dropping its own schema at that
 * moment can fail our read (undefined column / table). Nothing of ours changed: read again.
 */
const CATALOG_RACE_CODES = new Set(['42703', '42P01', '3F000']);

function isCatalogRace(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CATALOG_RACE_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export async function migrateToLatest(store: StoreHandle): Promise<MigrationResultSet> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(store);
    } catch (err) {
      if (store.dialect !== 'postgres' || attempt >= 4 || !isCatalogRace(err)) throw err;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

async function migrateOnce(store: StoreHandle): Promise<MigrationResultSet> {
  // On PostgreSQL, pin Kysely's bookkeeping tables to the schema we migrate: without it the Migrator
  // takes a `kysely_migration_lock` in ANY schema of the database as ours (and then fails to lock it)
  // when several installs or test runs share one database in separate schemas.
  const migrationTableSchema =
    store.dialect === 'postgres'
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(store.db)).rows[0]?.s
      : undefined;
  const migrator = new Migrator({
    db: store.db,
    provider: new InCodeMigrationProvider(store),
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const reason = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${reason}`, {
      cause: result.error,
    });
  }
  return result;
}
