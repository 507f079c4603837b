/**
 * `heartbridge review list | resolve <id> (--use <hlCustomerId> | --create | --approve | --reject)`:
 * decisions heartbridge will not make on its own. A shopper matching several Heartland customers takes
 * `--use` / `--create` (the parked order is replayed with that customer); an anomaly — an order held by
 * the risk screen, a price change beyond the guard — takes `--approve` (send it on / publish it) or
 * `--reject` (keep it out).
 */
import type { Command } from 'commander';
import {
  createReviewItems,
  type ReviewItem,
  type ReviewResolution,
} from '../../flows/orders/review-items.js';
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
  const c = item.candidates as Record<string, unknown> | null;
  if (c && !Array.isArray(c) && 'score' in c) return `score ${String(c.score)}, total ${String(c.total)}`;
  if (c && !Array.isArray(c) && 'from' in c) return `${String(c.sku)}: ${String(c.from)} → ${String(c.to)}`;
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
    .description('decisions waiting for a person (ambiguous customers, held orders, held prices)');

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
          '\nresolve with: heartbridge review resolve <id> --use <customerId> | --create   (customer matches)\n' +
            '              heartbridge review resolve <id> --approve | --reject          (held orders and prices)\n',
        );
      });
    });

  review
    .command('resolve <id>')
    .description(
      'decide: the Heartland customer (--use) or a new one (--create); or approve / reject a held order or price',
    )
    .option('--use <customerId>', 'the Heartland customer id the order belongs to')
    .option('--create', 'create a new Heartland customer for the order')
    .option('--approve', 'send the held order to Heartland / publish the held price')
    .option('--reject', 'keep the held order out of Heartland / the held price unpublished')
    .option('--json', 'machine-readable output')
    .action(
      async (
        id: string,
        opts: { use?: string; create?: boolean; approve?: boolean; reject?: boolean; json?: boolean },
        command: Command,
      ) => {
        const given = [opts.use !== undefined, opts.create, opts.approve, opts.reject].filter(Boolean).length;
        if (given !== 1)
          throw new CliError('give exactly one of --use <customerId>, --create, --approve or --reject', 2);
        const resolution: ReviewResolution =
          opts.use !== undefined
            ? { use: parseId(opts.use, '--use') }
            : opts.create
              ? { create: true }
              : opts.approve
                ? { approve: true }
                : { reject: true };
        await withEngine(command, async (engine) => {
          const r = await resolveReviewItem(engine, parseId(id, 'review item id'), resolution, cliActor());
          if ('error' in r) throw new CliError(r.error);
          if (opts.json) return printJson(r);
          const what =
            'use' in resolution
              ? `customer ${resolution.use}`
              : 'create' in resolution
                ? 'new customer'
                : 'approve' in resolution
                  ? 'approved'
                  : 'rejected';
          process.stdout.write(
            `review item ${r.item.id} resolved (${what}); ${r.replayed.length} job(s) re-run\n`,
          );
        });
      },
    );
}
