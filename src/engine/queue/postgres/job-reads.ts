/**
 * Read side of the PostgreSQL queue: `jobs list|show`, metrics (jobs by state, age of the oldest ready job).
 * Everything comes from graphile's `_private_jobs`: pending/running/retrying jobs are graphile's, and we
 * keep finished (`hb:done`) and dead copies there too (job-outcome.ts). Dead letters themselves live in our
 * `dead_letters` table (DLQ commands).
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../../../store/schema.js';
import type { JobFilter, JobStateName, JobSummary } from '../queue-backend.js';
import type { GraphileRef } from './enqueue.js';
import { DONE_FLAG, type GraphileJobRow, queueNameFor, summaryOf } from './job-envelope.js';

const ms = (col: string) => sql.raw(`(extract(epoch from j.${col}) * 1000)::float8`);
const isDone = sql`coalesce(j.flags ? ${DONE_FLAG}, false)`;

const stateClause: Record<JobStateName, RawBuilder<unknown>> = {
  running: sql`j.locked_at is not null`,
  done: sql`(j.locked_at is null and ${isDone})`,
  dead: sql`(j.locked_at is null and j.attempts >= j.max_attempts and not ${isDone})`,
  retrying: sql`(j.locked_at is null and j.attempts > 0 and j.attempts < j.max_attempts)`,
  pending: sql`(j.locked_at is null and j.attempts = 0)`,
};

export class JobReads {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly gw: GraphileRef,
  ) {}

  private select(where: RawBuilder<unknown>, limit: number) {
    const { gw } = this;
    return sql<GraphileJobRow>`
      select j.id, t.identifier as task_identifier, j.payload, j.attempts, j.max_attempts,
        ${ms('run_at')} as run_at_ms, ${ms('created_at')} as created_at_ms, j.last_error, j.locked_by, j.flags
      from ${gw('_private_jobs')} j join ${gw('_private_tasks')} t on t.id = j.task_id
      where ${where}
      order by j.created_at, j.id
      limit ${limit}`;
  }

  async list(filter: JobFilter): Promise<JobSummary[]> {
    const where: RawBuilder<unknown>[] = [sql`true`];
    if (filter.task) where.push(sql`t.identifier = ${filter.task}`);
    if (filter.connectionId) where.push(sql`(j.payload -> 'hb' ->> 'connectionId') = ${filter.connectionId}`);
    if (filter.entityKey) {
      where.push(sql`j.job_queue_id = (select q.id from ${this.gw('_private_job_queues')} q
        where q.queue_name = ${queueNameFor(filter.entityKey)})`);
    }
    if (filter.state) where.push(stateClause[filter.state]);
    const { rows } = await this.select(sql.join(where, sql` and `), filter.limit ?? 100).execute(this.db);
    return rows.map(summaryOf);
  }

  /** By logical id: a retried job is a new graphile row carrying its first row's id as `hb.jobId`. */
  async get(id: string): Promise<JobSummary | null> {
    const byRowId = /^\d{1,18}$/.test(id) ? sql`j.id = ${id}::bigint or ` : sql``;
    const { rows } = await this.select(sql`(${byRowId}(j.payload -> 'hb' ->> 'jobId') = ${id})`, 1).execute(
      this.db,
    );
    return rows[0] ? summaryOf(rows[0]) : null;
  }

  async counts(): Promise<Record<JobStateName, number>> {
    const { rows } = await sql<Record<JobStateName, number>>`
      select
        count(*) filter (where ${stateClause.pending})::int as pending,
        count(*) filter (where ${stateClause.running})::int as running,
        count(*) filter (where ${stateClause.retrying})::int as retrying,
        count(*) filter (where ${stateClause.dead})::int as dead,
        count(*) filter (where ${stateClause.done})::int as done
      from ${this.gw('_private_jobs')} j`.execute(this.db);
    return rows[0] ?? { pending: 0, running: 0, retrying: 0, dead: 0, done: 0 };
  }

  /** Ready = claimable now: available, due, and its entity neither busy nor backing off. */
  async oldestPendingAgeMs(now?: number): Promise<number> {
    const { gw } = this;
    const { rows } = await sql<{ oldest: number | null; db_now: number }>`
      select min(${ms('run_at')}) as oldest, (extract(epoch from now()) * 1000)::float8 as db_now
      from ${gw('_private_jobs')} j
      left join ${gw('_private_job_queues')} q on q.id = j.job_queue_id
      where j.is_available and j.run_at <= now() and (q.id is null or q.locked_at is null)`.execute(this.db);
    const row = rows[0];
    if (!row || row.oldest === null) return 0;
    return Math.max(0, Math.round((now ?? row.db_now) - row.oldest));
  }
}
