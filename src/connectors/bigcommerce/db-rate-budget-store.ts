/**
 * The rate budget in the `rate_budgets` table, so every worker process of a connection (PostgreSQL
 * mode: many machines) draws from one budget. Same pure functions as the in-memory store.
 *
 * Concurrency: optimistic compare-and-swap. Read the row, compute the next state, then
 * `UPDATE … WHERE` every column still holds what we read; on a lost race read again. This works the same
 * on SQLite and PostgreSQL without row locks or dialect-specific SQL. Column use: `updated_at` holds
 * `lastSlotAt` (the latest slot granted), which is the moment the row's state refers to.
 *
 * Few writes: the row is one per store, so every write contends with every other process. Writing it
 * twice per BigCommerce request (a slot, then the response's headers) made it the hottest row of the
 * database: in a full PostgreSQL chaos run 33 of 40 samples of active queries were this UPDATE, and the
 * queue drained ~1 job a second while 9,500 waited (bench/results/chaos-full-postgres-2026-11-28-limiter.md).
 * So:
 * - While more than half of our share is left and the pace planned for it is fast (the next slots fall
 *   within {@link SLOTS_AHEAD_MS} of now), one write takes a handful of slots ({@link MAX_SLOTS_PER_WRITE}
 *   at most, and at most a quarter of what is above the half, so other processes find slots too); this
 *   process spends them without asking again. They are dropped when the window they came from ends or the
 *   server answers 429. When the pace slows, slots are taken one by one and paced, exactly as before.
 * - Response headers are written at most every {@link OBSERVE_EVERY_MS} per store and process, or at once
 *   when they say something that must not wait (a 429, a quota other than the one we hold); a newer
 *   observation replaces a pending one, and the next slot write carries it.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import {
  applyObservation,
  burstSlots,
  DEFAULT_RATE_POLICY,
  planSlot,
  type RateBudgetPolicy,
  type RateBudgetState,
  type RateBudgetStore,
  type RateObservation,
  type RequestPriority,
} from './rate-budget.js';

const MAX_CAS_ATTEMPTS = 50;
/** Most slots one write of the row hands to this process. */
export const MAX_SLOTS_PER_WRITE = 16;
/** Extra slots are taken only while their planned times are this close to now (spent at once). */
export const SLOTS_AHEAD_MS = 50;
/** Response headers are written at most this often per store (unless they must not wait). */
export const OBSERVE_EVERY_MS = 1_000;

/** Slots this process took from the row and has not spent yet, valid until the window ends. */
interface Allowance {
  slots: number;
  resetAt: number;
}

export class DbRateBudgetStore implements RateBudgetStore {
  private readonly allowances = new Map<string, Allowance>();
  private readonly pending = new Map<string, { obs: RateObservation; now: number }>();
  private readonly lastObservedWrite = new Map<string, number>();
  /** The quota this process last read or wrote, per store (a different one in a header is news). */
  private readonly knownQuota = new Map<string, number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly policy: RateBudgetPolicy = DEFAULT_RATE_POLICY,
  ) {}

  async reserve(key: string, priority: RequestPriority, now: number) {
    const mine = this.allowances.get(`${key}|${priority}`);
    if (mine && mine.slots > 0 && now < mine.resetAt) {
      mine.slots--;
      return { granted: true, waitMs: 0 };
    }
    let result = { granted: false, waitMs: 0 };
    let extra = 0;
    const pending = this.pending.get(key);
    const written = await this.update(key, now, (s) => {
      const seen = pending ? applyObservation(s, pending.obs, pending.now, this.policy) : s;
      const d = planSlot(seen, now, priority, this.policy);
      result = { granted: d.granted, waitMs: d.waitMs };
      let next = d.next;
      extra = 0;
      if (d.granted && d.waitMs === 0) {
        const room = Math.min(
          MAX_SLOTS_PER_WRITE - 1,
          Math.floor(burstSlots(next, priority, this.policy) / 4),
        );
        while (extra < room) {
          const more = planSlot(next, now, priority, this.policy);
          if (!more.granted || more.waitMs > SLOTS_AHEAD_MS) break;
          next = more.next;
          extra++;
        }
      }
      return next;
    });
    if (pending && this.pending.get(key) === pending) this.pending.delete(key);
    if (extra > 0 && written)
      this.allowances.set(`${key}|${priority}`, { slots: extra, resetAt: written.resetAt });
    return result;
  }

  async observe(key: string, obs: RateObservation, now: number) {
    const urgent =
      obs.limitedForMs !== undefined || (obs.quota !== undefined && obs.quota !== this.knownQuota.get(key));
    if (obs.limitedForMs !== undefined) {
      // The server refuses: slots taken earlier in this window are not worth anything now.
      for (const p of ['realtime', 'bulk'] as const) this.allowances.delete(`${key}|${p}`);
    }
    if (!urgent && now - (this.lastObservedWrite.get(key) ?? Number.NEGATIVE_INFINITY) < OBSERVE_EVERY_MS) {
      this.pending.set(key, { obs, now });
      return;
    }
    this.pending.delete(key);
    this.lastObservedWrite.set(key, now);
    await this.update(key, now, (s) => applyObservation(s, obs, now, this.policy));
  }

  async peek(key: string): Promise<RateBudgetState | undefined> {
    const row = await this.db
      .selectFrom('rate_budgets')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirst();
    return row ? toState(row) : undefined;
  }

  /** Compare-and-swap; returns the state written (undefined when every attempt lost its race). */
  private async update(
    key: string,
    now: number,
    fn: (s: RateBudgetState | undefined) => RateBudgetState,
  ): Promise<RateBudgetState | undefined> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const row = await this.db
        .selectFrom('rate_budgets')
        .selectAll()
        .where('key', '=', key)
        .executeTakeFirst();
      const next = fn(row ? toState(row) : undefined);
      const values = {
        quota: Math.round(next.quota),
        left: Math.round(next.left),
        window_ms: Math.round(next.windowMs),
        reset_at: Math.round(next.resetAt),
        updated_at: Math.round(next.lastSlotAt),
      };
      if (!row) {
        const res = await this.db
          .insertInto('rate_budgets')
          .values({ key, ...values })
          .onConflict((oc) => oc.column('key').doNothing())
          .executeTakeFirst();
        if (Number(res.numInsertedOrUpdatedRows ?? 0n) === 1) return this.wrote(key, next);
        continue;
      }
      const res = await this.db
        .updateTable('rate_budgets')
        .set(values)
        .where('key', '=', key)
        .where('quota', '=', row.quota)
        .where('left', '=', row.left)
        .where('window_ms', '=', row.window_ms)
        .where('reset_at', '=', row.reset_at)
        .where('updated_at', '=', row.updated_at)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) return this.wrote(key, next);
    }
    // Losing 50 races in a row means something else is wrong; the budget is advisory, so go on.
    void now;
    return undefined;
  }

  private wrote(key: string, state: RateBudgetState): RateBudgetState {
    this.knownQuota.set(key, state.quota);
    return state;
  }
}

function toState(row: {
  quota: number;
  left: number;
  window_ms: number;
  reset_at: number;
  updated_at: number;
}): RateBudgetState {
  return {
    quota: Number(row.quota),
    left: Number(row.left),
    windowMs: Number(row.window_ms),
    resetAt: Number(row.reset_at),
    lastSlotAt: Number(row.updated_at),
  };
}
