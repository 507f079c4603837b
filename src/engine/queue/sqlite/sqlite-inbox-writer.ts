/**
 * The SQLite inbox writer: a batch of received events — inbox rows and their jobs — in ONE transaction,
 * so a burst of concurrent webhooks costs one WAL sync instead of one each.
 *
 * The commit is made durable off the event loop (`SqliteWriter.runDeferredSync`: synchronous=NORMAL for
 * this transaction, then fdatasync of the -wal on the thread pool — that file's header explains why an
 * acknowledged event still survives power loss). `stage` returns once committed, so the inbox can commit
 * the next batch while this one syncs; `write` (the plain InboxWriter contract) waits for durability.
 * Workers are woken only once the batch is durable: a job never runs for an event we could still lose.
 *
 * Each item runs inside its own SAVEPOINT: an item that fails (bad data, constraint) is rolled back
 * alone and reported as failed; the others still commit. A duplicate (same connection, source,
 * dedupe key) writes nothing and reports the existing inbox id — and, being answered only after the
 * same kind of sync, never acknowledges a row that is not yet durable. Never an inbox row without its
 * job, nor a job without its inbox row: both are in the same savepoint.
 */
import type SQLite from 'better-sqlite3';
import { payloadJsonOf, type StagedBatch, type StagedInboxWriter } from '../../inbox/staged-inbox-writer.js';
import type { InboxWrite, InboxWriteResult } from '../queue-backend.js';
import { enqueueSync } from './enqueue.js';
import type { SqliteWriter } from './sqlite-writer.js';
import { stmt } from './statements.js';

export function createSqliteInboxWriter(
  writer: SqliteWriter,
  now: () => number,
  defaultMaxAttempts: number,
  onEnqueued: () => void,
): StagedInboxWriter {
  const raw = writer.raw;
  const stage = async (items: InboxWrite[]): Promise<StagedBatch> => {
    const t = now();
    const { value: results, durable } = await writer.runDeferredSync(() =>
      items.map((item) => writeInboxItem(raw, item, t, defaultMaxAttempts)),
    );
    const enqueued = results.some((r) => r.ok && r.jobId !== undefined);
    return { results, durable: enqueued ? durable.then(onEnqueued) : durable };
  };
  return {
    stage,
    async write(items: InboxWrite[]): Promise<InboxWriteResult[]> {
      const batch = await stage(items);
      await batch.durable;
      return batch.results;
    },
  };
}

/** One item in its own savepoint, inside the caller's transaction (exported for the bench baseline). */
export function writeInboxItem(
  raw: SQLite.Database,
  item: InboxWrite,
  now: number,
  defaultMaxAttempts: number,
): InboxWriteResult {
  raw.exec('SAVEPOINT hb_inbox_item');
  try {
    const payloadJson = payloadJsonOf(item);
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
      payloadJson,
      item.receivedAt,
    ) as { id: number } | undefined;
    if (!inserted) {
      const existing = stmt(
        raw,
        `select id from inbox where connection_id = ? and source = ? and dedupe_key = ?`,
      ).get(item.connectionId, item.source, item.dedupeKey) as { id: number };
      raw.exec('RELEASE hb_inbox_item');
      return { ok: true, inboxId: existing.id, duplicate: true };
    }
    let jobId: string | undefined;
    if (item.job) {
      // The job usually carries the event's own payload: reuse its JSON instead of stringifying again.
      const jobJson = item.job.payload === item.payload ? payloadJson : undefined;
      jobId = enqueueSync(raw, { ...item.job, inboxId: inserted.id }, now, defaultMaxAttempts, jobJson).jobId;
    }
    raw.exec('RELEASE hb_inbox_item');
    return { ok: true, inboxId: inserted.id, duplicate: false, jobId };
  } catch (error) {
    raw.exec('ROLLBACK TO hb_inbox_item');
    raw.exec('RELEASE hb_inbox_item');
    return { ok: false, error };
  }
}
