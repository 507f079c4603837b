/**
 * Every Prometheus metric heartbridge exposes, in one registry per app (never prom-client's global
 * registry: two apps in one test process must not share counters).
 *
 * Counters are typed fields other modules increment (`metrics.rateLimit429.inc({ upstream: 'bigcommerce' })`).
 * Gauges that describe the database (jobs by state, dead letters, oldest pending job) are computed when
 * /metrics is scraped, from the sources attached with `attachQueue` / `attachStore`, so they are right
 * across many worker processes, not just this one.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { errorCode } from '../engine/errors.js';
import type { QueueEvents } from '../engine/queue/queue-backend.js';
import type { StoreHandle } from '../store/database.js';

/** The part of a queue backend the gauges read (QueueBackend satisfies it). */
export interface QueueStatsSource {
  countsByState(): Promise<Record<string, number>>;
  oldestPendingAgeMs(now?: number): Promise<number>;
}

export interface CreateMetricsOptions {
  /** Also export Node process metrics (CPU, memory, event loop lag). Default false. */
  processMetrics?: boolean;
}

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics(options: CreateMetricsOptions = {}) {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  let queue: QueueStatsSource | undefined;
  let store: StoreHandle | undefined;

  const m = {
    registry,
    eventsReceived: new Counter({
      name: 'heartbridge_events_received_total',
      help: 'Events delivered to the inbox (webhooks, poll results), duplicates included.',
      labelNames: ['source', 'topic'] as const,
      registers: [registry],
    }),
    eventsDuplicate: new Counter({
      name: 'heartbridge_events_duplicate_total',
      help: 'Events received again with a dedupe key already in the inbox (acknowledged, not re-processed).',
      labelNames: ['source', 'topic'] as const,
      registers: [registry],
    }),
    eventsIgnored: new Counter({
      name: 'heartbridge_events_ignored_total',
      help: 'Events stored but not turned into a job (topics no flow handles).',
      labelNames: ['source', 'topic'] as const,
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'heartbridge_job_duration_seconds',
      help: 'Time one job attempt took, by task and outcome (complete, error, dead).',
      labelNames: ['task', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    jobAttempts: new Counter({
      name: 'heartbridge_job_attempts_total',
      help: 'Job attempts started, by task.',
      labelNames: ['task'] as const,
      registers: [registry],
    }),
    jobFailures: new Counter({
      name: 'heartbridge_job_failures_total',
      help: 'Failed job attempts, by task, error code and whether the job was dead-lettered.',
      labelNames: ['task', 'code', 'final'] as const,
      registers: [registry],
    }),
    ordersRepairedByPoll: new Counter({
      name: 'heartbridge_orders_repaired_by_poll_total',
      help: 'Orders found by a poll that no webhook delivered (non-zero means webhooks are missing events).',
      labelNames: ['connection'] as const,
      registers: [registry],
    }),
    inventoryDrift: new Counter({
      name: 'heartbridge_inventory_drift_total',
      help: 'Stock levels found out of step by reconciliation (and repaired).',
      labelNames: ['connection'] as const,
      registers: [registry],
    }),
    rateLimit429: new Counter({
      name: 'heartbridge_rate_limit_429_total',
      help: 'HTTP 429 responses received from an upstream API.',
      labelNames: ['upstream', 'connection'] as const,
      registers: [registry],
    }),
    upstreamRequests: new Counter({
      name: 'heartbridge_upstream_requests_total',
      help: 'Requests sent to upstream APIs, by upstream and status class.',
      labelNames: ['upstream', 'status'] as const,
      registers: [registry],
    }),
    alertsSent: new Counter({
      name: 'heartbridge_alerts_sent_total',
      help: 'Alert messages delivered (or failed), by channel type.',
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
    schedulesFired: new Counter({
      name: 'heartbridge_schedules_fired_total',
      help: 'Schedule slots fired by this process (each slot fires in exactly one process).',
      labelNames: ['schedule'] as const,
      registers: [registry],
    }),

    /** Gauges of jobs by state and the oldest pending job read from this queue. */
    attachQueue(source: QueueStatsSource): void {
      queue = source;
    },
    /** Dead-letter gauge reads the shared `dead_letters` table. */
    attachStore(handle: StoreHandle): void {
      store = handle;
    },

    /** Queue event hooks that feed the job metrics (pass to `startWorker({ events })`). */
    queueEvents(next: QueueEvents = {}): QueueEvents {
      return {
        'job:start': (job) => {
          m.jobAttempts.inc({ task: job.task });
          next['job:start']?.(job);
        },
        'job:complete': (job, durationMs) => {
          m.jobDuration.observe({ task: job.task, outcome: 'complete' }, durationMs / 1000);
          next['job:complete']?.(job, durationMs);
        },
        'job:error': (job, error, retryAt) => {
          m.jobFailures.inc({ task: job.task, code: errorCode(error), final: 'false' });
          next['job:error']?.(job, error, retryAt);
        },
        'job:dead': (job, error) => {
          m.jobFailures.inc({ task: job.task, code: errorCode(error), final: 'true' });
          next['job:dead']?.(job, error);
        },
      };
    },
  };

  new Gauge({
    name: 'heartbridge_jobs',
    help: 'Jobs in the queue by state (all processes sharing the database).',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      if (!queue) return;
      const counts = await queue.countsByState();
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'heartbridge_oldest_pending_job_age_seconds',
    help: 'Age of the oldest job that is ready to run but not running (0 when none): the queue lag.',
    registers: [registry],
    async collect() {
      this.set(queue ? (await queue.oldestPendingAgeMs()) / 1000 : 0);
    },
  });
  new Gauge({
    name: 'heartbridge_dead_letters',
    help: 'Dead letters and quarantined inputs by kind and status.',
    labelNames: ['kind', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      if (!store) return;
      const rows = await store.db
        .selectFrom('dead_letters')
        .select(['kind', 'status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy(['kind', 'status'])
        .execute();
      for (const row of rows) this.set({ kind: row.kind, status: row.status }, Number(row.n));
    },
  });

  return m;
}
