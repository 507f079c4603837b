/**
 * `npm run chaos -- --profile full|medium|small --backend sqlite|postgres [--mix full|reads] [--seed s] [--no-write]`
 * Runs one chaos run (see run-chaos.ts), prints the report and writes it to bench/results/. Exits 1 when a
 * promise failed. CHAOS_KEEP_LOGS=1 keeps the bridge logs (their folder is printed); CHAOS_LOG_LEVEL=info
 * adds each order's outcome and each Heartland create (job id, attempt) to them — with the queue's
 * HB_WARN_QUEUE_LEASE_* lines, what it takes to trace a duplicate to the runs that made it.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BackendName, type FaultMix, PROFILES, type ProfileName } from './profiles.js';
import { consoleSummary, writeReport } from './report.js';
import { REPO_ROOT, runChaos } from './run-chaos.js';

const { values } = parseArgs({
  options: {
    profile: { type: 'string', default: 'full' },
    backend: { type: 'string', default: 'sqlite' },
    seed: { type: 'string' },
    mix: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const profile = values.profile as ProfileName;
const backend = values.backend as BackendName;
if (!(profile in PROFILES)) {
  process.stderr.write(`--profile must be one of ${Object.keys(PROFILES).join(', ')}\n`);
  process.exit(2);
}
if (backend !== 'sqlite' && backend !== 'postgres') {
  process.stderr.write('--backend must be sqlite or postgres\n');
  process.exit(2);
}
if (values.mix !== undefined && values.mix !== 'full' && values.mix !== 'reads') {
  process.stderr.write('--mix must be full or reads\n');
  process.exit(2);
}
const mix = values.mix as FaultMix | undefined;
const report = await runChaos({ profile, backend, seed: values.seed, mix });
process.stdout.write(`${consoleSummary(report)}\n`);
if (!values['no-write']) {
  const file = writeReport(report, join(REPO_ROOT, 'bench/results'));
  process.stdout.write(`report: ${file}\n`);
}
if (process.env.CHAOS_KEEP_LOGS === '1') process.stdout.write(`bridge logs: ${report.logDir}\n`);
process.exit(report.ok ? 0 : 1);
