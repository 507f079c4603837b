/**
 * PROTOTYPE (bench only) — the PostgreSQL (Kysely) inbox writer without a savepoint per item.
 *
 * Shipped: per item `savepoint`, insert inbox row, enqueue (graphile: 2–3 statements), `release` — every
 * one a round trip, in series, so a batch of 25 costs ~150 round trips inside its transaction. Here the
 * batch first runs without savepoints (2 round trips fewer per item); only if that transaction fails is
 * the batch redone with the shipped per-item-savepoint writer, so a bad item still fails alone.
 * `multiRowInsert`: the inbox rows of the batch in one statement as well (6 → ~3 round trips per item;
 * the rest is `enqueue`, see the report for the one-round-trip version).
 */
import { type Kysely, sql } from 'kysely';
import { inboxWriterFor } from '../../../src/engine/inbox/kysely-inbox-writer.js';
import type {
  InboxWrite,
  InboxWriteResult,
  InboxWriter,
  QueueBackend,
} from '../../../src/engine/queue/queue-backend.js';
import type { Database } from '../../../src/store/schema.js';

export interface OptimisticWriterOptions {
  /** Insert the whole batch's inbox rows in ONE statement (unnest) instead of one per item. */
  multiRowInsert?: boolean;
}

export function createOptimisticKyselyInboxWriter(
  db: Kysely<Database>,
  backend: QueueBackend,
  options: OptimisticWriterOptions = {},
): InboxWriter {
  // The shipped writer (Kysely default), for the fallback: backend without a native writer.
  const perItem = inboxWriterFor(db, { ...backend, createInboxWriter: undefined } as QueueBackend);
  return {
    async write(items) {
      try {
        if (options.multiRowInsert) return await multiRow(db, backend, items);
        return await db.transaction().execute(async (trx) => {
          const out: InboxWriteResult[] = [];
          for (const item of items) {
            const inserted = await trx
              .insertInto('inbox')
              .values({
                connection_id: item.connectionId,
                source: item.source,
                dedupe_key: item.dedupeKey,
                topic: item.topic,
                entity_key: item.entityKey,
                payload_json: JSON.stringify(item.payload),
                received_at: item.receivedAt,
              })
              .onConflict((oc) => oc.columns(['connection_id', 'source', 'dedupe_key']).doNothing())
              .returning('id')
              .executeTakeFirst();
            if (!inserted) {
              const existing = await sql<{
                id: number;
              }>`select id from inbox where connection_id = ${item.connectionId}
                and source = ${item.source} and dedupe_key = ${item.dedupeKey}`.execute(trx);
              out.push({ ok: true, inboxId: Number(existing.rows[0]?.id), duplicate: true });
              continue;
            }
            const inboxId = Number(inserted.id);
            const jobId = item.job ? (await backend.enqueue({ ...item.job, inboxId }, trx)).jobId : undefined;
            out.push({ ok: true, inboxId, duplicate: false, jobId });
          }
          return out;
        });
      } catch {
        return perItem.write(items);
      }
    },
  };
}

/**
 * One `insert … select from unnest(…) on conflict do nothing returning` for all inbox rows of the batch,
 * one select for the duplicates' ids, then the jobs (still one enqueue per item: its ordering and
 * coalescing logic is per entity).
 */
async function multiRow(
  db: Kysely<Database>,
  backend: QueueBackend,
  items: InboxWrite[],
): Promise<InboxWriteResult[]> {
  return db.transaction().execute(async (trx) => {
    const col = <T>(f: (i: InboxWrite) => T) => items.map(f);
    const inserted = await sql<{ id: number; dedupe_key: string; connection_id: string; source: string }>`
      insert into inbox (connection_id, source, dedupe_key, topic, entity_key, payload_json, received_at)
      select * from unnest(${col((i) => i.connectionId)}::text[], ${col((i) => i.source)}::text[],
        ${col((i) => i.dedupeKey)}::text[], ${col((i) => i.topic)}::text[], ${col((i) => i.entityKey)}::text[],
        ${col((i) => JSON.stringify(i.payload))}::text[], ${col((i) => i.receivedAt)}::bigint[])
      on conflict (connection_id, source, dedupe_key) do nothing
      returning id, dedupe_key, connection_id, source`.execute(trx);
    const keyOf = (c: string, s: string, d: string) => `${c}\u0000${s}\u0000${d}`;
    const ids = new Map(
      inserted.rows.map((r) => [keyOf(r.connection_id, r.source, r.dedupe_key), Number(r.id)]),
    );
    const missing = items.filter((i) => !ids.has(keyOf(i.connectionId, i.source, i.dedupeKey)));
    const existing = new Map<string, number>();
    if (missing.length > 0) {
      const rows = await sql<{ id: number; dedupe_key: string; connection_id: string; source: string }>`
        select id, dedupe_key, connection_id, source from inbox
        where (connection_id, source, dedupe_key) in (select * from unnest(
          ${missing.map((i) => i.connectionId)}::text[], ${missing.map((i) => i.source)}::text[],
          ${missing.map((i) => i.dedupeKey)}::text[]))`.execute(trx);
      for (const r of rows.rows) existing.set(keyOf(r.connection_id, r.source, r.dedupe_key), Number(r.id));
    }
    const out: InboxWriteResult[] = [];
    const seen = new Set<string>();
    for (const item of items) {
      const k = keyOf(item.connectionId, item.source, item.dedupeKey);
      const inboxId = ids.get(k);
      // The same event twice in one batch: the first occurrence stores it, the second is a duplicate.
      if (inboxId === undefined || seen.has(k)) {
        out.push({ ok: true, inboxId: inboxId ?? Number(existing.get(k)), duplicate: true });
        continue;
      }
      seen.add(k);
      const jobId = item.job ? (await backend.enqueue({ ...item.job, inboxId }, trx)).jobId : undefined;
      out.push({ ok: true, inboxId, duplicate: false, jobId });
    }
    return out;
  });
}
