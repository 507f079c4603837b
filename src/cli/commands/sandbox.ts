/**
 * `heartbridge sandbox`: starts the BigCommerce and Heartland simulators on 127.0.0.1 and keeps them up
 * until SIGINT/SIGTERM. With `--json`, prints exactly one line once both listen:
 * {"bigcommerce":{"apiUrl","storeHash","accessToken"},"heartland":{"apiUrl","token"}}
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { FAULT_PRESETS, startSandbox } from '../../sandbox/index.js';
import { runTraffic } from '../../sandbox/traffic/run-traffic.js';
import { CliError, parseCliOptions } from '../cli-error.js';

const port = z.coerce.number().int().min(0).max(65535);
const optionsSchema = z.object({
  bcPort: port.default(0),
  hlPort: port.default(0),
  seed: z.string().min(1).default('heartbridge'),
  products: z.coerce.number().int().min(1).max(200_000).default(50),
  faults: z.string().optional(),
  timeScale: z.coerce.number().positive().default(1),
  traffic: z.coerce.number().positive().optional(),
  json: z.boolean().default(false),
});

function parseFaults(raw: string | undefined): Record<string, unknown> | string | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text.startsWith('{')) {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new CliError('--faults is not valid JSON', 2);
    }
  }
  if (!(text in FAULT_PRESETS)) {
    throw new CliError(
      `--faults: unknown preset "${text}" (known: ${Object.keys(FAULT_PRESETS).join(', ')})`,
      2,
    );
  }
  return text;
}

export function register(program: Command): void {
  program
    .command('sandbox')
    .description('run the BigCommerce and Heartland Retail simulators on 127.0.0.1')
    .option('--bc-port <n>', 'BigCommerce simulator port (0 = any free port)')
    .option('--hl-port <n>', 'Heartland simulator port (0 = any free port)')
    .option('--seed <s>', 'seed for data, faults and traffic')
    .option('--products <n>', 'BigCommerce products to generate (SKUs ≈ 2.4 ×)')
    .option(
      '--faults <json|preset>',
      `fault config JSON or a preset: ${Object.keys(FAULT_PRESETS).join(', ')}`,
    )
    .option('--time-scale <x>', 'multiply BigCommerce webhook retry delays by x (0.001 = fast)')
    .option('--traffic <perSec>', 'also generate traffic at this many actions per second')
    .option('--json', 'print one JSON line with the credentials once ready')
    .action(async (raw: Record<string, unknown>) => {
      const o = parseCliOptions(optionsSchema, raw);
      const faults = parseFaults(o.faults);
      let sandbox: Awaited<ReturnType<typeof startSandbox>>;
      try {
        sandbox = await startSandbox({
          seed: o.seed,
          products: o.products,
          bcPort: o.bcPort,
          hlPort: o.hlPort,
          faults,
          timeScale: o.timeScale,
        });
      } catch (err) {
        throw new CliError(`sandbox failed to start: ${err instanceof Error ? err.message : String(err)}`);
      }
      const info = { bigcommerce: sandbox.bigcommerce, heartland: sandbox.heartland };
      if (o.json) {
        process.stdout.write(`${JSON.stringify(info)}\n`);
      } else {
        process.stdout.write(
          [
            `BigCommerce  ${info.bigcommerce.apiUrl}/stores/${info.bigcommerce.storeHash}/v3  (X-Auth-Token: ${info.bigcommerce.accessToken})`,
            `Heartland    ${info.heartland.apiUrl}  (Authorization: Bearer ${info.heartland.token})`,
            `Faults: PUT /__sandbox/faults on either port. Seed "${o.seed}", ${sandbox.seed.skuCount.shared} shared SKUs.`,
            'Ctrl-C to stop.',
            '',
          ].join('\n'),
        );
      }
      const stop = new AbortController();
      const traffic =
        o.traffic === undefined
          ? Promise.resolve()
          : runTraffic(sandbox, {
              ratePerSec: o.traffic,
              durationMs: Number.POSITIVE_INFINITY,
              seed: o.seed,
              signal: stop.signal,
            }).then(() => undefined);
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      stop.abort();
      await traffic.catch(() => undefined);
      await sandbox.close();
    });
}
