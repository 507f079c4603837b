/**
 * PROTOTYPE (bench only) — the PostgreSQL (Kysely) inbox writer without a savepoint per item.
 *
 * Shipped: per item `savepoint`, insert inbox row, enqueue (graphile: 2–3 statements), `release` — every
 * one a round trip, in series, so a batch of 25 costs ~150 round trips inside its transaction. Here the
 * batch first runs without savepoints (2 round trips fewer per item); only if that transaction fails is
 * the batch redone with the shipped per-item-savepoint writer, so a bad item still fails alone.
 */
import { type Kysely, sql } from 'kysely';
import { inboxWriterFor } from '../../../src/engine/inbox/kysely-inbox-writer.js';
import type { InboxWriteResult, InboxWriter, QueueBackend } from '../../../src/engine/queue/queue-backend.js';
import type { Database } from '../../../src/store/schema.js';

export function createOptimisticKyselyInboxWriter(db: Kysely<Database>, backend: QueueBackend): InboxWriter {
  // The shipped writer (Kysely default), for the fallback: backend without a native writer.
  const perItem = inboxWriterFor(db, { ...backend, createInboxWriter: undefined } as QueueBackend);
  return {
    async write(items) {
      try {
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
