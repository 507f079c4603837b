/**
 * Fail on SQLite: record one failed attempt, in one transaction with everything it implies.
 *
 * - Retryable error (or an unknown one — a bug gets bounded retries) with attempts left → back to
 *   `pending` at `nextRunAt` (exponential backoff with jitter, never before the error's `notBefore`).
 *   It stays the head of its entity, so later jobs of the entity wait for it (strict FIFO).
 * - `PermanentError`, or the last attempt → `dead`, and the dead letter is written in the SAME
 *   transaction: a job is never dead without its DLQ entry, and never recorded twice.
 * Only the lock holder records the outcome (`locked_by` check).
 */
import type SQLite from 'better-sqlite3';
import type { JobRow } from '../../../store/schema.js';
import { deadLetterRow } from '../../dead-letters.js';
import { errorChain, isRetryable, notBeforeOf } from '../../errors.js';
import { type BackoffPolicy, nextRunAt } from '../backoff.js';
import type { JsonObject } from '../queue-backend.js';
import { stmt } from './statements.js';

export type FailOutcome =
  | { kind: 'retry'; runAt: number }
  | { kind: 'dead'; deadLetterId: number }
  /** This worker no longer held the job; nothing recorded. */
  | { kind: 'lost' };

export interface FailOptions {
  backoff: BackoffPolicy;
  random: () => number;
}

export function failSync(
  raw: SQLite.Database,
  job: JobRow,
  workerId: string,
  error: unknown,
  now: number,
  options: FailOptions,
): FailOutcome {
  const current = stmt(
    raw,
    `select attempts, max_attempts from jobs where id = ? and state = 'running' and locked_by = ?`,
  ).get(job.id, workerId) as { attempts: number; max_attempts: number } | undefined;
  if (!current) return { kind: 'lost' };
  const chainJson = JSON.stringify(errorChain(error));
  if (isRetryable(error) && current.attempts < current.max_attempts) {
    const runAt = nextRunAt({
      attempt: current.attempts,
      now,
      notBefore: notBeforeOf(error),
      random: options.random,
      ...options.backoff,
    });
    stmt(
      raw,
      `update jobs set state = 'pending', run_at = ?, locked_by = null, locked_until = null, last_error_json = ?,
         updated_at = ? where id = ?`,
    ).run(runAt, chainJson, now, job.id);
    return { kind: 'retry', runAt };
  }
  return { kind: 'dead', deadLetterId: markDeadSync(raw, job, current.attempts, error, now) };
}

/** Marks a job dead and writes its dead letter (call inside a transaction). */
export function markDeadSync(
  raw: SQLite.Database,
  job: JobRow,
  attempts: number,
  error: unknown,
  now: number,
): number {
  stmt(
    raw,
    `update jobs set state = 'dead', locked_by = null, locked_until = null, last_error_json = ?, updated_at = ?
     where id = ?`,
  ).run(JSON.stringify(errorChain(error)), now, job.id);
  const row = deadLetterRow({
    connectionId: job.connection_id,
    task: job.task,
    entityKey: job.entity_key,
    payload: JSON.parse(job.payload_json) as JsonObject,
    inboxId: job.inbox_id,
    attempts,
    configVersion: job.config_version,
    error,
    kind: 'dead',
    now,
  });
  const info = stmt(
    raw,
    `insert into dead_letters (connection_id, kind, task, entity_key, payload_json, inbox_id, error_code,
       error_message, error_chain_json, suggested_fix, attempts, config_version, status, created_at, updated_at)
     values (@connection_id, @kind, @task, @entity_key, @payload_json, @inbox_id, @error_code, @error_message,
       @error_chain_json, @suggested_fix, @attempts, @config_version, @status, @created_at, @updated_at)`,
  ).run(row);
  return Number(info.lastInsertRowid);
}
