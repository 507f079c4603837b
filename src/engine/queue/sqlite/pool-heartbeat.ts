/**
 * The heartbeat loop of one SQLite worker pool (rules and reasons in heartbeat.ts).
 *
 * Every `heartbeatMs` it writes the pool's row, then looks (a read) at who holds running jobs; when a
 * holder is dead or a lease expired it asks the pool to sweep (a write) at once rather than at the next
 * `sweepIntervalMs`. When a silent holder will turn stale before the next beat, it looks again at that
 * moment, so recovery of a pool we cannot check takes 3 × its interval, not up to one beat more.
 *
 * Cost: no fsync. The row is committed with synchronous=NORMAL (`runRelaxed`). In WAL mode such a commit
 * is visible to every other connection at once (readers see the -wal through shared memory), and
 * visibility is all a heartbeat needs; only a power cut can lose it, and that killed every pool on this
 * machine anyway. A late or lost beat only makes this pool look older: a pool that can check our process
 * (same PID space) ignores the age; one that cannot takes our jobs once the row is 3 × `heartbeatMs` old
 * — so keep that well above any event-loop stall you expect. Riding the group commit instead would still
 * cost one fsync per beat whenever the queue is idle, and would delay the beat behind a large ingest batch.
 */
import { deleteHeartbeatSync, judgeHoldersSync, type PoolIdentity, writeHeartbeatSync } from './heartbeat.js';
import type { SqliteWriter } from './sqlite-writer.js';

export interface PoolHeartbeatHooks {
  now(): number;
  /** Some holder is dead or some lease expired: sweep now. */
  sweep(): void;
  /** The database refused the heartbeat or the check: the pool must stop claiming. */
  fatal(error: unknown): void;
}

export class PoolHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private staleTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly writer: SqliteWriter,
    readonly identity: PoolIdentity,
    private readonly hooks: PoolHeartbeatHooks,
  ) {}

  /** Writes the first beat (before the pool's first claim: a holder without a row is dead), then loops. */
  async start(): Promise<void> {
    await this.write();
    this.timer = setInterval(() => void this.beat(), this.identity.heartbeatMs);
  }

  /** Stops beating. `forget`: also delete the row (a pool gone on purpose, holding nothing). */
  async stop(forget: boolean): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    if (this.staleTimer) clearTimeout(this.staleTimer);
    if (forget) {
      await this.writer
        .runRelaxed(() => deleteHeartbeatSync(this.writer.raw, this.identity.poolId))
        .catch(() => {});
    }
  }

  private write(): Promise<void> {
    return this.writer.runRelaxed(() => writeHeartbeatSync(this.writer.raw, this.identity, this.hooks.now()));
  }

  private async beat(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.write();
      this.check();
    } catch (err) {
      // Without heartbeats, pools that cannot check our process would soon take our jobs.
      this.hooks.fatal(err);
    }
  }

  /** A read; asks for a sweep only when there is something to release. */
  private check(): void {
    if (this.stopped) return;
    if (this.staleTimer) clearTimeout(this.staleTimer);
    this.staleTimer = undefined;
    const now = this.hooks.now();
    const v = judgeHoldersSync(this.writer.raw, this.identity, now);
    if (v.dead.length > 0 || v.leaseExpired) {
      this.hooks.sweep();
      return;
    }
    if (v.nextStaleAt !== null && v.nextStaleAt - now < this.identity.heartbeatMs) {
      this.staleTimer = setTimeout(
        () => {
          this.staleTimer = undefined;
          try {
            this.check();
          } catch (err) {
            this.hooks.fatal(err);
          }
        },
        v.nextStaleAt - now + 1,
      );
    }
  }
}
