/**
 * The ingest benchmark's server: the real heartbridge ingest path (buildServer + the BigCommerce webhook
 * route + createEngine on the chosen backend), no workers — we measure ingest, not processing.
 *
 *   node --import tsx bench/ingest/server.ts --db <sqlite file | postgres url> [--pg-schema S]
 *        [--variant group|single] [--port 0]
 *
 * `run.ts` launches it as `taskset -c 0 node …` (pinned to one core). It prints one JSON line
 * `{"ready":true,"port":N}` on stdout once listening. SIGTERM stops it gracefully; `run.ts` uses SIGKILL
 * after the load so the row count afterwards proves that every 2xx was committed before it was sent.
 *
 * Variants:
 * - `group`  — the engine's inbox as shipped (group commit: one transaction per event-loop turn; on
 *              SQLite committed with synchronous=NORMAL, acked after the -wal fdatasync on the thread
 *              pool, next batch committing meanwhile);
 * - `group-serial`    — the same writer, but one batch at a time (commit + sync, then the next);
 * - `fsync-at-commit` — SQLite: the writer before deferred sync (synchronous=FULL, fsync inside COMMIT
 *                       on the event loop) — the "before" of bench/results/ingest-2026-11-27.md;
 * - `group-lanes2`    — 2 group-commit lanes by entity key over the shipped writer;
 * - `single` — the same inbox with `maxBatch: 1`: one fsync'd transaction per request (the baseline
 *              that shows what group commit buys);
 * - `noop`   — same server and body parsing, route answers 200 without verifying or storing: the HTTP
 *              ceiling of this stack on this machine (the runner expects no rows);
 * Prototypes (bench/ingest/prototypes/, proposals for the engine's owners; see bench/README.md):
 * - `async-fsync`        — SQLite: batch committed with synchronous=NORMAL, then the WAL fdatasync'd on
 *                          the thread pool (coalesced) before the acks;
 * - `async-fsync-lanes4` — the same with 4 group-commit lanes (by entity), so commits pipeline with fsyncs;
 * - `lanes4`             — 4 lanes with the shipped writer (PostgreSQL: 4 transactions in parallel);
 * - `optimistic-lanes4`  — PostgreSQL: 4 lanes, batches without per-item savepoints (fallback on error);
 * - `multirow`, `multirow-lanes4` — PostgreSQL: no savepoints and the batch's inbox rows in one statement.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { parseArgs } from 'node:util';
import type SQLite from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { configSchema } from '../../src/config/index.js';
import { createEngine, createQueueBackend } from '../../src/engine/engine.js';
import { inboxWriterFor } from '../../src/engine/inbox/kysely-inbox-writer.js';
import { isStagedInboxWriter, type StagedInboxWriter } from '../../src/engine/inbox/staged-inbox-writer.js';
import { createInbox } from '../../src/engine/inbox.js';
import type { InboxWrite, InboxWriter, QueueBackend } from '../../src/engine/queue/queue-backend.js';
import { writeInboxItem } from '../../src/engine/queue/sqlite/sqlite-inbox-writer.js';
import { sqliteWriterFor } from '../../src/engine/queue/sqlite/sqlite-writer.js';
import { webhookTaskRouter } from '../../src/flows/routing.js';
import { createLogger } from '../../src/log/index.js';
import { buildServer } from '../../src/server/build-server.js';
import { createMetrics } from '../../src/server/metrics.js';
import { registerBigCommerceWebhookRoute } from '../../src/server/routes/webhooks-bigcommerce.js';
import { openStore, type StoreHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';
import { BENCH_CONNECTION, BENCH_SECRET, BENCH_STORE_HASH } from './bench-constants.js';
import { createAsyncFsyncInboxWriter } from './prototypes/async-fsync-inbox-writer.js';
import { createLanedInbox } from './prototypes/laned-inbox.js';
import { createOptimisticKyselyInboxWriter } from './prototypes/optimistic-kysely-inbox-writer.js';

interface VariantSpec {
  /** Which inbox writer: as shipped, or a bench prototype. */
  writer: 'shipped' | 'fsync-at-commit' | 'async-fsync' | 'optimistic' | 'multirow';
  /** false: the inbox awaits commit + sync of one batch before the next (no pipelining). Default true. */
  pipelined?: boolean;
  /** Group-commit lanes (1 = the shipped inbox). */
  lanes: number;
  maxBatch?: number;
  noop?: boolean;
}

const VARIANTS: Record<string, VariantSpec> = {
  group: { writer: 'shipped', lanes: 1 },
  'group-serial': { writer: 'shipped', lanes: 1, pipelined: false },
  'fsync-at-commit': { writer: 'fsync-at-commit', lanes: 1 },
  'group-lanes2': { writer: 'shipped', lanes: 2 },
  single: { writer: 'shipped', lanes: 1, maxBatch: 1 },
  noop: { writer: 'shipped', lanes: 1, noop: true },
  'async-fsync': { writer: 'async-fsync', lanes: 1 },
  'async-fsync-lanes4': { writer: 'async-fsync', lanes: 4 },
  lanes4: { writer: 'shipped', lanes: 4 },
  'optimistic-lanes4': { writer: 'optimistic', lanes: 4 },
  multirow: { writer: 'multirow', lanes: 1 },
  'multirow-lanes4': { writer: 'multirow', lanes: 4 },
};

/**
 * Counts the inbox writer's batches (size, time inside `write`) so the runner can show what group commit
 * achieved. Wraps whichever writer the inbox would use: the backend's own (SQLite) or the Kysely default.
 */
function countBatches(store: StoreHandle, backend: QueueBackend, pipelined: boolean) {
  const inner = inboxWriterFor(store.db, backend);
  const stats = { batches: 0, items: 0, writeMs: 0 };
  const write = async (items: InboxWrite[]) => {
    const t0 = performance.now();
    try {
      return await inner.write(items);
    } finally {
      stats.batches++;
      stats.items += items.length;
      stats.writeMs += performance.now() - t0;
    }
  };
  if (!pipelined || !isStagedInboxWriter(inner)) {
    backend.createInboxWriter = () => ({ write });
    return stats;
  }
  // Staged (SQLite deferred sync): write ms = from the start of the commit until the batch is durable.
  const staged: StagedInboxWriter = {
    write,
    async stage(items) {
      const t0 = performance.now();
      const batch = await inner.stage(items);
      const count = () => {
        stats.batches++;
        stats.items += items.length;
        stats.writeMs += performance.now() - t0;
      };
      batch.durable.then(count, count);
      return batch;
    },
  };
  backend.createInboxWriter = () => staged;
  return stats;
}

/** The writer as shipped before deferred sync: the batch commits with synchronous=FULL on the loop. */
function fsyncAtCommitWriter(raw: SQLite.Database): InboxWriter {
  const writer = sqliteWriterFor(raw);
  return {
    async write(items) {
      const t = Date.now();
      return writer.run(() => items.map((item) => writeInboxItem(raw, item, t, 10)));
    },
  };
}

/** CPU profile of the measured run only (not start-up, not warm-up), via the inspector. */
function registerProfiler(app: FastifyInstance, file: string): void {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))),
    );
  app.post('/__bench/profile/start', async () => {
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 200 });
    await post('Profiler.start');
    return { ok: true };
  });
  app.post('/__bench/profile/stop', async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: object };
    writeFileSync(file, JSON.stringify(profile));
    return { ok: true, file };
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      db: { type: 'string' },
      'pg-schema': { type: 'string' },
      variant: { type: 'string', default: 'group' },
      port: { type: 'string', default: '0' },
      /** Write a .cpuprofile of the measured run (between /__bench/profile/start and /stop) here. */
      profile: { type: 'string' },
    },
  });
  if (!values.db) throw new Error('--db is required (a SQLite file path or a postgres:// URL)');
  const variant = values.variant ?? 'group';
  const spec = VARIANTS[variant];
  if (!spec) throw new Error(`unknown --variant ${variant} (${Object.keys(VARIANTS).join('|')})`);

  const store = openStore(values.db, values['pg-schema'] ? { pgSchema: values['pg-schema'] } : {});
  await migrateToLatest(store);
  const backend = await createQueueBackend(store);
  if (spec.writer === 'fsync-at-commit') {
    if (!store.sqlite) throw new Error(`--variant ${variant} is SQLite only`);
    const writer = fsyncAtCommitWriter(store.sqlite);
    backend.createInboxWriter = () => writer;
  } else if (spec.writer === 'async-fsync') {
    if (!store.sqlite) throw new Error(`--variant ${variant} is a SQLite prototype`);
    const writer = await createAsyncFsyncInboxWriter(store.sqlite, {});
    backend.createInboxWriter = () => writer;
  } else if (spec.writer === 'optimistic' || spec.writer === 'multirow') {
    if (store.sqlite) throw new Error(`--variant ${variant} is a PostgreSQL prototype`);
    const writer = createOptimisticKyselyInboxWriter(store.db, backend, {
      multiRowInsert: spec.writer === 'multirow',
    });
    backend.createInboxWriter = () => writer;
  }
  const batches = countBatches(store, backend, spec.pipelined !== false);
  const engine = createEngine({ store, backend, currentConfigVersion: () => 'bench' });
  const inboxOptions = {
    db: store.db,
    backend,
    maxBatch: spec.maxBatch,
    defaultMaxAttempts: 10,
    currentConfigVersion: () => 'bench',
  };
  const inbox =
    spec.lanes > 1
      ? createLanedInbox({ ...inboxOptions, lanes: spec.lanes })
      : spec.maxBatch !== undefined
        ? createInbox(inboxOptions)
        : engine.inbox;

  const logger = createLogger({ level: 'warn' });
  const config = configSchema.parse({});
  // Process metrics on, as `heartbridge serve` has them.
  const metrics = createMetrics({ processMetrics: true });
  const app = buildServer({ config, store, metrics, logger, engine: backend });
  if (spec.noop) {
    // The HTTP ceiling of this stack: same server, body parsed, nothing verified or stored.
    app.post('/webhooks/bigcommerce/:connection', async (_request, reply) =>
      reply.status(200).send({ status: 'accepted', inboxId: 0 }),
    );
  } else
    registerBigCommerceWebhookRoute(app, {
      inbox,
      connection: (id) =>
        id === BENCH_CONNECTION
          ? { id, webhookSecret: BENCH_SECRET, storeHash: BENCH_STORE_HASH }
          : undefined,
      route: webhookTaskRouter,
    });
  // What the load generator reads before and after the measured run (CPU per event, batch sizes).
  app.get('/__bench/stats', async () => {
    const cpu = process.cpuUsage();
    const elu = performance.eventLoopUtilization();
    return { cpuUs: cpu.user + cpu.system, eluIdleMs: elu.idle, eluActiveMs: elu.active, ...batches };
  });
  if (values.profile) registerProfiler(app, values.profile);
  await app.listen({ host: '127.0.0.1', port: Number(values.port) });
  const addr = app.server.address();
  const port = addr && typeof addr === 'object' ? addr.port : 0;
  process.stdout.write(`${JSON.stringify({ ready: true, port, pid: process.pid, variant })}\n`);

  const stop = async () => {
    await app.close();
    await inbox.flush();
    await engine.stop(1_000);
    await store.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench server failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
