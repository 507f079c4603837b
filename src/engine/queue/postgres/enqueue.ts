/**
 * Enqueue on graphile-worker, keeping our contract where graphile's defaults differ:
 *
 * - **Order per entity.** graphile picks, within a named queue, the job with the lowest (priority, run_at).
 *   So a new job's run_at is never earlier than anything already queued for its entity (+1 µs, and
 *   `clock_timestamp()` so jobs added in one transaction differ too), and a more urgent newcomer lends its
 *   priority to the waiting jobs ahead of it instead of overtaking them.
 * - **Coalescing.** A pending (unlocked) job holding the coalesce key gets the new payload in place: it keeps
 *   its place in the entity's line and any backoff it is waiting out. graphile's own `job_key_mode=replace`
 *   would move its run_at; we call it only when no pending job holds the key — then it inserts, and when the
 *   holder is running it clears that job's key (the running job is not replaced; the new one runs after it).
 */
import { type RawBuilder, sql } from 'kysely';
import type { EnqueueRequest } from '../queue-backend.js';
import {
  clampMaxAttempts,
  type Envelope,
  type EnvelopeMeta,
  graphilePriority,
  jobKeyFor,
  parseEnvelope,
  queueNameFor,
} from './job-envelope.js';
import type { SqlRunner } from './sql-runner.js';

export interface EnqueueDefaults {
  maxAttempts: number;
}

/** `"schema"."name"` of a graphile object. */
export type GraphileRef = (name: string) => RawBuilder<unknown>;

export function graphileRef(schema: string): GraphileRef {
  return (name) => sql`${sql.id(schema, name)}`;
}

function metaOf(req: EnqueueRequest): EnvelopeMeta {
  return {
    connectionId: req.connectionId,
    task: req.task,
    entityKey: req.entityKey,
    inboxId: req.inboxId ?? null,
    configVersion: req.configVersion ?? null,
    coalesceKey: req.coalesceKey ?? null,
  };
}

export async function enqueueJob(
  run: SqlRunner,
  gw: GraphileRef,
  req: EnqueueRequest,
  defaults: EnqueueDefaults,
): Promise<{ jobId: string; coalesced: boolean }> {
  const queue = queueNameFor(req.entityKey);
  const priority = graphilePriority(req.priority);
  const maxAttempts = clampMaxAttempts(req.maxAttempts ?? defaults.maxAttempts);
  const key = req.coalesceKey ? jobKeyFor(req.coalesceKey) : null;
  const meta = metaOf(req);

  // Waiting jobs of this entity take on a more urgent newcomer's priority so it cannot overtake them.
  await run.rows(sql`
    update ${gw('_private_jobs')} as j set priority = ${priority}::smallint
    where j.job_queue_id = (select q.id from ${gw('_private_job_queues')} q where q.queue_name = ${queue})
      and j.priority > ${priority} and j.locked_at is null and j.attempts < j.max_attempts`);

  if (key !== null) {
    const held = await run.rows<{ id: string; payload: unknown }>(sql`
      select j.id, j.payload from ${gw('_private_jobs')} j
      where j.key = ${key} and j.locked_at is null and j.attempts < j.max_attempts
        and j.task_id = (select t.id from ${gw('_private_tasks')} t where t.identifier = ${req.task})
      for update`);
    const row = held[0];
    if (row) {
      const old = parseEnvelope(row.payload)?.hb;
      // Keep the logical id and any pending backoff of the job being replaced.
      const envelope: Envelope = {
        hb: { ...meta, jobId: old?.jobId, retryAt: old?.retryAt },
        payload: req.payload,
      };
      await run.rows(sql`
        update ${gw('_private_jobs')} set payload = ${JSON.stringify(envelope)}::json,
          revision = revision + 1, updated_at = now(),
          priority = least(priority, ${priority}::smallint),
          max_attempts = greatest(attempts + 1, ${maxAttempts})::smallint
        where id = ${row.id}`);
      return { jobId: old?.jobId ?? String(row.id), coalesced: true };
    }
  }

  const envelope: Envelope = { hb: meta, payload: req.payload };
  const runAt = req.runAt === undefined ? null : new Date(req.runAt).toISOString();
  const rows = await run.rows<{ id: string }>(sql`
    select (${gw('add_job')}(
      identifier => ${req.task}::text,
      payload => ${JSON.stringify(envelope)}::json,
      queue_name => ${queue}::text,
      run_at => greatest(
        coalesce(${runAt}::timestamptz, clock_timestamp()),
        (select max(j.run_at) + interval '1 microsecond' from ${gw('_private_jobs')} j
          where j.job_queue_id = (select q.id from ${gw('_private_job_queues')} q where q.queue_name = ${queue})
            and j.attempts < j.max_attempts)),
      max_attempts => ${maxAttempts}::int,
      job_key => ${key}::text,
      priority => ${priority}::int,
      job_key_mode => 'replace'
    )).id as id`);
  const id = rows[0]?.id;
  if (id === undefined || id === null) throw new Error('HB_ERR_QUEUE_ENQUEUE: add_job returned no job');
  return { jobId: String(id), coalesced: false };
}
