import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function register(program: Command): void {
  program
    .command('version')
    .description('print the heartbridge version')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const version = packageVersion();
      process.stdout.write(
        opts.json ? `${JSON.stringify({ version, node: process.version })}\n` : `heartbridge ${version}\n`,
      );
    });
}
