#!/usr/bin/env node
// Entry point. In a source checkout (tsx installed, src/ present) run the TypeScript directly so the
// command always matches the code; in an installed package run the compiled dist/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'cli', 'main.ts');
const compiled = join(root, 'dist', 'cli', 'main.js');

async function main() {
  if (existsSync(source) && process.env.HEARTBRIDGE_USE_DIST !== '1') {
    try {
      const { register } = await import('tsx/esm/api');
      register();
      const mod = await import(pathToFileURL(source).href);
      return mod.run(process.argv);
    } catch (err) {
      if (!(err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('tsx'))) throw err;
    }
  }
  if (!existsSync(compiled)) {
    process.stderr.write('heartbridge: not built. Run `npm run build` (or `npm ci` in a source checkout).\n');
    process.exit(2);
  }
  const mod = await import(pathToFileURL(compiled).href);
  return mod.run(process.argv);
}

main().catch((err) => {
  process.stderr.write(`heartbridge: ${err?.message ? err.message : String(err)}\n`);
  process.exit(1);
});
