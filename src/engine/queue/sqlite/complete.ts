/**
 * Complete on SQLite. Only the lock holder records the outcome (`locked_by` check, as in
 * graphile-worker's completeJobs.ts): if the lease expired and the sweeper handed the job to another
 * worker, this worker's late success must not overwrite that run's state.
 *
 * Retention: finished jobs stay as `done` rows (so `jobs list` shows recent work and its attempts) and
 * the sweeper deletes them after `doneRetentionMs` (default 24 h). Their inbox rows stay: the inbox is
 * the permanent record of what was received.
 */
import type SQLite from 'better-sqlite3';
import { stmt } from './statements.js';

/** Returns false when this worker no longer held the job (lease lost): nothing was recorded. */
export function completeSync(raw: SQLite.Database, jobId: number, workerId: string, now: number): boolean {
  const info = stmt(
    raw,
    `update jobs set state = 'done', locked_by = null, locked_until = null, last_error_json = null, updated_at = ?
     where id = ? and state = 'running' and locked_by = ?`,
  ).run(now, jobId, workerId);
  return info.changes === 1;
}

/** Deletes `done` jobs last updated before `before`. */
export function deleteDoneBeforeSync(raw: SQLite.Database, before: number): number {
  return stmt(raw, `delete from jobs where state = 'done' and updated_at < ?`).run(before).changes;
}
