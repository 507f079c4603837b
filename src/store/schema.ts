/**
 * The one `Database` interface: every table heartbridge owns, as Kysely sees it.
 *
 * Conventions (both dialects):
 * - times are epoch milliseconds, UTC, in `bigint` columns (the pg driver is told to parse int8 as number);
 * - JSON is stored as text (`*_json` columns) so SQLite and PostgreSQL read and write it the same way;
 * - ids of our own rows are integers; ids of upstream records are strings (ids are never doubles).
 *
 * Tables are internal: their shape is not a public interface (use the CLI / admin API).
 * The PostgreSQL queue backend keeps its jobs in graphile-worker's own schema; `jobs` here is the
 * SQLite backend's queue.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A BigCommerce store ⇄ Heartland account pair. */
export interface ConnectionsTable {
  id: string;
  name: string;
  bc_api_url: string;
  bc_store_hash: string;
  hl_api_url: string;
  /** AES-256-GCM ciphertext of the connection's secrets (tokens, webhook secret), or null when from env. */
  secrets_enc: string | null;
  settings_json: string;
  created_at: number;
  updated_at: number;
}

/** Every event received (webhook, poll result), before any processing. Unique per dedupe key. */
export interface InboxTable {
  id: Generated<number>;
  connection_id: string;
  /** `bigcommerce` | `heartland` | `poll:<name>` | `cli` … */
  source: string;
  dedupe_key: string;
  /** e.g. `store/order/created`, `hl/item`, `poll/orders`. */
  topic: string;
  /** The entity the event concerns, e.g. `bc:order:123`. Null when the topic is ignored. */
  entity_key: string | null;
  payload_json: string;
  received_at: number;
}

export type JobState = 'pending' | 'running' | 'done' | 'dead';

/** SQLite queue backend. */
export interface JobsTable {
  id: Generated<number>;
  connection_id: string;
  /** The flow / task name, e.g. `orders.sync`. */
  task: string;
  /** Serialises work: jobs with the same key run one at a time, in order. */
  entity_key: string;
  /** Pending jobs with the same coalesce key are replaced by a newer enqueue. */
  coalesce_key: string | null;
  payload_json: string;
  state: JobState;
  priority: number;
  attempts: number;
  max_attempts: number;
  run_at: number;
  locked_by: string | null;
  locked_until: number | null;
  last_error_json: string | null;
  inbox_id: number | null;
  config_version: string | null;
  created_at: number;
  updated_at: number;
}

/** Dead letters (retries exhausted / permanent errors) and quarantined inputs, for both backends. */
export interface DeadLettersTable {
  id: Generated<number>;
  connection_id: string;
  /** `dead` (failed) or `quarantine` (bad input held with a suggested fix). */
  kind: 'dead' | 'quarantine';
  task: string;
  entity_key: string;
  payload_json: string;
  inbox_id: number | null;
  error_code: string;
  error_message: string;
  /** Full error chain (see engine/errors.ts `errorChain`). */
  error_chain_json: string;
  suggested_fix: string | null;
  attempts: number;
  config_version: string | null;
  status: 'open' | 'replayed' | 'discarded' | 'resolved';
  created_at: number;
  updated_at: number;
}

/** Cross-reference of one entity on both sides, plus the hash of the last state we wrote. */
export interface LinksTable {
  id: Generated<number>;
  connection_id: string;
  /** `order` | `customer` | `item` | `stock` | `shipment` | … */
  kind: string;
  bc_id: string | null;
  hl_id: string | null;
  /** Hash of the fields we last wrote (echo suppression, no-op detection). */
  last_hash: string | null;
  /** `date_modified` / `updated_at` of the last version we processed (stale-event guard). */
  last_seen_version: string | null;
  data_json: string | null;
  created_at: number;
  updated_at: number;
}

/** Poll cursors and resumable sync positions. */
export interface CursorsTable {
  connection_id: string;
  name: string;
  value: string;
  updated_at: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  connection_id: string | null;
  /** `cli:<user>`, `api`, `engine`, `flow:<name>` */
  actor: string;
  /** e.g. `dlq.replay`, `dlq.discard`, `order.created` */
  action: string;
  target: string | null;
  detail_json: string | null;
}

/** Shared rate budget per upstream (e.g. one BigCommerce store), read by every worker process. */
export interface RateBudgetsTable {
  key: string;
  quota: number;
  left: number;
  window_ms: number;
  reset_at: number;
  updated_at: number;
}

/** One row per fired schedule slot: the unique key makes a cron fire once across processes. */
export interface ScheduleRunsTable {
  name: string;
  slot: number;
  fired_at: number;
  fired_by: string;
}

/** Alert de-duplication and throttling state. */
export interface AlertsTable {
  dedupe_key: string;
  severity: string;
  title: string;
  first_at: number;
  last_at: number;
  count: number;
  last_sent_at: number | null;
  suppressed: number;
}

/** Entries waiting for a person's decision (e.g. ambiguous customer match, price anomaly). */
export interface ReviewItemsTable {
  id: Generated<number>;
  connection_id: string;
  kind: string;
  entity_key: string;
  reason: string;
  candidates_json: string;
  status: 'open' | 'resolved' | 'dismissed';
  resolution_json: string | null;
  created_at: number;
  resolved_at: number | null;
}

/** Every configuration version that ran; jobs record the version they used. */
export interface ConfigVersionsTable {
  version: string;
  environment: string;
  content_json: string;
  created_at: number;
}

/** Named locks shared across processes (src/store/repositories/locks.ts). */
export interface LocksTable {
  key: string;
  /** Holder's id; null once released. */
  owner: string | null;
  /** The lease ends here (epoch ms): after it anyone may take the lock. */
  expires_at: number;
  /** What the last holder reported when it released (opaque to the store). */
  result: string | null;
  result_at: number | null;
}

export interface Database {
  connections: ConnectionsTable;
  inbox: InboxTable;
  jobs: JobsTable;
  dead_letters: DeadLettersTable;
  links: LinksTable;
  cursors: CursorsTable;
  audit_log: AuditLogTable;
  rate_budgets: RateBudgetsTable;
  schedule_runs: ScheduleRunsTable;
  alerts: AlertsTable;
  review_items: ReviewItemsTable;
  config_versions: ConfigVersionsTable;
  locks: LocksTable;
}

export type InboxRow = Selectable<InboxTable>;
export type NewInboxRow = Insertable<InboxTable>;
export type JobRow = Selectable<JobsTable>;
export type DeadLetterRow = Selectable<DeadLettersTable>;
export type LinkRow = Selectable<LinksTable>;
export type NewLinkRow = Insertable<LinksTable>;
export type LinkUpdate = Updateable<LinksTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type ReviewItemRow = Selectable<ReviewItemsTable>;
/** Unused marker so `ColumnType` stays importable for future computed columns. */
export type _ColumnType = ColumnType<number, number, number>;
