/**
 * graphile-worker plugin for a FRESH install of its schema: one transaction, and no `worker:migrate` broadcast.
 *
 * Every migration graphile runs ends with `pg_notify('worker:migrate', {breaking})`, on a channel shared by
 * the whole database whatever the schema, and every listening worker pool that hears a breaking one shuts
 * down (and sets process.exitCode = 57). Installing a brand-new schema — a new heartbridge install beside
 * another, or each test file's own schema — would so stop every other worker in the database. No worker can
 * be running against a schema that did not exist, so for a fresh install the broadcast only does harm;
 * upgrades of an existing schema still broadcast, as graphile intends.

graphile commits each of its 19 migrations separately; some rename and drop tables they just created. Another
session that reads the catalog meanwhile — Kysely's migrator introspects every schema of the database — can
see a table in one query and find it gone in the next. Run as one transaction (each migration's
begin/commit/rollback becomes a savepoint), a fresh install appears all at once; it is also faster.
 *
 * graphile documents replacing `event.client` in the `migrate` middleware as possible but unsupported; we
 * wrap it only to drop that one statement.
 */
import type { PoolClient } from 'pg';

function isMigrateNotify(text: unknown, values: unknown): boolean {
  return (
    typeof text === 'string' &&
    text.includes('pg_notify') &&
    Array.isArray(values) &&
    values[0] === 'worker:migrate'
  );
}

/** The install's client: one outer transaction, savepoints for graphile's per-migration transactions. */
function asOneTransaction(client: PoolClient): PoolClient {
  const rewrite: Record<string, string> = {
    begin: 'savepoint hb_gw_migration',
    commit: 'release savepoint hb_gw_migration',
    rollback: 'rollback to savepoint hb_gw_migration',
  };
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'query') {
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (text: unknown, values?: unknown) => {
        if (isMigrateNotify(text, values)) return Promise.resolve({ rows: [], rowCount: 0 });
        const replaced = typeof text === 'string' ? rewrite[text.trim().toLowerCase()] : undefined;
        return (target.query as (t: unknown, v?: unknown) => unknown)(replaced ?? text, values);
      };
    },
  });
}

export const QuietFreshInstallPlugin: GraphileConfig.Plugin = {
  name: 'HeartbridgeQuietFreshInstall',
  version: '1.0.0',
  description: 'Do not broadcast worker:migrate when installing a new graphile-worker schema',
  worker: {
    middleware: {
      async migrate(next, event) {
        const { rows } = await event.client.query<{ n: number }>(
          `select count(*)::int as n from ${event.ctx.escapedWorkerSchema}.migrations`,
        );
        if ((rows[0]?.n ?? 0) > 0) return next();
        const client = event.client;
        await client.query('begin');
        event.client = asOneTransaction(client);
        try {
          const result = await next();
          await client.query('commit');
          return result;
        } catch (error) {
          await client.query('rollback').catch(() => {});
          throw error;
        } finally {
          event.client = client;
        }
      },
    },
  },
};
