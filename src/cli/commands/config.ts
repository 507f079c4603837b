/** `heartbridge config validate | schema | encrypt | keygen`. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, formatIssue } from '../../config/config-error.js';
import { configJsonSchema } from '../../config/config-json-schema.js';
import { redactConfig } from '../../config/config-redact.js';
import { loadConfig } from '../../config/load-config.js';
import { encryptSecret, generateMasterKey, masterKeyFromEnv } from '../../config/secrets.js';
import { CliError } from '../cli-error.js';
import { type GlobalOptions, printJson } from './cli-context.js';

export function register(program: Command): void {
  const config = program.command('config').description('check and describe the configuration');

  config
    .command('validate')
    .description('load heartbridge.yaml + environment and report every problem (nothing is started)')
    .option('--json', 'machine-readable output')
    .option('--print', 'also print the effective configuration (secrets masked)')
    .action((opts: { json?: boolean; print?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      try {
        const loaded = loadConfig({ file: globals.config, environment: globals.env });
        const summary = {
          ok: true,
          file: loaded.file,
          environment: loaded.environment,
          version: loaded.version,
          connections: loaded.config.connections.map((c) => c.id),
          database: loaded.config.database.url.startsWith('postgres') ? 'postgres' : 'sqlite',
          notices: loaded.notices,
          ...(opts.print ? { config: redactConfig(loaded.config) } : {}),
        };
        if (opts.json) return printJson(summary);
        process.stdout.write(
          `ok: ${loaded.file ?? 'environment variables only'} (environment ${loaded.environment}), ` +
            `version ${loaded.version}, ${summary.connections.length} connection(s), ${summary.database}\n`,
        );
        for (const notice of loaded.notices) process.stdout.write(`note: ${notice}\n`);
        if (opts.print) printJson(summary.config);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        if (opts.json) printJson({ ok: false, issues: err.issues });
        if (err.issues.length === 1 && err.issues[0]) throw new CliError(formatIssue(err.issues[0]));
        if (!opts.json) for (const issue of err.issues) process.stderr.write(`${formatIssue(issue)}\n`);
        throw new CliError(`configuration invalid: ${err.issues.length} problems (listed above)`);
      }
    });

  config
    .command('schema')
    .description('print the JSON Schema of heartbridge.yaml (for editor completion and validation)')
    .option('--markdown', 'print the field reference (docs/configuration.md) instead')
    .action(async (opts: { markdown?: boolean }) => {
      if (!opts.markdown) return printJson(configJsonSchema());
      const { configReferenceMarkdown } = await import('../../config/config-docs.js');
      process.stdout.write(configReferenceMarkdown());
    });

  config
    .command('encrypt')
    .description('encrypt a secret for heartbridge.yaml with HEARTBRIDGE_MASTER_KEY (value from stdin)')
    .action(() => {
      const key = (() => {
        try {
          return masterKeyFromEnv();
        } catch (err) {
          throw new CliError((err as Error).message);
        }
      })();
      const value = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
      if (!value) throw new CliError('nothing to encrypt: pipe the secret on stdin', 2);
      process.stdout.write(`${encryptSecret(value, key)}\n`);
    });

  config
    .command('keygen')
    .description('print a new random master key (base64) for HEARTBRIDGE_MASTER_KEY')
    .action(() => {
      process.stdout.write(`${generateMasterKey()}\n`);
    });
}
