/**
 * Alerts with de-duplication and throttling, shared by every process through the `alerts` table, so
 * one outage is one message — not one per failing job, and not one per worker process.
 *
 * Per key (one row in `alerts`):
 *   raise → upsert: count += 1, suppressed += 1 (suppressed = occurrences not yet reported).
 *   If no message was sent for the key within `throttleMs`, claim the send with a compare-and-set on
 *   `last_sent_at`: exactly one raiser (in any process) wins and sends `raised` (first) or
 *   `still happening (N more)`; the others only counted.
 *   resolve → delete the row; whoever deleted it sends the recovery message (if configured and
 *   something was sent).
 *   A key quiet for `resetAfterMs` starts a new outage on its next raise.
 *
 * `raise` never throws: a broken alert channel or database is logged, never turned into a failed job.
 * A claimed send whose channels all fail is not retried before the next window (retrying on every raise
 * during an outage would hammer a receiver that is itself down).
 */
import type { Logger } from 'pino';
import type { StoreHandle } from '../../store/database.js';
import { type AlertChannel, type AlertInput, type AlertMessage, messageText } from './alert-channel.js';

export interface AlertsOptions {
  store: StoreHandle;
  channels: AlertChannel[];
  logger: Logger;
  /** At most one message per key per window. Default 15 min. */
  throttleMs?: number;
  /** A key with no raise for this long starts a new outage. Default 3 × throttle. */
  resetAfterMs?: number;
  sendRecovery?: boolean;
  /** Called per delivery attempt (metrics). */
  onDelivery?(channel: string, outcome: 'sent' | 'failed'): void;
  now?(): number;
}

export interface Alerts {
  /** Records an occurrence; sends a message when the throttle allows. Never rejects. */
  raise(alert: AlertInput): Promise<void>;
  /** The condition cleared: ends the outage and (optionally) says so. Never rejects. */
  resolve(key: string, detail?: string): Promise<void>;
  close(): Promise<void>;
}

interface AlertRow {
  dedupe_key: string;
  first_at: number;
  last_at: number;
  count: number;
  last_sent_at: number | null;
  suppressed: number;
  title: string;
  severity: string;
}

export function createAlerts(options: AlertsOptions): Alerts {
  const { store, channels, logger } = options;
  const db = store.db;
  const throttleMs = options.throttleMs ?? 15 * 60_000;
  const resetAfterMs = options.resetAfterMs ?? 3 * throttleMs;
  const now = options.now ?? Date.now;
  const log = logger.child({ component: 'alerts' });
  // Per key, in this process: raises arriving while one is being recorded are only counted in memory and
  // written together by the next write. A storm of raises (every failing job during an outage) then costs
  // a few fsync'd writes, not one each (1,000 concurrent raises: ~5 s → well under 1 s on SQLite).
  // "One message per window" comes from the compare-and-set below, not from this map.
  const local = new Map<string, { pending: number; last: AlertInput; running?: Promise<void> }>();

  async function deliver(message: AlertMessage): Promise<void> {
    const results = await Promise.allSettled(channels.map((c) => c.send(message)));
    results.forEach((result, i) => {
      const type = channels[i]?.type ?? 'unknown';
      options.onDelivery?.(type, result.status === 'fulfilled' ? 'sent' : 'failed');
      if (result.status === 'rejected') {
        log.error({ channel: type, alertKey: message.key, err: result.reason }, 'alert delivery failed');
      }
    });
  }

  async function read(key: string): Promise<AlertRow | undefined> {
    return db.selectFrom('alerts').selectAll().where('dedupe_key', '=', key).executeTakeFirst();
  }

  async function raiseUnsafe(alert: AlertInput, n: number): Promise<void> {
    const at = now();
    const before = await read(alert.key);
    if (before && at - before.last_at > resetAfterMs) {
      // Quiet long enough: the old outage is over. Compare-and-delete so only one process resets it.
      await db
        .deleteFrom('alerts')
        .where('dedupe_key', '=', alert.key)
        .where('last_at', '=', before.last_at)
        .execute();
    }
    await db
      .insertInto('alerts')
      .values({
        dedupe_key: alert.key,
        severity: alert.severity,
        title: alert.title,
        first_at: at,
        last_at: at,
        count: n,
        last_sent_at: null,
        suppressed: n,
      })
      .onConflict((oc) =>
        oc.column('dedupe_key').doUpdateSet((eb) => ({
          count: eb('alerts.count', '+', n),
          suppressed: eb('alerts.suppressed', '+', n),
          last_at: at,
          severity: alert.severity,
          title: alert.title,
        })),
      )
      .execute();

    const row = await read(alert.key);
    if (!row) return;
    if (row.last_sent_at !== null && at - row.last_sent_at < throttleMs) return;
    const claimed = await db
      .updateTable('alerts')
      .set((eb) => ({ last_sent_at: at, suppressed: eb('suppressed', '-', row.suppressed) }))
      .where('dedupe_key', '=', alert.key)
      .where((eb) =>
        row.last_sent_at === null
          ? eb('last_sent_at', 'is', null)
          : eb('last_sent_at', '=', row.last_sent_at),
      )
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return; // another raiser (maybe another process) sends it
    const kind = row.last_sent_at === null ? 'raised' : 'repeat';
    const occurrences = row.suppressed;
    const message: AlertMessage = {
      ...alert,
      kind,
      occurrences,
      total: row.count,
      firstAt: row.first_at,
      at,
      text: messageText({ ...alert, kind, occurrences }),
    };
    log.warn({ alertKey: alert.key, severity: alert.severity, kind, occurrences }, alert.title);
    await deliver(message);
  }

  async function resolveUnsafe(key: string, detail?: string): Promise<void> {
    const row = await read(key);
    local.delete(key);
    if (!row) return;
    const deleted = await db.deleteFrom('alerts').where('dedupe_key', '=', key).executeTakeFirst();
    if (Number(deleted.numDeletedRows) !== 1 || row.last_sent_at === null || !options.sendRecovery) return;
    const at = now();
    const severity = (row.severity as AlertInput['severity']) ?? 'info';
    await deliver({
      key,
      severity,
      title: row.title,
      detail,
      kind: 'resolved',
      occurrences: 0,
      total: row.count,
      firstAt: row.first_at,
      at,
      text: messageText({ kind: 'resolved', severity, title: row.title, occurrences: 0 }),
    });
  }

  async function drain(state: { pending: number; last: AlertInput }): Promise<void> {
    while (state.pending > 0) {
      const n = state.pending;
      state.pending = 0;
      try {
        await raiseUnsafe(state.last, n);
      } catch (err) {
        log.error({ err, alertKey: state.last.key }, 'alert could not be recorded');
      }
    }
  }

  function kick(state: { pending: number; last: AlertInput; running?: Promise<void> }): void {
    state.running = drain(state).finally(() => {
      state.running = undefined;
      // A raise that arrived between the loop's last check and here must not be left unwritten.
      if (state.pending > 0) kick(state);
    });
  }

  return {
    raise(alert) {
      let state = local.get(alert.key);
      if (!state) {
        state = { pending: 0, last: alert };
        local.set(alert.key, state);
      }
      state.pending += 1;
      state.last = alert;
      if (!state.running) kick(state);
      return state.running ?? Promise.resolve();
    },
    async resolve(key, detail) {
      try {
        await resolveUnsafe(key, detail);
      } catch (err) {
        log.error({ err, alertKey: key }, 'alert could not be resolved');
      }
    },
    async close() {
      await Promise.allSettled(channels.map((c) => c.close?.()));
    },
  };
}
