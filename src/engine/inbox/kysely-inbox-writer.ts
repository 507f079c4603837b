/**
 * The default inbox writer, for backends without a native one (`QueueBackend.createInboxWriter`) whose
 * `enqueue(req, tx)` accepts a Kysely `Transaction<Database>` (PostgreSQL / graphile-worker): one Kysely
 * transaction per batch (one commit for many events), a savepoint per item so one bad item does not fail
 * the batch's others. The inbox row and its job commit together or not at all.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { InboxWrite, InboxWriteResult, InboxWriter, QueueBackend } from '../queue/queue-backend.js';
import { payloadJsonOf } from './staged-inbox-writer.js';

export function inboxWriterFor(db: Kysely<Database>, backend: QueueBackend): InboxWriter {
  if (backend.createInboxWriter) return backend.createInboxWriter();
  return {
    write: (items) =>
      db.transaction().execute(async (trx) => {
        const out: InboxWriteResult[] = [];
        for (const item of items) out.push(await writeOne(trx, backend, item));
        return out;
      }),
  };
}

async function writeOne(
  trx: Kysely<Database>,
  backend: QueueBackend,
  item: InboxWrite,
): Promise<InboxWriteResult> {
  await sql`savepoint hb_inbox_item`.execute(trx);
  try {
    const inserted = await trx
      .insertInto('inbox')
      .values({
        connection_id: item.connectionId,
        source: item.source,
        dedupe_key: item.dedupeKey,
        topic: item.topic,
        entity_key: item.entityKey,
        payload_json: payloadJsonOf(item),
        received_at: item.receivedAt,
      })
      .onConflict((oc) => oc.columns(['connection_id', 'source', 'dedupe_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) {
      const existing = await trx
        .selectFrom('inbox')
        .select('id')
        .where('connection_id', '=', item.connectionId)
        .where('source', '=', item.source)
        .where('dedupe_key', '=', item.dedupeKey)
        .executeTakeFirstOrThrow();
      await sql`release savepoint hb_inbox_item`.execute(trx);
      return { ok: true, inboxId: Number(existing.id), duplicate: true };
    }
    const inboxId = Number(inserted.id);
    const jobId = item.job ? (await backend.enqueue({ ...item.job, inboxId }, trx)).jobId : undefined;
    await sql`release savepoint hb_inbox_item`.execute(trx);
    return { ok: true, inboxId, duplicate: false, jobId };
  } catch (error) {
    await sql`rollback to savepoint hb_inbox_item`.execute(trx);
    await sql`release savepoint hb_inbox_item`.execute(trx);
    return { ok: false, error };
  }
}
