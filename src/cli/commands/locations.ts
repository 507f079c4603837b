/**
 * `heartbridge locations sync [--managed] [--dry-run] [--json]`: creates the BigCommerce locations of the
 * connection's location map that do not exist yet (`--managed` → `managed_by_external_source: true`,
 * also applied to existing ones). Prints the ids BigCommerce assigned.
 */
import type { Command } from 'commander';
import { buildConnectionContext } from '../../flows/inventory/connection-context.js';
import { syncLocations } from '../../flows/inventory/locations-sync.js';
import { CliError } from '../cli-error.js';
import { withEngine } from './cli-context.js';

export function register(program: Command): void {
  const locations = program.command('locations').description('BigCommerce inventory locations');
  locations
    .command('sync')
    .description('create the BigCommerce locations named in the location map')
    .option('--managed', 'mark them managed by an external source (locks manual stock edits)')
    .option('--dry-run', 'only say what would be created')
    .option('--json', 'JSON output')
    .option('--connection <id>', 'connection id (default: the first)')
    .action(
      async (
        opts: { managed?: boolean; dryRun?: boolean; json?: boolean; connection?: string },
        command: Command,
      ) => {
        await withEngine(command, async (engine, loaded) => {
          const { ctx, hasInventoryConfig } = buildConnectionContext(engine, loaded, opts.connection);
          if (!hasInventoryConfig)
            throw new CliError(`connection "${ctx.connectionId}" has no inventory block`);
          const result = await syncLocations(ctx, { managed: opts.managed, dryRun: opts.dryRun });
          if (opts.json) {
            process.stdout.write(`${JSON.stringify({ connection: ctx.connectionId, locations: result })}\n`);
            return;
          }
          for (const r of result) {
            const note =
              r.status === 'created' && r.bcId !== r.configuredId
                ? ` (config says ${r.configuredId}: update it to ${r.bcId})`
                : '';
            process.stdout.write(`${r.code}\t${r.bcId ?? '-'}\t${r.status}${note}\n`);
          }
        });
      },
    );
}
