/**
 * The audit log: who did what to which target, and why (every DLQ replay/discard, config promotions,
 * manual corrections). Append-only.
 */
import type { Kysely } from 'kysely';
import type { AuditRow, Database } from '../store/schema.js';

export interface AuditEntryInput {
  /** `cli:<user>`, `api:<user>`, `engine`, `flow:<name>`. */
  actor: string;
  /** e.g. `dlq.replay`, `dlq.discard`. */
  action: string;
  target?: string | null;
  detail?: Record<string, unknown> | null;
  connectionId?: string | null;
}

export interface AuditEntry {
  id: number;
  at: number;
  connectionId: string | null;
  actor: string;
  action: string;
  target: string | null;
  detail: Record<string, unknown> | null;
}

export interface AuditFilter {
  connectionId?: string;
  actor?: string;
  /** Exact action, or a prefix ending in `.` (e.g. `dlq.`). */
  action?: string;
  target?: string;
  since?: number;
  until?: number;
  limit?: number;
}

export interface Audit {
  /** Appends one entry; pass `db` = a transaction to make it atomic with the action it records. */
  record(entry: AuditEntryInput, db?: Kysely<Database>): Promise<number>;
  /** Newest first. */
  list(filter?: AuditFilter): Promise<AuditEntry[]>;
}

export function createAudit(db: Kysely<Database>, now: () => number = Date.now): Audit {
  return {
    async record(entry, tx) {
      const row = await (tx ?? db)
        .insertInto('audit_log')
        .values({
          at: now(),
          connection_id: entry.connectionId ?? null,
          actor: entry.actor,
          action: entry.action,
          target: entry.target ?? null,
          detail_json: entry.detail ? JSON.stringify(entry.detail) : null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(row.id);
    },
    async list(filter = {}) {
      let q = db
        .selectFrom('audit_log')
        .selectAll()
        .orderBy('id', 'desc')
        .limit(filter.limit ?? 100);
      if (filter.connectionId) q = q.where('connection_id', '=', filter.connectionId);
      if (filter.actor) q = q.where('actor', '=', filter.actor);
      if (filter.action) {
        q = filter.action.endsWith('.')
          ? q.where('action', 'like', `${filter.action}%`)
          : q.where('action', '=', filter.action);
      }
      if (filter.target) q = q.where('target', '=', filter.target);
      if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
      if (filter.until !== undefined) q = q.where('at', '<', filter.until);
      return (await q.execute()).map(toEntry);
    },
  };
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: Number(row.id),
    at: Number(row.at),
    connectionId: row.connection_id,
    actor: row.actor,
    action: row.action,
    target: row.target,
    detail: row.detail_json ? (JSON.parse(row.detail_json) as Record<string, unknown>) : null,
  };
}
