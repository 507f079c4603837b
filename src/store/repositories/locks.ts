/**
 * Named locks shared by every process on one store: one lease row per key (table `locks`, migration 0005).
 *
 * A holder takes the row when its lease has ended (released, or its holder died), renews it while it
 * works and releases it with an optional result, which stays on the row for the next holder: a process
 * that waited can see what the one before it just did without asking an API again.
 *
 * Why a lease row and not PostgreSQL advisory locks: an advisory lock lives on one pooled connection for
 * as long as it is held (here: across HTTP calls), so holders waiting on the pool while holding the
 * lock can deadlock it; and SQLite has none. One upsert works on both dialects. Times are each
 * process's clock (epoch ms, UTC); a lease is seconds long, far above clock skew between hosts kept by NTP.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export type LockAttempt =
  | { acquired: true; last: { result: string; at: number } | null }
  | { acquired: false; expiresAt: number };

export interface LocksRepository {
  /** Takes `key` for `owner` until now + ttlMs when nobody holds it (or the holder's lease ended). */
  tryAcquire(key: string, owner: string, ttlMs: number): Promise<LockAttempt>;
  /** Extends the lease; false when `owner` no longer holds `key` (its lease ended and it was taken). */
  renew(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases `key` if `owner` holds it, recording `result` for the next holder when given. */
  release(key: string, owner: string, result?: string): Promise<void>;
  /** Deletes rows nobody holds whose result (if any) is older than `before` (epoch ms); returns how many. */
  prune(before: number): Promise<number>;
}

export function createLocksRepository(db: Kysely<Database>, now: () => number = Date.now): LocksRepository {
  return {
    async tryAcquire(key, owner, ttlMs) {
      const t = now();
      const row = await db
        .insertInto('locks')
        .values({ key, owner, expires_at: t + ttlMs, result: null, result_at: null })
        .onConflict((oc) =>
          oc
            .column('key')
            .doUpdateSet({ owner, expires_at: t + ttlMs })
            .where('locks.expires_at', '<=', t),
        )
        .returning(['result', 'result_at'])
        .executeTakeFirst();
      if (row) {
        const last = row.result !== null ? { result: row.result, at: Number(row.result_at ?? 0) } : null;
        return { acquired: true, last };
      }
      const held = await db
        .selectFrom('locks')
        .select('expires_at')
        .where('key', '=', key)
        .executeTakeFirst();
      // Released between the two statements: say "ends now" so the caller asks again at once.
      return { acquired: false, expiresAt: Number(held?.expires_at ?? t) };
    },
    async renew(key, owner, ttlMs) {
      const r = await db
        .updateTable('locks')
        .set({ expires_at: now() + ttlMs })
        .where('key', '=', key)
        .where('owner', '=', owner)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async release(key, owner, result) {
      const t = now();
      await db
        .updateTable('locks')
        .set({ owner: null, expires_at: 0, ...(result !== undefined ? { result, result_at: t } : {}) })
        .where('key', '=', key)
        .where('owner', '=', owner)
        .execute();
    },
    async prune(before) {
      const r = await db
        .deleteFrom('locks')
        .where('expires_at', '<', before)
        .where((eb) => eb.or([eb('result_at', 'is', null), eb('result_at', '<', before)]))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
