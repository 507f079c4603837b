/**
 * `heartbridge serve`: HTTP (ingest, admin, health, metrics) + workers + schedules in one process, or
 * one side only (`--no-workers` / `--workers-only`) so ingest and workers scale separately.
 * Starts on SQLite with nothing configured; without the connection env it still serves health and
 * metrics and says which variables sync needs.
 */
import type { Command } from 'commander';
import type { AppRole } from '../../app/create-app.js';
import { CliError } from '../cli-error.js';
import { loadCliConfigWithStoredSecrets } from './cli-context.js';

interface ServeOptions {
  workersOnly?: boolean;
  workers: boolean;
  port?: string;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('run heartbridge: HTTP server + workers + schedules')
    .option('--workers-only', 'run workers and schedules, no HTTP server')
    .option('--no-workers', 'run the HTTP server only (ingest, admin, health, metrics)')
    .option('--port <port>', 'HTTP port (overrides PORT and server.port)')
    .action(async (opts: ServeOptions, command: Command) => {
      if (opts.workersOnly && !opts.workers)
        throw new CliError('--workers-only and --no-workers exclude each other', 2);
      const role: AppRole = opts.workersOnly ? 'worker' : opts.workers ? 'all' : 'web';
      let port: number | undefined;
      if (opts.port !== undefined) {
        if (!/^\d+$/.test(opts.port) || Number(opts.port) > 65535)
          throw new CliError(`--port: not a port: ${opts.port}`, 2);
        port = Number(opts.port);
      }
      const loaded = await loadCliConfigWithStoredSecrets(command);
      for (const notice of loaded.notices) process.stderr.write(`heartbridge: note: ${notice}\n`);
      const [{ appModules, composeModules }, { createApp }] = await Promise.all([
        import('../../app/app-modules.js'),
        import('../../app/create-app.js'),
      ]);
      const modules = composeModules(appModules);
      const app = await createApp({
        config: loaded.config,
        environment: loaded.environment,
        role,
        port,
        handlers: modules.handlers,
        schedules: modules.schedules,
        routes: modules.routes,
      });
      for (const notice of loaded.notices) app.logger.warn({ notice }, 'configuration notice');
      const removeSignals = app.handleSignals();
      // Something must keep the event loop alive in a worker-only process until a signal stops it.
      const keepAlive = setInterval(() => {}, 1 << 30);
      try {
        await app.start();
      } catch (err) {
        clearInterval(keepAlive);
        await app.stop();
        removeSignals();
        const reason = (err as Error).message ?? String(err);
        throw new CliError(
          /EADDRINUSE/.test(reason) ? `port already in use: ${reason}` : `could not start: ${reason}`,
        );
      }
      if (role !== 'worker') process.stderr.write(`heartbridge: listening on ${app.address()} (${role})\n`);
      else process.stderr.write('heartbridge: workers running (no HTTP server)\n');
      await app.stopped;
      clearInterval(keepAlive);
      removeSignals();
    });
}
