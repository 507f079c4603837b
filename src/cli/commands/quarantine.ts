/**
 * `heartbridge quarantine list | fix <id> | replay <id> | replay --all`: orders held back because they
 * cannot be written as they are (unknown SKU, unmapped payment method, invalid address …). `fix` says
 * what to change — the closest existing SKUs, the mapping-config key to add — and `replay` re-runs the
 * flow with the current config once it is fixed.
 */
import type { Command } from 'commander';
import type { DeadLetter } from '../../engine/dlq.js';
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

interface ProblemView {
  code?: string;
  field?: string;
  reason?: string;
  suggestedFix?: string;
  suggestions?: Array<{ sku?: string; name?: string; score?: number }>;
}

function problemsOf(d: DeadLetter): ProblemView[] {
  const p = d.errorChain[0]?.context?.problems;
  return Array.isArray(p) ? (p as ProblemView[]) : [];
}

/** What a person should do, per error code (the flow's suggested fix says it for this very order). */
const HOW_TO_FIX: Record<string, string> = {
  HB_ERR_MAP_UNKNOWN_SKU:
    'fix the SKU of the product/variant in BigCommerce (or create the item in Heartland with that public_id), then replay',
  HB_ERR_MAP_MISSING_SKU:
    'give the product or variant a SKU in BigCommerce that exists in Heartland, then replay',
  HB_ERR_MAP_PAYMENT_UNMAPPED:
    'map the payment method in the mapping config (paymentMethods.byName / byGateway / default), reload the config, then replay',
  HB_ERR_MAP_SHIPPING_UNMAPPED: 'map the shipping method under shippingMethods.byName, then replay',
  HB_ERR_MAP_ADDRESS_INVALID: 'correct the address on the BigCommerce order, then replay',
  HB_ERR_MAP_TOTAL_MISMATCH:
    'check discounts/fees on the order, or raise taxHandling.maxRoundingCents if it is rounding',
  HB_ERR_ORDER_CUSTOMER_AMBIGUOUS:
    'heartbridge review list, then heartbridge review resolve <id> --use <customerId>',
};

export function explain(d: DeadLetter): string {
  const lines = [
    `quarantine ${d.id}  ${d.status}  ${d.entityKey}  (${d.errorCode}, ${iso(d.createdAt)})`,
    `why: ${d.errorMessage}`,
  ];
  for (const p of problemsOf(d)) {
    lines.push(`  - ${p.field ?? '?'}: ${p.reason ?? ''}`);
    if (p.suggestions?.length) {
      lines.push(
        `    closest SKUs: ${p.suggestions
          .slice(0, 5)
          .map((s) => `${s.sku}${s.name ? ` (${s.name})` : ''}`)
          .join(', ')}`,
      );
    }
    if (p.suggestedFix) lines.push(`    fix: ${p.suggestedFix}`);
  }
  if (problemsOf(d).length === 0 && d.suggestedFix) lines.push(`fix: ${d.suggestedFix}`);
  const how = HOW_TO_FIX[d.errorCode];
  if (how) lines.push(`how: ${how}`);
  lines.push(`then: heartbridge quarantine replay ${d.id}`);
  return lines.join('\n');
}

export function register(program: Command): void {
  const q = program.command('quarantine').description('orders held back with a reason and a suggested fix');

  q.command('list')
    .description('open quarantine entries, newest first')
    .option('--limit <n>', 'at most n entries', '50')
    .option('--json', 'machine-readable output')
    .action(async (opts: { limit?: string; json?: boolean }, command: Command) => {
      await withEngine(command, async (engine) => {
        const list = await engine.dlq.list({
          kind: 'quarantine',
          status: 'open',
          limit: parseLimit(opts.limit),
        });
        if (opts.json) return printJson(list);
        if (list.length === 0) return void process.stdout.write('nothing quarantined\n');
        printTable(
          ['ID', 'ENTITY', 'CODE', 'CREATED', 'REASON'],
          list.map((d) => [
            String(d.id),
            d.entityKey,
            d.errorCode,
            iso(d.createdAt),
            truncate(d.errorMessage, 70),
          ]),
        );
        process.stdout.write('\nsee what to do: heartbridge quarantine fix <id>\n');
      });
    });

  q.command('fix <id>')
    .description('explain what to change for this entry (closest SKUs, mapping keys), then how to replay')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }, command: Command) => {
      await withEngine(command, async (engine) => {
        const d = await engine.dlq.get(parseId(id, 'quarantine id'));
        if (d?.kind !== 'quarantine') throw new CliError(`no quarantine entry ${id}`);
        if (opts.json) {
          return printJson({ ...d, problems: problemsOf(d), how: HOW_TO_FIX[d.errorCode] ?? d.suggestedFix });
        }
        process.stdout.write(`${explain(d)}\n`);
      });
    });

  q.command('replay [id]')
    .description('re-run the order with the current config (one entry, or --all open entries)')
    .option('--all', 'replay every open quarantine entry')
    .option('--json', 'machine-readable output')
    .action(async (id: string | undefined, opts: { all?: boolean; json?: boolean }, command: Command) => {
      if ((id === undefined) === !opts.all) throw new CliError('give an id or --all', 2);
      await withEngine(command, async (engine) => {
        const result = await engine.dlq.replay(
          id !== undefined
            ? parseId(id, 'quarantine id')
            : { kind: 'quarantine', status: 'open', limit: 100_000 },
          cliActor(),
        );
        if (id !== undefined && result.replayed.length === 0)
          throw new CliError(`quarantine entry ${id} is not open`);
        if (opts.json) return printJson(result);
        process.stdout.write(`replayed ${result.replayed.length}\n`);
        for (const r of result.replayed) process.stdout.write(`  ${r.id} → job ${r.jobId}\n`);
      });
    });
}
