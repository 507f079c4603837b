/**
 * Sweep on SQLite: recover jobs whose holder is gone, so they run again (at-least-once).
 *
 * A running job is released when
 * - its holder is judged dead (heartbeat.ts: no heartbeat row, its process is gone, or — for a pool we
 *   cannot see — its heartbeat is older than 3 × its interval). This is what makes a `kill -9` +
 *   restart recover in about a second instead of a whole lease; or
 * - its lease expired: the holder stopped renewing (hung, or lost the database long enough that someone
 *   else should run the job). Running workers renew every leaseMs/3.
 * The verdict is taken inside the sweep's own write transaction, so no heartbeat or renewal can commit
 * between the judgement and the release.
 *
 * The attempt was already counted at claim. The job returns to `pending`, ready at once, still the head
 * of its entity, its limit raised by one (a crash does not use up attempts); only a job in flight at
 * `MAX_CRASH_RECOVERIES` crashes goes to the DLQ (`HB_ERR_QUEUE_LEASE_EXPIRED`): see crash-recovery.ts.
 */
import type SQLite from 'better-sqlite3';
import type { JobRow } from '../../../store/schema.js';
import { errorChain } from '../../errors.js';
import { crashesIn, crashVerdict } from '../crash-recovery.js';
import { markDeadSync } from './fail.js';
import { judgeHoldersSync, type PoolIdentity } from './heartbeat.js';
import { stmt } from './statements.js';

export interface SweepResult {
  recovered: number;
  dead: number;
}

/** `self` = the sweeping pool (its PID space and interval); without it only expired leases are swept. */
export function sweepSync(raw: SQLite.Database, now: number, self?: PoolIdentity): SweepResult {
  const deadHolders = self ? judgeHoldersSync(raw, self, now).dead : [];
  const expired = stmt(
    raw,
    `select * from jobs where state = 'running'
       and (locked_until < ? or locked_by in (select value from json_each(?)))`,
  ).all(now, JSON.stringify(deadHolders)) as JobRow[];
  let recovered = 0;
  let dead = 0;
  for (const job of expired) {
    const why =
      job.locked_by !== null && deadHolders.includes(job.locked_by)
        ? 'died (no live heartbeat or process)'
        : 'stopped renewing its lease';
    const verdict = crashVerdict({
      attempts: job.attempts,
      maxAttempts: job.max_attempts,
      previousCrashes: crashesIn(job.last_error_json ? JSON.parse(job.last_error_json) : null),
      worker: job.locked_by ?? '?',
      why,
      jobId: job.id,
      entityKey: job.entity_key,
    });
    if (verdict.kind === 'dead') {
      markDeadSync(raw, job, job.attempts, verdict.error, now);
      dead++;
    } else {
      stmt(
        raw,
        `update jobs set state = 'pending', locked_by = null, locked_until = null, run_at = ?, updated_at = ?,
           last_error_json = ?, max_attempts = max_attempts + ?
         where id = ? and state = 'running'`,
      ).run(now, now, JSON.stringify(errorChain(verdict.error)), verdict.extendLimit ? 1 : 0, job.id);
      recovered++;
    }
  }
  return { recovered, dead };
}
