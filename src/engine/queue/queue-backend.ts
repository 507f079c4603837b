/**
 * Changes after the first version (SQLite helper; all additive and optional, so existing backends compile):
 * - `TransactionHandle` documented: for PostgreSQL it is a Kysely `Transaction<Database>`.
 * - `QueueBackend.createInboxWriter?` — capability: a backend-native inbox writer (SQLite group commit).
 *   Absent → the inbox uses a Kysely transaction and `enqueue(req, trx)`.
 * - `QueueBackend.transaction?` — capability: run row writes + enqueues atomically (DLQ replay).
 *   Absent → a Kysely transaction passing `trx` to `enqueue`.
 * - `RunningWorker.abandon?` — test/chaos hook: stop as if the process died (no release, no renewal).
 * - `QueueBackend.deleteDoneBefore?` — retention of finished jobs (SQLite keeps `done` rows N hours).
 * - `QueueEvents['worker:fatal']` — the worker could not record an outcome and stopped claiming.
 *
 * The queue contract. Two backends implement it — SQLite (in-process, transactional with the inbox)
 * and PostgreSQL (graphile-worker) — and ONE contract test suite (test/contract/) runs against both.
 *
 * Semantics every backend must show:
 * - **Order per entity.** Jobs with the same `entityKey` run one at a time, in enqueue order.
 * - **Coalescing.** Enqueueing with a `coalesceKey` that a still-pending (not running) job holds replaces
 *   that job's payload and keeps one job.
 * - **Leases.** A running job is leased to a worker; a lease held by a dead worker expires and the job runs again
 *   (at-least-once; flows make effects idempotent).
 * - **Retries.** A `RetryableError` (or unknown error) reschedules with exponential backoff + jitter, never
 *   earlier than the error's `notBefore`. A `PermanentError`, or the last attempt, dead-letters the job with
 *   its full error chain (`dead_letters` table, shared by both backends).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { ErrorChainEntry } from '../errors.js';

/**
 * Attempts a job gets when neither the enqueue nor the config says. 25 with the 15 min backoff cap is
 * about 4 hours of retries: long enough to ride out an API outage, short enough that a stuck job
 * reaches the dead-letter list on the same working day (10 gave up after ~9 minutes of 5xx).
 */
export const DEFAULT_MAX_ATTEMPTS = 25;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface EnqueueRequest {
  connectionId: string;
  /** Flow / task name, e.g. `orders.sync`. Must have a registered handler. */
  task: string;
  /** Entity the job concerns (`bc:order:123`); jobs with the same key are serialised. */
  entityKey: string;
  /** Pending jobs with the same key are replaced (e.g. `stock:SKU-1@loc:2`). */
  coalesceKey?: string;
  payload: JsonObject;
  /** Higher runs first among ready jobs (real-time orders above bulk syncs). Default 0. */
  priority?: number;
  /** Epoch ms; default now. */
  runAt?: number;
  /** Default: the backend's `defaultMaxAttempts` (config `workers.maxAttempts`), else DEFAULT_MAX_ATTEMPTS. */
  maxAttempts?: number;
  /** Inbox row that triggered the job, if any (replays start again from it). */
  inboxId?: number;
  /** Config version the job will be run with (recorded for the audit trail). */
  configVersion?: string;
}

export interface JobContext {
  jobId: string;
  connectionId: string;
  task: string;
  entityKey: string;
  /** 1 on the first run. */
  attempt: number;
  maxAttempts: number;
  inboxId: number | null;
  configVersion: string | null;
  /** Aborted when the worker is shutting down or the lease is lost. */
  signal: AbortSignal;
}

export type TaskHandler = (payload: JsonObject, ctx: JobContext) => Promise<void>;

export type JobStateName = 'pending' | 'running' | 'retrying' | 'done' | 'dead';

export interface JobSummary {
  id: string;
  connectionId: string;
  task: string;
  entityKey: string;
  state: JobStateName;
  attempts: number;
  maxAttempts: number;
  runAt: number;
  createdAt: number;
  lastError: ErrorChainEntry[] | null;
  payload: JsonObject;
}

export interface JobFilter {
  connectionId?: string;
  task?: string;
  state?: JobStateName;
  entityKey?: string;
  limit?: number;
}

/**
 * A transaction handle a backend can enqueue inside (so the inbox write and the job commit together).
 * PostgreSQL: a Kysely `Transaction<Database>`. SQLite: not needed (its own capabilities below run
 * synchronous transactions on the single connection).
 */
export type TransactionHandle = unknown;

/** One received event and the job it triggers, as handed to an `InboxWriter`. */
export interface InboxWrite {
  connectionId: string;
  source: string;
  dedupeKey: string;
  topic: string;
  entityKey: string | null;
  payload: JsonObject;
  receivedAt: number;
  /** The job to enqueue with the inbox row (its `inboxId` is filled in by the writer). */
  job?: EnqueueRequest;
}

/** Per item: stored (maybe with a job), duplicate (nothing written), or failed (this item only). */
export type InboxWriteResult =
  | { ok: true; inboxId: number; duplicate: boolean; jobId?: string }
  | { ok: false; error: unknown };

/** Writes inbox rows + their jobs; each item is atomic on its own, a batch shares one commit. */
export interface InboxWriter {
  write(items: InboxWrite[]): Promise<InboxWriteResult[]>;
}

/** What `QueueBackend.transaction` hands to the work function. */
export interface QueueTransaction {
  /** Query inside the transaction. */
  db: Kysely<Database>;
  enqueue(req: EnqueueRequest): Promise<{ jobId: string; coalesced: boolean }>;
}

export interface QueueBackend {
  readonly name: 'sqlite' | 'postgres';
  /** Create tables / run the job engine's migrations. Idempotent. */
  prepare(): Promise<void>;
  enqueue(req: EnqueueRequest, tx?: TransactionHandle): Promise<{ jobId: string; coalesced: boolean }>;
  /** Start claiming and running jobs with these handlers. */
  startWorker(options: WorkerOptions): Promise<RunningWorker>;
  listJobs(filter: JobFilter): Promise<JobSummary[]>;
  getJob(id: string): Promise<JobSummary | null>;
  countsByState(): Promise<Record<JobStateName, number>>;
  /** Age in ms of the oldest job that is ready to run but not running (0 when none). */
  oldestPendingAgeMs(now?: number): Promise<number>;
  close(): Promise<void>;
  /**
   * Capability (optional): an inbox writer native to this backend (SQLite: group commit of concurrent
   * ingests in one fsync'd transaction). Absent → Kysely transaction per batch + `enqueue(req, trx)`.
   */
  createInboxWriter?(): InboxWriter;
  /**
   * Capability (optional): run row writes and enqueues in one transaction. Absent → Kysely
   * `db.transaction()` with `enqueue(req, trx)`.
   */
  transaction?<T>(work: (tx: QueueTransaction) => Promise<T>): Promise<T>;
  /** Capability (optional): delete finished (`done`) jobs older than `before` (epoch ms); returns the count. */
  deleteDoneBefore?(before: number): Promise<number>;
}

export interface WorkerOptions {
  handlers: Record<string, TaskHandler>;
  /** Jobs run at once by this process. */
  concurrency: number;
  workerId?: string;
  /** How long a claim is valid before another worker may take the job (renewed while running). */
  leaseMs?: number;
  pollIntervalMs?: number;
  events?: QueueEvents;
}

export interface RunningWorker {
  /** Stop claiming, let running jobs finish (up to `graceMs`, then abort their signal). */
  stop(graceMs?: number): Promise<void>;
  /**
   * Test/chaos hook (optional): stop at once as if the process had died — no more claims, no lease
   * renewal, no outcome recorded for running jobs. Their leases expire and another worker recovers them.
   */
  abandon?(): Promise<void>;
}

/** Hooks for metrics and logs; names are `noun:verb`. `job:error` = this attempt failed; `job:dead` = for good. */
export interface QueueEvents {
  'job:start'?(job: JobSummary): void;
  'job:complete'?(job: JobSummary, durationMs: number): void;
  'job:error'?(job: JobSummary, error: unknown, retryAt: number): void;
  'job:dead'?(job: JobSummary, error: unknown): void;
  /** The worker could not record an outcome or claim (database gone): it stops claiming. */
  'worker:fatal'?(error: unknown): void;
}
