/**
 * The composition root: the one place that knows how the parts fit together. Everything else receives
 * what it needs as arguments.
 *
 * Roles (so ingest and workers can run as separate processes, DESIGN §3 "queue at scale"):
 *   all    — HTTP server + workers + schedules (the single-machine default);
 *   web    — HTTP server only (ingest, admin, health, metrics);
 *   worker — workers + schedules, no HTTP listener.
 *
 * Start-up order: open store → migrate → record config version → queue backend → engine → server,
 * alerts, scheduler. Shutdown is the reverse: stop schedules → stop accepting HTTP → flush the inbox and
 * let running jobs finish (grace period) → close channels → close the store.
 */
import type { FastifyInstance } from 'fastify';
import { collectSecretValues } from '../config/config-redact.js';
import type { HeartbridgeConfig } from '../config/config-schema.js';
import { configVersion as computeVersion, recordConfigVersion } from '../config/config-version.js';
import { parseDurationMs } from '../config/duration.js';
import { type Alerts, channelsFromConfig, createAlerts } from '../engine/alerts/index.js';
import { createEngine, createQueueBackend, type Engine } from '../engine/engine.js';
import { errorCode } from '../engine/errors.js';
import type { Inbox } from '../engine/inbox.js';
import type { TaskHandler } from '../engine/queue/queue-backend.js';
import { createScheduler, type ScheduleDefinition, type Scheduler } from '../engine/scheduler/index.js';
import { createLogger, type Logger } from '../log/logger.js';
import { buildServer } from '../server/build-server.js';
import { createMetrics, type Metrics } from '../server/metrics.js';
import { openStore, type StoreHandle } from '../store/database.js';
import { migrateToLatest } from '../store/migrations/index.js';

export type AppRole = 'all' | 'web' | 'worker';

export interface CreateAppOptions {
  config: HeartbridgeConfig;
  role?: AppRole;
  /** Environment name recorded with the config version. Default `default`. */
  environment?: string;
  /** Flow handlers by task name, or a function building them from the app's parts (see app-modules.ts). */
  handlers?: Record<string, TaskHandler> | ((app: AppParts) => Record<string, TaskHandler>);
  /** Schedules to run (they usually enqueue poll jobs); built once the app parts exist. */
  schedules?: (app: AppParts) => ScheduleDefinition[];
  /** Routes to add before the server listens (webhooks, admin API, dashboard). */
  routes?: (server: FastifyInstance, app: AppParts) => void | Promise<void>;
  logger?: Logger;
  /** Export Node process metrics. Default true. */
  processMetrics?: boolean;
  /** How long running jobs may finish on shutdown. Default 10 s. */
  shutdownGraceMs?: number;
  /** Override the listen port (tests pass 0). */
  port?: number;
}

/** What routes, schedules and flows get. */
export interface AppParts {
  config: HeartbridgeConfig;
  configVersion: string;
  store: StoreHandle;
  engine: Engine;
  metrics: Metrics;
  alerts: Alerts;
  logger: Logger;
}

export interface App extends AppParts {
  role: AppRole;
  server: FastifyInstance;
  scheduler: Scheduler;
  /** Listens (web/all), starts workers (worker/all) and schedules (worker/all). */
  start(): Promise<void>;
  /** Graceful, idempotent shutdown. */
  stop(): Promise<void>;
  /** Resolves when `stop()` has finished (whoever called it). */
  readonly stopped: Promise<void>;
  /** The bound address once listening, e.g. `http://127.0.0.1:8080`. */
  address(): string | undefined;
  /** Stop on SIGTERM / SIGINT (a second signal exits at once). Returns a function that removes the handlers. */
  handleSignals(): () => void;
}

/** Counts every delivery into the inbox (webhooks, polls, CLI) in one place. */
function countingInbox(inbox: Inbox, metrics: Metrics): Inbox {
  return {
    ...inbox,
    async ingest(input) {
      const result = await inbox.ingest(input);
      const labels = { source: input.source, topic: input.topic };
      metrics.eventsReceived.inc(labels);
      if (result.duplicate) metrics.eventsDuplicate.inc(labels);
      else if (!result.jobId) metrics.eventsIgnored.inc(labels);
      return result;
    },
  };
}

export async function createApp(options: CreateAppOptions): Promise<App> {
  const { config } = options;
  const role = options.role ?? 'all';
  const logger =
    options.logger ??
    createLogger({ level: config.log.level, secrets: collectSecretValues(config), base: { role } });
  const version = computeVersion(config);

  const store = openStore(config.database.url);
  try {
    await migrateToLatest(store);
    await recordConfigVersion(store, { version, environment: options.environment ?? 'default', config });
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  const backend = await createQueueBackend(store, { defaultMaxAttempts: config.workers.maxAttempts });
  const engine = createEngine({
    store,
    backend,
    logger,
    defaults: { maxAttempts: config.workers.maxAttempts },
    currentConfigVersion: () => version,
  });
  const metrics = createMetrics({ processMetrics: options.processMetrics ?? true });
  engine.inbox = countingInbox(engine.inbox, metrics);

  const alerts = createAlerts({
    store,
    channels: channelsFromConfig(config.alerts.channels),
    logger,
    throttleMs: parseDurationMs(config.alerts.throttle),
    sendRecovery: config.alerts.sendRecovery,
    onDelivery: (channel, outcome) => metrics.alertsSent.inc({ channel, outcome }),
  });
  const parts: AppParts = { config, configVersion: version, store, engine, metrics, alerts, logger };
  const server = buildServer({ config, store, metrics, logger, engine: backend });
  const scheduler = createScheduler({
    store,
    logger,
    onFired: (name) => metrics.schedulesFired.inc({ schedule: name }),
  });
  for (const schedule of options.schedules?.(parts) ?? []) scheduler.add(schedule);
  if (options.routes) await options.routes(server, parts);

  let stopping: Promise<void> | undefined;
  let listening = false;
  let markStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    markStopped = resolve;
  });

  const app: App = {
    ...parts,
    role,
    server,
    scheduler,
    stopped,
    async start() {
      if (role !== 'worker') {
        await server.listen({ port: options.port ?? config.server.port, host: config.server.host });
        listening = true;
        logger.info({ address: app.address(), configVersion: version, dialect: store.dialect }, 'listening');
      } else {
        await server.ready();
      }
      if (role !== 'web') {
        const handlers =
          typeof options.handlers === 'function' ? options.handlers(parts) : (options.handlers ?? {});
        await engine.startWorkers(handlers, {
          concurrency: config.workers.concurrency,
          events: metrics.queueEvents({
            // Every failed attempt is visible to the engineer on call (dead letters alone hide a job that
            // keeps retrying): what, which entity, which attempt, why, and when it runs again.
            'job:error': (job, error, retryAt) =>
              logger.warn(
                {
                  jobId: job.id,
                  task: job.task,
                  entityKey: job.entityKey,
                  attempt: job.attempts,
                  maxAttempts: job.maxAttempts,
                  code: errorCode(error),
                  retryAt: new Date(retryAt).toISOString(),
                  reason: error instanceof Error ? error.message : String(error),
                },
                'job attempt failed; will retry',
              ),
            'job:dead': (job, error) =>
              void alerts.raise({
                key: `job-dead:${job.connectionId}:${job.task}`,
                severity: 'warning',
                title: `jobs of ${job.task} are being dead-lettered`,
                detail: `latest: ${job.entityKey}: ${error instanceof Error ? error.message : String(error)}`,
                connectionId: job.connectionId,
              }),
          }),
        });
        scheduler.start();
      }
    },
    stop() {
      stopping ??= (async () => {
        logger.info('shutting down');
        await scheduler.stop();
        // Stop accepting requests first: acknowledged events are already on disk; new ones get 503.
        await server.close().catch((err: unknown) => logger.warn({ err }, 'server close failed'));
        await engine
          .stop(options.shutdownGraceMs ?? 10_000)
          .catch((err: unknown) => logger.error({ err }, 'engine stop failed'));
        await alerts.close();
        await store.close();
        logger.info('stopped');
      })().finally(markStopped);
      return stopping;
    },
    address() {
      if (!listening) return undefined;
      const addr = server.server.address();
      if (!addr || typeof addr === 'string') return addr ?? undefined;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      return `http://${host}:${addr.port}`;
    },
    handleSignals() {
      let received = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (received) {
          logger.warn({ signal }, 'second signal: exiting now');
          process.exit(1);
        }
        received = true;
        logger.info({ signal }, 'signal received: stopping gracefully (send again to force)');
        app.stop().then(
          () => {
            process.exitCode = process.exitCode ?? 0;
          },
          (err: unknown) => {
            logger.error({ err }, 'shutdown failed');
            process.exitCode = 1;
          },
        );
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      return () => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      };
    },
  };
  return app;
}
