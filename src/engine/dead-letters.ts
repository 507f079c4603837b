/**
 * Writing a dead letter: the one place both queue backends turn a failed job into a `dead_letters` row.
 *
 * Call it inside the transaction that marks the job dead (SQLite: the same synchronous transaction via
 * `deadLetterInsert(...).compile()`; PostgreSQL: pass the Kysely `Transaction`), so a job is never
 * "dead" without its dead letter, nor recorded twice.
 */
import type { InsertQueryBuilder, InsertResult, Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { errorChain, errorCode, PermanentError } from './errors.js';
import type { JsonObject } from './queue/queue-backend.js';

export type DeadLetterKind = 'dead' | 'quarantine';

export interface DeadLetterInput {
  connectionId: string;
  task: string;
  entityKey: string;
  payload: JsonObject;
  inboxId?: number | null;
  attempts: number;
  configVersion?: string | null;
  error: unknown;
  /** `dead` (failed job) or `quarantine` (bad input held with a reason). Default `dead`. */
  kind?: DeadLetterKind;
  /** Epoch ms; default Date.now(). */
  now?: number;
}

/** The row to insert (exported so callers with a synchronous driver can compile it themselves). */
export function deadLetterRow(input: DeadLetterInput) {
  const now = input.now ?? Date.now();
  const err = input.error;
  const message = err instanceof Error ? err.message : String(err);
  return {
    connection_id: input.connectionId,
    kind: input.kind ?? ('dead' as DeadLetterKind),
    task: input.task,
    entity_key: input.entityKey,
    payload_json: JSON.stringify(input.payload),
    inbox_id: input.inboxId ?? null,
    error_code: errorCode(err),
    // Messages are bounded: an upstream HTML error page must not bloat the table.
    error_message: message.slice(0, 2_000),
    error_chain_json: JSON.stringify(errorChain(err)),
    suggested_fix: err instanceof PermanentError ? (err.suggestedFix ?? null) : null,
    attempts: input.attempts,
    config_version: input.configVersion ?? null,
    status: 'open' as const,
    created_at: now,
    updated_at: now,
  };
}

/** The insert as a Kysely builder (compile it to run synchronously on better-sqlite3). */
export function deadLetterInsert(
  db: Kysely<Database>,
  input: DeadLetterInput,
): InsertQueryBuilder<Database, 'dead_letters', InsertResult> {
  return db.insertInto('dead_letters').values(deadLetterRow(input));
}

/** Inserts the dead letter; `db` may be a Kysely instance or a `Transaction`. Returns its id. */
export async function recordDeadLetter(db: Kysely<Database>, input: DeadLetterInput): Promise<number> {
  const row = await db
    .insertInto('dead_letters')
    .values(deadLetterRow(input))
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}
