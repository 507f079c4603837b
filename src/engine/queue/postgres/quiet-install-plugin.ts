/**
 * graphile-worker plugin: a FRESH install of its schema does not broadcast `worker:migrate`.
 *
 * Every migration graphile runs ends with `pg_notify('worker:migrate', {breaking})`, on a channel shared by
 * the whole database whatever the schema, and every listening worker pool that hears a breaking one shuts
 * down (and sets process.exitCode = 57). Installing a brand-new schema — a new heartbridge install beside
 * another, or each test file's own schema — would so stop every other worker in the database. No worker can
 * be running against a schema that did not exist, so for a fresh install the broadcast only does harm;
 * upgrades of an existing schema still broadcast, as graphile intends.
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

function withoutMigrateNotify(client: PoolClient): PoolClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'query') {
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (text: unknown, values?: unknown) => {
        if (isMigrateNotify(text, values)) return Promise.resolve({ rows: [], rowCount: 0 });
        return (target.query as (t: unknown, v?: unknown) => unknown)(text, values);
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
        if ((rows[0]?.n ?? 0) === 0) event.client = withoutMigrateNotify(event.client);
        return next();
      },
    },
  },
};
