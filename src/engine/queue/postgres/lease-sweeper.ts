/**
 * Liveness and housekeeping every PostgreSQL worker process runs beside graphile-worker.
 *
 * graphile-worker 0.17 has no heartbeat: a job locked by a worker that was SIGKILLed stays locked for
 * 4 hours (its `resetLockedAt`). `forceUnlockWorkers` exists but needs someone to know which workers died.
 * So each worker pool upserts a row in our `worker_heartbeats` table every `heartbeatMs`, and every
 * `sweepIntervalMs` any live worker:
 * 1. unlocks entity queues whose backoff (`hb:backoff`, see job-outcome.ts) has run out;
 * 2. unlocks jobs and queues locked longer than `leaseMs` by a pool with no fresh heartbeat (never wrote
 *    one, or stopped), and queue locks whose pool no longer holds any job in them (a job completed twice
 *    after its lease was taken over). A killed job's limit is raised by one (a crash does not use up
 *    attempts; one whose coalesce key was taken over while it ran is dropped instead); one in flight at
 *    `MAX_CRASH_RECOVERIES` crashes is dead-lettered here (src/engine/queue/crash-recovery.ts).
 * All times are the database's clock, as graphile's are.
 */
import { hostname } from 'node:os';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../../../store/schema.js';
import { recordDeadLetter } from '../../dead-letters.js';
import { errorChain } from '../../errors.js';
import { crashVerdict } from '../crash-recovery.js';
import type { GraphileRef } from './enqueue.js';
import { BACKOFF_LOCK, DONE_FLAG, parseEnvelope } from './job-envelope.js';
import { kyselyRunner } from './sql-runner.js';

export interface LeaseSweeperOptions {
  db: Kysely<Database>;
  /**
   * Where the heartbeat is written: a connection of its own. On the pool the jobs use, a heartbeat queued
   * behind busy jobs for longer than the lease made a live worker look dead, and its jobs ran twice.
   */
  heartbeatDb?: Kysely<Database>;
  gw: GraphileRef;
  poolId: string;
  label?: string;
  leaseMs: number;
  heartbeatMs: number;
  sweepIntervalMs: number;
  onError?(error: unknown): void;
  /** A job found dead by the sweeper (worker died on its last attempt). */
  onDead?(jobId: string, error: unknown): void;
  /**
   * A running job taken from a pool that stopped heartbeating: logged, because if that pool was in fact
   * alive (starved, paused), the job's work now runs twice — the on-call engineer must be able to see it.
   */
  onTakeover?(takeover: LeaseTakeover): void;
  /** A heartbeat write that took longer than a third of the lease (the pool is close to being judged dead). */
  onSlowHeartbeat?(ms: number): void;
  /** Finished jobs are kept this long for `jobs list`. */
  doneRetentionMs: number;
}

const NOW_MS = sql<number>`floor(extract(epoch from clock_timestamp()) * 1000)::bigint`;

interface StaleRow {
  id: string;
  attempts: number;
  max_attempts: number;
  key: string | null;
  payload: unknown;
  locked_by: string | null;
  locked_ms: number | null;
  heartbeat_age_ms: number | null;
}

export interface LeaseTakeover {
  jobId: string;
  entityKey: string;
  task: string;
  attempt: number;
  /** The pool that held it. */
  pool: string;
  /** How long it had held it. */
  heldMs: number | null;
  /** Age of that pool's last heartbeat; null when it never wrote one or removed its row on stopping. */
  heartbeatAgeMs: number | null;
}

export class LeaseSweeper {
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastRetentionAt = 0;

  constructor(private readonly o: LeaseSweeperOptions) {}

  async start(): Promise<void> {
    await this.heartbeat();
    this.heartbeatTimer = setInterval(
      () => this.heartbeat().catch((e) => this.o.onError?.(e)),
      this.o.heartbeatMs,
    );
    this.sweepTimer = setInterval(() => {
      // Never overlap two sweeps of one process.
      this.running ??= this.sweep()
        .then(() => undefined)
        .catch((e) => this.o.onError?.(e))
        .finally(() => {
          this.running = undefined;
        });
    }, this.o.sweepIntervalMs);
  }

  async stop(options: { keepHeartbeat?: boolean } = {}): Promise<void> {
    clearInterval(this.heartbeatTimer);
    clearInterval(this.sweepTimer);
    await this.running;
    if (options.keepHeartbeat) return;
    // Gone on purpose: whatever this pool still holds may be recovered at once by the others.
    await sql`delete from worker_heartbeats where worker_id = ${this.o.poolId}`
      .execute(this.o.db)
      .catch(() => {});
  }

  async heartbeat(): Promise<void> {
    const started = performance.now();
    await sql`
      insert into worker_heartbeats (worker_id, label, host, pid, started_at, last_seen_at)
      values (${this.o.poolId}, ${this.o.label ?? null}, ${hostname()}, ${process.pid}, ${NOW_MS}, ${NOW_MS})
      on conflict (worker_id) do update set last_seen_at = excluded.last_seen_at`.execute(
      this.o.heartbeatDb ?? this.o.db,
    );
    const ms = performance.now() - started;
    if (ms > this.o.leaseMs / 3) this.o.onSlowHeartbeat?.(ms);
  }

  /** One pass; exposed for tests. Returns how many locks it released. */
  async sweep(): Promise<number> {
    const { db, gw, leaseMs } = this.o;
    const released = await sql<{ n: number }>`
      with q as (
        update ${gw('_private_job_queues')} set locked_at = null, locked_by = null
        where locked_by = ${BACKOFF_LOCK} and locked_at <= now() returning id)
      select count(*)::int as n from q`.execute(db);
    let n = released.rows[0]?.n ?? 0;

    n += await db.transaction().execute(async (trx) => {
      const run = kyselyRunner(trx);
      const fresh = sql`(select worker_id from worker_heartbeats where last_seen_at >= ${NOW_MS} - ${leaseMs}::int)`;
      // The old holder and its heartbeat's age are read in the same statement (from the row before the
      // update), for the takeover log line.
      const stale = await run.rows<StaleRow>(sql`
        with s as (
          select j.id, j.locked_by, j.locked_at from ${gw('_private_jobs')} j
          where j.locked_at is not null and j.locked_at < now() - ${leaseMs}::int * interval '1 millisecond'
            and j.locked_by not in ${fresh}
          for update of j)
        update ${gw('_private_jobs')} u set locked_at = null, locked_by = null, updated_at = now()
        from s
        where u.id = s.id
        returning u.id, u.attempts, u.max_attempts, u.key, u.payload, s.locked_by,
          floor(extract(epoch from (now() - s.locked_at)) * 1000)::bigint as locked_ms,
          (select ${NOW_MS} - h.last_seen_at from worker_heartbeats h where h.worker_id = s.locked_by)
            as heartbeat_age_ms`);
      // The holder check is a LIMIT 1 lateral lookup per candidate (a few rows, by index): written as
      // NOT EXISTS under an OR, the planner hashed the whole jobs table on every sweep.
      const queues = await run.rows<{ id: number }>(sql`
        with c as (
          select q.id from ${gw('_private_job_queues')} q
          left join lateral (
            select true as held from ${gw('_private_jobs')} j
            where j.job_queue_id = q.id and j.locked_by = q.locked_by limit 1) h on true
          where q.locked_by is not null and q.locked_by <> ${BACKOFF_LOCK}
            and q.locked_at < now() - ${leaseMs}::int * interval '1 millisecond'
            and (q.locked_by not in ${fresh} or h.held is null))
        update ${gw('_private_job_queues')} q set locked_at = null, locked_by = null
        from c where q.id = c.id
          and q.locked_by is not null and q.locked_at < now() - ${leaseMs}::int * interval '1 millisecond'
        returning q.id`);
      for (const row of stale) {
        const env = parseEnvelope(row.payload);
        this.o.onTakeover?.({
          jobId: env?.hb.jobId ?? String(row.id),
          entityKey: env?.hb.entityKey ?? '?',
          task: env?.hb.task ?? '?',
          attempt: row.attempts,
          pool: row.locked_by ?? '?',
          heldMs: row.locked_ms === null ? null : Number(row.locked_ms),
          heartbeatAgeMs: row.heartbeat_age_ms === null ? null : Number(row.heartbeat_age_ms),
        });
        const verdict = crashVerdict({
          attempts: row.attempts,
          maxAttempts: row.max_attempts,
          previousCrashes: env?.hb.crashes ?? 0,
          worker: 'pool',
          why: `running attempt ${row.attempts} stopped before finishing it`,
          jobId: env?.hb.jobId ?? String(row.id),
          entityKey: env?.hb.entityKey ?? '?',
        });
        if (verdict.kind === 'retry') {
          if (row.key === null && env?.hb.coalesceKey) {
            // Superseded while it ran (graphile cleared its key): the newer job does the work.
            await run.rows(sql`delete from ${gw('_private_jobs')} where id = ${row.id}`);
            continue;
          }
          const payload = env
            ? JSON.stringify({ ...env, hb: { ...env.hb, crashes: verdict.crashes } })
            : null;
          await run.rows(sql`
            update ${gw('_private_jobs')}
            set max_attempts = max_attempts + ${verdict.extendLimit ? 1 : 0},
                last_error = ${JSON.stringify(errorChain(verdict.error))},
                payload = coalesce(${payload}::json, payload)
            where id = ${row.id}`);
          continue;
        }
        const error = verdict.error;
        if (env) {
          await recordDeadLetter(trx, {
            connectionId: env.hb.connectionId,
            task: env.hb.task,
            entityKey: env.hb.entityKey,
            payload: env.payload,
            inboxId: env.hb.inboxId ?? null,
            attempts: row.attempts,
            configVersion: env.hb.configVersion ?? null,
            error,
          });
        }
        // attempts = max_attempts is how graphile knows a job is over (it may have had attempts left).
        await run.rows(sql`
          update ${gw('_private_jobs')}
          set last_error = ${JSON.stringify(errorChain(error))}, max_attempts = least(max_attempts, attempts)
          where id = ${row.id}`);
        this.o.onDead?.(env?.hb.jobId ?? String(row.id), error);
      }
      return stale.length + queues.length;
    });

    // Retention is a table scan: once a minute is plenty.
    if (Date.now() - this.lastRetentionAt > 60_000) {
      this.lastRetentionAt = Date.now();
      await deleteDone(db, gw, sql`now() - ${this.o.doneRetentionMs}::bigint * interval '1 millisecond'`);
    }

    // Wake idle workers (graphile LISTENs on this channel) rather than waiting for their next poll.
    if (n > 0) await sql`select pg_notify('jobs:insert', ${JSON.stringify({ count: n })})`.execute(db);
    return n;
  }
}

/** Deletes finished jobs last updated before `before` (a timestamptz SQL expression); returns the count. */
export async function deleteDone(
  db: Kysely<Database>,
  gw: GraphileRef,
  before: RawBuilder<unknown>,
): Promise<number> {
  const res = await sql`
    delete from ${gw('_private_jobs')}
    where locked_at is null and attempts >= max_attempts and flags ? ${DONE_FLAG} and updated_at < ${before}`.execute(
    db,
  );
  return Number(res.numAffectedRows ?? 0);
}
