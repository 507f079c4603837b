/**
 * Prepared-statement cache per connection: the hot paths (claim, group-commit ingest) run the same few
 * statements thousands of times a second, and preparing is the larger part of a small statement's cost.
 */
import type SQLite from 'better-sqlite3';
import type { JobRow } from '../../../store/schema.js';
import type { ErrorChainEntry } from '../../errors.js';
import type { JobStateName, JobSummary, JsonObject } from '../queue-backend.js';

const caches = new WeakMap<SQLite.Database, Map<string, SQLite.Statement>>();

export function stmt(raw: SQLite.Database, sql: string): SQLite.Statement {
  let cache = caches.get(raw);
  if (!cache) {
    cache = new Map();
    caches.set(raw, cache);
  }
  let s = cache.get(sql);
  if (!s) {
    s = raw.prepare(sql);
    cache.set(sql, s);
  }
  return s;
}

/** `pending` with attempts behind it is shown as `retrying`. */
export function publicState(row: Pick<JobRow, 'state' | 'attempts'>): JobStateName {
  return row.state === 'pending' && row.attempts > 0 ? 'retrying' : row.state;
}

export function toJobSummary(row: JobRow): JobSummary {
  return {
    id: String(row.id),
    connectionId: row.connection_id,
    task: row.task,
    entityKey: row.entity_key,
    state: publicState(row),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: Number(row.run_at),
    createdAt: Number(row.created_at),
    lastError: row.last_error_json ? (JSON.parse(row.last_error_json) as ErrorChainEntry[]) : null,
    payload: JSON.parse(row.payload_json) as JsonObject,
  };
}
