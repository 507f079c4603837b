/**
 * Locks every process on one store respects: one holder per key at a time, whether the contenders are
 * jobs of this process or of another worker process on the same PostgreSQL (or SQLite) database.
 *
 * Flows use it where two jobs of different entities touch one thing outside us and must not interleave,
 * and contention is rare: the Heartland customer of a new shopper (two orders, or an order and a sign-up,
 * must not make twins). A waiter holds its worker slot and polls, so it is not for hot keys.
 *
 * Contenders in this process queue on an in-process chain (key-lock.ts) and only the head asks the
 * store; others in other processes poll the lease row (20 → 250 ms, never past its expiry). A holder
 * renews its lease every third of `ttlMs` while it works; if it dies, the lease ends and the next
 * contender takes over. What the holder reports (`setResult`) stays on the row for the next holder.
 */
import { randomUUID } from 'node:crypto';
import type { LocksRepository } from '../store/repositories/locks.js';
import { RetryableError } from './errors.js';
import { createKeyLock } from './key-lock.js';

export interface SharedLockOptions {
  /** Lease length, renewed while the work runs. Default 30 s. */
  ttlMs?: number;
  /** Give up waiting after this long with a retryable error (the job runs again later). Default 120 s. */
  maxWaitMs?: number;
}

export interface HeldLock {
  /** Someone (in this process or another) held the key when we first asked. */
  waited: boolean;
  /** What the previous holder reported, and when (epoch ms). */
  last: { result: string; at: number } | null;
  /** Recorded on the row at release, for the next holder. */
  setResult(result: string): void;
}

export interface SharedLocks {
  run<T>(key: string, work: (held: HeldLock) => Promise<T>, options?: SharedLockOptions): Promise<T>;
}

interface SharedLocksDeps {
  repo: LocksRepository;
  now?: () => number;
  /** Told when a release or renewal fails (the lease then ends on its own). */
  onError?: (err: unknown, key: string, step: 'renew' | 'release' | 'prune') => void;
  sleep?: (ms: number) => Promise<void>;
}

const PRUNE_EVERY_MS = 10 * 60_000;
const KEEP_RESULTS_MS = 24 * 60 * 60_000;

export function createSharedLocks(deps: SharedLocksDeps): SharedLocks {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let lastPruneAt = now();
  // Per instance (one engine = one process in production), so that two engines in one test process
  // contend through the store exactly as two processes do.
  const inProcess = createKeyLock();

  async function acquire(key: string, owner: string, ttlMs: number, maxWaitMs: number) {
    const start = now();
    let pause = 20;
    for (let asks = 0; ; asks++) {
      const attempt = await deps.repo.tryAcquire(key, owner, ttlMs);
      if (attempt.acquired) return { last: attempt.last, waited: asks > 0 };
      const t = now();
      if (t - start >= maxWaitMs) {
        throw new RetryableError({
          code: 'HB_ERR_LOCK_BUSY',
          message: `another worker has held "${key}" for over ${Math.round(maxWaitMs / 1000)} s; this job will run again`,
          context: { key, heldUntil: new Date(attempt.expiresAt).toISOString() },
        });
      }
      await sleep(Math.max(1, Math.min(pause, attempt.expiresAt - t)));
      pause = Math.min(250, pause * 2);
    }
  }

  return {
    run(key, work, options = {}) {
      const ttlMs = options.ttlMs ?? 30_000;
      const maxWaitMs = options.maxWaitMs ?? 120_000;
      return inProcess(key, async (waitedHere) => {
        const owner = randomUUID();
        const got = await acquire(key, owner, ttlMs, maxWaitMs);
        let result: string | undefined;
        const renewal = setInterval(
          () => {
            deps.repo.renew(key, owner, ttlMs).then(
              (held) => {
                if (!held) deps.onError?.(new Error(`lease on "${key}" ended while held`), key, 'renew');
              },
              (err: unknown) => deps.onError?.(err, key, 'renew'),
            );
          },
          Math.max(100, Math.floor(ttlMs / 3)),
        );
        renewal.unref();
        try {
          return await work({
            waited: waitedHere || got.waited,
            last: got.last,
            setResult: (r) => {
              result = r;
            },
          });
        } finally {
          clearInterval(renewal);
          // A failed release is not the work's failure: the lease ends on its own within ttlMs.
          await deps.repo
            .release(key, owner, result)
            .catch((err: unknown) => deps.onError?.(err, key, 'release'));
          if (now() - lastPruneAt > PRUNE_EVERY_MS) {
            lastPruneAt = now();
            await deps.repo
              .prune(now() - KEEP_RESULTS_MS)
              .catch((err: unknown) => deps.onError?.(err, key, 'prune'));
          }
        }
      });
    },
  };
}
