/**
 * The demo in a terminal. On a TTY: a compact panel redrawn in place (one glyph per order, so the user
 * watches each order travel: placed → in Heartland → shipped back, or quarantined), with event lines
 * printed above it. Elsewhere (CI logs, `| tee`): plain lines, one per phase and every few seconds.
 */
import { relative } from 'node:path';
import pc from 'picocolors';
import type { DemoProgress, OrderStage } from './demo-progress.js';
import type { DemoEvent } from './run-demo.js';

export interface DemoViewOptions {
  write: (text: string) => void;
  /** Redraw in place (stdout is a TTY). */
  live: boolean;
  seed: string;
  faults: boolean;
}

const GLYPHS: Record<OrderStage, string> = {
  placed: pc.dim('○'),
  heartland: pc.cyan('●'),
  partial: pc.green('◐'),
  shipped: pc.green('✔'),
  quarantined: pc.yellow('✖'),
};
const PER_ROW = 50;
const MAX_ROWS = 3;

/** `./data/x.db` when the path is under the working directory, else the absolute path. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') || rel === '' ? path : `./${rel}`;
}

const clip = (t: string, max: number) => (t.length > max ? `${t.slice(0, max - 1)}…` : t);

export const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const n = (v: number) => pc.bold(String(v));

function glyphRows(p: DemoProgress): string[] {
  const cells = [...p.stages.map((s) => GLYPHS[s])];
  for (let i = p.stages.length; i < p.planned; i++) cells.push(pc.dim('·'));
  const rows: string[] = [];
  for (let i = 0; i < cells.length && rows.length < MAX_ROWS; i += PER_ROW)
    rows.push(cells.slice(i, i + PER_ROW).join(''));
  const shown = PER_ROW * MAX_ROWS;
  if (cells.length > shown) rows[rows.length - 1] += pc.dim(` +${cells.length - shown}`);
  return rows;
}

export function panelLines(p: DemoProgress, opts: Pick<DemoViewOptions, 'seed' | 'faults'>): string[] {
  const label = (t: string) => pc.dim(t.padEnd(10));
  const sep = pc.dim(' · ');
  const title = `${pc.bold('heartbridge demo')}${sep}seed ${opts.seed}${sep}${
    opts.faults ? pc.yellow('faults on') : 'faults off'
  }`;
  const jobs = [
    `pending ${n(p.jobs.pending)}`,
    `running ${n(p.jobs.running)}`,
    `retrying ${p.jobs.retrying ? pc.yellow(String(p.jobs.retrying)) : n(0)}`,
    `dead ${p.jobs.dead ? pc.red(String(p.jobs.dead)) : n(0)}`,
  ].join(sep);
  const lines = [
    `  ${title}   ${pc.dim(secs(p.elapsedMs))}`,
    `  ${pc.cyan('▸')} ${p.phase}`,
    '',
    ...glyphRows(p).map((row, i) => `  ${label(i === 0 ? 'orders' : '')}${row}`),
    `  ${label('')}placed ${n(p.placed)}/${p.planned}${sep}in Heartland ${n(p.inHeartland)}${sep}shipped back ${n(
      p.ordersShippedBack,
    )}${sep}quarantined ${p.quarantinedPlaced ? pc.yellow(String(p.quarantinedPlaced)) : n(0)}`,
    `  ${label('jobs')}${jobs}`,
    `  ${label('webhooks')}received ${n(p.webhooks.received)}${sep}duplicates ${n(p.webhooks.duplicates)}${sep}retries ${n(
      p.retries,
    )}`,
    `  ${label('API calls')}BigCommerce ${n(p.apiCalls.bc)}${sep}Heartland ${n(p.apiCalls.hl)}${
      p.faultsInjected !== undefined ? `${sep}faults injected ${pc.yellow(String(p.faultsInjected))}` : ''
    }`,
    ...p.retrying.map(
      (r) =>
        `  ${label(r === p.retrying[0] ? 'retrying' : '')}${pc.yellow(r.entityKey)} ${pc.dim(
          `again in ${secs(r.inMs)} ·`,
        )} ${clip(`${r.code}: ${r.message}`, 56)}`,
    ),
    `  ${label('')}${pc.dim(
      `${GLYPHS.placed} placed  ${GLYPHS.heartland} in Heartland  ${GLYPHS.partial} partly shipped  ${GLYPHS.shipped} shipped back  ${GLYPHS.quarantined} quarantined`,
    )}`,
  ];
  return lines;
}

function plainLine(p: DemoProgress): string {
  return (
    `[${secs(p.elapsedMs).padStart(7)}] ${p.phase}: placed ${p.placed}/${p.planned}, in Heartland ${p.inHeartland}, ` +
    `shipped back ${p.ordersShippedBack}, quarantined ${p.quarantinedPlaced}; jobs ${p.jobs.pending} pending ` +
    `${p.jobs.running} running ${p.jobs.retrying} retrying ${p.jobs.dead} dead; webhooks ${p.webhooks.received} ` +
    `(${p.webhooks.duplicates} dup); retries ${p.retries}; API calls BC ${p.apiCalls.bc} HL ${p.apiCalls.hl}`
  );
}

export function eventLine(e: DemoEvent): string {
  switch (e.kind) {
    case 'sandbox':
      return `${pc.green('✔')} sandbox up: BigCommerce ${pc.dim(e.bigcommerce)}, Heartland ${pc.dim(e.heartland)}${
        e.faults ? pc.yellow('  (faults on)') : ''
      }`;
    case 'bridge':
      return `${pc.green('✔')} bridge up at ${e.url} · SQLite ${pc.dim(displayPath(e.database))} · hooks registered`;
    case 'phase':
      return `${pc.cyan('▸')} ${e.text}`;
    case 'done':
      return `${pc.green('✔')} ${e.text}`;
  }
}

export interface DemoView {
  event(e: DemoEvent): void;
  progress(p: DemoProgress): void;
  /** Draws the last panel for good (TTY) and stops redrawing. */
  end(): void;
}

export function createDemoView(opts: DemoViewOptions): DemoView {
  let drawn = 0;
  let last: DemoProgress | undefined;
  let lastPlainAt = 0;
  let lastPlainPhase = '';
  let ended = false;
  const erase = () => {
    if (drawn > 0) opts.write(`\x1b[${drawn}F\x1b[0J`);
    drawn = 0;
  };
  const draw = () => {
    if (!last) return;
    const lines = panelLines(last, opts);
    opts.write(`${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  if (opts.live) opts.write('\x1b[?25l'); // hide the cursor while redrawing
  return {
    event(e) {
      if (ended) return;
      if (opts.live) {
        erase();
        opts.write(`${eventLine(e)}\n`);
        draw();
      } else opts.write(`${eventLine(e)}\n`);
    },
    progress(p) {
      if (ended) return;
      last = p;
      if (opts.live) {
        erase();
        draw();
      } else if (p.phase !== lastPlainPhase || p.elapsedMs - lastPlainAt >= 3_000) {
        lastPlainPhase = p.phase;
        lastPlainAt = p.elapsedMs;
        opts.write(`${plainLine(p)}\n`);
      }
    },
    end() {
      if (ended) return;
      ended = true;
      if (opts.live) {
        erase();
        draw();
        opts.write('\x1b[?25h');
      } else if (last) opts.write(`${plainLine(last)}\n`);
    },
  };
}
