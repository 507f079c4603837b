/**
 * The inbox: where every received event (webhook, poll result, CLI injection) is made durable before
 * anyone answers 2xx. `ingest` stores the event and enqueues its job in ONE transaction; nothing is
 * processed inline. The same (connection, source, dedupe key) again is a no-op reported as duplicate.
 *
 * Group commit: ingests that arrive within one event-loop turn (up to `maxBatch`) share one transaction
 * — on SQLite with synchronous=FULL that is one fsync for the whole batch — and every caller's promise
 * resolves only after that commit. A failing item fails alone (savepoint per item). While a batch
 * commits, new arrivals gather into the next one. A failed *commit* rejects every item of its batch:
 * none of them was acknowledged, so the senders will retry.
 *
 * Pipelining: a writer that separates commit from durability (`StagedInboxWriter`, SQLite with the WAL
 * fdatasync on the thread pool) lets the next batch commit while earlier ones wait for their sync; each
 * caller still resolves only once ITS batch is durable, and a failed sync rejects the whole batch (not
 * acknowledged). Batches commit in arrival order, so per-entity order is kept.
 *
 * The writer is the backend's capability (`QueueBackend.createInboxWriter`, SQLite) or the Kysely default
 * (`enqueue(req, trx)` inside the transaction, PostgreSQL).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { PermanentError } from './errors.js';
import { inboxWriterFor } from './inbox/kysely-inbox-writer.js';
import { type InboxWriteWithJson, isStagedInboxWriter } from './inbox/staged-inbox-writer.js';
import type {
  InboxWrite,
  InboxWriteResult,
  InboxWriter,
  JsonObject,
  QueueBackend,
} from './queue/queue-backend.js';

export interface IngestJob {
  task: string;
  coalesceKey?: string;
  priority?: number;
  maxAttempts?: number;
  configVersion?: string;
  /** Epoch ms; default now. */
  runAt?: number;
}

export interface IngestInput {
  connectionId: string;
  /** `bigcommerce` | `heartland` | `poll:<name>` | `cli` … */
  source: string;
  dedupeKey: string;
  topic: string;
  /** Entity the event concerns (`bc:order:123`); required when `job` is given. */
  entityKey: string | null;
  payload: JsonObject;
  /**
   * `JSON.stringify(payload)` if the caller already has it (exactly that string, nothing else): stored
   * as is. Absent → the inbox stringifies once, before batching, for both the inbox row and the job.
   */
  payloadJson?: string;
  /** The job to run for this event; absent → stored only (e.g. an ignored topic). */
  job?: IngestJob;
}

export interface IngestResult {
  inboxId: number;
  duplicate: boolean;
  jobId?: string;
}

export interface Inbox {
  ingest(input: IngestInput): Promise<IngestResult>;
  /** Resolves when every ingest accepted so far has committed. */
  flush(): Promise<void>;
}

export interface InboxOptions {
  db: Kysely<Database>;
  backend: QueueBackend;
  /** Largest batch committed at once. Default 512. */
  maxBatch?: number;
  /** Attempts for jobs whose request does not say. */
  defaultMaxAttempts?: number;
  /** Config version recorded on jobs whose request does not name one. */
  currentConfigVersion?: () => string | null | undefined;
  now?: () => number;
}

interface Waiting {
  item: InboxWrite;
  resolve(result: IngestResult): void;
  reject(error: unknown): void;
}

export function createInbox(options: InboxOptions): Inbox {
  const writer: InboxWriter = inboxWriterFor(options.db, options.backend);
  const maxBatch = options.maxBatch ?? 512;
  const now = options.now ?? Date.now;
  let queue: Waiting[] = [];
  let scheduled = false;
  let inFlight: Promise<void> | null = null;
  /** Batches committed but not yet durable (staged writers only). */
  const syncing = new Set<Promise<void>>();

  const schedule = () => {
    if (scheduled || inFlight) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void drain();
    });
  };

  async function drain(): Promise<void> {
    if (inFlight) return;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      inFlight = commit(batch);
      await inFlight;
      inFlight = null;
    }
  }

  async function commit(batch: Waiting[]): Promise<void> {
    const items = batch.map((w) => w.item);
    if (isStagedInboxWriter(writer)) {
      // Returns once committed; the batch settles when durable, while the next one commits.
      let staged: Awaited<ReturnType<typeof writer.stage>>;
      try {
        staged = await writer.stage(items);
      } catch (err) {
        for (const w of batch) w.reject(err);
        return;
      }
      const done = staged.durable.then(
        () => settle(batch, staged.results),
        (err: unknown) => {
          for (const w of batch) w.reject(err);
        },
      );
      syncing.add(done);
      void done.finally(() => syncing.delete(done));
      return;
    }
    let results: InboxWriteResult[];
    try {
      results = await writer.write(items);
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    settle(batch, results);
  }

  function settle(batch: Waiting[], results: InboxWriteResult[]): void {
    batch.forEach((w, i) => {
      const r = results[i];
      if (!r) w.reject(new Error('inbox writer returned fewer results than items'));
      else if (r.ok) w.resolve({ inboxId: r.inboxId, duplicate: r.duplicate, jobId: r.jobId });
      else w.reject(r.error);
    });
  }

  return {
    ingest(input) {
      // Validated before batching so a malformed item never reaches the batch's transaction.
      if (input.job && !input.entityKey) {
        return Promise.reject(
          new PermanentError({
            code: 'HB_ERR_INBOX_NO_ENTITY_KEY',
            message: `event ${input.source}/${input.dedupeKey} has a job (${input.job.task}) but no entity key`,
          }),
        );
      }
      let payloadJson: string;
      try {
        payloadJson = input.payloadJson ?? JSON.stringify(input.payload);
      } catch (err) {
        return Promise.reject(err); // e.g. a BigInt in the payload: this event fails alone
      }
      const item: InboxWriteWithJson = {
        payloadJson,
        connectionId: input.connectionId,
        source: input.source,
        dedupeKey: input.dedupeKey,
        topic: input.topic,
        entityKey: input.entityKey,
        payload: input.payload,
        receivedAt: now(),
        job: input.job
          ? {
              connectionId: input.connectionId,
              task: input.job.task,
              entityKey: input.entityKey as string,
              coalesceKey: input.job.coalesceKey,
              payload: input.payload,
              priority: input.job.priority,
              runAt: input.job.runAt,
              maxAttempts: input.job.maxAttempts ?? options.defaultMaxAttempts,
              configVersion: input.job.configVersion ?? options.currentConfigVersion?.() ?? undefined,
            }
          : undefined,
      };
      return new Promise<IngestResult>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (queue.length >= maxBatch && !inFlight) void drain();
        else schedule();
      });
    },
    async flush() {
      while (queue.length > 0 || inFlight || scheduled || syncing.size > 0) {
        if (inFlight) await inFlight;
        else if (syncing.size > 0) await Promise.all(syncing);
        else await new Promise<void>((r) => setImmediate(r));
      }
    },
  };
}
