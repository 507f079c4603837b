/**
 * The SQLite queue backend: in-process, on the store's single better-sqlite3 connection, transactional
 * with the inbox. Lifecycle steps live one per file (enqueue, claim, complete, fail, sweep); this file
 * wires them to the `QueueBackend` contract.
 *
 * Guarantees per failure scenario:
 * - handler throws → retried with backoff (or dead-lettered: permanent / last attempt);
 * - SIGTERM → `stop()` lets running jobs finish within the grace period, then aborts their signal;
 * - SIGKILL / power loss → committed work is on disk (WAL, synchronous=FULL); jobs that were running
 *   run again (at-least-once) as soon as a pool sees their holder dead — at once on the same machine
 *   (its process is gone), after 3 × `heartbeatMs` for a pool it cannot check — or, at the latest, when
 *   their `leaseMs` lease expires (heartbeat.ts, sweep.ts).
 */
import type SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { StoreHandle } from '../../../store/database.js';
import type { Database } from '../../../store/schema.js';
import { type BackoffPolicy, DEFAULT_BACKOFF } from '../backoff.js';
import {
  DEFAULT_MAX_ATTEMPTS,
  type EnqueueRequest,
  type InboxWriter,
  type JobFilter,
  type JobStateName,
  type JobSummary,
  type QueueBackend,
  type QueueTransaction,
  type RunningWorker,
  type TransactionHandle,
  type WorkerOptions,
} from '../queue-backend.js';
import { deleteDoneBeforeSync } from './complete.js';
import { enqueueSync } from './enqueue.js';
import { groupCommitFor } from './group-commit.js';
import { currentPidSpace } from './heartbeat.js';
import { createSqliteInboxWriter } from './sqlite-inbox-writer.js';
import { SqliteWorker, wakeupsFor } from './sqlite-worker.js';
import { sqliteWriterFor } from './sqlite-writer.js';
import { toJobSummary } from './statements.js';

export interface SqliteQueueOptions {
  /** Clock, epoch ms (tests inject one). */
  now?: () => number;
  /** Uniform [0,1) for backoff jitter. */
  random?: () => number;
  backoff?: BackoffPolicy;
  /** Attempts when the request does not say. Default 10. */
  defaultMaxAttempts?: number;
  /** How often workers sweep expired leases and old `done` rows. Default 15 s. */
  sweepIntervalMs?: number;
  /** How long `done` jobs stay visible to `jobs list`. Default 24 h. */
  doneRetentionMs?: number;
  /**
   * How often each worker pool writes its heartbeat and looks for dead pools. Default 2 s. A pool whose
   * process cannot be checked directly is dead once its heartbeat is 3 × its interval old.
   */
  heartbeatMs?: number;
  /**
   * This process's PID space (heartbeat.ts `currentPidSpace`, the default). Tests pass another string
   * to stand for a pool on another machine or container, judged by heartbeat age alone.
   */
  pidSpace?: string | null;
}

export function createSqliteQueue(store: StoreHandle, options: SqliteQueueOptions = {}): QueueBackend {
  const raw = store.sqlite;
  if (!raw) throw new Error('createSqliteQueue needs a SQLite store (store.sqlite is missing)');
  return new SqliteQueue(store.db, raw, options);
}

class SqliteQueue implements QueueBackend {
  readonly name = 'sqlite' as const;
  private readonly writer;
  private readonly now: () => number;
  private readonly maxAttempts: number;
  private readonly workers = new Set<SqliteWorker>();
  private txDb: Kysely<Database> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly raw: SQLite.Database,
    private readonly options: SqliteQueueOptions,
  ) {
    this.writer = sqliteWriterFor(raw);
    this.now = options.now ?? Date.now;
    this.maxAttempts = options.defaultMaxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  }

  /** Tables come from the store's migrations; nothing else to prepare. */
  async prepare(): Promise<void> {}

  private wake = () => wakeupsFor(this.raw).emit('wake');

  async enqueue(req: EnqueueRequest, tx?: TransactionHandle): Promise<{ jobId: string; coalesced: boolean }> {
    // With a caller's transaction (a Kysely `Transaction` on this same connection), the statements
    // simply run inside it; waiting for "no open transaction" would deadlock.
    const result =
      tx !== undefined
        ? enqueueSync(this.raw, req, this.now(), this.maxAttempts)
        : await groupCommitFor(this.writer).submit(() =>
            enqueueSync(this.raw, req, this.now(), this.maxAttempts),
          );
    this.wake();
    return result;
  }

  createInboxWriter(): InboxWriter {
    return createSqliteInboxWriter(this.writer, this.now, this.maxAttempts, this.wake);
  }

  async transaction<T>(work: (tx: QueueTransaction) => Promise<T>): Promise<T> {
    // A second Kysely over the same connection, without its own BEGIN: statements run inside the
    // transaction `runAsync` opened. Never destroyed (that would close the shared connection).
    this.txDb ??= new Kysely<Database>({ dialect: new SqliteDialect({ database: this.raw }) });
    const txDb = this.txDb;
    let enqueued = false;
    const out = await this.writer.runAsync(() =>
      work({
        db: txDb,
        enqueue: async (req) => {
          enqueued = true;
          return enqueueSync(this.raw, req, this.now(), this.maxAttempts);
        },
      }),
    );
    if (enqueued) this.wake();
    return out;
  }

  async startWorker(options: WorkerOptions): Promise<RunningWorker> {
    const worker = new SqliteWorker(
      {
        writer: this.writer,
        now: this.now,
        random: this.options.random ?? Math.random,
        backoff: { ...DEFAULT_BACKOFF, ...this.options.backoff },
        sweepIntervalMs: this.options.sweepIntervalMs ?? 15_000,
        doneRetentionMs: this.options.doneRetentionMs ?? 24 * 3_600_000,
        heartbeatMs: this.options.heartbeatMs ?? 2_000,
        pidSpace: this.options.pidSpace !== undefined ? this.options.pidSpace : currentPidSpace(),
      },
      options,
    );
    this.workers.add(worker);
    try {
      await worker.start();
    } catch (err) {
      await worker.abandon();
      this.workers.delete(worker);
      throw err;
    }
    const workers = this.workers;
    return {
      async stop(graceMs?: number) {
        await worker.stop(graceMs);
        workers.delete(worker);
      },
      async abandon() {
        await worker.abandon();
        workers.delete(worker);
      },
    };
  }

  async listJobs(filter: JobFilter): Promise<JobSummary[]> {
    let q = this.db
      .selectFrom('jobs')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(filter.limit ?? 100);
    if (filter.connectionId) q = q.where('connection_id', '=', filter.connectionId);
    if (filter.task) q = q.where('task', '=', filter.task);
    if (filter.entityKey) q = q.where('entity_key', '=', filter.entityKey);
    if (filter.state === 'retrying') q = q.where('state', '=', 'pending').where('attempts', '>', 0);
    else if (filter.state === 'pending') q = q.where('state', '=', 'pending').where('attempts', '=', 0);
    else if (filter.state) q = q.where('state', '=', filter.state);
    return (await q.execute()).map(toJobSummary);
  }

  async getJob(id: string): Promise<JobSummary | null> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', Number(id)).executeTakeFirst();
    return row ? toJobSummary(row) : null;
  }

  async countsByState(): Promise<Record<JobStateName, number>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['state', sql<number>`attempts > 0`.as('retried'), sql<number>`count(*)`.as('n')])
      .groupBy(['state', sql`attempts > 0`])
      .execute();
    const out: Record<JobStateName, number> = { pending: 0, running: 0, retrying: 0, done: 0, dead: 0 };
    for (const r of rows) {
      const state: JobStateName = r.state === 'pending' && Number(r.retried) ? 'retrying' : r.state;
      out[state] += Number(r.n);
    }
    return out;
  }

  async oldestPendingAgeMs(now = this.now()): Promise<number> {
    const row = await this.db
      .selectFrom('jobs')
      .select(sql<number | null>`min(run_at)`.as('at'))
      .where('state', '=', 'pending')
      .where('run_at', '<=', now)
      .executeTakeFirst();
    return row?.at == null ? 0 : Math.max(0, now - Number(row.at));
  }

  async deleteDoneBefore(before: number): Promise<number> {
    return this.writer.run(() => deleteDoneBeforeSync(this.raw, before));
  }

  /** Stops this backend's workers; the store (connection) is closed by its owner. */
  async close(): Promise<void> {
    await Promise.all([...this.workers].map((w) => w.stop(5_000)));
    this.workers.clear();
    await this.writer.close();
  }
}
