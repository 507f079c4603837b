/**
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
import type { ErrorChainEntry } from '../errors.js';

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
  /** Default from engine config (e.g. 10). */
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

/** A transaction handle a backend can enqueue inside (so the inbox write and the job commit together). */
export type TransactionHandle = unknown;

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
  /** Finish running jobs (up to `graceMs`), then stop claiming. */
  stop(graceMs?: number): Promise<void>;
}

/** Hooks for metrics and logs; names are `noun:verb`. `job:error` = this attempt failed; `job:dead` = for good. */
export interface QueueEvents {
  'job:start'?(job: JobSummary): void;
  'job:complete'?(job: JobSummary, durationMs: number): void;
  'job:error'?(job: JobSummary, error: unknown, retryAt: number): void;
  'job:dead'?(job: JobSummary, error: unknown): void;
}
