/**
 * The queue backends the contract suite runs against: `describe.each(await queueBackends())`.
 * Each factory builds a backend on a store the suite created (see ./db.ts), with an injectable clock,
 * random source and short backoff so tests never wait on wall-clock time for retries.
 */
import { createPostgresQueue } from '../../src/engine/queue/postgres/index.js';
import type { QueueBackend } from '../../src/engine/queue/queue-backend.js';
import { createSqliteQueue } from '../../src/engine/queue/sqlite/sqlite-queue.js';
import type { DialectName } from '../../src/store/database.js';
import { availableBackends, dropSchema, type TestStore } from './db.js';

export interface BackendTestOptions {
  now?: () => number;
  random?: () => number;
  /** Backoff base for retries, ms (tests use a few ms). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  maxAttempts?: number;
  /** Sweep for expired leases this often, ms. */
  sweepIntervalMs?: number;
}

export interface BackendFactory {
  name: DialectName;
  create(t: TestStore, options?: BackendTestOptions): Promise<QueueBackend>;
}

export const backendFactories: Record<DialectName, BackendFactory> = {
  sqlite: {
    name: 'sqlite',
    async create(t, options = {}) {
      const backend = createSqliteQueue(t.store, {
        now: options.now,
        random: options.random,
        backoff: { baseMs: options.backoffBaseMs ?? 5, maxMs: options.backoffMaxMs ?? 50, jitter: 'equal' },
        defaultMaxAttempts: options.maxAttempts,
        sweepIntervalMs: options.sweepIntervalMs ?? 50,
      });
      await backend.prepare();
      return backend;
    },
  },
  postgres: {
    name: 'postgres',
    async create(t, options = {}) {
      // graphile-worker's schema defaults to `<store schema>_gw`: per test store, dropped on close.
      const backend = createPostgresQueue(t.store, {
        now: options.now,
        random: options.random,
        backoff: { baseMs: options.backoffBaseMs ?? 5, maxMs: options.backoffMaxMs ?? 50, jitter: 'equal' },
        defaultMaxAttempts: options.maxAttempts,
        sweepIntervalMs: options.sweepIntervalMs ?? 50,
        pollIntervalMs: 50,
      });
      await backend.prepare();
      const close = backend.close.bind(backend);
      backend.close = async () => {
        await close();
        if (t.pgSchema) await dropSchema(`${t.pgSchema}_gw`);
      };
      return backend;
    },
  },
};

/** Factories for the backends selected by BACKENDS and reachable (PostgreSQL probe; see db.ts). */
export async function queueBackends(): Promise<BackendFactory[]> {
  return (await availableBackends()).map((name) => backendFactories[name]);
}
