/**
 * `heartbridge demo` keeps its promises: the runner (the same one the CLI drives) on a small run —
 * every good order once in Heartland, the bad ones quarantined with a reason and a fix, fulfilments back
 * in BigCommerce — as counted from the simulators' own records. And the live view and the summary render
 * what the user is promised to see.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoProgress } from '../../src/demo/demo-progress.js';
import { reportLines } from '../../src/demo/demo-report.js';
import { createDemoView, panelLines } from '../../src/demo/demo-view.js';
import { type DemoEvent, type DemoRun, runDemo } from '../../src/demo/run-demo.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-demo-test-'));
let run: DemoRun;
const events: DemoEvent[] = [];
const progress: DemoProgress[] = [];
// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');

beforeAll(async () => {
  run = await runDemo({
    orders: 8,
    faults: false,
    keep: false,
    seed: 'demo-test',
    dataDir: dir,
    onEvent: (e) => events.push(e),
    onProgress: (p) => progress.push(p),
  });
}, 40_000);

afterAll(async () => {
  await run?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('heartbridge demo', () => {
  it('ends with duplicates 0, lost 0, bad orders quarantined with a reason, shipments back', () => {
    const s = run.summary;
    expect(s.failures).toEqual([]);
    expect(s.ok).toBe(true);
    expect(s.placed).toBe(8);
    expect(s.duplicates).toBe(0);
    expect(s.lost).toBe(0);
    expect(s.quarantined.length).toBeGreaterThanOrEqual(1);
    for (const q of s.quarantined) {
      expect(q.expected).toBe(true);
      expect(q.reason.length).toBeGreaterThan(10);
      expect(q.suggestedFix).toBeTruthy();
    }
    expect(s.quarantined.map((q) => q.code).sort()).toEqual([
      'HB_ERR_MAP_PAYMENT_UNMAPPED',
      'HB_ERR_MAP_UNKNOWN_SKU',
    ]);
    expect(s.synced).toBe(8 - s.quarantined.length);
    expect(s.totalsMatch).toBe(s.synced);
    expect(s.shippedBack).toBeGreaterThan(0);
    expect(s.shippedBack).toBe(s.fulfilments);
  });

  it('reports progress and events on the way', () => {
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['sandbox', 'bridge', 'phase']));
    const last = progress.at(-1);
    expect(last?.placed).toBe(8);
    expect(last?.webhooks.received).toBeGreaterThan(0);
    expect(last?.apiCalls.bc).toBeGreaterThan(0);
    expect(last?.apiCalls.hl).toBeGreaterThan(0);
    expect(last?.stages).toHaveLength(8);
    expect(last?.stages.filter((st) => st === 'quarantined')).toHaveLength(run.summary.quarantined.length);
  });

  it('renders a panel redrawn in place on a TTY, and plain lines elsewhere', () => {
    const last = progress.at(-1) as DemoProgress;
    const lines = panelLines(last, { seed: 'demo-test', faults: false }).map(plain);
    expect(lines.join('\n')).toContain('placed 8/8');
    let tty = '';
    const view = createDemoView({ write: (t) => (tty += t), live: true, seed: 's', faults: false });
    view.progress(last);
    view.progress(last);
    view.end();
    expect(tty).toContain(`\x1b[${lines.length}F`); // moved back up over the previous panel
    let text = '';
    const pipe = createDemoView({ write: (t) => (text += t), live: false, seed: 's', faults: false });
    pipe.progress(last);
    pipe.end();
    expect(text).not.toContain('\x1b[');
    expect(text).toContain('placed 8/8');
  });

  it('prints a summary with the reasons, the fixes and what to try next', () => {
    const text = plain(reportLines(run, progress.at(-1), { faults: false, columns: 100 }).join('\n'));
    expect(text).toContain('Every promise kept');
    expect(text).toMatch(/Duplicates\s+0/);
    expect(text).toMatch(/Lost\s+0/);
    expect(text).toContain('unknown SKU');
    expect(text).toContain('Crypto Wallet');
    expect(text).toContain('heartbridge quarantine list');
    expect(text).toContain('--faults');
  });
});
