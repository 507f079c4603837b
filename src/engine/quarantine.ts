/**
 * Parking an entity that cannot be synced as it is (orders, customers, gift cards): a dead letter of
 * kind `quarantine` with the reason and a suggested fix. The job that found it completes, so the
 * entity's queue keeps moving; `heartbridge quarantine replay <id>` re-runs it with the current config.
 *
 * One open entry per (connection, entity, code): a second event for a still-broken entity refreshes the
 * entry (message, fix, payload) instead of piling up copies. The flows add their own log line and alert
 * wording around this (src/flows/<flow>/quarantine.ts).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { recordDeadLetter } from './dead-letters.js';
import { PermanentError } from './errors.js';
import type { JobContext, JsonObject } from './queue/queue-backend.js';

export interface QuarantineReason {
  code: string;
  message: string;
  suggestedFix: string;
  /** Structured detail (e.g. mapping problems with suggestions); must hold no secrets. */
  context?: Record<string, unknown>;
}

export type QuarantinedJob = Pick<JobContext, 'task' | 'entityKey' | 'attempt' | 'inboxId' | 'configVersion'>;

/** Messages are capped: a hostile payload must not make an entry (or the dashboard) unbounded. */
const MAX_MESSAGE = 2_000;

/** Opens or refreshes the quarantine entry; returns its id. */
export async function upsertQuarantine(
  db: Kysely<Database>,
  input: {
    connectionId: string;
    job: QuarantinedJob;
    payload: JsonObject;
    reason: QuarantineReason;
    now: number;
  },
): Promise<number> {
  const { connectionId, job, payload, reason, now } = input;
  const message = reason.message.slice(0, MAX_MESSAGE);
  const existing = await db
    .selectFrom('dead_letters')
    .select('id')
    .where('connection_id', '=', connectionId)
    .where('entity_key', '=', job.entityKey)
    .where('kind', '=', 'quarantine')
    .where('status', '=', 'open')
    .where('error_code', '=', reason.code)
    .executeTakeFirst();
  if (existing) {
    const id = Number(existing.id);
    await db
      .updateTable('dead_letters')
      .set({
        error_message: message,
        suggested_fix: reason.suggestedFix,
        payload_json: JSON.stringify(payload),
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
    return id;
  }
  return recordDeadLetter(db, {
    connectionId,
    task: job.task,
    entityKey: job.entityKey,
    payload,
    inboxId: job.inboxId,
    attempts: job.attempt,
    configVersion: job.configVersion,
    error: new PermanentError({
      code: reason.code,
      message,
      suggestedFix: reason.suggestedFix,
      context: { entityKey: job.entityKey, ...reason.context },
    }),
    kind: 'quarantine',
    now,
  });
}
