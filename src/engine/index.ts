/** The engine's public surface: import from here, not from the files behind it. */

export type { CursorsRepository } from '../store/repositories/cursors.js';
export type { Link, LinksRepository, LinkUpsert } from '../store/repositories/links.js';
export { type Audit, type AuditEntry, type AuditEntryInput, type AuditFilter, createAudit } from './audit.js';
export { type DeadLetterInput, type DeadLetterKind, recordDeadLetter } from './dead-letters.js';
export {
  createDlq,
  type DeadLetter,
  type DeadLetterStatus,
  type Dlq,
  type DlqFilter,
  type ReplayResult,
} from './dlq.js';
export {
  type CreateEngineOptions,
  createEngine,
  createQueueBackend,
  type Engine,
  type EngineDefaults,
  type EngineLogger,
  type QueueBackendOptions,
  type StartWorkersOptions,
} from './engine.js';
export * from './errors.js';
export { createInbox, type Inbox, type IngestInput, type IngestJob, type IngestResult } from './inbox.js';
export { createKeyLock, type KeyLock } from './key-lock.js';
export { type BackoffPolicy, type JitterMode, nextRunAt } from './queue/backoff.js';
export type * from './queue/queue-backend.js';
export { createSqliteQueue, type SqliteQueueOptions } from './queue/sqlite/sqlite-queue.js';
export type { HeldLock, SharedLockOptions, SharedLocks } from './shared-locks.js';
