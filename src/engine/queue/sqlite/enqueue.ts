/**
 * Enqueue on SQLite, synchronously, inside the caller's transaction (the inbox's group commit, a DLQ
 * replay, or a one-statement transaction of its own).
 *
 * Coalescing: a job with the same (connection, coalesce key) that is still `pending` — not running —
 * takes the new payload and stays one job (ten stock events for a SKU in a second → one write). The
 * pending job keeps its place in its entity's order; the flow fetches current state anyway, so running
 * the newest payload earlier is harmless. A running job is never changed: the new event becomes a new
 * job queued behind it (it may carry a change the running one has not seen).
 */
import type SQLite from 'better-sqlite3';
import type { EnqueueRequest } from '../queue-backend.js';
import { stmt } from './statements.js';

export interface EnqueueResult {
  jobId: string;
  coalesced: boolean;
}

export function enqueueSync(
  raw: SQLite.Database,
  req: EnqueueRequest,
  now: number,
  defaultMaxAttempts: number,
  /** `JSON.stringify(req.payload)` when the caller already has it (the inbox: same string as its row). */
  payloadJsonGiven?: string,
): EnqueueResult {
  const payloadJson = payloadJsonGiven ?? JSON.stringify(req.payload);
  if (req.coalesceKey) {
    const existing = stmt(
      raw,
      `select id from jobs where connection_id = ? and coalesce_key = ? and state = 'pending'
       order by id desc limit 1`,
    ).get(req.connectionId, req.coalesceKey) as { id: number } | undefined;
    if (existing) {
      stmt(
        raw,
        `update jobs set payload_json = ?, priority = max(priority, ?), inbox_id = coalesce(?, inbox_id),
           config_version = coalesce(?, config_version), updated_at = ?
         where id = ?`,
      ).run(payloadJson, req.priority ?? 0, req.inboxId ?? null, req.configVersion ?? null, now, existing.id);
      return { jobId: String(existing.id), coalesced: true };
    }
  }
  const info = stmt(
    raw,
    `insert into jobs (connection_id, task, entity_key, coalesce_key, payload_json, state, priority, attempts,
       max_attempts, run_at, inbox_id, config_version, created_at, updated_at)
     values (?, ?, ?, ?, ?, 'pending', ?, 0, ?, ?, ?, ?, ?, ?)`,
  ).run(
    req.connectionId,
    req.task,
    req.entityKey,
    req.coalesceKey ?? null,
    payloadJson,
    req.priority ?? 0,
    req.maxAttempts ?? defaultMaxAttempts,
    req.runAt ?? now,
    req.inboxId ?? null,
    req.configVersion ?? null,
    now,
    now,
  );
  return { jobId: String(info.lastInsertRowid), coalesced: false };
}
