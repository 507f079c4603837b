import { type Kysely, sql } from 'kysely';
import type { MigrationContext } from './context.js';

/** Initial schema: see ../schema.ts for what each table means. */
export function up0001(ctx: MigrationContext) {
  return async (db: Kysely<unknown>): Promise<void> => {
    const id = ctx.idColumnType;
    await db.schema
      .createTable('connections')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('bc_api_url', 'text', (c) => c.notNull())
      .addColumn('bc_store_hash', 'text', (c) => c.notNull())
      .addColumn('hl_api_url', 'text', (c) => c.notNull())
      .addColumn('secrets_enc', 'text')
      .addColumn('settings_json', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('inbox')
      .addColumn('id', id, (c) => ctx.autoIncrement(c.primaryKey()))
      .addColumn('connection_id', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('dedupe_key', 'text', (c) => c.notNull())
      .addColumn('topic', 'text', (c) => c.notNull())
      .addColumn('entity_key', 'text')
      .addColumn('payload_json', 'text', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('inbox_dedupe', ['connection_id', 'source', 'dedupe_key'])
      .execute();
    await db.schema.createIndex('inbox_received').on('inbox').column('received_at').execute();

    await db.schema
      .createTable('jobs')
      .addColumn('id', id, (c) => ctx.autoIncrement(c.primaryKey()))
      .addColumn('connection_id', 'text', (c) => c.notNull())
      .addColumn('task', 'text', (c) => c.notNull())
      .addColumn('entity_key', 'text', (c) => c.notNull())
      .addColumn('coalesce_key', 'text')
      .addColumn('payload_json', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('run_at', 'bigint', (c) => c.notNull())
      .addColumn('locked_by', 'text')
      .addColumn('locked_until', 'bigint')
      .addColumn('last_error_json', 'text')
      .addColumn('inbox_id', 'bigint')
      .addColumn('config_version', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('jobs_claim').on('jobs').columns(['state', 'run_at', 'priority']).execute();
    await db.schema.createIndex('jobs_entity').on('jobs').columns(['entity_key', 'state', 'id']).execute();
    await db.schema.createIndex('jobs_coalesce').on('jobs').columns(['coalesce_key', 'state']).execute();

    await db.schema
      .createTable('dead_letters')
      .addColumn('id', id, (c) => ctx.autoIncrement(c.primaryKey()))
      .addColumn('connection_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('task', 'text', (c) => c.notNull())
      .addColumn('entity_key', 'text', (c) => c.notNull())
      .addColumn('payload_json', 'text', (c) => c.notNull())
      .addColumn('inbox_id', 'bigint')
      .addColumn('error_code', 'text', (c) => c.notNull())
      .addColumn('error_message', 'text', (c) => c.notNull())
      .addColumn('error_chain_json', 'text', (c) => c.notNull())
      .addColumn('suggested_fix', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('config_version', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('dead_letters_status')
      .on('dead_letters')
      .columns(['status', 'kind', 'created_at'])
      .execute();

    await db.schema
      .createTable('links')
      .addColumn('id', id, (c) => ctx.autoIncrement(c.primaryKey()))
      .addColumn('connection_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('bc_id', 'text')
      .addColumn('hl_id', 'text')
      .addColumn('last_hash', 'text')
      .addColumn('last_seen_version', 'text')
      .addColumn('data_json', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('links_bc', ['connection_id', 'kind', 'bc_id'])
      .addUniqueConstraint('links_hl', ['connection_id', 'kind', 'hl_id'])
      .execute();

    await db.schema
      .createTable('cursors')
      .addColumn('connection_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('cursors_pk', ['connection_id', 'name'])
      .execute();

    await db.schema
      .createTable('audit_log')
      .addColumn('id', id, (c) => ctx.autoIncrement(c.primaryKey()))
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('connection_id', 'text')
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target', 'text')
      .addColumn('detail_json', 'text')
      .execute();
    await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();

    await db.schema
      .createTable('rate_budgets')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('quota', 'integer', (c) => c.notNull())
      .addColumn('left', 'integer', (c) => c.notNull())
      .addColumn('window_ms', 'integer', (c) => c.notNull())
      .addColumn('reset_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('schedule_runs')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('slot', 'bigint', (c) => c.notNull())
      .addColumn('fired_at', 'bigint', (c) => c.notNull())
      .addColumn('fired_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('schedule_runs_pk', ['name', 'slot'])
      .execute();

    await db.schema
      .createTable('alerts')
      .addColumn('dedupe_key', 'text', (c) => c.primaryKey())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('first_at', 'bigint', (c) => c.notNull())
      .addColumn('last_at', 'bigint', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('last_sent_at', 'bigint')
      .addColumn('suppressed', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();

    await db.schema
      .createTable('review_items')
      .addColumn('id', id, (c) => ctx.autoIncrement(c.primaryKey()))
      .addColumn('connection_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('entity_key', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('candidates_json', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('resolution_json', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('resolved_at', 'bigint')
      .execute();

    await db.schema
      .createTable('config_versions')
      .addColumn('version', 'text', (c) => c.primaryKey())
      .addColumn('environment', 'text', (c) => c.notNull())
      .addColumn('content_json', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    void sql; // schema builder only; raw SQL reserved for dialect-specific follow-ups
  };
}
