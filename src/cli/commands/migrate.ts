/** `heartbridge migrate`: apply database migrations (also done at start-up by `serve`). */
import type { Command } from 'commander';
import { loadCliConfig, printJson } from './cli-context.js';

export function register(program: Command): void {
  program
    .command('migrate')
    .description('create or upgrade the database schema (SQLite file or PostgreSQL)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const loaded = loadCliConfig(command);
      const [{ createQueueBackend }, { openStore }, { migrateToLatest }] = await Promise.all([
        import('../../engine/engine.js'),
        import('../../store/database.js'),
        import('../../store/migrations/index.js'),
      ]);
      const store = openStore(loaded.config.database.url);
      try {
        const result = await migrateToLatest(store);
        // The PostgreSQL queue engine keeps its own schema; preparing the backend migrates it too.
        const backend = await createQueueBackend(store);
        await backend.close();
        const applied = (result.results ?? [])
          .filter((r) => r.status === 'Success')
          .map((r) => r.migrationName);
        if (opts.json) return printJson({ dialect: store.dialect, applied });
        process.stdout.write(
          applied.length
            ? `applied ${applied.length} migration(s) on ${store.dialect}: ${applied.join(', ')}\n`
            : `database (${store.dialect}) is up to date\n`,
        );
      } finally {
        await store.close();
      }
    });
}
