/**
 * The PostgreSQL queue backend: graphile-worker does claiming (`for update skip locked`), per-entity serial
 * named queues, job keys and LISTEN/NOTIFY; heartbridge adds its retry/dead-letter policy, per-entity order
 * across retries, `done` history and lease recovery for killed workers. Many processes on many machines
 * share one database. See enqueue.ts, job-outcome.ts and lease-sweeper.ts for how each contract rule is kept.
 */
import { runMigrations } from 'graphile-worker';
import { sql } from 'kysely';
import type pg from 'pg';
import type { StoreHandle } from '../../../store/database.js';
import { type BackoffPolicy, DEFAULT_BACKOFF } from '../backoff.js';
import {
  DEFAULT_MAX_ATTEMPTS,
  type EnqueueRequest,
  type QueueBackend,
  type RunningWorker,
  type TransactionHandle,
} from '../queue-backend.js';
import { enqueueJob, type GraphileRef, graphileRef } from './enqueue.js';
import { JobReads } from './job-reads.js';
import { deleteDone } from './lease-sweeper.js';
import { type PgQueueLog, type PgWorkerContext, startPgWorker } from './pg-worker.js';
import { QuietFreshInstallPlugin } from './quiet-install-plugin.js';
import { isKysely, isPgQueryable, kyselyRunner, pgClientRunner } from './sql-runner.js';

export interface PostgresQueueDefaults {
  /** Attempts before a job is dead-lettered. Default 10. */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  /** A job locked this long by a worker with no fresh heartbeat runs again. Default 30 s. */
  leaseMs?: number;
  /** How often a worker writes its heartbeat. Default 5 s (at most leaseMs / 3). */
  heartbeatMs?: number;
  /** How often a worker looks for expired leases and finished backoffs. Default 1 s. */
  sweepIntervalMs?: number;
  /** graphile's poll for due jobs (new jobs also arrive by NOTIFY). Default 1 s. */
  pollIntervalMs?: number;
  /** Finished jobs stay visible this long. Default 24 h. */
  doneRetentionMs?: number;
}

export interface PostgresQueueOptions {
  /** A PostgreSQL store (`pgPool` + `db`); our tables (dead_letters, worker_heartbeats) live in its schema. */
  store: StoreHandle;
  /**
   * graphile-worker's schema. Default: `graphile_worker` when heartbridge's tables are in `public`, else
   * `<that schema>_gw` — so installs (and test runs) in separate schemas never share a queue.
   */
  schema?: string;
  defaults?: PostgresQueueDefaults;
  /** Clock for backoff computation (epoch ms). */
  now?: () => number;
  /** Uniform [0,1) for backoff jitter. */
  random?: () => number;
  /** Where graphile-worker's warnings/errors and sweeper problems go. Default: stderr. */
  log?: PgQueueLog;
}

/** The engine's generic backend options (engine.ts `createQueueBackend`), accepted as a second form. */
export interface GenericQueueOptions extends PostgresQueueDefaults {
  now?: () => number;
  random?: () => number;
  defaultMaxAttempts?: number;
  schema?: string;
  log?: PgQueueLog;
}

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

function normalise(
  first: PostgresQueueOptions | StoreHandle,
  second?: GenericQueueOptions,
): PostgresQueueOptions {
  if ('store' in first) return first;
  const o = second ?? {};
  return {
    store: first,
    schema: o.schema,
    now: o.now,
    random: o.random,
    log: o.log,
    defaults: { ...o, maxAttempts: o.maxAttempts ?? o.defaultMaxAttempts },
  };
}

/**
 * `createPostgresQueue({ store, schema?, defaults? })`, or `createPostgresQueue(store, options?)` as
 * engine.ts calls every backend factory.
 */
export function createPostgresQueue(options: PostgresQueueOptions): QueueBackend;
export function createPostgresQueue(store: StoreHandle, options?: GenericQueueOptions): QueueBackend;
export function createPostgresQueue(
  first: PostgresQueueOptions | StoreHandle,
  second?: GenericQueueOptions,
): QueueBackend {
  const options = normalise(first, second);
  const { store } = options;
  if (store.dialect !== 'postgres' || !store.pgPool) {
    throw new Error(
      'HB_ERR_QUEUE_CONFIG: the PostgreSQL queue needs a PostgreSQL store (DATABASE_URL=postgres://…)',
    );
  }
  const pgPool = store.pgPool;
  guardClientErrors(pgPool);
  const d = options.defaults ?? {};
  const maxAttempts = d.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const workers = new Set<RunningWorker>();
  const direct = pgClientRunner(pgPool, store.db);

  let resolved: Promise<{ schema: string; gw: GraphileRef; reads: JobReads }> | undefined;
  const resolve = () => {
    resolved ??= (async () => {
      let schema = options.schema;
      if (!schema) {
        const { rows } = await sql<{ s: string }>`select current_schema() as s`.execute(store.db);
        const ours = rows[0]?.s ?? 'public';
        schema = ours === 'public' ? 'graphile_worker' : `${ours}_gw`;
      }
      const gw = graphileRef(schema);
      return { schema, gw, reads: new JobReads(store.db, gw) };
    })();
    return resolved;
  };

  return {
    name: 'postgres',

    async prepare() {
      const { schema, gw } = await resolve();
      await runMigrations({ pgPool, schema, preset: { plugins: [QuietFreshInstallPlugin] } });
      // Our per-entity queries (order clamp, priority lending) look jobs up by queue, and getJob by the
      // logical id a retried job keeps; graphile ships neither index.
      await sql`create index if not exists hb_jobs_queue_run_at on ${gw('_private_jobs')} (job_queue_id, run_at)`.execute(
        store.db,
      );
      await sql`create index if not exists hb_jobs_logical_id on ${gw('_private_jobs')} (((payload -> 'hb') ->> 'jobId'))`.execute(
        store.db,
      );
      // The lease sweep (every second, in every process) looks for locks older than the lease: with these
      // partial indexes it reads the few locked rows instead of every job and every entity's queue.
      await sql`create index if not exists hb_jobs_locked on ${gw('_private_jobs')} (locked_at) where locked_at is not null`.execute(
        store.db,
      );
      await sql`create index if not exists hb_job_queues_locked on ${gw('_private_job_queues')} (locked_at) where locked_by is not null`.execute(
        store.db,
      );
    },

    async enqueue(req: EnqueueRequest, tx?: TransactionHandle) {
      if (!req.task || !req.entityKey || !req.connectionId) {
        throw new Error('HB_ERR_QUEUE_ENQUEUE: connectionId, task and entityKey are required');
      }
      const { gw } = await resolve();
      const defaults = { maxAttempts };
      // One statement: atomic on its own, and inside the caller's transaction when one is given.
      if (tx === undefined || tx === null) return enqueueJob(direct, gw, req, defaults);
      if (isKysely(tx)) return enqueueJob(kyselyRunner(tx), gw, req, defaults);
      if (isPgQueryable(tx)) return enqueueJob(pgClientRunner(tx, store.db), gw, req, defaults);
      throw new Error('HB_ERR_QUEUE_ENQUEUE: tx must be a Kysely transaction or a pg client');
    },

    async startWorker(workerOptions) {
      const { schema, gw } = await resolve();
      const ctx: PgWorkerContext = {
        db: store.db,
        direct,
        pgPool,
        schema,
        gw,
        backoff: { ...DEFAULT_BACKOFF, ...d.backoff },
        leaseMs: d.leaseMs ?? 30_000,
        heartbeatMs: d.heartbeatMs ?? 5_000,
        sweepIntervalMs: d.sweepIntervalMs ?? 1_000,
        pollIntervalMs: d.pollIntervalMs ?? 1_000,
        doneRetentionMs: d.doneRetentionMs ?? 24 * 3_600_000,
        now: options.now ?? Date.now,
        random: options.random ?? Math.random,
        log: options.log ?? defaultLog,
      };
      const worker = await startPgWorker(ctx, workerOptions);
      workers.add(worker);
      return {
        async stop(graceMs?: number) {
          workers.delete(worker);
          await worker.stop(graceMs);
        },
        async abandon() {
          workers.delete(worker);
          await worker.abandon?.();
        },
      };
    },

    async listJobs(filter) {
      return (await resolve()).reads.list(filter);
    },
    async getJob(id) {
      return (await resolve()).reads.get(id);
    },
    async countsByState() {
      return (await resolve()).reads.counts();
    },
    async oldestPendingAgeMs(now) {
      return (await resolve()).reads.oldestPendingAgeMs(now);
    },
    async deleteDoneBefore(before: number) {
      const { gw } = await resolve();
      return deleteDone(store.db, gw, sql`${new Date(before).toISOString()}::timestamptz`);
    },

    async close() {
      await Promise.all([...workers].map((w) => w.stop()));
      workers.clear();
    },
  };
}
