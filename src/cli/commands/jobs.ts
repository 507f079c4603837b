/** `heartbridge jobs list | show`: what the queue holds, on either backend. */
import type { Command } from 'commander';
import type { JobStateName } from '../../engine/queue/queue-backend.js';
import { CliError } from '../cli-error.js';
import { iso, parseLimit, printJson, printTable, truncate, withEngine } from './cli-context.js';

const STATES: JobStateName[] = ['pending', 'running', 'retrying', 'done', 'dead'];

export function register(program: Command): void {
  const jobs = program.command('jobs').description('inspect queued, running and finished jobs');

  jobs
    .command('list')
    .description('list jobs, newest first')
    .option('--state <state>', `only this state (${STATES.join(', ')})`)
    .option('--task <task>', 'only this task, e.g. orders.sync')
    .option('--connection <id>', 'only this connection')
    .option('--entity <key>', 'only this entity key, e.g. bc:order:123')
    .option('--limit <n>', 'at most n jobs', '50')
    .option('--json', 'machine-readable output')
    .action(async (opts: Record<string, string | boolean | undefined>, command: Command) => {
      const state = opts.state as string | undefined;
      if (state && !STATES.includes(state as JobStateName)) {
        throw new CliError(`--state must be one of ${STATES.join(', ')}`, 2);
      }
      await withEngine(command, async (engine) => {
        const list = await engine.queue.listJobs({
          state: state as JobStateName | undefined,
          task: opts.task as string | undefined,
          connectionId: opts.connection as string | undefined,
          entityKey: opts.entity as string | undefined,
          limit: parseLimit(opts.limit as string | undefined),
        });
        if (opts.json) return printJson(list);
        if (list.length === 0) return void process.stdout.write('no jobs\n');
        printTable(
          ['ID', 'STATE', 'TASK', 'ENTITY', 'ATTEMPTS', 'RUN AT', 'LAST ERROR'],
          list.map((j) => [
            j.id,
            j.state,
            j.task,
            j.entityKey,
            `${j.attempts}/${j.maxAttempts}`,
            iso(j.runAt),
            truncate(
              j.lastError?.[0] ? `${j.lastError[0].code ?? ''} ${j.lastError[0].message}`.trim() : '-',
              50,
            ),
          ]),
        );
      });
    });

  jobs
    .command('show <id>')
    .description('one job with its payload and error chain')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }, command: Command) => {
      await withEngine(command, async (engine) => {
        const job = await engine.queue.getJob(id);
        if (!job) throw new CliError(`no job ${id}`);
        if (opts.json) return printJson(job);
        process.stdout.write(
          `${[
            `job ${job.id}  ${job.state}  ${job.task}  ${job.entityKey}`,
            `connection: ${job.connectionId}   attempts: ${job.attempts}/${job.maxAttempts}`,
            `created: ${iso(job.createdAt)}   run at: ${iso(job.runAt)}`,
            `payload: ${JSON.stringify(job.payload)}`,
            ...(job.lastError ?? []).map(
              (e, i) => `${i === 0 ? 'error' : 'cause'}: ${e.code ?? e.name}: ${e.message}`,
            ),
          ].join('\n')}\n`,
        );
      });
    });
}
