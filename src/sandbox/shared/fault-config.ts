/**
 * Fault-injection configuration shared by both simulators. Plain JSON, validated with zod because it
 * arrives over HTTP (`PUT /__sandbox/faults`) and from CLI flags.
 *
 * A rule applies globally (`global`) or to one route (`routes["POST /stores/:hash/v2/orders"]`, the key
 * is the HTTP method — or `*` — followed by the Fastify route pattern; a pattern ending in `*` matches
 * by prefix). A route rule's fields override the global rule's fields one by one.
 */
import { z } from 'zod';

const rate = z.number().min(0).max(1);

export const latencySchema = z.union([
  z.object({ min: z.number().min(0), max: z.number().min(0) }).strict(),
  z.object({ p50: z.number().min(0), p99: z.number().min(0) }).strict(),
]);
export type LatencySpec = z.infer<typeof latencySchema>;

export const windowSchema = z.object({ startMs: z.number().min(0), durationMs: z.number().min(0) }).strict();

export const rate429Schema = z.preprocess(
  (v) => (typeof v === 'number' ? { rate: v } : v),
  z
    .object({
      /** Probability that a single request gets a 429 outside storms. */
      rate: rate.default(0),
      /** Periodic storm: every `everyMs` (from enablement) all requests get 429 for `durationMs`. */
      storm: z
        .object({ everyMs: z.number().positive(), durationMs: z.number().min(0) })
        .strict()
        .optional(),
      /** Seconds announced in Retry-After / X-Retry-After for injected 429s (default 1). */
      retryAfterS: z.number().int().min(0).optional(),
    })
    .strict(),
);

export const faultRuleSchema = z
  .object({
    /** Probability of answering with an injected 5xx instead of running the handler. */
    errorRate: rate.optional(),
    /** Statuses drawn uniformly for injected errors (default 500 and 503). */
    errorStatuses: z.array(z.number().int().min(500).max(599)).min(1).optional(),
    /** Extra delay before the handler runs. {min,max} uniform, or {p50,p99} log-normal. */
    latencyMs: latencySchema.optional(),
    /** Probability of never answering (the client must give up). */
    hangRate: rate.optional(),
    rate429: rate429Schema.optional(),
    /** Windows, relative to the moment faults were enabled, during which every request gets 503. */
    outages: z.array(windowSchema).optional(),
    /** Probability that the handler runs and commits, then the response is withheld and the socket destroyed. */
    commitThenTimeoutRate: rate.optional(),
    /** Delay before the socket is destroyed in the commit-then-timeout case (default 50 ms). */
    commitThenTimeoutDelayMs: z.number().min(0).optional(),
  })
  .strict();
export type FaultRule = z.infer<typeof faultRuleSchema>;

export const webhookFaultSchema = z
  .object({
    /** Probability that a delivery is sent twice (same body, same hash). */
    duplicateRate: rate.default(0),
    /** Probability that a delivery is held back by `reorderDelayMs` so later events overtake it. */
    reorderRate: rate.default(0),
    reorderDelayMs: z.number().min(0).default(200),
  })
  .strict();
export type WebhookFaults = z.infer<typeof webhookFaultSchema>;

export const faultConfigSchema = z
  .object({
    enabled: z.boolean().default(false),
    seed: z.union([z.string(), z.number()]).default('sandbox'),
    global: faultRuleSchema.default({}),
    routes: z.record(z.string(), faultRuleSchema).default({}),
    webhooks: webhookFaultSchema.default({ duplicateRate: 0, reorderRate: 0, reorderDelayMs: 200 }),
  })
  .strict();
export type FaultConfig = z.infer<typeof faultConfigSchema>;
export type FaultConfigInput = z.input<typeof faultConfigSchema>;

/** Patch accepted by `FaultController.set` and `PUT /__sandbox/faults`: `global` and `webhooks` merge
 * field by field, `routes` merge key by key (a `null` value removes that route's rule). */
export const faultPatchSchema = z
  .object({
    enabled: z.boolean().optional(),
    seed: z.union([z.string(), z.number()]).optional(),
    global: faultRuleSchema.optional(),
    routes: z.record(z.string(), faultRuleSchema.nullable()).optional(),
    webhooks: webhookFaultSchema.partial().optional(),
  })
  .strict();
export type FaultPatch = z.input<typeof faultPatchSchema>;

export function defaultFaultConfig(): FaultConfig {
  return faultConfigSchema.parse({});
}
