/**
 * How a heartbridge job is laid out in a graphile-worker row, and back.
 *
 * - task identifier = the heartbridge task name (`orders.sync`): graphile only claims jobs whose identifier
 *   the worker has a handler for, so a process can run a subset of flows, and a job enqueued before the
 *   workers that know its flow are deployed waits instead of failing.
 * - named queue = the entity key: graphile runs one job per named queue at a time.
 * - job key = the coalesce key.
 * - priority: ours is "higher runs first", graphile's "lower runs first" — negated.
 * - payload = `{ hb: metadata, payload }`. The metadata also keeps the job's logical id and creation time,
 *   because a retried job is re-inserted as a new graphile row (see job-outcome.ts).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ErrorChainEntry } from '../../errors.js';
import type { JobStateName, JobSummary, JsonObject } from '../queue-backend.js';

const jsonObject = z.record(z.string(), z.unknown()) as unknown as z.ZodType<JsonObject>;

export const envelopeMetaSchema = z.object({
  connectionId: z.string(),
  task: z.string(),
  entityKey: z.string(),
  inboxId: z.number().nullable().optional(),
  configVersion: z.string().nullable().optional(),
  coalesceKey: z.string().nullable().optional(),
  /** Logical job id once the row was re-inserted for a retry (absent: the row id is the job id). */
  jobId: z.string().optional(),
  /** Epoch ms the job may next run (set while it waits out a backoff). */
  retryAt: z.number().optional(),
  /** The attempt limit, kept here once a finished/dead copy set graphile's max_attempts = attempts. */
  maxAttempts: z.number().optional(),
  /** Crashes this job was in flight at (src/engine/queue/crash-recovery.ts). */
  crashes: z.number().optional(),
});
export type EnvelopeMeta = z.infer<typeof envelopeMetaSchema>;

export const envelopeSchema = z.object({ hb: envelopeMetaSchema, payload: jsonObject });
export type Envelope = z.infer<typeof envelopeSchema>;

/** Locks a queue while its head job waits out a backoff; graphile never sets this as a worker id. */
export const BACKOFF_LOCK = 'hb:backoff';
/** graphile `flags` key of a finished job kept for `jobs list` (graphile itself deletes finished jobs). */
export const DONE_FLAG = 'hb:done';

/** graphile limits queue names to 128 characters; longer entity keys keep a readable prefix + a hash. */
export function queueNameFor(entityKey: string): string {
  if (entityKey.length <= 128) return entityKey;
  const hash = createHash('sha256').update(entityKey).digest('hex').slice(0, 40);
  return `${entityKey.slice(0, 80)}#${hash}`;
}

/** graphile limits job keys to 512 characters. */
export function jobKeyFor(coalesceKey: string): string {
  if (coalesceKey.length <= 512) return coalesceKey;
  return `${coalesceKey.slice(0, 400)}#${createHash('sha256').update(coalesceKey).digest('hex')}`;
}

const SMALLINT_MAX = 32_767;
/** Ours: higher runs first. graphile: lower runs first, smallint. */
export function graphilePriority(priority: number | undefined): number {
  const p = Math.round(-(priority ?? 0));
  return Math.max(-SMALLINT_MAX, Math.min(SMALLINT_MAX, p));
}

export function clampMaxAttempts(n: number): number {
  return Math.max(1, Math.min(SMALLINT_MAX, Math.round(n)));
}

/** A graphile job row as our read queries select it (timestamps as epoch ms). */
export interface GraphileJobRow {
  id: string | number;
  task_identifier: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
  run_at_ms: number;
  created_at_ms: number;
  last_error: string | null;
  locked_by: string | null;
  flags: Record<string, unknown> | null;
}

export function parseEnvelope(payload: unknown): Envelope | null {
  const parsed = envelopeSchema.safeParse(payload);
  return parsed.success ? parsed.data : null;
}

/** Our last_error is the JSON error chain; anything else (graphile's own messages) becomes one entry. */
export function parseLastError(text: string | null): ErrorChainEntry[] | null {
  if (text === null || text === '') return null;
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value)) return value as ErrorChainEntry[];
  } catch {
    // not ours: a plain message
  }
  return [{ name: 'Error', message: text }];
}

export function stateOf(row: GraphileJobRow): JobStateName {
  if (row.flags?.[DONE_FLAG] === true) return 'done';
  if (row.locked_by !== null) return 'running';
  if (row.attempts >= row.max_attempts) return 'dead';
  return row.attempts > 0 ? 'retrying' : 'pending';
}

export function summaryOf(row: GraphileJobRow): JobSummary {
  const env = parseEnvelope(row.payload);
  const meta = env?.hb;
  const state = stateOf(row);
  return {
    id: meta?.jobId ?? String(row.id),
    connectionId: meta?.connectionId ?? '',
    task: meta?.task ?? row.task_identifier,
    entityKey: meta?.entityKey ?? '',
    state,
    attempts: row.attempts,
    maxAttempts: meta?.maxAttempts ?? row.max_attempts,
    runAt:
      state === 'retrying' && meta?.retryAt !== undefined
        ? Math.max(meta.retryAt, row.run_at_ms)
        : row.run_at_ms,
    createdAt: row.created_at_ms,
    lastError: parseLastError(row.last_error),
    payload: env?.payload ?? {},
  };
}
