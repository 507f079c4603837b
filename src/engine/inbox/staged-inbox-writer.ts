/**
 * An inbox writer that separates "committed" from "durable" (SQLite with deferred WAL sync: commit with
 * synchronous=NORMAL, fdatasync of the -wal on the thread pool — sqlite-writer.ts has the argument).
 * The inbox commits the next batch as soon as `stage` returns, while earlier batches still wait for their
 * sync, and resolves each caller only when its batch's `durable` has settled. Writers without `stage`
 * (PostgreSQL, Kysely default) are awaited whole, one batch at a time.
 *
 * `payloadJson`: the payload serialised once (`JSON.stringify(payload)`, nothing else) by the inbox
 * before batching, so the writers neither stringify it inside the transaction nor twice (inbox row and
 * job row). A structural extension of `InboxWrite` until queue-backend.ts carries the field itself.
 */
import type { InboxWrite, InboxWriteResult, InboxWriter } from '../queue/queue-backend.js';

export type InboxWriteWithJson = InboxWrite & { payloadJson?: string };

/** The serialised payload of an inbox write: the one given with it, else stringified here. */
export function payloadJsonOf(item: InboxWrite): string {
  return (item as InboxWriteWithJson).payloadJson ?? JSON.stringify(item.payload);
}

export interface StagedBatch {
  /** Per item, as `InboxWriter.write` would report — valid only once `durable` resolved. */
  results: InboxWriteResult[];
  /** Resolves when the batch is on disk; a rejection means NOT acknowledged (every item fails). */
  durable: Promise<void>;
}

export interface StagedInboxWriter extends InboxWriter {
  /** Commits `items` (order of calls = order of commits) and returns before they are durable. */
  stage(items: InboxWrite[]): Promise<StagedBatch>;
}

export function isStagedInboxWriter(writer: InboxWriter): writer is StagedInboxWriter {
  return typeof (writer as Partial<StagedInboxWriter>).stage === 'function';
}
