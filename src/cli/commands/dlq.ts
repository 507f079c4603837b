/**
 * `heartbridge dlq list | show | replay | discard`. Replay and discard take one id, or a filter
 * (`--task --code --since --until --connection --kind`) plus `--yes` — a bulk action never happens by
 * accident. Every action is audited by the engine with the CLI user as actor.
 */
import type { Command } from 'commander';
import type { Dlq, DlqFilter } from '../../engine/dlq.js';
import { CliError } from '../cli-error.js';
import {
  cliActor,
  iso,
  parseId,
  parseLimit,
  parseTime,
  printJson,
  printTable,
  truncate,
  withEngine,
} from './cli-context.js';

type FilterOpts = Record<string, string | boolean | undefined>;

function filterOptions(cmd: Command): Command {
  return cmd
    .option('--task <task>', 'only this task, e.g. orders.sync')
    .option('--code <code>', 'only this error code, e.g. HB_ERR_BC_VALIDATION')
    .option('--since <time>', 'created at or after (ISO time, or a duration ago: 2h, 7d)')
    .option('--until <time>', 'created before (ISO time, or a duration ago)')
    .option('--connection <id>', 'only this connection')
    .option('--kind <kind>', 'dead or quarantine');
}

function toFilter(opts: FilterOpts): DlqFilter {
  const kind = opts.kind as string | undefined;
  if (kind && kind !== 'dead' && kind !== 'quarantine')
    throw new CliError('--kind must be dead or quarantine', 2);
  const status = opts.status as string | undefined;
  if (status && !['open', 'replayed', 'discarded', 'resolved'].includes(status)) {
    throw new CliError('--status must be open, replayed, discarded or resolved', 2);
  }
  return {
    task: opts.task as string | undefined,
    errorCode: opts.code as string | undefined,
    since: parseTime(opts.since as string | undefined, '--since'),
    until: parseTime(opts.until as string | undefined, '--until'),
    connectionId: opts.connection as string | undefined,
    kind: kind as DlqFilter['kind'],
    status: status as DlqFilter['status'],
  };
}

function hasFilter(f: DlqFilter): boolean {
  return [f.task, f.errorCode, f.since, f.until, f.connectionId, f.kind].some((v) => v !== undefined);
}

/** Resolves `[id]` + filter flags into a target, refusing an unconfirmed bulk action (saying how many match). */
async function target(
  dlq: Pick<Dlq, 'list'>,
  id: string | undefined,
  opts: FilterOpts,
  verb: string,
): Promise<number | DlqFilter> {
  const filter = toFilter(opts);
  if (id !== undefined) {
    if (hasFilter(filter)) throw new CliError(`give either an id or filter options, not both`, 2);
    return parseId(id, 'dead letter id');
  }
  if (!hasFilter(filter)) {
    throw new CliError(
      `${verb} needs an id or at least one filter (--task, --code, --since, --until, --connection, --kind)`,
      2,
    );
  }
  const n = (await dlq.list({ ...filter, status: 'open', limit: 100_000 })).length;
  if (!opts.yes) throw new CliError(`${n} open dead letter(s) match; re-run with --yes to ${verb} them`);
  return { ...filter, status: 'open', limit: 100_000 };
}

export function register(program: Command): void {
  const dlq = program.command('dlq').description('dead letters: failed jobs and quarantined inputs');

  filterOptions(dlq.command('list').description('list dead letters, newest first'))
    .option('--status <status>', 'open (default: any), replayed, discarded, resolved')
    .option('--limit <n>', 'at most n entries', '50')
    .option('--json', 'machine-readable output')
    .action(async (opts: FilterOpts, command: Command) => {
      await withEngine(command, async (engine) => {
        const list = await engine.dlq.list({
          ...toFilter(opts),
          limit: parseLimit(opts.limit as string | undefined),
        });
        if (opts.json) return printJson(list);
        if (list.length === 0) return void process.stdout.write('no dead letters\n');
        printTable(
          ['ID', 'STATUS', 'KIND', 'TASK', 'ENTITY', 'CODE', 'CREATED', 'MESSAGE'],
          list.map((d) => [
            String(d.id),
            d.status,
            d.kind,
            d.task,
            d.entityKey,
            d.errorCode,
            iso(d.createdAt),
            truncate(d.errorMessage, 50),
          ]),
        );
      });
    });

  dlq
    .command('show <id>')
    .description('one dead letter with its payload, error chain and suggested fix')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }, command: Command) => {
      await withEngine(command, async (engine) => {
        const d = await engine.dlq.get(parseId(id, 'dead letter id'));
        if (!d) throw new CliError(`no dead letter ${id}`);
        if (opts.json) return printJson(d);
        process.stdout.write(
          `${[
            `dead letter ${d.id}  ${d.status}  ${d.kind}  ${d.task}  ${d.entityKey}`,
            `connection: ${d.connectionId}   attempts: ${d.attempts}   config version: ${d.configVersion ?? '-'}`,
            `created: ${iso(d.createdAt)}   updated: ${iso(d.updatedAt)}`,
            `error: ${d.errorCode}: ${d.errorMessage}`,
            ...d.errorChain.slice(1).map((e) => `cause: ${e.code ?? e.name}: ${e.message}`),
            `suggested fix: ${d.suggestedFix ?? '-'}`,
            `payload: ${JSON.stringify(d.payload)}`,
          ].join('\n')}\n`,
        );
      });
    });

  filterOptions(
    dlq.command('replay [id]').description('re-run the flow from its trigger with the current config'),
  )
    .option('--yes', 'confirm a bulk replay by filter')
    .option('--json', 'machine-readable output')
    .action(async (id: string | undefined, opts: FilterOpts, command: Command) => {
      await withEngine(command, async (engine) => {
        const t = await target(engine.dlq, id, opts, 'replay');
        const result = await engine.dlq.replay(t, cliActor());
        if (typeof t === 'number' && result.replayed.length === 0) {
          throw new CliError(`dead letter ${t} is not open (or does not exist); nothing replayed`);
        }
        if (opts.json) return printJson(result);
        process.stdout.write(
          `replayed ${result.replayed.length}${result.skipped.length ? `, skipped ${result.skipped.length} not open` : ''}\n`,
        );
        for (const r of result.replayed) process.stdout.write(`  ${r.id} → job ${r.jobId}\n`);
      });
    });

  filterOptions(dlq.command('discard [id]').description('close dead letters without running them again'))
    .option('--reason <text>', 'why (kept in the audit log)')
    .option('--yes', 'confirm a bulk discard by filter')
    .option('--json', 'machine-readable output')
    .action(async (id: string | undefined, opts: FilterOpts, command: Command) => {
      await withEngine(command, async (engine) => {
        const t = await target(engine.dlq, id, opts, 'discard');
        const result = await engine.dlq.discard(t, cliActor(), opts.reason as string | undefined);
        if (typeof t === 'number' && result.discarded.length === 0) {
          throw new CliError(`dead letter ${t} is not open (or does not exist); nothing discarded`);
        }
        if (opts.json) return printJson(result);
        process.stdout.write(
          `discarded ${result.discarded.length}${result.skipped.length ? `, skipped ${result.skipped.length} not open` : ''}\n`,
        );
      });
    });
}
