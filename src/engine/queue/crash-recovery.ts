/**
 * What a crash costs a job (both backends: sqlite/sweep.ts, postgres/lease-sweeper.ts).
 *
 * A job whose worker died mid-attempt (kill -9, OOM, power) runs again. The attempt was counted when it
 * was claimed — `attempt` stays monotonic, so a flow can tell that something may already have happened
 * (orders: look before creating) — but its limit is raised by one, so crashes never use up the attempts
 * meant for real failures. A crash says nothing about the job, and under a crash loop (a host restarted
 * every few seconds) jobs used to reach their limit mostly through kills and be dead-lettered — orders
 * included (chaos full profile on SQLite, kill every 20 s: 7–9 such dead letters per run). Only a job
 * that has been in flight at
 * `MAX_CRASH_RECOVERIES` crashes is taken for one that kills its worker, and dead-lettered with
 * `HB_ERR_QUEUE_LEASE_EXPIRED`, so a poison job cannot restart the service forever.
 *
 * The count lives in the job's last error (`context.crashes` of an `HB_ERR_QUEUE_LEASE_EXPIRED` entry):
 * an ordinary failure in between starts it again, which only makes the poison guard later, never a job
 * lost.
 */
import { type ErrorChainEntry, RetryableError } from '../errors.js';

export const MAX_CRASH_RECOVERIES = 50;
export const CRASH_CODE = 'HB_ERR_QUEUE_LEASE_EXPIRED';

/** Crashes recorded so far in a job's last error chain. */
export function crashesIn(lastError: readonly ErrorChainEntry[] | null | undefined): number {
  const head = lastError?.[0];
  if (head?.code !== CRASH_CODE) return 0;
  const n = Number(head.context?.crashes ?? 0);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

export type CrashVerdict =
  | { kind: 'retry'; crashes: number; extendLimit: boolean; error: RetryableError }
  | { kind: 'dead'; crashes: number; error: RetryableError };

/** The decision for a job released because its worker `why` (e.g. "died (no live heartbeat)"). */
export function crashVerdict(job: {
  attempts: number;
  maxAttempts: number;
  previousCrashes: number;
  worker: string;
  why: string;
  jobId: string | number;
  entityKey: string;
}): CrashVerdict {
  const crashes = job.previousCrashes + 1;
  const context = { jobId: job.jobId, entityKey: job.entityKey, attempt: job.attempts, crashes };
  if (crashes >= MAX_CRASH_RECOVERIES) {
    return {
      kind: 'dead',
      crashes,
      error: new RetryableError({
        code: CRASH_CODE,
        message: `worker ${job.worker} ${job.why}; this job was in flight at ${crashes} crashes in a row, so it is taken for one that kills its worker`,
        suggestedFix:
          'look at the service logs around the crashes (memory, a stack overflow on this payload); replay once fixed',
        context,
      }),
    };
  }
  return {
    kind: 'retry',
    crashes,
    extendLimit: true,
    error: new RetryableError({
      code: CRASH_CODE,
      message: `worker ${job.worker} ${job.why}; the job runs again (crash ${crashes} of at most ${MAX_CRASH_RECOVERIES})`,
      context,
    }),
  };
}
