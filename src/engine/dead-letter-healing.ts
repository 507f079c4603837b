/**
 * Dead letters that a later run has made moot are closed by it.
 *
 * A job dead-lettered on transient errors (an outage longer than its retries) often heals on its own:
 * the poll backstop or the next webhook runs the same task for the same entity, and that run brings the
 * entity in step. Left `open`, the old entry tells the engineer on call that something is still broken
 * (and a replay would only repeat work already done). So when a job of a *state-sync* task succeeds,
 * the open `dead` entries of the same connection, task and entity that existed before it started are
 * marked `resolved`, with an audit entry naming the job that superseded them.
 *
 * Only tasks whose run reads the entity's current state on both sides and writes what is missing belong
 * here (`orders.sync`, the polls, a stock or customer sync). A task whose payload *is* the work — one
 * shipment to apply — is not superseded by a later job of the same entity and must not be listed.
 * Quarantine entries are left to their flows: they hold bad input that only a person or the flow's own
 * check can declare fixed.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { Audit } from './audit.js';
import type { JobContext, TaskHandler } from './queue/queue-backend.js';

export interface DeadLetterHealingOptions {
  db: Kysely<Database>;
  audit: Audit;
  /** Tasks whose success supersedes their entity's earlier dead letters (see the header). */
  tasks: ReadonlySet<string>;
  now?: () => number;
  /** Told when bookkeeping fails: the job itself succeeded and stays done. */
  onError?: (err: unknown, ctx: JobContext) => void;
}

/** Marks the entity's earlier open dead letters of this task resolved; returns their ids. */
export async function resolveSupersededDeadLetters(
  options: Pick<DeadLetterHealingOptions, 'db' | 'audit' | 'now'>,
  ctx: Pick<JobContext, 'connectionId' | 'task' | 'entityKey' | 'jobId'>,
  startedAt: number,
): Promise<number[]> {
  const { db, audit } = options;
  const now = options.now ?? Date.now;
  // A read first: almost every run finds nothing, and a read takes no write lock on SQLite.
  const open = await db
    .selectFrom('dead_letters')
    .select('id')
    .where('status', '=', 'open')
    .where('kind', '=', 'dead')
    .where('connection_id', '=', ctx.connectionId)
    .where('task', '=', ctx.task)
    .where('entity_key', '=', ctx.entityKey)
    .where('created_at', '<', startedAt)
    .execute();
  if (open.length === 0) return [];
  const ids = open.map((r) => Number(r.id));
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('dead_letters')
      .set({ status: 'resolved', updated_at: now() })
      .where('id', 'in', ids)
      .where('status', '=', 'open')
      .returning('id')
      .execute();
    const resolved = updated.map((r) => Number(r.id));
    for (const id of resolved) {
      await audit.record(
        {
          actor: 'engine',
          action: 'dlq.resolve',
          target: `dead_letter:${id}`,
          connectionId: ctx.connectionId,
          detail: { task: ctx.task, entityKey: ctx.entityKey, supersededByJob: ctx.jobId },
        },
        trx,
      );
    }
    return resolved;
  });
}

/** The handlers, with the listed tasks closing their entity's earlier dead letters when they succeed. */
export function withDeadLetterHealing(
  handlers: Record<string, TaskHandler>,
  options: DeadLetterHealingOptions,
): Record<string, TaskHandler> {
  const now = options.now ?? Date.now;
  const wrapped: Record<string, TaskHandler> = {};
  for (const [task, handler] of Object.entries(handlers)) {
    wrapped[task] = options.tasks.has(task)
      ? async (payload, ctx) => {
          const startedAt = now();
          await handler(payload, ctx);
          try {
            await resolveSupersededDeadLetters(options, ctx, startedAt);
          } catch (err) {
            options.onError?.(err, ctx);
          }
        }
      : handler;
  }
  return wrapped;
}
