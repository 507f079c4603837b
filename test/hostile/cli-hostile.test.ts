/**
 * Hostile CLI input via real `node bin/heartbridge.js` processes (about 20 spawns, run 4 at a time):
 * unknown commands and options, bad ids, bad times, injection strings as arguments, hostile config files.
 * Each exits non-zero with a one-line reason naming the problem; bad usage exits 2; nothing is printed
 * that holds a secret; the database is intact afterwards (the injected strings matched nothing).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, createQueueBackend } from '../../src/engine/index.js';
import { openStore } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';
import { type CliResult, killCliProcesses, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-hostile-cli-'));
const dbFile = join(dir, 'hb.db');
const ADMIN_SECRET = 'cli-secret-admin-5e0b3c7a';
const config = join(dir, 'heartbridge.yaml');

function run(args: string[], opts: { config?: string; stdin?: string } = {}): Promise<CliResult> {
  return runCli(args, {
    cwd: dir,
    env: { HOME: dir, HEARTBRIDGE_CONFIG: opts.config ?? config, HEARTBRIDGE_LOG_LEVEL: 'silent' },
    input: opts.stdin,
    timeoutMs: 45_000,
  });
}

interface CliCase {
  name: string;
  args: string[];
  config?: string;
  stdin?: string;
  code: number;
  /** stderr (or stdout for code 0) must match. */
  says: RegExp;
}

const yaml = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

const cases: CliCase[] = [
  { name: 'unknown command', args: ['frobnicate'], code: 2, says: /unknown command 'frobnicate'/ },
  { name: 'unknown option', args: ['jobs', 'list', '--frob'], code: 2, says: /unknown option '--frob'/ },
  { name: 'missing argument', args: ['dlq', 'show'], code: 2, says: /missing required argument/ },
  { name: 'dlq id not a number', args: ['dlq', 'show', 'abc'], code: 2, says: /must be a number, got "abc"/ },
  { name: 'dlq id SQL', args: ['dlq', 'show', '1; DROP TABLE jobs; --'], code: 2, says: /must be a number/ },
  {
    name: 'dlq id negative',
    args: ['dlq', 'show', '--', '-1'],
    code: 2,
    says: /must be a number|unknown option/,
  },
  { name: 'dlq id 2^64', args: ['dlq', 'show', '18446744073709551616'], code: 1, says: /no dead letter/ },
  {
    name: '--since notadate',
    args: ['dlq', 'list', '--since', 'notadate'],
    code: 2,
    says: /--since: not a time: "notadate"/,
  },
  {
    name: '--limit -5',
    args: ['dlq', 'list', '--limit', '-5'],
    code: 2,
    says: /--limit must be a positive integer/,
  },
  {
    name: '--kind HTML',
    args: ['dlq', 'list', '--kind', '<script>alert(1)</script>'],
    code: 2,
    says: /--kind must be dead or quarantine/,
  },
  {
    name: '--state SQL',
    args: ['jobs', 'list', '--state', "done' OR '1'='1"],
    code: 2,
    says: /--state must be one of/,
  },
  { name: 'job id JSONata', args: ['jobs', 'show', '$eval("$string($)")'], code: 1, says: /no job/ },
  {
    name: 'task filter SQL matches nothing',
    args: ['jobs', 'list', '--task', "' OR 1=1 --", '--json'],
    code: 0,
    says: /^\[\]\s*$/,
  },
  {
    name: 'bulk replay without filter',
    args: ['dlq', 'replay'],
    code: 2,
    says: /needs an id or at least one filter/,
  },
  {
    name: 'bulk discard without --yes',
    args: ['dlq', 'discard', '--task', "x'; DELETE FROM dead_letters; --"],
    code: 1,
    says: /re-run with --yes/,
  },
  {
    name: 'encrypt with empty stdin',
    args: ['config', 'encrypt'],
    code: 1,
    says: /HEARTBRIDGE_MASTER_KEY|nothing to encrypt/,
  },
  {
    name: 'config: invalid YAML names file and line',
    args: ['config', 'validate'],
    config: yaml('broken.yaml', `server:\n  adminToken: "${ADMIN_SECRET}\n  port: 8080\n`),
    code: 1,
    says: /broken\.yaml:\d+: invalid YAML/,
  },
  {
    name: 'config: wrong type names field and file',
    args: ['config', 'validate'],
    config: yaml('typed.yaml', `server:\n  port: "; rm -rf /"\n  adminToken: ${ADMIN_SECRET}\n`),
    code: 1,
    says: /typed\.yaml: server\.port: .*expected number/,
  },
  {
    name: 'config: YAML bomb refused quickly',
    args: ['config', 'validate', '--json'],
    config: yaml(
      'bomb.yaml',
      readFileSync(join(import.meta.dirname, 'corpus', 'config', 'yaml-bomb.yaml.txt'), 'utf8'),
    ),
    code: 1,
    says: /Excessive alias count/,
  },
  {
    name: 'config: file that does not exist (path traversal)',
    args: ['--config', '../../../../nonexistent/../etc/heartbridge.yaml', 'config', 'validate'],
    code: 1,
    says: /heartbridge\.yaml: file not found/,
  },
];

let results: Map<string, CliResult>;

beforeAll(async () => {
  writeFileSync(config, `database:\n  url: ${dbFile}\nserver:\n  adminToken: ${ADMIN_SECRET}\n`);
  // Something to lose: two jobs that hostile arguments must neither find nor delete.
  const store = openStore(dbFile);
  await migrateToLatest(store);
  const engine = createEngine({ store, backend: await createQueueBackend(store) });
  for (const n of [1, 2]) {
    await engine.inbox.ingest({
      connectionId: 'main',
      source: 'test',
      dedupeKey: `cli-${n}`,
      topic: 'test/x',
      entityKey: `bc:order:${n}`,
      payload: { n },
      job: { task: 'orders.sync' },
    });
  }
  await engine.stop(0);
  await store.close();

  results = new Map();
  const queue = [...cases];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) results.set(c.name, await run(c.args, c));
    }),
  );
}, 120_000);

afterAll(() => {
  killCliProcesses();
  rmSync(dir, { recursive: true, force: true });
});

describe('hostile CLI input', () => {
  it(`spawns a modest number of processes (${cases.length})`, () => {
    expect(cases.length).toBeLessThanOrEqual(22);
  });

  for (const c of cases) {
    it(`${c.name}: exit ${c.code}, says ${c.says}`, () => {
      const r = results.get(c.name);
      expect(r, 'not run').toBeDefined();
      if (!r) return;
      const text = c.code === 0 ? r.stdout : r.stderr;
      expect({ code: r.code, text }).toMatchObject({ code: c.code, text: expect.stringMatching(c.says) });
      expect(`${r.stdout}${r.stderr}`).not.toContain(ADMIN_SECRET);
      // No stack traces for bad input: a one-line reason is the answer.
      expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    });
  }

  it('the database is intact after the barrage: both jobs still there', async () => {
    const store = openStore(dbFile);
    try {
      const jobs = await store.db.selectFrom('inbox').select('entity_key').orderBy('id').execute();
      expect(jobs.map((j) => j.entity_key)).toEqual(['bc:order:1', 'bc:order:2']);
    } finally {
      await store.close();
    }
  });
});
