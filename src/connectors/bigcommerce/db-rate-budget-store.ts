/**
 * The rate budget in the `rate_budgets` table, so every worker process of a connection (PostgreSQL
 * mode: many machines) draws from one budget. Same pure functions as the in-memory store.
 *
 * Concurrency: optimistic compare-and-swap. Read the row, compute the next state, then
 * `UPDATE … WHERE` every column still holds what we read; on a lost race read again. This works the same
 * on SQLite and PostgreSQL without row locks or dialect-specific SQL, and the row is tiny and hot only
 * for microseconds. Column use: `updated_at` holds `lastSlotAt` (the latest slot granted), which is the
 * moment the row's state refers to.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import {
  applyObservation,
  DEFAULT_RATE_POLICY,
  planSlot,
  type RateBudgetPolicy,
  type RateBudgetState,
  type RateBudgetStore,
  type RateObservation,
  type RequestPriority,
} from './rate-budget.js';

const MAX_CAS_ATTEMPTS = 50;

export class DbRateBudgetStore implements RateBudgetStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly policy: RateBudgetPolicy = DEFAULT_RATE_POLICY,
  ) {}

  async reserve(key: string, priority: RequestPriority, now: number) {
    let result = { granted: false, waitMs: 0 };
    await this.update(key, now, (s) => {
      const d = planSlot(s, now, priority, this.policy);
      result = { granted: d.granted, waitMs: d.waitMs };
      return d.next;
    });
    return result;
  }

  async observe(key: string, obs: RateObservation, now: number) {
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

  private async update(key: string, now: number, fn: (s: RateBudgetState | undefined) => RateBudgetState) {
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
        if (Number(res.numInsertedOrUpdatedRows ?? 0n) === 1) return;
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
      if (Number(res.numUpdatedRows) === 1) return;
    }
    // Losing 50 races in a row means something else is wrong; the budget is advisory, so go on.
    void now;
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
