/**
 * The engine facade: one object holding the inbox, the queue, the DLQ, the audit log and the
 * repositories, built on one store and one queue backend. `cli serve`, the HTTP server and the flows
 * get everything through it.
 */
import type SQLite from 'better-sqlite3';
import type { StoreHandle } from '../store/database.js';
import { type CursorsRepository, createCursorsRepository } from '../store/repositories/cursors.js';
import { createLinksRepository, type LinksRepository } from '../store/repositories/links.js';
import { createLocksRepository } from '../store/repositories/locks.js';
import { type Audit, createAudit } from './audit.js';
import { createDlq, type Dlq } from './dlq.js';
import { createInbox, type Inbox } from './inbox.js';
import type { BackoffPolicy } from './queue/backoff.js';
import {
  DEFAULT_MAX_ATTEMPTS,
  type QueueBackend,
  type QueueEvents,
  type RunningWorker,
  type TaskHandler,
} from './queue/queue-backend.js';
import { createSqliteQueue } from './queue/sqlite/sqlite-queue.js';
import { sqliteWriterFor } from './queue/sqlite/sqlite-writer.js';
import { createSharedLocks, type SharedLocks } from './shared-locks.js';

/** Structural subset of a pino logger (so the engine does not depend on the logging setup). */
export interface EngineLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface EngineDefaults {
  /** Attempts per job before it is dead-lettered. Default DEFAULT_MAX_ATTEMPTS (25). */
  maxAttempts: number;
}

export interface CreateEngineOptions {
  store: StoreHandle;
  backend: QueueBackend;
  logger?: EngineLogger;
  defaults?: Partial<EngineDefaults>;
  /** The config version in force now; new jobs and DLQ replays record it. */
  currentConfigVersion?: () => string | null | undefined;
  now?: () => number;
}

export interface StartWorkersOptions {
  concurrency: number;
  leaseMs?: number;
  pollIntervalMs?: number;
  workerId?: string;
  events?: QueueEvents;
}

export interface Engine {
  store: StoreHandle;
  inbox: Inbox;
  queue: QueueBackend;
  dlq: Dlq;
  audit: Audit;
  links: LinksRepository;
  cursors: CursorsRepository;
  /** Locks every process on this store respects (e.g. a new shopper's Heartland customer being created). */
  locks: SharedLocks;
  /**
   * Resolves once everything committed so far is on disk. On SQLite the flows' own writes commit at
   * synchronous=NORMAL (src/store/database.ts); call this before an irreversible step outside that must
   * find them after a power cut. PostgreSQL commits durably: resolves at once.
   */
  durable(): Promise<void>;
  /** Starts a worker pool in this process; `stop()` stops every pool started here. */
  startWorkers(handlers: Record<string, TaskHandler>, options: StartWorkersOptions): Promise<RunningWorker>;
  /** Flushes the inbox, stops workers (grace period), closes the backend. Does not close the store. */
  stop(graceMs?: number): Promise<void>;
}

export function createEngine(options: CreateEngineOptions): Engine {
  const { store, backend, logger } = options;
  const now = options.now ?? Date.now;
  const maxAttempts = options.defaults?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const audit = createAudit(store.db, now);
  const inbox = createInbox({
    db: store.db,
    backend,
    defaultMaxAttempts: maxAttempts,
    currentConfigVersion: options.currentConfigVersion,
    now,
  });
  const dlq = createDlq({
    db: store.db,
    backend,
    audit,
    currentConfigVersion: options.currentConfigVersion,
    defaultMaxAttempts: maxAttempts,
    now,
  });
  const workers = new Set<RunningWorker>();

  return {
    store,
    inbox,
    queue: backend,
    dlq,
    audit,
    links: createLinksRepository(store.db, now),
    cursors: createCursorsRepository(store.db, now),
    locks: createSharedLocks({
      repo: createLocksRepository(store.db, now),
      now,
      onError: (err, key, step) => logger?.warn({ err, key, step }, 'shared lock bookkeeping failed'),
    }),
    durable: store.sqlite ? () => sqliteWriterFor(store.sqlite as SQLite.Database).durable() : async () => {},
    async startWorkers(handlers, workerOptions) {
      const events: QueueEvents = {
        ...workerOptions.events,
        'job:dead': (job, error) => {
          logger?.warn(
            { jobId: job.id, task: job.task, entityKey: job.entityKey, err: error },
            'job dead-lettered',
          );
          workerOptions.events?.['job:dead']?.(job, error);
        },
        'worker:fatal': (error) => {
          logger?.error({ err: error }, 'queue worker could not record an outcome; it stopped claiming');
          workerOptions.events?.['worker:fatal']?.(error);
        },
      };
      const worker = await backend.startWorker({ ...workerOptions, handlers, events });
      workers.add(worker);
      return {
        async stop(graceMs?: number) {
          workers.delete(worker);
          await worker.stop(graceMs);
        },
        abandon: worker.abandon?.bind(worker),
      };
    },
    async stop(graceMs) {
      await inbox.flush();
      await Promise.all([...workers].map((w) => w.stop(graceMs)));
      workers.clear();
      await backend.close();
    },
  };
}

export interface QueueBackendOptions {
  now?: () => number;
  random?: () => number;
  backoff?: BackoffPolicy;
  defaultMaxAttempts?: number;
  sweepIntervalMs?: number;
  /** How long finished jobs stay visible to `jobs list`. Default 24 h. */
  doneRetentionMs?: number;
}

/**
 * The backend for the store's dialect. PostgreSQL (graphile-worker) is imported lazily so a SQLite-only
 * process never loads it.
 */
export async function createQueueBackend(
  store: StoreHandle,
  options: QueueBackendOptions = {},
): Promise<QueueBackend> {
  let backend: QueueBackend;
  if (store.dialect === 'sqlite') {
    backend = createSqliteQueue(store, options);
  } else {
    const { createPostgresQueue } = await import('./queue/postgres/index.js');
    backend = createPostgresQueue(store, options);
  }
  await backend.prepare();
  return backend;
}
