/**
 * Claim on SQLite: take up to `limit` ready jobs for one worker, atomically.
 *
 * Race-freedom: this runs inside one synchronous `BEGIN IMMEDIATE` transaction (see sqlite-writer.ts).
 * SQLite allows one writer; no other statement of this process can run between the select and the
 * update, and another process waits on the write lock. So no job is ever claimed twice — the role
 * `for update skip locked` plays in graphile-worker's getJobs.ts.
 *
 * Strict per-entity FIFO: a job is ready only when no *earlier* job of the same (connection, entity)
 * is still pending or running. A retrying head job (pending, `run_at` in the future) therefore blocks the
 * jobs queued behind it: two updates to one order are applied in the order they happened, even when the
 * first one had to wait for a retry. Dead jobs no longer block (they are in the DLQ; a replay enqueues a
 * fresh job at the back). Since ids grow, "earlier" = smaller id, and at most one job per entity — the
 * head — passes the filter, even within one batch.
 *
 * The attempt is counted at claim (like graphile-worker): a worker killed mid-job still used an attempt,
 * so a job that crashes its process every time ends in the DLQ instead of looping forever.
 */
import type SQLite from 'better-sqlite3';
import type { JobRow } from '../../../store/schema.js';
import { stmt } from './statements.js';

export function claimSync(
  raw: SQLite.Database,
  workerId: string,
  limit: number,
  now: number,
  leaseMs: number,
): JobRow[] {
  if (limit <= 0) return [];
  const ids = stmt(
    raw,
    `select j.id from jobs j
     where j.state = 'pending' and j.run_at <= ?
       and not exists (
         select 1 from jobs e
         where e.entity_key = j.entity_key and e.connection_id = j.connection_id
           and e.state in ('pending', 'running') and e.id < j.id)
     order by j.priority desc, j.run_at, j.id
     limit ?`,
  )
    .all(now, limit)
    .map((r) => (r as { id: number }).id);
  if (ids.length === 0) return [];
  const update = stmt(
    raw,
    `update jobs set state = 'running', attempts = attempts + 1, locked_by = ?, locked_until = ?, updated_at = ?
     where id = ? and state = 'pending'
     returning *`,
  );
  const out: JobRow[] = [];
  for (const id of ids) {
    const row = update.get(workerId, now + leaseMs, now, id) as JobRow | undefined;
    if (row) out.push(row);
  }
  return out;
}

/** Extends the lease of jobs this worker still holds; returns the ids it no longer holds (lease lost). */
export function renewLeasesSync(
  raw: SQLite.Database,
  workerId: string,
  ids: number[],
  now: number,
  leaseMs: number,
): number[] {
  const renew = stmt(
    raw,
    `update jobs set locked_until = ? where id = ? and state = 'running' and locked_by = ?`,
  );
  const lost: number[] = [];
  for (const id of ids) {
    if (renew.run(now + leaseMs, id, workerId).changes === 0) lost.push(id);
  }
  return lost;
}

/**
 * Epoch ms of the earliest pending job due *after* `now`, or null; times the next wake-up. Jobs already
 * due but blocked by their entity's head are woken by that head's completion (or the poll fallback).
 */
export function nextRunAtSync(raw: SQLite.Database, now: number): number | null {
  const row = stmt(raw, `select min(run_at) as at from jobs where state = 'pending' and run_at > ?`).get(
    now,
  ) as { at: number | null } | undefined;
  return row?.at ?? null;
}
