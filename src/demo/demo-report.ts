/**
 * The demo's final words: the verdict (from the simulators' own records), the quarantined orders with
 * their reason and fix, and what to try next. Plain text with colour; readable without it.
 */
import pc from 'picocolors';
import type { DemoProgress } from './demo-progress.js';
import type { QuarantineView } from './demo-verify.js';
import { displayPath, secs } from './demo-view.js';
import type { DemoRun } from './run-demo.js';

const LABELS: Record<string, string> = {
  HB_ERR_MAP_UNKNOWN_SKU: 'unknown SKU',
  HB_ERR_MAP_MISSING_SKU: 'line without a SKU',
  HB_ERR_MAP_PAYMENT_UNMAPPED: 'unmapped payment method',
  HB_ERR_MAP_SHIPPING_UNMAPPED: 'unmapped shipping method',
  HB_ERR_MAP_ADDRESS_INVALID: 'invalid address',
  HB_ERR_MAP_TOTAL_MISMATCH: 'totals do not add up',
};

/** The flow's message without the "order N cannot be written…: field.path:" preamble. */
export function shortReason(q: QuarantineView): string {
  return q.reason
    .replace(/^order \d+ cannot be written to Heartland: /, '')
    .replace(/^[\w.[\]=]+: /, '')
    .replace(/ \(gateway [^)]*\)/, '');
}

function shortFix(q: QuarantineView): string {
  const fix = (q.suggestedFix ?? 'see heartbridge quarantine list').split(/; closest/)[0] ?? '';
  return q.closestSkus.length ? `${fix} (closest: ${q.closestSkus.join(', ')})` : fix;
}

/** Word-wraps `prefix + text` to `width` columns; continuation lines are indented like the text. */
export function wrap(prefix: string, text: string, width: number): string {
  const indent = ' '.repeat(prefix.length);
  const out: string[] = [];
  let line = prefix;
  let empty = true;
  for (const word of text.split(' ')) {
    if (!empty && line.length + 1 + word.length > width) {
      out.push(line);
      line = indent + word;
    } else line = empty ? line + word : `${line} ${word}`;
    empty = false;
  }
  out.push(line);
  return out.join('\n');
}

function retryDetail(p: DemoProgress): string {
  const parts = Object.entries(p.retryCodes)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([code, v]) => `${code.replace(/^HB_ERR_/, '')} ×${v}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

export function reportLines(
  run: DemoRun,
  last: DemoProgress | undefined,
  opts: { faults: boolean; columns?: number },
): string[] {
  const s = run.summary;
  const width = Math.max(60, Math.min(opts.columns ?? 100, 110));
  const row = (label: string, value: number | string, note = '') =>
    `   ${label.padEnd(34)}${pc.bold(String(value).padStart(4))}   ${pc.dim(note)}`;
  const zero = (label: string, v: number) =>
    `   ${label.padEnd(34)}${(v === 0 ? pc.green : pc.red)(pc.bold(String(v).padStart(4)))}`;
  const out: string[] = [''];
  out.push(
    s.ok
      ? `  ${pc.green(pc.bold('✔ Every promise kept'))} ${pc.dim(`— ${s.placed} orders in ${secs(run.elapsedMs)}`)}`
      : `  ${pc.red(pc.bold('✖ A promise was broken'))} ${pc.dim(`— ${s.placed} orders in ${secs(run.elapsedMs)}`)}`,
  );
  out.push('');
  out.push(row('Storefront orders placed', s.placed));
  out.push(
    row('In Heartland, exactly once', s.synced, `totals equal to the cent: ${s.totalsMatch}/${s.synced}`),
  );
  out.push(
    row(
      'Shipped from Heartland',
      s.shippedFromHeartland,
      s.partiallyShipped ? `${s.partiallyShipped} of them partially` : '',
    ),
  );
  out.push(
    row(
      'Back in BigCommerce as shipments',
      s.shippedBack,
      `with tracking · ${s.bcShipped} Shipped, ${s.bcPartiallyShipped} Partially Shipped`,
    ),
  );
  out.push(row('Quarantined', s.quarantined.length, 'held back with the reason — never half-written'));
  for (const q of s.quarantined) {
    out.push(
      `      ${pc.yellow('✖')} order #${q.bcOrderId ?? '?'}  ${pc.yellow(LABELS[q.code] ?? q.code)}${
        q.expected ? pc.dim('  (bad on purpose)') : ''
      }`,
    );
    out.push(wrap('        ', shortReason(q), width));
    out.push(wrap('        fix: ', shortFix(q), width).replace('fix:', pc.dim('fix:')));
  }
  out.push(zero('Duplicates', s.duplicates));
  out.push(zero('Lost', s.lost));
  out.push(pc.dim("   (counted from the simulators' own records, not from heartbridge's database)"));
  if (last) {
    out.push('');
    out.push(
      pc.dim(
        wrap(
          '   ',
          `webhooks ${last.webhooks.received} received (${last.webhooks.duplicates} duplicates dropped) · ` +
            `${last.retries} retries${retryDetail(last)} · API calls: BigCommerce ${last.apiCalls.bc}, Heartland ${last.apiCalls.hl}` +
            (last.faultsInjected !== undefined ? ` · faults injected ${last.faultsInjected}` : ''),
          width,
        ),
      ),
    );
  }
  if (!s.ok) {
    out.push('');
    for (const f of s.failures.slice(0, 10)) out.push(`  ${pc.red('✖')} ${f}`);
    if (s.failures.length > 10) out.push(`  … and ${s.failures.length - 10} more`);
  }
  const db = displayPath(run.urls.database);
  out.push('');
  out.push(`  ${pc.bold('What to try next')}`);
  const next = (cmd: string, what: string) => `    ${pc.cyan(cmd)}\n      ${pc.dim(what)}`;
  out.push(
    next(
      `DATABASE_URL=${db} npx heartbridge quarantine list`,
      'the held orders, why, and how to fix them (then `quarantine replay <id>`)',
    ),
  );
  if (!opts.faults)
    out.push(
      next('npx heartbridge demo --faults', 'the same under 5xx, 429s, lost responses, duplicate webhooks'),
    );
  out.push(
    next(
      'npx heartbridge demo --keep',
      run.urls.dashboardAvailable
        ? 'keep it running afterwards: the dashboard, /metrics, the sandbox APIs'
        : 'keep it running afterwards: /metrics, the admin API, the sandbox APIs',
    ),
  );
  out.push(pc.dim(`    bridge log: ${displayPath(run.urls.log)}`));
  out.push('');
  return out;
}

export function keepLines(run: DemoRun): string[] {
  const u = run.urls;
  const line = (label: string, value: string) => `    ${label.padEnd(12)}${value}`;
  return [
    `  ${pc.bold('Still running')} ${pc.dim('— Ctrl-C to stop')}`,
    line('bridge', `${u.bridge}  ${pc.dim('/healthz  /metrics  /webhooks/…')}`),
    ...(u.dashboardAvailable ? [line('dashboard', u.dashboard)] : []),
    line('BigCommerce', `${u.bigcommerce}  ${pc.dim(`X-Auth-Token: ${u.bigcommerceToken}`)}`),
    line('Heartland', `${u.heartland}  ${pc.dim(`Authorization: Bearer ${u.heartlandToken}`)}`),
    line('database', displayPath(u.database)),
    '',
  ];
}
