/** PostgreSQL queue backend on graphile-worker. */

export type { PgQueueLog } from './pg-worker.js';
export {
  createPostgresQueue,
  type GenericQueueOptions,
  type PostgresQueueDefaults,
  type PostgresQueueOptions,
} from './postgres-queue.js';
