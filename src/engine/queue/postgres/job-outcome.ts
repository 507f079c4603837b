/**
 * What happens to a graphile job whose handler threw — decided by us, not by graphile.
 *
 * graphile's own failure path sets run_at = now + e^min(attempts,10) s and unlocks the named queue, so later
 * jobs of the same entity overtake the failing one. Instead, in ONE transaction, while our pool still holds
 * the job's lock, we:
 * - **retry**: delete the row and insert its successor (same queue, key, attempts, priority and the ORIGINAL
 *   run_at, so it stays first in its entity's line) carrying the logical job id, and lock the entity's queue
 *   with `hb:backoff` until OUR `nextRunAt` (exponential + jitter, never before `notBefore`). The sweeper
 *   (lease-sweeper.ts) unlocks the queue when that time comes. The entity is blocked meanwhile, as on SQLite.
 * - **dead** (PermanentError or last attempt): record the dead letter (full error chain) and replace the row
 *   by a permanently-failed copy (attempts = max_attempts): graphile never runs it again and `jobs list`
 *   still shows it as `dead`.
 * - **superseded** (a newer job took its coalesce key while it ran; graphile then set its attempts to max):
 *   drop it; the newer job, queued behind it, does the work with fresher data.
 *
 * Deleting the row we were given matters: the handler then returns normally and graphile's completeJob
 * (`delete … where id = $1`, plus unlocking the queue only via that deleted row) finds nothing to touch,
 * whatever happened to the successor in between. Nothing graphile does later can act on the successor.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../../store/schema.js';
import { recordDeadLetter } from '../../dead-letters.js';
import { errorChain } from '../../errors.js';
import type { GraphileRef } from './enqueue.js';
import { BACKOFF_LOCK, type Envelope, parseEnvelope } from './job-envelope.js';
import { kyselyRunner, type SqlRunner } from './sql-runner.js';

export type FailureVerdict = { kind: 'retry'; retryAt: number } | { kind: 'dead' };
export type FailureOutcome = 'retry' | 'dead' | 'superseded' | 'lease-lost';

export interface ClaimedJob {
  id: string;
  /** Attempts and limit as they were when this pool claimed the job. */
  attempts: number;
  maxAttempts: number;
}

interface LockedRow {
  id: string;
  job_queue_id: number | null;
  task_id: number;
  payload: unknown;
  priority: number;
  run_at: Date;
  attempts: number;
  max_attempts: number;
  key: string | null;
  created_at: Date;
  flags: unknown;
}

export async function settleFailure(
  db: Kysely<Database>,
  gw: GraphileRef,
  poolId: string,
  job: ClaimedJob,
  error: unknown,
  verdict: FailureVerdict,
): Promise<FailureOutcome> {
  return db.transaction().execute(async (trx) => {
    const run = kyselyRunner(trx);
    const row = (
      await run.rows<LockedRow>(sql`
        select id, job_queue_id, task_id, payload, priority, run_at, attempts, max_attempts, key, created_at, flags
        from ${gw('_private_jobs')} where id = ${job.id} and locked_by = ${poolId} for update`)
    )[0];
    // Our lock was taken away (lease expired and the job was handed on): the new holder decides.
    if (!row) return 'lease-lost';

    const env = parseEnvelope(row.payload);
    const superseded = row.attempts >= row.max_attempts && job.attempts < job.maxAttempts;
    const logicalId = env?.hb.jobId ?? String(row.id);
    const chainJson = JSON.stringify(errorChain(error));

    await run.rows(sql`delete from ${gw('_private_jobs')} where id = ${row.id}`);
    const unlockQueue = async () => {
      if (row.job_queue_id === null) return;
      await run.rows(sql`
        update ${gw('_private_job_queues')} set locked_at = null, locked_by = null
        where id = ${row.job_queue_id} and locked_by = ${poolId}`);
    };

    if (verdict.kind === 'dead') {
      if (env) {
        await recordDeadLetter(trx, {
          connectionId: env.hb.connectionId,
          task: env.hb.task,
          entityKey: env.hb.entityKey,
          payload: env.payload,
          inboxId: env.hb.inboxId ?? null,
          attempts: job.attempts,
          configVersion: env.hb.configVersion ?? null,
          error,
        });
      }
      const payload: unknown = env
        ? { ...env, hb: { ...env.hb, jobId: logicalId, retryAt: undefined } }
        : row.payload;
      // max_attempts = attempts: graphile's "permanently failed" (is_available is false for good).
      await insertCopy(run, gw, row, {
        payload,
        attempts: job.attempts,
        maxAttempts: Math.max(1, job.attempts),
        lastError: chainJson,
        key: row.key,
        priority: row.priority,
        runAt: row.run_at,
      });
      await unlockQueue();
      return 'dead';
    }

    if (superseded) {
      await unlockQueue();
      return 'superseded';
    }

    const successor: Envelope | unknown = env
      ? { ...env, hb: { ...env.hb, jobId: logicalId, retryAt: verdict.retryAt } }
      : row.payload;
    // A more urgent job of this entity enqueued while this one ran could not lend it its priority (it was
    // locked); take it now so the successor stays ahead of it.
    const prio = await run.rows<{ p: number | null }>(sql`
      select min(priority) as p from ${gw('_private_jobs')}
      where job_queue_id = ${row.job_queue_id} and locked_at is null and attempts < max_attempts`);
    await insertCopy(run, gw, row, {
      payload: successor,
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
      lastError: chainJson,
      key: row.key,
      priority: Math.min(row.priority, prio[0]?.p ?? row.priority),
      // In a named queue the queue lock holds the backoff and the original run_at keeps the job first in line.
      runAt: row.job_queue_id === null ? new Date(verdict.retryAt) : row.run_at,
    });
    if (row.job_queue_id !== null) {
      await run.rows(sql`
        update ${gw('_private_job_queues')}
        set locked_by = ${BACKOFF_LOCK}, locked_at = ${new Date(verdict.retryAt).toISOString()}::timestamptz
        where id = ${row.job_queue_id}`);
    }
    return 'retry';
  });
}

interface CopyValues {
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  lastError: string;
  key: string | null;
  priority: number;
  runAt: Date;
}

async function insertCopy(run: SqlRunner, gw: GraphileRef, row: LockedRow, v: CopyValues): Promise<void> {
  await run.rows(sql`
    insert into ${gw('_private_jobs')}
      (job_queue_id, task_id, payload, priority, run_at, attempts, max_attempts, last_error, created_at, key, flags)
    values (${row.job_queue_id}, ${row.task_id}, ${JSON.stringify(v.payload)}::json, ${v.priority}::smallint,
      ${v.runAt.toISOString()}::timestamptz, ${v.attempts}::smallint, ${v.maxAttempts}::smallint, ${v.lastError},
      ${row.created_at.toISOString()}::timestamptz, ${v.key}, ${row.flags === null ? null : JSON.stringify(row.flags)}::jsonb)`);
}
