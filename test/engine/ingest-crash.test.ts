/**
 * Ack ⇒ stored, under SIGKILL: a child ingests events (the SQLite inbox with deferred WAL sync: commit
 * with synchronous=NORMAL, ack only after fdatasync of the -wal) and reports each acknowledged event;
 * the test kills it with SIGKILL right after a burst of acks, while more batches are committing and
 * syncing, reopens the database and expects every acknowledged event — inbox row and job — to be there.
 *
 * What this can and cannot prove: SIGKILL leaves the OS page cache intact, so it catches a writer that
 * acks before COMMIT (or loses committed work in process memory), never one that acks before the data
 * reached the disk — only power loss tells those apart, and a test cannot pull the plug. That half of
 * the promise rests on the argument in src/engine/queue/sqlite/sqlite-writer.ts (fdatasync of the -wal
 * after COMMIT; checkpoints sync the WAL before touching it) and on test/engine/ingest-wal-sync.test.ts
 * (no ack before the fdatasync has succeeded; a failed fdatasync acknowledges nothing).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/database.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/** Starts the child, collects acknowledged keys, SIGKILLs it once `acks` have arrived. */
async function ingestThenKill(file: string, prefix: string, acks: number): Promise<string[]> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/engine/ingest-crash-child.ts', file, prefix],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  const acked: string[] = [];
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code, signal) =>
      reject(
        new Error(`ingest child exited early (code ${code}, signal ${signal}) after ${acked.length} acks`),
      ),
    );
    lines.on('line', (line) => {
      if (line === 'ready') return;
      acked.push(line);
      if (acked.length === acks) {
        child.kill('SIGKILL');
        resolve();
      }
    });
  });
  lines.close();
  await exited(child);
  return acked;
}

const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await exited(c);
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('ingest crash test (SQLite, deferred WAL sync)', () => {
  it('every event acknowledged before SIGKILL is in the inbox with its job after reopening', {
    timeout: 30_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-ingest-crash-'));
    dirs.push(dir);
    const file = join(dir, 'hb.db');
    const acked: string[] = [];
    // Two lives: the second starts on the WAL the first one left behind (recovery), then dies too.
    acked.push(...(await ingestThenKill(file, 'first', 1_500)));
    acked.push(...(await ingestThenKill(file, 'second', 1_500)));

    const store = openStore(file);
    try {
      const rows = await store.db
        .selectFrom('inbox')
        .leftJoin('jobs', 'jobs.inbox_id', 'inbox.id')
        .select(['inbox.dedupe_key as key', 'jobs.id as jobId'])
        .where('inbox.source', '=', 'crash')
        .execute();
      const stored = new Map(rows.map((r) => [r.key, r.jobId]));
      expect(acked.filter((k) => !stored.has(k))).toEqual([]);
      // No coalesce key and no worker: each event keeps its own job, in the same transaction as its row.
      expect(acked.filter((k) => stored.get(k) == null)).toEqual([]);
      // Lines already in the pipe when the kill landed are acks too (printed before it): checked above.
      expect(acked.length).toBeGreaterThanOrEqual(3_000);
      expect(new Set(acked).size).toBe(acked.length);
    } finally {
      await store.close();
    }
  });
});
