/**
 * `heartbridge demo`: the first thing a new user runs. Starts the sandbox and the real bridge on SQLite,
 * places storefront orders (two of them bad on purpose), shows them travel live, ships most from
 * Heartland, and ends with a verdict counted from the simulators' own records. Exit 0 when every promise
 * held (duplicates 0, lost 0, bad orders quarantined with a reason); 1 with the reason otherwise.
 *
 * The database and the bridge's log go to ./data/demo-<time>/ so `heartbridge quarantine list` can be
 * pointed at them afterwards (`--data-dir` to choose).
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { CliError, parseCliOptions } from '../cli-error.js';

const optionsSchema = z.object({
  orders: z.coerce.number().int().min(1).max(2_000).default(25),
  faults: z.boolean().default(false),
  keep: z.boolean().default(false),
  seed: z.string().min(1).max(100).default('demo'),
  json: z.boolean().default(false),
  dataDir: z.string().min(1).optional(),
});

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('sandbox + bridge on SQLite: orders flow end to end, then a verified summary')
    .option('--orders <n>', 'storefront orders to place (default 25)')
    .option('--faults', "turn the sandbox's faults on (5xx, 429s, lost responses, duplicate webhooks)")
    .option('--keep', 'keep the bridge and the sandbox running after the summary (Ctrl-C to stop)')
    .option('--seed <s>', 'seed for the sandbox data, the orders and the faults (default demo)')
    .option('--json', 'print only the summary, as one JSON line')
    .option('--data-dir <dir>', 'where the SQLite database and the log go (default ./data/demo-<time>)')
    .action(async (raw: Record<string, unknown>) => {
      const o = parseCliOptions(optionsSchema, raw);
      const [{ runDemo }, { createDemoView }, { reportLines, keepLines }] = await Promise.all([
        import('../../demo/run-demo.js'),
        import('../../demo/demo-view.js'),
        import('../../demo/demo-report.js'),
      ]);
      const write = (t: string) => process.stdout.write(t);
      const view = o.json
        ? undefined
        : createDemoView({ write, live: process.stdout.isTTY === true, seed: o.seed, faults: o.faults });
      let last: Parameters<NonNullable<typeof view>['progress']>[0] | undefined;
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let run: Awaited<ReturnType<typeof runDemo>>;
      try {
        run = await runDemo({
          orders: o.orders,
          faults: o.faults,
          keep: o.keep,
          seed: o.seed,
          dataDir: o.dataDir ?? `./data/demo-${stamp()}`,
          signal: abort.signal,
          onEvent: (e) => view?.event(e),
          onProgress: (p) => {
            last = p;
            view?.progress(p);
          },
        });
      } catch (err) {
        view?.end();
        if (abort.signal.aborted) throw new CliError('demo interrupted', 130);
        throw new CliError(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      view?.end();
      if (o.json) {
        write(
          `${JSON.stringify({ ok: run.summary.ok, elapsedMs: run.elapsedMs, summary: run.summary, urls: run.urls, progress: last && { webhooks: last.webhooks, retries: last.retries, apiCalls: last.apiCalls, faultsInjected: last.faultsInjected } })}\n`,
        );
      } else {
        write(
          `${reportLines(run, last, { faults: o.faults, columns: process.stdout.columns }).join('\n')}\n`,
        );
      }
      if (o.keep) {
        if (!o.json) write(`${keepLines(run).join('\n')}\n`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        await run.close();
      }
      if (!run.summary.ok) {
        throw new CliError(`demo: a promise was broken: ${run.summary.failures[0] ?? 'see the summary'}`);
      }
    });
}
