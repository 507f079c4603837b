/**
 * Sweep on SQLite: recover jobs whose lease expired — their worker died (kill -9, power loss) or hung
 * without renewing. Running workers renew their leases every leaseMs/3, so an expired lease means the
 * holder is gone (or lost the database long enough that someone else should run the job).
 *
 * The attempt was already counted at claim; a job whose lease expired on its last attempt goes to the
 * DLQ with `HB_ERR_QUEUE_LEASE_EXPIRED` (a poison job that kills its worker must not loop forever).
 * Otherwise it returns to `pending`, ready at once, still the head of its entity.
 */
import type SQLite from 'better-sqlite3';
import type { JobRow } from '../../../store/schema.js';
import { RetryableError } from '../../errors.js';
import { markDeadSync } from './fail.js';
import { stmt } from './statements.js';

export interface SweepResult {
  recovered: number;
  dead: number;
}

export function sweepSync(raw: SQLite.Database, now: number): SweepResult {
  const expired = stmt(raw, `select * from jobs where state = 'running' and locked_until < ?`).all(
    now,
  ) as JobRow[];
  let recovered = 0;
  let dead = 0;
  for (const job of expired) {
    if (job.attempts >= job.max_attempts) {
      const err = new RetryableError({
        code: 'HB_ERR_QUEUE_LEASE_EXPIRED',
        message: `worker ${job.locked_by ?? '?'} stopped renewing its lease on the last attempt (process died?)`,
        context: { jobId: job.id, entityKey: job.entity_key, attempt: job.attempts },
      });
      markDeadSync(raw, job, job.attempts, err, now);
      dead++;
    } else {
      stmt(
        raw,
        `update jobs set state = 'pending', locked_by = null, locked_until = null, run_at = ?, updated_at = ?
         where id = ? and state = 'running'`,
      ).run(now, now, job.id);
      recovered++;
    }
  }
  return { recovered, dead };
}
