/** `heartbridge catalog unmatched [--json]`: SKUs on either side without a partner on the other. */
import type { Command } from 'commander';
import { unmatchedSkus } from '../../flows/catalog/catalog-poll.js';
import { buildConnectionContext } from '../../flows/inventory/connection-context.js';
import { withEngine } from './cli-context.js';

export function register(program: Command): void {
  const catalog = program
    .command('catalog')
    .description('catalog matching between Heartland and BigCommerce');
  catalog
    .command('unmatched')
    .description('list SKUs that exist on one side only')
    .option('--json', 'JSON output')
    .option('--connection <id>', 'connection id (default: the first)')
    .action(async (opts: { json?: boolean; connection?: string }, command: Command) => {
      await withEngine(command, async (engine, loaded) => {
        const { ctx } = buildConnectionContext(engine, loaded, opts.connection);
        const u = await unmatchedSkus(ctx);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ connection: ctx.connectionId, ...u })}\n`);
          return;
        }
        process.stdout.write(`BigCommerce only (${u.bcOnly.length}):\n`);
        for (const s of u.bcOnly) process.stdout.write(`  ${s}\n`);
        process.stdout.write(`Heartland only (${u.hlOnly.length}):\n`);
        for (const s of u.hlOnly) process.stdout.write(`  ${s}\n`);
      });
    });
}
