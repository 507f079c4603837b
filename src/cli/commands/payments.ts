/**
 * `heartbridge payments reconcile [--date YYYY-MM-DD | --from T --to T] [--json] [--check]`: every
 * BigCommerce order of the period against its Heartland order — totals per payment method, then each
 * order that needs a person with what to do. Default period: yesterday (UTC). `--check` exits 1 when an
 * order needs attention (for cron and monitoring).
 */
import type { Command } from 'commander';
import { buildConnectionContext } from '../../flows/inventory/connection-context.js';
import { reconcilePayments } from '../../flows/payments/reconcile-payments.js';
import { centsToString } from '../../mapping/money.js';
import { CliError } from '../cli-error.js';
import { parseTime, printJson, printTable, withEngine } from './cli-context.js';

const DAY_MS = 86_400_000;

interface ReconcileOptions {
  date?: string;
  from?: string;
  to?: string;
  json?: boolean;
  check?: boolean;
  connection?: string;
}

/** The period asked for: one UTC day, an explicit range, or yesterday. */
export function reconcilePeriod(opts: ReconcileOptions, now = Date.now()): { from: number; to: number } {
  if (opts.date !== undefined) {
    if (opts.from !== undefined || opts.to !== undefined)
      throw new CliError('give either --date or --from/--to, not both', 2);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.date) || Number.isNaN(Date.parse(opts.date)))
      throw new CliError(`--date: not a date: "${opts.date}" (use YYYY-MM-DD, a UTC day)`, 2);
    const from = Date.parse(opts.date);
    return { from, to: from + DAY_MS };
  }
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const from = parseTime(opts.from, '--from', now) ?? today - DAY_MS;
  const to = parseTime(opts.to, '--to', now) ?? (opts.from !== undefined ? now : today);
  if (!(to > from)) throw new CliError('--to must be after --from', 2);
  return { from, to };
}

export function register(program: Command): void {
  const payments = program.command('payments').description('payment reconciliation between the two systems');
  payments
    .command('reconcile')
    .description('check what BigCommerce collected against what Heartland books, order by order')
    .option('--date <YYYY-MM-DD>', 'one UTC day (default: yesterday)')
    .option('--from <time>', 'start of the period (ISO time, or a duration ago such as 7d)')
    .option('--to <time>', 'end of the period (default: now when --from is given)')
    .option('--json', 'JSON output (the whole report)')
    .option('--check', 'exit 1 when an order needs attention')
    .option('--connection <id>', 'connection id (default: the first)')
    .action(async (opts: ReconcileOptions, command: Command) => {
      const period = reconcilePeriod(opts);
      await withEngine(command, async (engine, loaded) => {
        const { ctx } = buildConnectionContext(engine, loaded, opts.connection);
        const report = await reconcilePayments(ctx, period);
        if (report.orders > 0 && report.linked === 0)
          process.stderr.write(
            `warning: none of the ${report.orders} orders has a Heartland order for connection "${report.connectionId}": is this the connection and database the service uses?\n`,
          );
        if (opts.json) printJson(report);
        else {
          process.stdout.write(
            `Payments ${report.from} → ${report.to} (${report.connectionId}): ${report.orders} orders\n\n`,
          );
          const money = (c: number) => centsToString(c);
          printTable(
            ['method', 'orders', 'BC total', 'BC taken', 'BC refunded', 'HL deposits', 'need attention'],
            [...report.byMethod, report.all].map((r) => [
              r.method,
              String(r.orders),
              money(r.totalCents),
              money(r.collectedCents),
              money(r.refundedCents),
              money(r.recordedCents),
              String(r.withIssues),
            ]),
          );
          if (report.issues.length === 0) process.stdout.write('\nEvery order reconciles.\n');
          else {
            process.stdout.write(`\n${report.issues.length} orders need attention:\n`);
            for (const k of report.issues)
              for (const i of k.issues)
                process.stdout.write(`  [${i.code}] ${i.message}\n      fix: ${i.suggestedFix}\n`);
          }
        }
        if (opts.check && report.issues.length > 0) process.exitCode = 1;
      });
    });
}
