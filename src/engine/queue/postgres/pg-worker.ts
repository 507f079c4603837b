/**
 * A worker pool: graphile-worker's runner (shares the store's pg pool, LISTEN/NOTIFY + polling, `for update
 * skip locked` claims, named queues) with each heartbridge handler wrapped so that failures follow OUR
 * policy (job-outcome.ts), plus the lease sweeper and heartbeat (lease-sweeper.ts).
 */
import { EventEmitter } from 'node:events';
import { type JobHelpers, Logger, type LogLevel, run, type Task, type TaskList } from 'graphile-worker';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../../../store/schema.js';
import { errorChain, isRetryable, notBeforeOf } from '../../errors.js';
import { type BackoffPolicy, nextRunAt } from '../backoff.js';
import type { JobSummary, QueueEvents, RunningWorker, TaskHandler, WorkerOptions } from '../queue-backend.js';
import type { GraphileRef } from './enqueue.js';
import { parseEnvelope, summaryOf } from './job-envelope.js';
import { type Outcome, settleJob, type Verdict } from './job-outcome.js';
import { LeaseSweeper } from './lease-sweeper.js';
import { QuietFreshInstallPlugin } from './quiet-install-plugin.js';
import type { SqlRunner } from './sql-runner.js';

export type PgQueueLog = (level: 'error' | 'warn', message: string) => void;

export interface PgWorkerContext {
  db: Kysely<Database>;
  /** The pg pool as a runner of named prepared statements (hot paths). */
  direct: SqlRunner;
  pgPool: import('pg').Pool;
  schema: string;
  gw: GraphileRef;
  backoff: BackoffPolicy;
  leaseMs: number;
  heartbeatMs: number;
  sweepIntervalMs: number;
  pollIntervalMs: number;
  doneRetentionMs: number;
  now: () => number;
  random: () => number;
  log: PgQueueLog;
}

/** Thrown to graphile for a job whose lease was taken over (already logged as HB_WARN_QUEUE_LEASE_LOST). */
class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(jobId: string) {
    super(`${LEASE_LOST_MARK}: job ${jobId} is held by another worker now`);
  }
}
const LEASE_LOST_MARK = 'HB_QUEUE_LEASE_LOST';

function graphileLogger(log: PgQueueLog): Logger {
  return new Logger(() => (level: LogLevel, message: string) => {
    // graphile reports our LeaseLostError as a failed job; the warning above already said what happened.
    if (message.includes(LEASE_LOST_MARK)) return;
    if (level === 'error') log('error', `graphile-worker: ${message}`);
    else if (level === 'warning') log('warn', `graphile-worker: ${message}`);
  });
}

function emit<K extends keyof QueueEvents>(
  events: QueueEvents | undefined,
  name: K,
  ...args: Parameters<NonNullable<QueueEvents[K]>>
) {
  const hook = events?.[name] as ((...a: unknown[]) => void) | undefined;
  try {
    hook?.(...args);
  } catch {
    // A metrics/log hook must never change a job's fate.
  }
}

interface WrapState {
  /** Set by abandon(): behave as a dead process — record nothing, never finish. */
  abandoned: boolean;
  stopping: AbortSignal;
}

function wrap(
  ctx: PgWorkerContext,
  handler: TaskHandler,
  events: QueueEvents | undefined,
  state: WrapState,
): Task {
  return async (payload: unknown, helpers: JobHelpers) => {
    const job = helpers.job;
    const summary: JobSummary = summaryOf({
      id: job.id,
      task_identifier: job.task_identifier,
      payload,
      attempts: job.attempts,
      max_attempts: job.max_attempts,
      run_at_ms: new Date(job.run_at).getTime(),
      created_at_ms: new Date(job.created_at).getTime(),
      last_error: job.last_error,
      locked_by: job.locked_by,
      flags: null,
    });
    const env = parseEnvelope(payload);
    emit(events, 'job:start', summary);
    const started = performance.now();
    let verdict: Verdict;
    try {
      if (!env) throw new Error('HB_ERR_QUEUE_BAD_ENVELOPE: job payload is not a heartbridge envelope');
      await handler(env.payload, {
        jobId: summary.id,
        connectionId: env.hb.connectionId,
        task: env.hb.task,
        entityKey: env.hb.entityKey,
        attempt: job.attempts,
        maxAttempts: job.max_attempts,
        inboxId: env.hb.inboxId ?? null,
        configVersion: env.hb.configVersion ?? null,
        signal: AbortSignal.any([helpers.abortSignal, state.stopping]),
      });
      verdict = { kind: 'done' };
    } catch (error) {
      const dead = !env || !isRetryable(error) || job.attempts >= job.max_attempts;
      verdict = dead
        ? { kind: 'dead', error }
        : {
            kind: 'retry',
            error,
            retryAt: nextRunAt({
              ...ctx.backoff,
              attempt: job.attempts,
              now: ctx.now(),
              notBefore: notBeforeOf(error),
              random: ctx.random,
            }),
          };
    }
    if (state.abandoned) await new Promise(() => {});
    let outcome: Outcome;
    try {
      outcome = await settleJob(
        ctx.db,
        ctx.direct,
        ctx.gw,
        job.locked_by ?? '',
        { id: job.id, attempts: job.attempts, maxAttempts: job.max_attempts },
        verdict,
      );
    } catch (settleError) {
      // Could not record the outcome (database trouble). Throwing hands the job to graphile's own failure
      // path (it retries later; per-entity order is not guaranteed for that one retry).
      emit(events, 'worker:fatal', settleError);
      ctx.log(
        'error',
        `HB_ERR_QUEUE_SETTLE: could not record the outcome of job ${summary.id}: ${String(settleError)}`,
      );
      throw verdict.kind === 'done' ? settleError : verdict.error;
    }
    const durationMs = performance.now() - started;
    if (outcome === 'lease-lost') {
      // Another worker was handed this job while it ran (see HB_WARN_QUEUE_LEASE_TAKEN there): its work
      // may have been done twice. Idempotent flows absorb that; the line says where to look if not.
      ctx.log(
        'warn',
        `HB_WARN_QUEUE_LEASE_LOST: job ${summary.id} (${summary.task} ${summary.entityKey}, attempt ${job.attempts}) finished after ${Math.round(durationMs)} ms, but its lease had been taken over: its outcome (${verdict.kind}) is left to the new holder`,
      );
      // Returning would let graphile "complete" the job: `delete … where id = $1`, whoever holds the row
      // now — the new holder's run (or its pending retry) would vanish. graphile's failure path only
      // touches a row this pool still holds, so it is a no-op here.
      throw new LeaseLostError(summary.id);
    }
    if (verdict.kind === 'done') {
      emit(events, 'job:complete', { ...summary, state: 'done' }, durationMs);
    } else if (outcome === 'dead') {
      const lastError = errorChain(verdict.error);
      emit(events, 'job:dead', { ...summary, state: 'dead', lastError }, verdict.error);
    } else {
      const retryAt = verdict.kind === 'retry' && outcome === 'retry' ? verdict.retryAt : ctx.now();
      emit(
        events,
        'job:error',
        { ...summary, state: 'retrying', lastError: errorChain(verdict.error) },
        verdict.error,
        retryAt,
      );
    }
  };
}

export async function startPgWorker(ctx: PgWorkerContext, options: WorkerOptions): Promise<RunningWorker> {
  const stopController = new AbortController();
  const state: WrapState = { abandoned: false, stopping: stopController.signal };
  const taskList: TaskList = {};
  for (const [name, handler] of Object.entries(options.handlers)) {
    taskList[name] = wrap(ctx, handler, options.events, state);
  }
  const graphileEvents = new EventEmitter();
  let poolId: string | undefined;
  graphileEvents.on('pool:create', ({ workerPool }: { workerPool: { id: string } }) => {
    poolId = workerPool.id;
  });
  const runner = await run({
    pgPool: ctx.pgPool,
    schema: ctx.schema,
    concurrency: options.concurrency,
    noHandleSignals: true,
    pollInterval: options.pollIntervalMs ?? ctx.pollIntervalMs,
    taskList,
    parsedCronItems: [],
    logger: graphileLogger(ctx.log),
    events: graphileEvents,
    preset: { plugins: [QuietFreshInstallPlugin] },
  });
  runner.promise.catch((e: unknown) =>
    ctx.log('error', `HB_ERR_QUEUE_WORKER: worker pool stopped: ${String(e)}`),
  );
  if (!poolId) throw new Error('HB_ERR_QUEUE_WORKER: graphile-worker did not report its pool id');

  const leaseMs = options.leaseMs ?? ctx.leaseMs;
  // The heartbeat's own connection: liveness must not wait behind this process's jobs for a pooled one.
  const heartbeatPool = new pg.Pool({ ...ctx.pgPool.options, max: 1 });
  heartbeatPool.on('error', () => {});
  heartbeatPool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const heartbeatDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: heartbeatPool }) });
  const sweeper = new LeaseSweeper({
    db: ctx.db,
    heartbeatDb,
    gw: ctx.gw,
    poolId,
    label: options.workerId,
    leaseMs,
    heartbeatMs: Math.min(ctx.heartbeatMs, Math.max(50, Math.floor(leaseMs / 3))),
    sweepIntervalMs: ctx.sweepIntervalMs,
    doneRetentionMs: ctx.doneRetentionMs,
    onError: (e) => ctx.log('warn', `HB_ERR_QUEUE_SWEEP: ${String(e)}`),
    onTakeover: (t) =>
      ctx.log(
        'warn',
        `HB_WARN_QUEUE_LEASE_TAKEN: job ${t.jobId} (${t.task} ${t.entityKey}, attempt ${t.attempt}) taken from worker pool ${t.pool} after ${t.heldMs ?? '?'} ms: ${t.heartbeatAgeMs === null ? 'the pool has no heartbeat row (died or stopped)' : `its last heartbeat is ${Math.round(t.heartbeatAgeMs / 1000)} s old`}`,
      ),
    onSlowHeartbeat: (ms) =>
      ctx.log(
        'warn',
        `HB_WARN_QUEUE_SLOW_HEARTBEAT: writing this worker's heartbeat took ${Math.round(ms)} ms (lease ${leaseMs} ms): the database or this process is overloaded`,
      ),
  });
  await sweeper.start();

  let stopped: Promise<void> | undefined;
  return {
    stop(graceMs = 30_000) {
      stopped ??= (async () => {
        // Handlers see ctx.signal abort after the grace period; a retryable abort is rescheduled by us. A handler
        // that ignores the signal is given up on shortly after: its job stays locked until its lease expires.
        const timer = setTimeout(() => stopController.abort(new Error('worker stopping')), graceMs);
        let giveUp: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            // Rejects when the runner already stopped by itself (its exit was logged then).
            runner.stop().catch(() => {}),
            new Promise((r) => {
              giveUp = setTimeout(r, graceMs + 5_000);
            }),
          ]);
        } finally {
          clearTimeout(timer);
          clearTimeout(giveUp);
          await sweeper.stop();
          await heartbeatDb.destroy().catch(() => {});
        }
      })();
      return stopped;
    },
    abandon() {
      // As if the process died: stop claiming and heartbeating, leave running jobs locked and record no
      // outcome for them. Their leases expire and another worker's sweeper hands them on.
      stopped ??= (async () => {
        state.abandoned = true;
        await sweeper.stop({ keepHeartbeat: true });
        await heartbeatDb.destroy().catch(() => {});
        // Not awaited: graceful shutdown would wait for the jobs we just orphaned.
        runner.stop().catch(() => {});
      })();
      return stopped;
    },
  };
}
