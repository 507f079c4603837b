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
  queueNameFor,
} from './job-envelope.js';
import type { SqlRunner } from './sql-runner.js';

export interface EnqueueDefaults {
  maxAttempts: number;
}

/** `"schema"."name"` of a graphile object. */
export type GraphileRef = ((name: string) => RawBuilder<unknown>) & { schema: string };

export function graphileRef(schema: string): GraphileRef {
  return Object.assign((name: string) => sql`${sql.id(schema, name)}`, { schema });
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
  const envelope: Envelope = { hb: meta, payload: req.payload };

  const runAt = req.runAt === undefined ? null : new Date(req.runAt).toISOString();
  const jobs = gw('_private_jobs');
  // One statement (one round trip; atomic without a transaction of its own):
  // - lend: waiting jobs of this entity take on a more urgent newcomer's priority (so it cannot overtake);
  // - coalesced: a pending holder of the key gets the new payload in place, keeping its logical id/backoff;
  // - added: otherwise graphile's add_job inserts, at the end of the entity's line.
  const rows = await run.rows<{ id: string; coalesced: boolean }>(
    sql`
    with queue as (select q.id from ${gw('_private_job_queues')} q where q.queue_name = ${queue}),
    lend as (
      update ${jobs} j set priority = ${priority}::smallint
      where j.job_queue_id = (select id from queue) and j.priority > ${priority}::smallint
        and j.locked_at is null and j.attempts < j.max_attempts and j.key is distinct from ${key}::text),
    coalesced as (
      update ${jobs} j set
        payload = json_build_object(
          'hb', ${JSON.stringify(meta)}::jsonb || jsonb_strip_nulls(jsonb_build_object(
            'jobId', j.payload::jsonb -> 'hb' -> 'jobId', 'retryAt', j.payload::jsonb -> 'hb' -> 'retryAt')),
          'payload', ${JSON.stringify(req.payload)}::json),
        revision = j.revision + 1, updated_at = now(),
        priority = least(j.priority, ${priority}::smallint),
        max_attempts = greatest(j.attempts + 1, ${maxAttempts}::int)::smallint
      where j.key = ${key}::text and j.locked_at is null and j.attempts < j.max_attempts
        and j.task_id = (select t.id from ${gw('_private_tasks')} t where t.identifier = ${req.task})
      returning coalesce(j.payload::jsonb -> 'hb' ->> 'jobId', j.id::text) as id),
    added as (
      select (${gw('add_job')}(
        identifier => ${req.task}::text,
        payload => ${JSON.stringify(envelope)}::json,
        queue_name => ${queue}::text,
        run_at => greatest(
          coalesce(${runAt}::timestamptz, clock_timestamp()),
          (select max(j.run_at) + interval '1 microsecond' from ${jobs} j
            where j.job_queue_id = (select id from queue) and j.attempts < j.max_attempts)),
        max_attempts => ${maxAttempts}::int,
        job_key => ${key}::text,
        priority => ${priority}::int,
        job_key_mode => 'replace'
      )).id::text as id
      where not exists (select 1 from coalesced))
    select id, true as coalesced from coalesced
    union all
    select id, false as coalesced from added`,
    `hb_enqueue/${gw.schema}`,
  );
  const row = rows[0];
  if (!row?.id) throw new Error('HB_ERR_QUEUE_ENQUEUE: add_job returned no job');
  return { jobId: String(row.id), coalesced: row.coalesced };
}
