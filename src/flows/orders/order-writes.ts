/**
 * The orders flow's own durable writes, grouped by the state change they record.
 *
 * On SQLite every autocommit is an fsync'd transaction run on the event loop (better-sqlite3 is
 * synchronous): the 2026-11-27 bench measured ~13 per order, 32 % of all CPU samples, five of them the
 * same order link rewritten during one sync. Idempotency needs exactly two durable points per new order:
 *  1. the `creating` marker BEFORE the Heartland POST (a lost answer is then looked up, never re-POSTed),
 *     together with any customer link learnt on the way;
 *  2. the final state (Heartland id, draft hash, version, line links) with the audit entry, the customer
 *     link if still pending, and the quarantine resolution — one transaction, so a crash leaves either
 *     all of it or none (none = the next run finds `creating`, looks the order up and completes it).
 *
 * Kysely's own transaction, not `runQueueTransaction`: on SQLite it holds Kysely's connection mutex, so
 * another job's statement issued meanwhile waits instead of silently joining (and maybe rolling back
 * with) this transaction, and the queue's SqliteWriter already waits while `inTransaction` is set
 * (src/engine/queue/sqlite/sqlite-writer.ts). The work inside is statements only, no HTTP.
 */
import type { AuditEntryInput } from '../../engine/audit.js';
import type { LinkUpsert } from '../../engine/index.js';
import { createLinksRepository } from '../../store/repositories/links.js';
import type { FlowContext } from '../flow-context.js';
import { resolveQuarantined } from './quarantine.js';

export interface OrderWrites {
  links: LinkUpsert[];
  /** One audit entry, or several (a status change and a line-edit report of the same sync). */
  audit?: AuditEntryInput | AuditEntryInput[];
  /** Entity key whose open quarantine entries this success resolves. */
  resolveQuarantine?: string;
}

export async function commitOrderWrites(ctx: FlowContext, writes: OrderWrites): Promise<void> {
  const { links, resolveQuarantine } = writes;
  const audits = writes.audit === undefined ? [] : [writes.audit].flat();
  if (links.length === 0 && audits.length === 0 && !resolveQuarantine) return;
  if (links.length === 1 && audits.length === 0 && !resolveQuarantine) {
    await ctx.engine.links.upsert(links[0]!);
    return;
  }
  await ctx.engine.store.db.transaction().execute(async (trx) => {
    const repo = createLinksRepository(trx, ctx.now);
    for (const link of links) await repo.upsert(link);
    for (const entry of audits) await ctx.engine.audit.record(entry, trx);
    if (resolveQuarantine) await resolveQuarantined(ctx, resolveQuarantine, trx);
  });
}
