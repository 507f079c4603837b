/**
 * What the admin API accepts, validated with zod at the edge. Query strings are strict (an unknown
 * parameter is a 400, so a typo never silently widens a filter). Times are ISO strings or epoch ms.
 */
import { z } from 'zod';

// Ids are database integers: a digit string beyond 2^53 would round to another row's id (and beyond
// 2^63 PostgreSQL refuses it with a 500), so it is a 400 here.
const id = z
  .string()
  .regex(/^\d{1,16}$/, 'must be a positive integer')
  .transform(Number)
  .refine((n) => Number.isSafeInteger(n) && n > 0, 'must be a positive integer below 2^53');

export const idParams = z.object({ id }).strict();
export const jobIdParams = z.object({ id: z.string().min(1).max(200) }).strict();

const limit = (max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a positive integer')
    .optional()
    .transform((s) => (s === undefined ? fallback : Number(s)))
    .refine((n) => n >= 1 && n <= max, `must be between 1 and ${max}`);

/** ISO date/time or epoch milliseconds → epoch ms. */
export const timeValue = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = typeof value === 'number' || /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'not a time (use ISO 8601 or epoch milliseconds)' });
    return z.NEVER;
  }
  return ms;
});

const text = z.string().trim().min(1).max(200);

export const jobsQuery = z
  .object({
    state: z.enum(['pending', 'running', 'retrying', 'done', 'dead']).optional(),
    task: text.optional(),
    connection: text.optional(),
    entityKey: text.optional(),
    limit: limit(1000, 100),
  })
  .strict();

const deadLetterFilterShape = {
  kind: z.enum(['dead', 'quarantine']).optional(),
  task: text.optional(),
  code: text.optional(),
  connection: text.optional(),
  since: timeValue.optional(),
  until: timeValue.optional(),
};

export const deadLettersQuery = z
  .object({
    ...deadLetterFilterShape,
    status: z.enum(['open', 'replayed', 'discarded', 'resolved']).optional(),
    limit: limit(1000, 100),
  })
  .strict();

export const bulkReplayBody = z
  .object({
    ...deadLetterFilterShape,
    confirm: z.literal(true, { message: 'a bulk replay needs "confirm": true' }),
  })
  .strict()
  .refine((b) => [b.kind, b.task, b.code, b.connection, b.since, b.until].some((v) => v !== undefined), {
    message: 'give at least one filter (kind, task, code, connection, since, until)',
  });

export const discardBody = z
  .object({ reason: z.string().trim().min(1).max(1000).optional() })
  .strict()
  .nullish();

export const reviewQuery = z
  .object({
    status: z.enum(['open', 'resolved', 'dismissed']).optional(),
    connection: text.optional(),
    limit: limit(500, 100),
  })
  .strict();

export const resolveBody = z.union([
  z.object({ use: z.number().int().positive() }).strict(),
  z.object({ create: z.literal(true) }).strict(),
  z.object({ approve: z.literal(true) }).strict(),
  z.object({ reject: z.literal(true) }).strict(),
]);

export const auditQuery = z
  .object({
    action: text.optional(),
    actor: text.optional(),
    target: text.optional(),
    connection: text.optional(),
    since: timeValue.optional(),
    until: timeValue.optional(),
    limit: limit(1000, 100),
  })
  .strict();
