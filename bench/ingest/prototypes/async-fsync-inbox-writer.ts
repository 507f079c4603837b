/**
 * PROTOTYPE (bench only) — the SQLite inbox writer with the fsync moved off the event loop.
 *
 * Shipped writer: `BEGIN IMMEDIATE … COMMIT` with synchronous=FULL, so the WAL fsync (≈3 ms on this
 * machine's disk, far more when it is busy) runs on the main thread: while a batch is being made
 * durable, no request is parsed, so the next batch cannot form and HTTP work never overlaps the disk.
 *
 * Here: the batch commits with synchronous=NORMAL (pages written to the WAL, no fsync: ~40 µs), then the
 * WAL file is fdatasync'd on libuv's thread pool, and only then do the callers get their results (→ 2xx).
 * Same promise — an acknowledged event is in a WAL frame that has reached the disk — without blocking:
 * - fsync works on the inode, so our own read-only fd of `<db>-wal` flushes the frames SQLite wrote;
 * - a crash before the fdatasync can lose only unacknowledged frames; WAL checksums discard torn ones
 *   (that is why NORMAL never corrupts the database);
 * - checkpoints keep their own syncs (NORMAL: WAL synced before, database after each checkpoint), so
 *   frames copied into the database and then overwritten by a WAL restart are already durable there;
 * - the -wal file lives as long as any connection is open (ours), so the fd keeps naming it.
 * The pragma is switched back to FULL right after COMMIT, in the same synchronous block: every other
 * write on the connection (claims, outcomes, DLQ, audit) keeps fsync-at-commit.
 */
import { type FileHandle, open } from 'node:fs/promises';
import type SQLite from 'better-sqlite3';
import type { InboxWrite, InboxWriteResult, InboxWriter } from '../../../src/engine/queue/queue-backend.js';
import { enqueueSync } from '../../../src/engine/queue/sqlite/enqueue.js';
import { stmt } from '../../../src/engine/queue/sqlite/statements.js';

export interface AsyncFsyncOptions {
  now?: () => number;
  defaultMaxAttempts?: number;
}

export async function createAsyncFsyncInboxWriter(
  raw: SQLite.Database,
  options: AsyncFsyncOptions,
): Promise<InboxWriter & { close(): Promise<void> }> {
  const now = options.now ?? Date.now;
  const maxAttempts = options.defaultMaxAttempts ?? 10;
  // Make sure the WAL file exists before we open it (it does once anything was written).
  raw.pragma('wal_checkpoint(PASSIVE)');
  const wal: FileHandle = await open(`${raw.name}-wal`, 'r');
  const toNormal = raw.prepare('pragma synchronous = NORMAL');
  const toFull = raw.prepare('pragma synchronous = FULL');
  const durable = coalescedSync(() => wal.datasync());

  return {
    async write(items: InboxWrite[]): Promise<InboxWriteResult[]> {
      // The gate SqliteWriter.run applies: never start inside someone else's (async) transaction.
      while (raw.inTransaction) await new Promise<void>((r) => setImmediate(r));
      const t = now();
      toNormal.run();
      let results: InboxWriteResult[];
      try {
        results = raw
          .transaction(() => items.map((item) => writeOneWithSavepoint(raw, item, t, maxAttempts)))
          .immediate();
      } finally {
        toFull.run();
      }
      // Durable before anyone is told so. Runs on the thread pool: the event loop keeps parsing requests,
      // and other lanes commit their batches meanwhile (one later fdatasync covers them all).
      await durable();
      return results;
    },
    async close() {
      await wal.close();
    },
  };
}

/**
 * Returns a function whose promise resolves after a sync that STARTED after the call: if one is running,
 * the caller waits for the next one, which starts when the running one ends and covers every caller
 * that arrived in between (one fdatasync for many commits).
 */
export function coalescedSync(sync: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  const start = (): Promise<void> => {
    const p: Promise<void> = sync().finally(() => {
      if (running === p) running = null;
    });
    running = p;
    return p;
  };
  return () => {
    if (!running) return start();
    if (!next) {
      next = running
        .catch(() => {})
        .then(() => {
          next = null;
          return start();
        });
    }
    return next;
  };
}

/** As shipped (sqlite-inbox-writer.ts `writeOne`): a savepoint per item so one bad item fails alone. */
function writeOneWithSavepoint(
  raw: SQLite.Database,
  item: InboxWrite,
  now: number,
  defaultMaxAttempts: number,
): InboxWriteResult {
  raw.exec('SAVEPOINT hb_inbox_item');
  try {
    const r = writeOneNoSavepoint(raw, item, now, defaultMaxAttempts);
    raw.exec('RELEASE hb_inbox_item');
    return r;
  } catch (error) {
    raw.exec('ROLLBACK TO hb_inbox_item');
    raw.exec('RELEASE hb_inbox_item');
    return { ok: false, error };
  }
}

function writeOneNoSavepoint(
  raw: SQLite.Database,
  item: InboxWrite,
  now: number,
  defaultMaxAttempts: number,
): InboxWriteResult {
  const inserted = stmt(
    raw,
    `insert into inbox (connection_id, source, dedupe_key, topic, entity_key, payload_json, received_at)
     values (?, ?, ?, ?, ?, ?, ?)
     on conflict (connection_id, source, dedupe_key) do nothing
     returning id`,
  ).get(
    item.connectionId,
    item.source,
    item.dedupeKey,
    item.topic,
    item.entityKey,
    JSON.stringify(item.payload),
    item.receivedAt,
  ) as { id: number } | undefined;
  if (!inserted) {
    const existing = stmt(
      raw,
      `select id from inbox where connection_id = ? and source = ? and dedupe_key = ?`,
    ).get(item.connectionId, item.source, item.dedupeKey) as { id: number };
    return { ok: true, inboxId: existing.id, duplicate: true };
  }
  let jobId: string | undefined;
  if (item.job)
    jobId = enqueueSync(raw, { ...item.job, inboxId: inserted.id }, now, defaultMaxAttempts).jobId;
  return { ok: true, inboxId: inserted.id, duplicate: false, jobId };
}
