/**
 * The chaos report: a console summary and a markdown file `bench/results/chaos-<profile>-<backend>-<date>.md`
 * with the machine, the date, the profile and every figure.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MAX_ATTEMPTS } from '../../src/config/config-schema.js';
import type { ChaosReport } from './run-chaos.js';

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function machine(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${process.platform}; load average at the end ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ')}`;
}

function verdict(ok: boolean | null): string {
  return ok === null ? 'NOT CHECKED' : ok ? 'ok' : 'FAILED';
}

function stockFigures(r: ChaosReport): string[] {
  const v = r.verify.stock;
  const inv = r.inventory;
  if (!v.wired || !inv) return ['| stock drift | not checked (the queue did not drain) |'];
  return [
    `| stock (SKU, location) pairs compared / safety stock applied at | ${v.compared} / ${v.safetyApplied} |`,
    `| stock drift left by the incremental sync (before the final reconcile) | ${inv.beforeReconcile.drift.length} |`,
    `| stock drift repaired by the final reconcile / after it (verdict) | ${inv.finalReconcileRepaired} / ${v.drift.length} |`,
    `| stock levels repaired by reconcile over the whole run (runs that repaired) | ${inv.repairedDuringRun} (${inv.reconcileRuns}) |`,
    `| reserved at the end: units / orders not in Heartland (parked) | ${v.reservedUnits} / ${v.reservedOrders} |`,
    ...(v.drift.length
      ? [
          `| drift examples | ${v.drift
            .slice(0, 8)
            .map((d) => `${d.sku}@${d.locationId}: BC ${d.bc}, expected ${d.expected}`)
            .join('; ')} |`,
        ]
      : []),
  ];
}

export function renderMarkdown(r: ChaosReport): string {
  const p = r.profile;
  const v = r.verify;
  const f = (k: string) => (v.faults.bc[k] ?? 0) + (v.faults.hl[k] ?? 0);
  const lines = [
    `# Chaos run — ${p.name} profile on ${r.backend === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`,
    '',
    `${r.ok ? '**All promises held.**' : '**A promise FAILED** (see below).'} Run by \`npm run chaos -- --profile ${p.name} --backend ${r.backend} --mix ${p.mix}\`.`,
    '',
    `- Date: ${r.startedAt}`,
    `- Machine: ${machine()}`,
    `- Bridge: real \`heartbridge serve\` processes: ${r.processes.join(' + ')}; worker concurrency ${r.processes.length > 1 ? (p.pgConcurrency ?? p.concurrency) : p.concurrency} per process, maxAttempts ${DEFAULT_MAX_ATTEMPTS}`,
    `- Inventory: ledger poll ${p.inventory.poll}, reservations ${p.inventory.reservations}, reconcile ${p.inventory.reconcile}; Heartland location i → BigCommerce location i, safety \`keep: 2\` at location 1; Heartland concurrency ${p.hlConcurrency}`,
    `- Load: ${r.load.ordersPlaced} storefront orders placed (${r.load.ordersWithUnknownSku} with a SKU only BigCommerce has, to be parked; ${r.load.ordersSkipped} skipped: sold out), ${r.load.stockChanges} Heartland stock changes (${r.load.stockChangesFailed} refused) over ${s(p.loadMs)}`,
    `- Chaos phase ${s(r.chaosMs)}: one process SIGKILLed every ${s(p.killEveryMs)} and restarted (${r.kills} kills); two ${s(p.outageMs)} outages of each API; ${p.mix === 'reads' ? 'fault mix `reads`: 10 % 5xx, 0.5 % hangs and the outages on reads only; 3 % 429s and 5 % committed-then-timeout on every call' : 'fault mix `full`: 10 % 5xx, 5 % hangs, 3 % 429s, 5 % committed-then-timeout on every call heartbridge makes'}; webhooks duplicated (50 %) and reordered (50 %)`,
    `- Wall time ${s(r.wallMs)}; drain after the faults ${s(r.drainMs)}${r.drained ? '' : ' (did NOT drain)'}`,
    '',
    '## Promises',
    '',
    '| promise | verdict | figure |',
    '|---|---|---|',
    ...r.promises.map((x) => `| ${x.name} | ${verdict(x.ok)} | ${x.detail.replace(/\|/g, '\\|')} |`),
    '',
    '## Figures',
    '',
    '| figure | value |',
    '|---|---|',
    `| orders placed / in Heartland / parked on purpose | ${v.placed} / ${v.synced} / ${v.parked.length} |`,
    `| lost / duplicated / wrong totals / wrong lines | ${v.lost.length} / ${v.duplicated.length} / ${v.wrongTotals.length} / ${v.wrongLines.length} |`,
    `| orders paid twice in Heartland (deposits above the total) | ${v.overpaid.length} |`,
    `| late copies cancelled by heartbridge (a create that landed after its retry) | ${v.lateCopiesCancelled} |`,
    `| orders whose Heartland copy splits a line (same SKU, two unit prices: exact-cent discount) | ${v.ordersWithSplitLines} |`,
    `| Heartland fulfilments / shipments lost / duplicated | ${v.fulfilments} / ${v.shipmentsLost.length} / ${v.shipmentsDuplicated.length} |`,
    ...stockFigures(r),
    `| jobs / retries (attempts beyond the first) / most attempts of one job | ${r.jobs.total} / ${r.jobs.retries} / ${r.jobs.maxAttempts} |`,
    `| jobs by state at the end | ${Object.entries(r.jobs.byState)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')} |`,
    `| injected: 5xx / outage 503s / hangs / 429s / committed-then-timeout | ${f('error')} / ${f('outage')} / ${f('hang')} / ${f('rate429')} / ${f('commitThenTimeout')} |`,
    `| webhook deliveries / duplicated / reordered | ${v.webhookDeliveries} / ${f('webhookDuplicate')} / ${f('webhookReorder')} |`,
    `| kills (SIGKILL) | ${r.kills} |`,
    ...(v.simLoopDelay
      ? [
          `| simulators' event-loop delay max / p99 (a request waits this long before its handler) | ${v.simLoopDelay.maxMs} ms / ${v.simLoopDelay.p99Ms} ms |`,
        ]
      : []),
    '',
    '## Dead letters left open',
    '',
    ...(r.deadLetters.length === 0
      ? ['None.']
      : [
          '| kind | code | count | genuine permanent? | example |',
          '|---|---|---|---|---|',
          ...r.deadLetters.map(
            (d) =>
              `| ${d.kind} | ${d.code} | ${d.count} | ${d.genuine ? 'yes' : 'NO'} | ${d.example.replace(/\|/g, '\\|')} |`,
          ),
        ]),
    '',
  ];
  return lines.join('\n');
}

export function writeReport(r: ChaosReport, dir: string): string {
  const date = r.startedAt.slice(0, 10);
  const file = join(
    dir,
    `chaos-${r.profile.name}-${r.backend}-${date}${r.profile.mix === 'full' || r.profile.name === 'small' ? '' : `-${r.profile.mix}`}.md`,
  );
  writeFileSync(file, renderMarkdown(r));
  return file;
}

export function consoleSummary(r: ChaosReport): string {
  const width = Math.max(...r.promises.map((p) => p.name.length));
  return [
    `chaos ${r.profile.name} on ${r.backend}: ${r.ok ? 'ALL PROMISES HELD' : 'FAILED'} (wall ${s(r.wallMs)}, ${r.kills} kills, ${r.jobs.retries} retries)`,
    ...r.promises.map((p) => `  ${p.name.padEnd(width)}  ${verdict(p.ok).padEnd(11)}  ${p.detail}`),
  ].join('\n');
}
