/**
 * `heartbridge sync giftcards [--full] [--dry-run] [--json] [--connection id]`
 *
 * Without `--full`: one poll, as the schedule runs it — both sides are read and a `giftcards.card` job is
 * queued per card that needs work, for the service's workers. With `--full`: every such card is synced
 * here and now, each one claimed through its link first (src/flows/giftcards/giftcard-links.ts), so a
 * service running beside this command never writes the same card at the same time; a card it holds is
 * reported `busy` and left to it. `--dry-run` reads both sides and prints what would be written. Cards
 * that fail are listed and the exit code is 1.
 *
 * Registered as a subcommand of `sync` (src/cli/commands/sync.ts owns `sync inventory|catalog`).
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { parseDurationMs } from '../../config/duration.js';
import { channelsFromConfig, createAlerts } from '../../engine/alerts/index.js';
import { fullGiftCardSync, pollGiftCards } from '../../flows/giftcards/giftcard-poll.js';
import { parseGiftCardsConfig } from '../../flows/giftcards/giftcards-config.js';
import type { GiftCardFlowContext } from '../../flows/giftcards/giftcards-context.js';
import { buildConnectionContext } from '../../flows/inventory/connection-context.js';
import { createLogger } from '../../log/index.js';
import { CliError } from '../cli-error.js';
import { withEngine } from './cli-context.js';

const optionsSchema = z.object({
  full: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  json: z.boolean().default(false),
  connection: z.string().min(1).optional(),
});

export function register(program: Command): void {
  const sync = program.commands.find((c) => c.name() === 'sync') ?? program.command('sync');
  sync
    .command('giftcards')
    .description(
      'gift card balances BigCommerce ⇄ Heartland (one poll that queues per-card jobs, or --full to sync every card now)',
    )
    .option('--full', 'sync every card that needs it now, in this process')
    .option('--dry-run', 'read both sides, write nothing, print what would be written')
    .option('--json', 'one JSON summary line on stdout')
    .option('--connection <id>', 'connection id (default: the first)')
    .action(async (raw: Record<string, unknown>, command: Command) => {
      const parsed = optionsSchema.safeParse(raw);
      if (!parsed.success) throw new CliError(parsed.error.issues[0]?.message ?? 'bad options', 2);
      const opts = parsed.data;
      await withEngine(command, async (engine, loaded) => {
        const { ctx: base, meter } = buildConnectionContext(engine, loaded, opts.connection);
        const conn = loaded.config.connections.find((c) => c.id === base.connectionId);
        if (conn?.giftCards === undefined) {
          throw new CliError(
            `connection "${base.connectionId}" has no giftCards block (add \`giftCards: {}\` to turn gift card sync on; docs/configuration.md)`,
          );
        }
        const giftCards = parseGiftCardsConfig(conn.giftCards);
        // Logs on stderr (stdout carries the summary); alerts go where the service's would (double spends).
        const logger = createLogger({ level: loaded.config.log.level, destination: process.stderr });
        const alerts = createAlerts({
          store: engine.store,
          channels: channelsFromConfig(loaded.config.alerts.channels),
          logger,
          throttleMs: parseDurationMs(loaded.config.alerts.throttle),
          sendRecovery: loaded.config.alerts.sendRecovery,
        });
        const ctx: GiftCardFlowContext = {
          connectionId: base.connectionId,
          engine,
          bc: base.bc,
          hl: base.hl,
          configVersion: loaded.version,
          now: Date.now,
          alerts,
          logger,
          giftCards,
        };
        const started = Date.now();
        const progress = opts.full && !opts.json && process.stderr.isTTY === true;
        let summary: Record<string, unknown>;
        let failed = 0;
        try {
          if (opts.full || opts.dryRun) {
            const r = await fullGiftCardSync(ctx, {
              dryRun: opts.dryRun,
              onProgress: progress
                ? (p) => process.stderr.write(`\rgift cards ${p.done}/${p.total}`)
                : undefined,
            });
            if (progress) process.stderr.write('\n');
            failed = r.failed.length;
            summary = { ...r };
          } else {
            summary = { ...(await pollGiftCards(ctx)) };
          }
        } finally {
          await alerts.close();
        }
        const out = {
          what: 'giftcards',
          connection: ctx.connectionId,
          full: opts.full,
          dryRun: opts.dryRun,
          ...summary,
          bcCalls: meter.bcCalls(),
          ms: Date.now() - started,
        };
        if (opts.json) process.stdout.write(`${JSON.stringify(out)}\n`);
        else {
          const {
            outcomes,
            failed: failures,
            ...rest
          } = out as Record<string, unknown> & {
            outcomes?: unknown[];
            failed?: unknown[];
          };
          for (const [k, v] of Object.entries(rest))
            process.stdout.write(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`);
          if (outcomes && outcomes.length > 0) {
            process.stdout.write(opts.dryRun ? 'would do (first 100):\n' : 'done (first 100):\n');
            for (const o of outcomes.slice(0, 100)) process.stdout.write(`  ${JSON.stringify(o)}\n`);
          }
          if (failures && failures.length > 0) {
            process.stdout.write('failed:\n');
            for (const f of failures) process.stdout.write(`  ${JSON.stringify(f)}\n`);
          }
        }
        if (failed > 0) process.exitCode = 1;
      });
    });
}
