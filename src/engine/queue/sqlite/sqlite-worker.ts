/**
 * The SQLite worker loop: runs up to `concurrency` jobs at once in this process.
 *
 * States: running (claiming) → stopping (no new claims; running jobs get `graceMs`, then their signal
 * is aborted) → stopped. `abandon()` jumps straight to stopped without recording anything, as a killed
 * process would (tests use it to leave leases behind).
 *
 * When it claims:
 * - on an in-process wake-up (an enqueue or an ingest on this connection) — no busy polling;
 * - when one of its jobs finishes (the entity's next job may now be ready);
 * - at the earliest future `run_at` it knows of (a retry's backoff ending);
 * - every `pollIntervalMs` as a fallback (jobs enqueued by another process, e.g. the CLI).
 * It renews the leases of its running jobs every leaseMs/3, and sweeps expired leases and old `done`
 * rows every `sweepIntervalMs`.
 *
 * Liveness (pool-heartbeat.ts, heartbeat.ts): the pool writes its heartbeat row before its first claim
 * and every `heartbeatMs` after, and sweeps as soon as it sees a holder of running jobs dead. A new pool
 * sweeps before its first claim, so jobs of a process killed just before this one started (on this
 * machine) are back in the queue at once instead of after their 30 s lease.
 *
 * Danger: recording an outcome must not be skipped silently. If the database refuses it, the worker
 * reports `worker:fatal` and stops claiming; the job's lease expires and it runs again (at-least-once).
 */

import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type SQLite from 'better-sqlite3';
import type { JobRow } from '../../../store/schema.js';
import { PermanentError } from '../../errors.js';
import type { BackoffPolicy } from '../backoff.js';
import type { JobContext, JsonObject, RunningWorker, WorkerOptions } from '../queue-backend.js';
import { claimSync, nextRunAtSync, renewLeasesSync } from './claim.js';
import { completeSync, deleteDoneBeforeSync } from './complete.js';
import { failSync } from './fail.js';
import { relaxedGroupCommitFor } from './group-commit.js';
import { deleteOldHeartbeatsSync, markPoolLive } from './heartbeat.js';
import { PoolHeartbeat } from './pool-heartbeat.js';
import type { SqliteWriter } from './sqlite-writer.js';
import { toJobSummary } from './statements.js';
import { sweepSync } from './sweep.js';

const wakeups = new WeakMap<SQLite.Database, EventEmitter>();

/** In-process "a job may be ready" signal, one per connection. */
export function wakeupsFor(raw: SQLite.Database): EventEmitter {
  let e = wakeups.get(raw);
  if (!e) {
    e = new EventEmitter();
    e.setMaxListeners(0);
    wakeups.set(raw, e);
  }
  return e;
}

export interface SqliteWorkerContext {
  writer: SqliteWriter;
  now: () => number;
  random: () => number;
  backoff: BackoffPolicy;
  sweepIntervalMs: number;
  doneRetentionMs: number;
  /** How often the pool writes its heartbeat and checks other pools' liveness. */
  heartbeatMs: number;
  /** See heartbeat.ts `currentPidSpace`. */
  pidSpace: string | null;
}

/** Heartbeat rows silent this long, holding no job, are deleted by the sweep. */
const HEARTBEAT_ROW_RETENTION_MS = 3_600_000;

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

export class SqliteWorker implements RunningWorker {
  private readonly id: string;
  private readonly leaseMs: number;
  private readonly running = new Map<number, Running>();
  private readonly timers: NodeJS.Timeout[] = [];
  private wakeTimer: NodeJS.Timeout | undefined;
  private readonly heartbeat: PoolHeartbeat;
  private scheduled = false;
  private filling = false;
  private refill = false;
  private stopping = false;
  /** After stop/abandon completed: outcomes of late jobs are not recorded. */
  private closed = false;
  private readonly onWake = () => this.schedule();

  constructor(
    private readonly ctx: SqliteWorkerContext,
    private readonly options: WorkerOptions,
  ) {
    this.id = options.workerId ?? `sqlite-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.heartbeat = new PoolHeartbeat(
      ctx.writer,
      { poolId: this.id, heartbeatMs: ctx.heartbeatMs, pidSpace: ctx.pidSpace },
      { now: ctx.now, sweep: () => void this.sweep(), fatal: (err) => this.fatal(err) },
    );
  }

  /** Resolves once the first heartbeat is written and the start-up sweep is done (claims follow). */
  async start(): Promise<void> {
    const raw = this.ctx.writer.raw;
    await this.heartbeat.start();
    markPoolLive(this.id, true);
    wakeupsFor(raw).on('wake', this.onWake);
    this.timers.push(setInterval(this.onWake, this.options.pollIntervalMs ?? 1_000));
    this.timers.push(setInterval(() => void this.sweep(), this.ctx.sweepIntervalMs));
    this.timers.push(setInterval(() => void this.renew(), Math.max(10, Math.floor(this.leaseMs / 3))));
    await this.sweep();
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.stopping) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.fill();
    });
  }

  private async fill(): Promise<void> {
    if (this.filling) {
      this.refill = true;
      return;
    }
    this.filling = true;
    try {
      do {
        this.refill = false;
        const free = this.options.concurrency - this.running.size;
        if (free <= 0 || this.stopping) break;
        // Claims need no fsync: a claim lost to a power cut leaves the job pending (see runRelaxed).
        const rows = await this.ctx.writer.runRelaxed(() =>
          claimSync(this.ctx.writer.raw, this.id, free, this.ctx.now(), this.leaseMs),
        );
        for (const row of rows) this.startJob(row);
        if (rows.length === free) this.refill = true;
        else this.armWakeTimer();
      } while (this.refill && !this.stopping);
    } catch (err) {
      this.fatal(err);
    } finally {
      this.filling = false;
    }
  }

  /** Wakes at the earliest future run_at (a retry's backoff ending), if sooner than the poll. */
  private armWakeTimer(): void {
    const now = this.ctx.now();
    const at = nextRunAtSync(this.ctx.writer.raw, now);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    if (at === null || this.stopping) return;
    const delay = at - now;
    if (delay < (this.options.pollIntervalMs ?? 1_000))
      this.wakeTimer = setTimeout(this.onWake, Math.max(1, delay));
  }

  private startJob(row: JobRow): void {
    const controller = new AbortController();
    const done = this.runJob(row, controller).finally(() => {
      this.running.delete(row.id);
      // A stopped pool's last straggler settled: its unrecorded jobs may be recovered at once now.
      if (this.closed && this.running.size === 0) markPoolLive(this.id, false);
      this.schedule();
    });
    this.running.set(row.id, { controller, done });
  }

  private async runJob(row: JobRow, controller: AbortController): Promise<void> {
    const summary = toJobSummary(row);
    const events = this.options.events;
    events?.['job:start']?.(summary);
    const started = performance.now();
    const jobCtx: JobContext = {
      jobId: String(row.id),
      connectionId: row.connection_id,
      task: row.task,
      entityKey: row.entity_key,
      attempt: row.attempts,
      maxAttempts: row.max_attempts,
      inboxId: row.inbox_id,
      configVersion: row.config_version,
      signal: controller.signal,
    };
    let error: unknown;
    let ok = false;
    try {
      const handler = this.options.handlers[row.task];
      if (!handler) {
        throw new PermanentError({
          code: 'HB_ERR_QUEUE_NO_HANDLER',
          message: `no handler registered for task "${row.task}"`,
          suggestedFix: 'Start the workers with a handler for this task, then replay the dead letter.',
        });
      }
      await handler(JSON.parse(row.payload_json) as JsonObject, jobCtx);
      ok = true;
    } catch (err) {
      error = err;
    }
    if (this.closed) return;
    const raw = this.ctx.writer.raw;
    try {
      if (ok) {
        const held = await this.record(() => completeSync(raw, row.id, this.id, this.ctx.now()));
        if (held) events?.['job:complete']?.(summary, performance.now() - started);
        return;
      }
      const outcome = await this.record(() =>
        failSync(raw, row, this.id, error, this.ctx.now(), {
          backoff: this.ctx.backoff,
          random: this.ctx.random,
        }),
      );
      if (outcome.kind === 'retry') {
        events?.['job:error']?.(summary, error, outcome.runAt);
        this.armWakeTimer();
      } else if (outcome.kind === 'dead') {
        events?.['job:dead']?.({ ...summary, state: 'dead' }, error);
      }
    } catch (err) {
      this.fatal(err);
    }
  }

  /** Outcomes reached within one event-loop turn share one relaxed commit (see group-commit.ts). */
  private record<T>(fn: () => T): Promise<T> {
    return relaxedGroupCommitFor(this.ctx.writer).submit(fn);
  }

  private async renew(): Promise<void> {
    if (this.closed || this.running.size === 0) return;
    const ids = [...this.running.keys()];
    try {
      const lost = await this.ctx.writer.runRelaxed(() =>
        renewLeasesSync(this.ctx.writer.raw, this.id, ids, this.ctx.now(), this.leaseMs),
      );
      for (const id of lost) this.running.get(id)?.controller.abort(new Error('lease lost'));
    } catch (err) {
      this.fatal(err);
    }
  }

  private async sweep(): Promise<void> {
    if (this.closed) return;
    try {
      const now = this.ctx.now();
      const raw = this.ctx.writer.raw;
      const result = await this.ctx.writer.run(() => {
        const r = sweepSync(raw, now, this.heartbeat.identity);
        deleteDoneBeforeSync(raw, now - this.ctx.doneRetentionMs);
        deleteOldHeartbeatsSync(raw, now - HEARTBEAT_ROW_RETENTION_MS);
        return r;
      });
      if (result.recovered > 0) this.schedule();
    } catch (err) {
      this.fatal(err);
    }
  }

  private fatal(err: unknown): void {
    if (this.closed) return;
    this.options.events?.['worker:fatal']?.(err);
    void this.stop(0);
  }

  private halt(): void {
    this.stopping = true;
    wakeupsFor(this.ctx.writer.raw).off('wake', this.onWake);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
  }

  async stop(graceMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.halt();
    const all = () => Promise.allSettled([...this.running.values()].map((r) => r.done));
    const within = (ms: number) => Promise.race([all(), new Promise((r) => setTimeout(r, ms).unref())]);
    await within(graceMs);
    if (this.running.size > 0) {
      for (const r of this.running.values()) r.controller.abort(new Error('worker stopping'));
      await within(1_000);
    }
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    // Jobs whose handler ignored the abort are still ours, unrecorded: this process keeps counting the
    // pool live until they settle (startJob) and, on this machine, so does everyone else while the
    // process lives — they are freed by their lease (pools that cannot check us: by the stale row).
    // Otherwise we are gone on purpose: drop the row, nothing is left to recover.
    const holdsNothing = this.running.size === 0;
    if (holdsNothing) markPoolLive(this.id, false);
    await this.heartbeat.stop(holdsNothing);
  }

  /** As if the process died: the heartbeat row stays, unrefreshed, so other pools see a dead pool. */
  async abandon(): Promise<void> {
    this.halt();
    this.closed = true;
    markPoolLive(this.id, false);
    for (const t of this.timers) clearInterval(t);
    await this.heartbeat.stop(false);
    for (const r of this.running.values()) r.controller.abort(new Error('worker abandoned'));
  }
}
