/**
 * `heartbridge sync inventory|catalog [--full] [--dry-run] [--json] [--connection id]`
 *
 * Without `--full`: one incremental run (the ledger poll / the catalog poll) — what the schedules do.
 * With `--full`: every SKU, with a progress bar on stderr (items, BigCommerce calls made, budget left,
 * ETA). A full sync is resumable: run it again after a crash and it continues from its cursor; batches
 * already written are not redone. `--dry-run` reads but writes nothing and prints what it would write.
 * `--json` prints one summary line on stdout (and no progress bar).
 */
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { z } from 'zod';
import { fullCatalogSync, pollCatalog } from '../../flows/catalog/catalog-poll.js';
import { type ApiMeter, buildConnectionContext } from '../../flows/inventory/connection-context.js';
import { fullSync } from '../../flows/inventory/full-sync.js';
import { pollLedger } from '../../flows/inventory/stock-sync.js';
import { CliError } from '../cli-error.js';
import { withEngine } from './cli-context.js';

const optionsSchema = z.object({
  full: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  json: z.boolean().default(false),
  connection: z.string().min(1).optional(),
});

function progressBar(meter: ApiMeter, enabled: boolean) {
  if (!enabled) return undefined;
  const bar = new SingleBar({
    format:
      '{phase} |{bar}| {value}/{total} items | BC calls {calls} | budget left {budget} | ETA {eta_formatted}',
    hideCursor: true,
    stream: process.stderr,
    etaBuffer: 50,
  });
  let started = false;
  let last = 0;
  return {
    update(phase: string, done: number, total?: number) {
      const now = Date.now();
      if (started && now - last < 200 && done !== total) return;
      last = now;
      void meter.budgetLeft().then((b) => {
        const payload = {
          phase: phase.padEnd(8),
          calls: meter.bcCalls(),
          budget: b ? `${b.left}/${b.quota}` : '?',
        };
        if (!started) {
          bar.start(total ?? Math.max(done, 1), done, payload);
          started = true;
        } else {
          if (total !== undefined) bar.setTotal(total);
          else if (done > bar.getTotal()) bar.setTotal(done);
          bar.update(done, payload);
        }
      });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export function register(program: Command): void {
  const sync = program.command('sync').description('sync Heartland → BigCommerce now (inventory or catalog)');
  for (const what of ['inventory', 'catalog'] as const) {
    sync
      .command(what)
      .description(
        what === 'inventory'
          ? 'write Heartland stock to BigCommerce locations (one poll, or --full for every SKU)'
          : 'write Heartland item names, prices and visibility to BigCommerce (one poll, or --full)',
      )
      .option('--full', 'every SKU (resumable after a crash)')
      .option('--dry-run', 'read everything, write nothing, print what would be written')
      .option('--json', 'one JSON summary line on stdout')
      .option('--connection <id>', 'connection id (default: the first)')
      .action(async (raw: Record<string, unknown>, command: Command) => {
        const parsed = optionsSchema.safeParse(raw);
        if (!parsed.success) throw new CliError(parsed.error.issues[0]?.message ?? 'bad options', 2);
        const opts = parsed.data;
        await withEngine(command, async (engine, loaded) => {
          const { ctx, meter, hasInventoryConfig } = buildConnectionContext(engine, loaded, opts.connection);
          if (what === 'inventory' && !hasInventoryConfig) {
            throw new CliError(
              `connection "${ctx.connectionId}" has no inventory block (see src/flows/inventory/inventory.example.yaml)`,
            );
          }
          const bar = progressBar(meter, opts.full && !opts.json && process.stderr.isTTY === true);
          const started = Date.now();
          let summary: Record<string, unknown>;
          try {
            if (what === 'inventory') {
              summary = opts.full
                ? {
                    ...(await fullSync(ctx, {
                      dryRun: opts.dryRun,
                      onProgress: (p) => bar?.update(p.phase, p.done, p.total),
                    })),
                  }
                : { ...(await pollLedger(ctx)) };
            } else {
              summary = opts.full
                ? {
                    ...(await fullCatalogSync(ctx, {
                      dryRun: opts.dryRun,
                      onProgress: (p) => bar?.update('catalog', p.done),
                    })),
                  }
                : { ...(await pollCatalog(ctx)) };
            }
          } finally {
            bar?.stop();
          }
          const out = {
            what,
            connection: ctx.connectionId,
            full: opts.full,
            dryRun: opts.dryRun,
            ...summary,
            bcCalls: meter.bcCalls(),
            bc429s: meter.bc429s(),
            ms: Date.now() - started,
          };
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(out)}\n`);
            return;
          }
          const { preview, ...rest } = out as Record<string, unknown> & { preview?: unknown };
          for (const [k, v] of Object.entries(rest))
            process.stdout.write(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`);
          if (opts.dryRun && preview !== undefined) {
            process.stdout.write('would write (first items):\n');
            process.stdout.write(`${JSON.stringify(preview, null, 2)}\n`);
          }
        });
      });
  }
}
