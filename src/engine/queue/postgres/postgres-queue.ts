/**
 * The PostgreSQL queue backend: graphile-worker does claiming (`for update skip locked`), per-entity serial
 * named queues, job keys and LISTEN/NOTIFY; heartbridge adds its retry/dead-letter policy, per-entity order
 * across retries, and lease recovery for killed workers. Many processes on many machines share one database.
 * See enqueue.ts, job-outcome.ts and lease-sweeper.ts for how each contract rule is kept.
 */
import { runMigrations } from 'graphile-worker';
import { type RawBuilder, sql } from 'kysely';
import type pg from 'pg';
import type { StoreHandle } from '../../../store/database.js';
import { type BackoffPolicy, DEFAULT_BACKOFF } from '../backoff.js';
import type {
  EnqueueRequest,
  JobFilter,
  JobStateName,
  QueueBackend,
  RunningWorker,
  TransactionHandle,
  WorkerOptions,
} from '../queue-backend.js';
import { enqueueJob, graphileRef } from './enqueue.js';
import { BACKOFF_LOCK, type GraphileJobRow, queueNameFor, summaryOf } from './job-envelope.js';
import { type PgQueueLog, type PgWorkerContext, startPgWorker } from './pg-worker.js';
import { isKysely, isPgQueryable, kyselyRunner, pgClientRunner } from './sql-runner.js';

export interface PostgresQueueDefaults {
  /** Attempts before a job is dead-lettered. Default 10. */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  /** A job locked this long by a worker with no fresh heartbeat runs again. Default 30 s. */
  leaseMs?: number;
  /** How often a worker writes its heartbeat. Default 5 s (never more than leaseMs / 3). */
  heartbeatMs?: number;
  /** How often a worker looks for expired leases and finished backoffs. Default 1 s. */
  sweepIntervalMs?: number;
  /** graphile's poll for future/retried jobs (new jobs arrive by NOTIFY). Default 1 s. */
  pollIntervalMs?: number;
}

export interface PostgresQueueOptions {
  /** A PostgreSQL store (`pgPool` + `db`); our tables (dead_letters, worker_heartbeats) live in its schema. */
  store: StoreHandle;
  /** graphile-worker's schema. Default `graphile_worker`; tests use one per test file. */
  schema?: string;
  defaults?: PostgresQueueDefaults;
  /** Clock for backoff computation (epoch ms). */
  now?: () => number;
  /** Uniform [0,1) for backoff jitter. */
  random?: () => number;
  /** Where graphile-worker's warnings/errors and sweeper problems go. Default: stderr. */
  log?: PgQueueLog;
}

const ms = (col: string) => sql.raw(`(extract(epoch from j.${col}) * 1000)::float8`);

const defaultLog: PgQueueLog = (level, message) => {
  if (process.env.HEARTBRIDGE_LOG_LEVEL === 'silent') return;
  process.stderr.write(`[${level}] ${message}\n`);
};

const guardedPools = new WeakSet<pg.Pool>();
/**
 * A connection that dies while checked out emits 'error' on its client; without a listener that crashes the
 * process. graphile-worker checks for this (and warns on stderr); the store's pool only guards idle clients.
 */
function guardClientErrors(pool: pg.Pool): void {
  if (guardedPools.has(pool)) return;
  guardedPools.add(pool);
  // The failing query itself rejects, which is where the error is handled.
  pool.on('connect', (client) => client.on('error', () => {}));
}

export function createPostgresQueue(options: PostgresQueueOptions): QueueBackend {
  const { store } = options;
  if (store.dialect !== 'postgres' || !store.pgPool) {
    throw new Error(
      'HB_ERR_QUEUE_CONFIG: the PostgreSQL queue needs a PostgreSQL store (DATABASE_URL=postgres://…)',
    );
  }
  const pgPool = store.pgPool;
  guardClientErrors(pgPool);
  const schema = options.schema ?? 'graphile_worker';
  const gw = graphileRef(schema);
  const d = options.defaults ?? {};
  const maxAttempts = d.maxAttempts ?? 10;
  const ctx: PgWorkerContext = {
    db: store.db,
    pgPool,
    schema,
    gw,
    backoff: { ...DEFAULT_BACKOFF, ...d.backoff },
    leaseMs: d.leaseMs ?? 30_000,
    heartbeatMs: d.heartbeatMs ?? 5_000,
    sweepIntervalMs: d.sweepIntervalMs ?? 1_000,
    pollIntervalMs: d.pollIntervalMs ?? 1_000,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    log: options.log ?? defaultLog,
  };
  const workers = new Set<RunningWorker>();

  const select = (where: RawBuilder<unknown>, limit: number) => sql<GraphileJobRow>`
    select j.id, t.identifier as task_identifier, j.payload, j.attempts, j.max_attempts,
      ${ms('run_at')} as run_at_ms, ${ms('created_at')} as created_at_ms, j.last_error, j.locked_by
    from ${gw('_private_jobs')} j join ${gw('_private_tasks')} t on t.id = j.task_id
    where ${where}
    order by j.created_at, j.id
    limit ${limit}`;

  const stateClause: Record<JobStateName, RawBuilder<unknown>> = {
    running: sql`j.locked_at is not null`,
    dead: sql`j.locked_at is null and j.attempts >= j.max_attempts`,
    retrying: sql`j.locked_at is null and j.attempts > 0 and j.attempts < j.max_attempts`,
    pending: sql`j.locked_at is null and j.attempts = 0`,
    // graphile deletes a job when it completes: finished jobs are counted by the job:complete event.
    done: sql`false`,
  };

  return {
    name: 'postgres',

    async prepare() {
      await runMigrations({ pgPool, schema, logger: undefined });
      // Our per-entity queries (order clamp, priority lending, backoff) look jobs up by queue, and getJob by
      // the logical id a retried job keeps; graphile ships neither index.
      await sql`create index if not exists hb_jobs_queue_run_at on ${gw('_private_jobs')} (job_queue_id, run_at)`.execute(
        store.db,
      );
      await sql`create index if not exists hb_jobs_logical_id on ${gw('_private_jobs')} (((payload -> 'hb') ->> 'jobId'))`.execute(
        store.db,
      );
    },

    async enqueue(req: EnqueueRequest, tx?: TransactionHandle) {
      if (!req.task || !req.entityKey || !req.connectionId) {
        throw new Error('HB_ERR_QUEUE_ENQUEUE: connectionId, task and entityKey are required');
      }
      const defaults = { maxAttempts };
      if (tx === undefined || tx === null) {
        return store.db.transaction().execute((trx) => enqueueJob(kyselyRunner(trx), gw, req, defaults));
      }
      if (isKysely(tx)) return enqueueJob(kyselyRunner(tx), gw, req, defaults);
      if (isPgQueryable(tx)) return enqueueJob(pgClientRunner(tx, store.db), gw, req, defaults);
      throw new Error('HB_ERR_QUEUE_ENQUEUE: tx must be a Kysely transaction or a pg client');
    },

    async startWorker(workerOptions: WorkerOptions) {
      const worker = await startPgWorker(ctx, workerOptions);
      workers.add(worker);
      return {
        async stop(graceMs?: number) {
          workers.delete(worker);
          await worker.stop(graceMs);
        },
      };
    },

    async listJobs(filter: JobFilter) {
      const where: RawBuilder<unknown>[] = [sql`true`];
      if (filter.task) where.push(sql`t.identifier = ${filter.task}`);
      if (filter.connectionId)
        where.push(sql`(j.payload -> 'hb' ->> 'connectionId') = ${filter.connectionId}`);
      if (filter.entityKey) {
        where.push(sql`j.job_queue_id = (select q.id from ${gw('_private_job_queues')} q
          where q.queue_name = ${queueNameFor(filter.entityKey)})`);
      }
      if (filter.state) where.push(stateClause[filter.state]);
      const { rows } = await select(sql.join(where, sql` and `), filter.limit ?? 100).execute(store.db);
      return rows.map(summaryOf);
    },

    async getJob(id: string) {
      const byRowId = /^\d{1,18}$/.test(id) ? sql`j.id = ${id}::bigint or ` : sql``;
      const { rows } = await select(sql`(${byRowId}(j.payload -> 'hb' ->> 'jobId') = ${id})`, 1).execute(
        store.db,
      );
      return rows[0] ? summaryOf(rows[0]) : null;
    },

    async countsByState() {
      const { rows } = await sql<Record<JobStateName, number>>`
        select
          count(*) filter (where ${stateClause.pending})::int as pending,
          count(*) filter (where ${stateClause.running})::int as running,
          count(*) filter (where ${stateClause.retrying})::int as retrying,
          count(*) filter (where ${stateClause.dead})::int as dead,
          0 as done
        from ${gw('_private_jobs')} j`.execute(store.db);
      return rows[0] ?? { pending: 0, running: 0, retrying: 0, dead: 0, done: 0 };
    },

    async oldestPendingAgeMs(now?: number) {
      // Ready = claimable now: available, due, and its entity not busy or backing off.
      const { rows } = await sql<{ oldest: number | null; db_now: number }>`
        select min(${ms('run_at')}) as oldest, (extract(epoch from now()) * 1000)::float8 as db_now
        from ${gw('_private_jobs')} j
        left join ${gw('_private_job_queues')} q on q.id = j.job_queue_id
        where j.is_available and j.run_at <= now() and (q.id is null or q.locked_at is null)`.execute(
        store.db,
      );
      const row = rows[0];
      if (!row || row.oldest === null) return 0;
      return Math.max(0, Math.round((now ?? row.db_now) - row.oldest));
    },

    async close() {
      await Promise.all([...workers].map((w) => w.stop()));
      workers.clear();
    },
  };
}

export { BACKOFF_LOCK };
