/**
 * `npm run bench -- <name> [args…]`: runs `bench/<name>/run.ts` with the remaining arguments.
 * Benchmarks are never part of `npm test` (timing is not a pass/fail criterion there).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'run.ts')))
  .map((d) => d.name)
  .sort();

const [name, ...rest] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h' || !available.includes(name)) {
  if (name && name !== '--help' && name !== '-h') console.error(`unknown benchmark '${name}'`);
  console.error(`usage: npm run bench -- <${available.join('|')}> [args…]   (see bench/README.md)`);
  process.exit(name && name !== '--help' && name !== '-h' ? 2 : 0);
}
const res = spawnSync(process.execPath, ['--import', 'tsx', join(here, name, 'run.ts'), ...rest], {
  stdio: 'inherit',
});
process.exit(res.status ?? 1);
