/**
 * What happens to a graphile job once its handler has finished — decided and written by us, not graphile.
 *
 * graphile's own paths don't fit the contract: its failure path sets run_at = now + e^min(attempts,10) s and
 * unlocks the named queue, so later jobs of the same entity overtake the failing one; its success path deletes
 * the row, so `done` could not be shown. Instead, in ONE transaction, while our pool still holds the lock, we
 * delete the claimed row and, depending on the outcome:
 * - **done**: insert a finished copy (flag `hb:done`, not available to graphile) kept for `doneRetentionMs`;
 * - **retry**: insert its successor — same queue, attempts and priority and the ORIGINAL run_at, so it stays
 *   first in its entity's line — and lock the entity's queue as `hb:backoff` until OUR `nextRunAt`
 *   (exponential + jitter, never before `notBefore`). The sweeper unlocks it when that time comes
 *   (lease-sweeper.ts); the entity is blocked meanwhile, as on SQLite;
 * - **dead** (PermanentError or last attempt): record the dead letter with the full error chain and insert a
 *   permanently-failed copy (attempts = max_attempts) so `jobs list` shows it as `dead`;
 * - **superseded** (retryable failure after a newer job took its coalesce key while it ran — graphile then set
 *   its attempts to max): drop it; the newer job, queued behind it, does the work with fresher data.
 * The copy carries the logical job id (`hb.jobId`), so getJob(id) follows a job across retries.
 *
 * Deleting the claimed row is what makes this safe: the handler then returns normally and graphile's
 * completeJob (`delete … where id = $1`, unlocking the queue only through the row it deleted) finds nothing,
 * whatever happened to the copy or the queue in between.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../../store/schema.js';
import { recordDeadLetter } from '../../dead-letters.js';
import { errorChain } from '../../errors.js';
import type { GraphileRef } from './enqueue.js';
import { BACKOFF_LOCK, DONE_FLAG, parseEnvelope } from './job-envelope.js';
import { kyselyRunner, type SqlRunner } from './sql-runner.js';

export type Verdict =
  | { kind: 'done' }
  | { kind: 'retry'; retryAt: number; error: unknown }
  | { kind: 'dead'; error: unknown };
export type Outcome = 'done' | 'retry' | 'dead' | 'superseded' | 'lease-lost';

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
}

/**
 * The hot path, as ONE statement (one round trip, one commit): delete the claimed row if we still hold it,
 * insert its finished copy, unlock its queue.
 */
async function settleDone(
  direct: SqlRunner,
  gw: GraphileRef,
  poolId: string,
  job: ClaimedJob,
): Promise<Outcome> {
  const rows = await direct.rows<{ n: number }>(
    sql`
    with r as (
      delete from ${gw('_private_jobs')} where id = ${job.id} and locked_by = ${poolId}
      returning id, job_queue_id, task_id, payload, priority, run_at, created_at),
    ins as (
      insert into ${gw('_private_jobs')}
        (job_queue_id, task_id, payload, priority, run_at, attempts, max_attempts, created_at, flags)
      select job_queue_id, task_id,
        json_build_object(
          'hb', ((payload::jsonb -> 'hb') || jsonb_build_object(
            'jobId', coalesce(payload::jsonb -> 'hb' ->> 'jobId', id::text),
            'maxAttempts', ${job.maxAttempts}::int)) - 'retryAt',
          'payload', payload -> 'payload'),
        priority, run_at, ${job.attempts}::smallint, ${Math.max(1, job.attempts)}::smallint, created_at,
        ${JSON.stringify({ [DONE_FLAG]: true })}::jsonb
      from r),
    q as (
      update ${gw('_private_job_queues')} set locked_at = null, locked_by = null
      where id = (select job_queue_id from r) and locked_by = ${poolId})
    select count(*)::int as n from r`,
    `hb_settle_done/${gw.schema}`,
  );
  return (rows[0]?.n ?? 0) > 0 ? 'done' : 'lease-lost';
}

export async function settleJob(
  db: Kysely<Database>,
  direct: SqlRunner,
  gw: GraphileRef,
  poolId: string,
  job: ClaimedJob,
  verdict: Verdict,
): Promise<Outcome> {
  if (verdict.kind === 'done') return settleDone(direct, gw, poolId, job);
  return db.transaction().execute(async (trx) => {
    const run = kyselyRunner(trx);
    const row = (
      await run.rows<LockedRow>(sql`
        select id, job_queue_id, task_id, payload, priority, run_at, attempts, max_attempts, key, created_at
        from ${gw('_private_jobs')} where id = ${job.id} and locked_by = ${poolId} for update`)
    )[0];
    // Our lock was taken away (lease expired, the job was handed on): its new holder decides.
    if (!row) return 'lease-lost';

    const env = parseEnvelope(row.payload);
    const logicalId = env?.hb.jobId ?? String(row.id);
    const copyPayload = (extra: Record<string, unknown>) =>
      env ? { ...env, hb: { ...env.hb, jobId: logicalId, retryAt: undefined, ...extra } } : row.payload;
    await run.rows(sql`delete from ${gw('_private_jobs')} where id = ${row.id}`);
    const unlockQueue = async () => {
      if (row.job_queue_id === null) return;
      await run.rows(sql`
        update ${gw('_private_job_queues')} set locked_at = null, locked_by = null
        where id = ${row.job_queue_id} and locked_by = ${poolId}`);
    };
    // Terminal copies: attempts = max_attempts makes graphile's is_available false for good; the real limit
    // stays in the envelope. They give up the coalesce key so a new job can take it.
    const terminal = { attempts: job.attempts, maxAttempts: Math.max(1, job.attempts), key: null };

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
          error: verdict.error,
        });
      }
      await insertCopy(run, gw, row, {
        ...terminal,
        payload: copyPayload({ maxAttempts: job.maxAttempts }),
        lastError: JSON.stringify(errorChain(verdict.error)),
        priority: row.priority,
        runAt: row.run_at,
        done: false,
      });
      await unlockQueue();
      return 'dead';
    }

    if (row.attempts >= row.max_attempts && job.attempts < job.maxAttempts) {
      await unlockQueue();
      return 'superseded';
    }

    // A more urgent job of this entity enqueued while this one ran could not lend it its priority (it was
    // locked); take it now so the successor stays ahead of it.
    const prio = await run.rows<{ p: number | null }>(sql`
      select min(priority) as p from ${gw('_private_jobs')}
      where job_queue_id = ${row.job_queue_id} and locked_at is null and attempts < max_attempts`);
    await insertCopy(run, gw, row, {
      payload: copyPayload({ retryAt: verdict.retryAt }),
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
      key: row.key,
      lastError: JSON.stringify(errorChain(verdict.error)),
      priority: Math.min(row.priority, prio[0]?.p ?? row.priority),
      // In a named queue the queue lock holds the backoff and the original run_at keeps the job first in line.
      runAt: row.job_queue_id === null ? new Date(verdict.retryAt) : row.run_at,
      done: false,
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
  lastError: string | null;
  key: string | null;
  priority: number;
  runAt: Date;
  done: boolean;
}

async function insertCopy(run: SqlRunner, gw: GraphileRef, row: LockedRow, v: CopyValues): Promise<void> {
  await run.rows(sql`
    insert into ${gw('_private_jobs')}
      (job_queue_id, task_id, payload, priority, run_at, attempts, max_attempts, last_error, created_at, key, flags)
    values (${row.job_queue_id}, ${row.task_id}, ${JSON.stringify(v.payload)}::json, ${v.priority}::smallint,
      ${v.runAt.toISOString()}::timestamptz, ${v.attempts}::smallint, ${v.maxAttempts}::smallint, ${v.lastError},
      ${row.created_at.toISOString()}::timestamptz, ${v.key},
      ${v.done ? JSON.stringify({ [DONE_FLAG]: true }) : null}::jsonb)`);
}
