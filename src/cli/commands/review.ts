/**
 * `heartbridge review list | resolve <id> --use <hlCustomerId> | --create`: decisions heartbridge will
 * not make on its own (an order whose shopper matches several Heartland customers). Resolving replays
 * the parked order, which then uses the chosen customer (or creates a new one).
 */
import type { Command } from 'commander';
import { createReviewItems, type ReviewItem } from '../../flows/orders/review-items.js';
import { resolveReviewItem } from '../../flows/orders/review-resolution.js';
import { CliError } from '../cli-error.js';
import {
  cliActor,
  iso,
  parseId,
  parseLimit,
  printJson,
  printTable,
  truncate,
  withEngine,
} from './cli-context.js';

function candidatesText(item: ReviewItem): string {
  const list = Array.isArray(item.candidates) ? (item.candidates as Array<Record<string, unknown>>) : [];
  return list
    .map(
      (c) =>
        `${String(c.id)} ${[c.first_name, c.last_name].filter(Boolean).join(' ')} <${String(c.email ?? '-')}>`,
    )
    .join('; ');
}

export function register(program: Command): void {
  const review = program
    .command('review')
    .description('decisions waiting for a person (ambiguous customers)');

  review
    .command('list')
    .description('open review items (newest first)')
    .option('--all', 'include resolved items')
    .option('--limit <n>', 'at most n items', '50')
    .option('--json', 'machine-readable output')
    .action(async (opts: { all?: boolean; limit?: string; json?: boolean }, command: Command) => {
      await withEngine(command, async (engine) => {
        const items = await createReviewItems(engine.store.db).list({
          status: opts.all ? undefined : 'open',
          limit: parseLimit(opts.limit),
        });
        if (opts.json) return printJson(items);
        if (items.length === 0) return void process.stdout.write('nothing to review\n');
        printTable(
          ['ID', 'STATUS', 'ENTITY', 'CREATED', 'REASON', 'CANDIDATES'],
          items.map((i) => [
            String(i.id),
            i.status,
            i.entityKey,
            iso(i.createdAt),
            truncate(i.reason, 50),
            truncate(candidatesText(i), 80),
          ]),
        );
        process.stdout.write(
          '\nresolve with: heartbridge review resolve <id> --use <customerId>   (or --create)\n',
        );
      });
    });

  review
    .command('resolve <id>')
    .description(
      'choose the Heartland customer (--use) or a new one (--create); the parked order is replayed',
    )
    .option('--use <customerId>', 'the Heartland customer id the order belongs to')
    .option('--create', 'create a new Heartland customer for the order')
    .option('--json', 'machine-readable output')
    .action(
      async (id: string, opts: { use?: string; create?: boolean; json?: boolean }, command: Command) => {
        if ((opts.use === undefined) === !opts.create)
          throw new CliError('give exactly one of --use <customerId> or --create', 2);
        const resolution =
          opts.use !== undefined ? { use: parseId(opts.use, '--use') } : ({ create: true } as const);
        await withEngine(command, async (engine) => {
          const r = await resolveReviewItem(engine, parseId(id, 'review item id'), resolution, cliActor());
          if ('error' in r) throw new CliError(r.error);
          if (opts.json) return printJson(r);
          process.stdout.write(
            `review item ${r.item.id} resolved (${'use' in resolution ? `customer ${resolution.use}` : 'new customer'}); replayed ${r.replayed.length} parked job(s)\n`,
          );
        });
      },
    );
}
