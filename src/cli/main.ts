/**
 * `heartbridge` command line. Each command lives in `commands/<name>.ts` and exports
 * `register(program)`; this file only assembles them and turns failures into exit codes:
 * 0 ok, 1 the command failed (one-line reason on stderr), 2 bad usage.
 */
import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { commandModules } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('heartbridge')
    .description('Keeps a Heartland Retail account and a BigCommerce store in step.')
    .option(
      '-c, --config <file>',
      'configuration file (default: $HEARTBRIDGE_CONFIG, else heartbridge.yaml if present)',
    )
    .option('-e, --env <name>', 'named environment overlay (dev, qa, prod); default $HEARTBRIDGE_ENV')
    .showHelpAfterError()
    .exitOverride();
  for (const mod of commandModules) mod.register(program);
  return program;
}

export async function run(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`heartbridge: ${message.split('\n')[0]}\n`);
    process.exitCode = err instanceof CliError ? err.exitCode : 1;
  }
}
