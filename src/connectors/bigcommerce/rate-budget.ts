/**
 * The per-store request budget shared by every worker of a connection (DESIGN §5.7).
 *
 * BigCommerce gives each store a quota per window (e.g. 150 per 30 s) shared with every installed app,
 * and reports it on every response (`X-Rate-Limit-Requests-Quota/-Left`, `-Time-Window-Ms`,
 * `-Time-Reset-Ms`). The budget is one small state per store:
 *
 *   quota, left (server's count, minus our slots granted since), windowMs, resetAt, lastSlotAt
 *
 * Granting a slot (`planSlot`):
 * 1. `reserve = ceil(quota × (1 − share))` requests are never touched: they belong to the other apps
 *    (share defaults to 0.7). Bulk work keeps a further `bulkHeadroom` of our share free for real-time
 *    work (priorities without a scheduler: bulk simply stops earlier).
 * 2. `usable = left − reserve`. Nothing usable → wait until `resetAt`, the server refills then.
 * 3. While more than half of our share is left, requests go at once (bursts are cheap and fast).
 *    Below that, the remaining usable requests are spread evenly over the time to reset, ramping
 *    smoothly from 0 to the full spread, so a busy store slows down BEFORE it runs out instead of
 *    bursting into 429s. The slot time is shared (`lastSlotAt`), so N workers together obey one pace.
 *    A slot more than `GRANT_AHEAD_MS` away is not granted: the caller sleeps (≤ `MAX_REASK_MS`) and
 *    asks again, so what a later response teaches (a new window, the real quota) applies to it.
 * 4. On 429 `left = 0` and `resetAt = now + max(X-Retry-After s, X-Rate-Limit-Time-Reset-Ms)`.
 *
 * Observations (`applyObservation`) take the server's `left` as truth at the start of a new window and
 * the lower of ours and the server's within a window (responses arrive out of order; both are upper
 * bounds). The pure functions are shared by the in-memory store and the database store
 * (`db-rate-budget-store.ts`), which makes the budget shared across processes.
 */

import type { ResponseHeaders } from '../shared/http-transport.js';

export interface RateBudgetState {
  quota: number;
  left: number;
  windowMs: number;
  /** Epoch ms when the server refills the quota. */
  resetAt: number;
  /** Epoch ms of the latest slot granted (may be in the future). */
  lastSlotAt: number;
}

export type RequestPriority = 'realtime' | 'bulk';

export interface RateBudgetPolicy {
  /** Fraction of the store's quota heartbridge may use (default 0.7: the rest is for other apps). */
  share: number;
  /** Fraction of our share that bulk work leaves free for real-time work (default 0.2). */
  bulkHeadroom: number;
  /** Assumed before the first response is seen (Standard/Plus plans: 150 per 30 s). */
  defaultQuota: number;
  defaultWindowMs: number;
}

export const DEFAULT_RATE_POLICY: RateBudgetPolicy = {
  share: 0.7,
  bulkHeadroom: 0.2,
  defaultQuota: 150,
  defaultWindowMs: 30_000,
};

/** What one response said about the quota. */
export interface RateObservation {
  quota?: number;
  left?: number;
  windowMs?: number;
  resetMs?: number;
  /** Set on 429: how long the server asked us to wait (already max'ed over both headers or a backoff). */
  limitedForMs?: number;
}

export interface SlotDecision {
  /** True: the slot is ours, send after `waitMs`. False: nothing usable; wait `waitMs` and ask again. */
  granted: boolean;
  waitMs: number;
  next: RateBudgetState;
}

export function readRateHeaders(headers: ResponseHeaders): RateObservation {
  const get = (name: string): number | undefined => {
    const v = headers.get(name);
    if (v === null || v.trim() === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  };
  return {
    quota: get('x-rate-limit-requests-quota'),
    left: get('x-rate-limit-requests-left'),
    windowMs: get('x-rate-limit-time-window-ms'),
    resetMs: get('x-rate-limit-time-reset-ms'),
  };
}

/** A slot is granted at most this far ahead of now; further out, the caller asks again later. */
export const GRANT_AHEAD_MS = 1_000;
/** Longest a caller sleeps between asks while its slot is further out than {@link GRANT_AHEAD_MS}. */
export const MAX_REASK_MS = 5_000;

export function initialState(now: number, policy: RateBudgetPolicy): RateBudgetState {
  return {
    quota: policy.defaultQuota,
    left: policy.defaultQuota,
    windowMs: policy.defaultWindowMs,
    resetAt: now + policy.defaultWindowMs,
    lastSlotAt: now,
  };
}

export function planSlot(
  current: RateBudgetState | undefined,
  now: number,
  priority: RequestPriority,
  policy: RateBudgetPolicy = DEFAULT_RATE_POLICY,
): SlotDecision {
  let state = current ?? initialState(now, policy);
  if (now >= state.resetAt) {
    // The window has rolled over without a response telling us: assume the server refilled it.
    state = {
      ...state,
      left: state.quota,
      resetAt: now + state.windowMs,
      lastSlotAt: Math.min(state.lastSlotAt, now),
    };
  }
  const { ours, usable } = shareOf(state, priority, policy);
  if (usable <= 0) {
    return { granted: false, waitMs: Math.max(1, state.resetAt - now), next: state };
  }
  const fullness = Math.min(1, usable / Math.max(1, ours));
  const spread = Math.min(1, Math.max(0, (1 - fullness) * 2));
  const from = Math.max(now, state.lastSlotAt);
  const intervalMs = (spread * Math.max(0, state.resetAt - from)) / usable;
  const slot = Math.max(now, state.lastSlotAt + intervalMs);
  if (slot - now > GRANT_AHEAD_MS) {
    // Not granted yet: ask again closer to the slot. A grant is a promise to send at `slot`, made against
    // what we know now; promising seconds ahead froze that knowledge into every sleeping caller (a restart
    // paced its first burst for the assumed 150 / 30 s plan and kept the pace for ~20 s after the first
    // response said 20,000). Re-asking lets a new window or a learned quota take effect at once.
    return {
      granted: false,
      waitMs: Math.min(MAX_REASK_MS, Math.ceil(slot - now - GRANT_AHEAD_MS)),
      next: state,
    };
  }
  return {
    granted: true,
    waitMs: Math.ceil(slot - now),
    next: { ...state, left: state.left - 1, lastSlotAt: slot },
  };
}

/** Our part of the quota, and how much of it `priority` may still use in this window. */
function shareOf(state: RateBudgetState, priority: RequestPriority, policy: RateBudgetPolicy) {
  const ours = state.quota * policy.share;
  const reserve =
    Math.ceil(state.quota - ours) + (priority === 'bulk' ? Math.ceil(ours * policy.bulkHeadroom) : 0);
  return { ours, usable: state.left - reserve };
}

/**
 * Slots `priority` may use above half of our share, where pacing is light (step 3 of the header comment:
 * the spread ramps up from nothing at a full window). A store that hands out several slots at once takes
 * only from these, so pacing near the end of a window works slot by slot as before.
 */
export function burstSlots(
  state: RateBudgetState,
  priority: RequestPriority,
  policy: RateBudgetPolicy = DEFAULT_RATE_POLICY,
): number {
  const { ours, usable } = shareOf(state, priority, policy);
  return Math.max(0, Math.floor(usable - ours / 2));
}

export function applyObservation(
  current: RateBudgetState | undefined,
  obs: RateObservation,
  now: number,
  policy: RateBudgetPolicy = DEFAULT_RATE_POLICY,
): RateBudgetState {
  const state = current ?? initialState(now, policy);
  const quota = obs.quota ?? state.quota;
  const windowMs = obs.windowMs ?? state.windowMs;
  if (obs.limitedForMs !== undefined) {
    // The server said when it refills; that replaces whatever reset time we assumed.
    return { ...state, quota, windowMs, left: 0, resetAt: now + obs.limitedForMs };
  }
  if (obs.left === undefined) return { ...state, quota, windowMs };
  const resetAt = obs.resetMs !== undefined ? now + obs.resetMs : state.resetAt;
  // A reset clearly later than the one we hold means the server has started a new window. A quota other
  // than the one we assumed (the default plan, before the first response) means our state was a guess:
  // the server's figures replace it.
  const quotaLearned = obs.quota !== undefined && obs.quota !== state.quota;
  const newWindow =
    current === undefined || quotaLearned || now >= state.resetAt || resetAt > state.resetAt + 1000;
  return {
    quota,
    windowMs,
    left: newWindow ? obs.left : Math.min(state.left, obs.left),
    resetAt: newWindow ? resetAt : Math.min(state.resetAt, Math.max(resetAt, now)),
    // A new window (or a learned quota) starts a new pace: slots planned for the old one do not carry over.
    lastSlotAt: newWindow ? Math.min(state.lastSlotAt, now) : state.lastSlotAt,
  };
}

/** Where the budget lives. One key per store (e.g. `bc:<store_hash>`). */
export interface RateBudgetStore {
  /** Takes a slot (or learns how long to wait before asking again). */
  reserve(key: string, priority: RequestPriority, now: number): Promise<{ granted: boolean; waitMs: number }>;
  /** Records what a response's headers (or a 429) said. */
  observe(key: string, obs: RateObservation, now: number): Promise<void>;
  peek(key: string): Promise<RateBudgetState | undefined>;
}

/** For one process (the SQLite default, tests). */
export class InMemoryRateBudgetStore implements RateBudgetStore {
  private readonly states = new Map<string, RateBudgetState>();
  constructor(private readonly policy: RateBudgetPolicy = DEFAULT_RATE_POLICY) {}

  async reserve(key: string, priority: RequestPriority, now: number) {
    const d = planSlot(this.states.get(key), now, priority, this.policy);
    this.states.set(key, d.next);
    return { granted: d.granted, waitMs: d.waitMs };
  }

  async observe(key: string, obs: RateObservation, now: number) {
    this.states.set(key, applyObservation(this.states.get(key), obs, now, this.policy));
  }

  async peek(key: string) {
    return this.states.get(key);
  }
}
