/**
 * The dead-letter queue, for people: list, inspect, replay, discard. Every action is audited.
 *
 * Replay re-runs the flow from its trigger, not the failed step: it enqueues the original task with the
 * original payload and inbox reference, as a fresh job at the back of its entity's queue. The flow then
 * fetches the current state of the entity and maps it with the CURRENT config; the new job records the
 * config version it will run with, and the audit entry records old and new versions.
 * The new job, the entry's status change and the audit row commit in one transaction.
 */
import type { Kysely } from 'kysely';
import type { Database, DeadLetterRow } from '../store/schema.js';
import type { Audit } from './audit.js';
import type { ErrorChainEntry } from './errors.js';
import type { JsonObject, QueueBackend, QueueTransaction } from './queue/queue-backend.js';

export type DeadLetterStatus = 'open' | 'replayed' | 'discarded' | 'resolved';

export interface DeadLetter {
  id: number;
  connectionId: string;
  kind: 'dead' | 'quarantine';
  task: string;
  entityKey: string;
  payload: JsonObject;
  inboxId: number | null;
  errorCode: string;
  errorMessage: string;
  errorChain: ErrorChainEntry[];
  suggestedFix: string | null;
  attempts: number;
  configVersion: string | null;
  status: DeadLetterStatus;
  createdAt: number;
  updatedAt: number;
}

export interface DlqFilter {
  connectionId?: string;
  task?: string;
  errorCode?: string;
  kind?: 'dead' | 'quarantine';
  /** Default: any for `list`, `open` for replay/discard. */
  status?: DeadLetterStatus;
  /** created_at >= since (epoch ms). */
  since?: number;
  /** created_at < until (epoch ms). */
  until?: number;
  limit?: number;
}

export interface ReplayResult {
  replayed: { id: number; jobId: string }[];
  /** Ids matched but not open (already replayed / discarded). */
  skipped: number[];
}

export interface Dlq {
  list(filter?: DlqFilter): Promise<DeadLetter[]>;
  get(id: number): Promise<DeadLetter | null>;
  replay(target: number | DlqFilter, actor: string): Promise<ReplayResult>;
  discard(
    target: number | DlqFilter,
    actor: string,
    reason?: string,
  ): Promise<{ discarded: number[]; skipped: number[] }>;
}

export interface DlqOptions {
  db: Kysely<Database>;
  backend: QueueBackend;
  audit: Audit;
  /** The config version a replay runs with (the current one). */
  currentConfigVersion?: () => string | null | undefined;
  defaultMaxAttempts?: number;
  now?: () => number;
}

/** Runs row writes + enqueues atomically: the backend's capability, else a Kysely transaction. */
export function runQueueTransaction<T>(
  db: Kysely<Database>,
  backend: QueueBackend,
  work: (tx: QueueTransaction) => Promise<T>,
): Promise<T> {
  if (backend.transaction) return backend.transaction(work);
  return db.transaction().execute((trx) => work({ db: trx, enqueue: (req) => backend.enqueue(req, trx) }));
}

export function createDlq(options: DlqOptions): Dlq {
  const { db, backend, audit } = options;
  const now = options.now ?? Date.now;

  async function select(filter: DlqFilter, q0: Kysely<Database> = db, order: 'asc' | 'desc' = 'asc') {
    let q = q0
      .selectFrom('dead_letters')
      .selectAll()
      .orderBy('id', order)
      .limit(filter.limit ?? 1_000);
    if (filter.connectionId) q = q.where('connection_id', '=', filter.connectionId);
    if (filter.task) q = q.where('task', '=', filter.task);
    if (filter.errorCode) q = q.where('error_code', '=', filter.errorCode);
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.since !== undefined) q = q.where('created_at', '>=', filter.since);
    if (filter.until !== undefined) q = q.where('created_at', '<', filter.until);
    return q.execute();
  }

  async function targets(tx: Kysely<Database>, target: number | DlqFilter) {
    const rows =
      typeof target === 'number'
        ? await tx.selectFrom('dead_letters').selectAll().where('id', '=', target).execute()
        : await select({ ...target, status: target.status ?? 'open' }, tx);
    return {
      open: rows.filter((r) => r.status === 'open'),
      skipped: rows.filter((r) => r.status !== 'open').map((r) => Number(r.id)),
    };
  }

  async function setStatus(tx: Kysely<Database>, id: number, status: DeadLetterStatus) {
    await tx.updateTable('dead_letters').set({ status, updated_at: now() }).where('id', '=', id).execute();
  }

  return {
    async list(filter = {}) {
      // Newest first for people; replays select oldest first so a bulk replay keeps entity order.
      return (await select(filter, db, 'desc')).map(toDeadLetter);
    },
    async get(id) {
      const row = await db.selectFrom('dead_letters').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toDeadLetter(row) : null;
    },
    replay(target, actor) {
      return runQueueTransaction(db, backend, async (tx) => {
        const { open, skipped } = await targets(tx.db, target);
        const configVersion = options.currentConfigVersion?.() ?? undefined;
        const replayed: ReplayResult['replayed'] = [];
        for (const row of open) {
          const id = Number(row.id);
          const { jobId } = await tx.enqueue({
            connectionId: row.connection_id,
            task: row.task,
            entityKey: row.entity_key,
            payload: JSON.parse(row.payload_json) as JsonObject,
            inboxId: row.inbox_id ?? undefined,
            configVersion,
            maxAttempts: options.defaultMaxAttempts,
          });
          await setStatus(tx.db, id, 'replayed');
          await audit.record(
            {
              actor,
              action: 'dlq.replay',
              target: `dead_letter:${id}`,
              connectionId: row.connection_id,
              detail: {
                jobId,
                task: row.task,
                entityKey: row.entity_key,
                errorCode: row.error_code,
                failedConfigVersion: row.config_version,
                configVersion: configVersion ?? null,
                bulk: typeof target !== 'number',
              },
            },
            tx.db,
          );
          replayed.push({ id, jobId });
        }
        return { replayed, skipped };
      });
    },
    discard(target, actor, reason) {
      return runQueueTransaction(db, backend, async (tx) => {
        const { open, skipped } = await targets(tx.db, target);
        for (const row of open) {
          const id = Number(row.id);
          await setStatus(tx.db, id, 'discarded');
          await audit.record(
            {
              actor,
              action: 'dlq.discard',
              target: `dead_letter:${id}`,
              connectionId: row.connection_id,
              detail: {
                task: row.task,
                entityKey: row.entity_key,
                errorCode: row.error_code,
                reason: reason ?? null,
              },
            },
            tx.db,
          );
        }
        return { discarded: open.map((r) => Number(r.id)), skipped };
      });
    },
  };
}

function toDeadLetter(row: DeadLetterRow): DeadLetter {
  return {
    id: Number(row.id),
    connectionId: row.connection_id,
    kind: row.kind,
    task: row.task,
    entityKey: row.entity_key,
    payload: JSON.parse(row.payload_json) as JsonObject,
    inboxId: row.inbox_id === null ? null : Number(row.inbox_id),
    errorCode: row.error_code,
    errorMessage: row.error_message,
    errorChain: JSON.parse(row.error_chain_json) as ErrorChainEntry[],
    suggestedFix: row.suggested_fix,
    attempts: row.attempts,
    configVersion: row.config_version,
    status: row.status,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
