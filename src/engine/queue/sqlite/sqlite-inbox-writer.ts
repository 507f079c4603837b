/**
 * The SQLite inbox writer: a batch of received events — inbox rows and their jobs — in ONE synchronous
 * transaction, so a burst of concurrent webhooks costs one fsync (synchronous=FULL) instead of one each.
 *
 * Each item runs inside its own SAVEPOINT: an item that fails (bad data, constraint) is rolled back
 * alone and reported as failed; the others still commit. A duplicate (same connection, source,
 * dedupe key) writes nothing and reports the existing inbox id. Never an inbox row without its job, nor
 * a job without its inbox row: both are in the same savepoint.
 */
import type SQLite from 'better-sqlite3';
import type { InboxWrite, InboxWriteResult, InboxWriter } from '../queue-backend.js';
import { enqueueSync } from './enqueue.js';
import type { SqliteWriter } from './sqlite-writer.js';
import { stmt } from './statements.js';

export function createSqliteInboxWriter(
  writer: SqliteWriter,
  now: () => number,
  defaultMaxAttempts: number,
  onEnqueued: () => void,
): InboxWriter {
  const raw = writer.raw;
  return {
    async write(items: InboxWrite[]): Promise<InboxWriteResult[]> {
      const t = now();
      const results = await writer.run(() => items.map((item) => writeOne(raw, item, t, defaultMaxAttempts)));
      if (results.some((r) => r.ok && r.jobId !== undefined)) onEnqueued();
      return results;
    },
  };
}

function writeOne(
  raw: SQLite.Database,
  item: InboxWrite,
  now: number,
  defaultMaxAttempts: number,
): InboxWriteResult {
  raw.exec('SAVEPOINT hb_inbox_item');
  try {
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
      raw.exec('RELEASE hb_inbox_item');
      return { ok: true, inboxId: existing.id, duplicate: true };
    }
    let jobId: string | undefined;
    if (item.job) {
      jobId = enqueueSync(raw, { ...item.job, inboxId: inserted.id }, now, defaultMaxAttempts).jobId;
    }
    raw.exec('RELEASE hb_inbox_item');
    return { ok: true, inboxId: inserted.id, duplicate: false, jobId };
  } catch (error) {
    raw.exec('ROLLBACK TO hb_inbox_item');
    raw.exec('RELEASE hb_inbox_item');
    return { ok: false, error };
  }
}
