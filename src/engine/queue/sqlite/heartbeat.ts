/**
 * Worker-pool liveness on SQLite: how a pool tells the others "I am alive", and how a sweeper decides
 * that the pool holding a job is gone, so the job can run again long before its 30 s lease runs out.
 *
 * Each pool upserts its row in `worker_heartbeats` (the PostgreSQL backend's table, migration 0002)
 * before its first claim and every `heartbeatMs` after. A holder of running jobs is judged DEAD when:
 * 1. it has no row (it never ran this code, or its row was removed after it stopped); or
 * 2. it is a process we can see — same kernel boot and same PID namespace (`pidSpace`) — and that
 *    process no longer exists (or is a zombie), or it is a pool of THIS process that was abandoned.
 *    This is exact, and what makes a `kill -9` + restart recover at once instead of after the lease;
 *    or
 * 3. it is in another PID space (another container sharing the file, or an OS where we cannot tell)
 *    and its heartbeat is older than 3 × its own `heartbeatMs` (it writes that interval in its row).
 * A holder in our PID space whose process exists is ALIVE whatever its heartbeat says (a long job, an
 * event loop stalled by a checkpoint): only the lease — renewed while it runs — can free its jobs. So a
 * live pool's job is never run twice because of a late heartbeat where we can check the process itself.
 *
 * Why the PID check is safe: `kill(pid, 0)` answers for the caller's PID namespace only, so we use it
 * only when the holder recorded the same boot id and PID-namespace inode as ours. Live namespaces have
 * distinct inodes; if an inode was reused, the holder's namespace — and so the holder — is already gone.
 * PID reuse by an unrelated process errs on the safe side (seen alive: wait for the lease).
 *
 * The row's `label` carries `heartbeat=<ms> pid-space=<id>` (the table has no columns for them and the
 * PostgreSQL backend uses `label` only as free text); a row we cannot parse is judged by rule 3 with our
 * own interval.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type SQLite from 'better-sqlite3';
import { stmt } from './statements.js';

/** Pool ids started in this process and not yet stopped or abandoned. */
const livePools = new Set<string>();

export function markPoolLive(poolId: string, live: boolean): void {
  if (live) livePools.add(poolId);
  else livePools.delete(poolId);
}

let cachedPidSpace: string | null | undefined;

/**
 * This process's PID space: `<boot id>/<pid namespace inode>` on Linux, null where we cannot tell (then
 * other pools are judged by heartbeat age alone).
 */
export function currentPidSpace(): string | null {
  if (cachedPidSpace !== undefined) return cachedPidSpace;
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const ns = readlinkSync('/proc/self/ns/pid').trim(); // "pid:[4026531836]"
    cachedPidSpace = boot && ns ? `${boot}/${ns.replace(/^pid:\[|\]$/g, '')}` : null;
  } catch {
    cachedPidSpace = null;
  }
  return cachedPidSpace;
}

export interface PoolIdentity {
  poolId: string;
  heartbeatMs: number;
  /** See `currentPidSpace`; tests pass another value to stand for a pool on another machine. */
  pidSpace: string | null;
}

function labelOf(id: PoolIdentity): string {
  return `sqlite heartbeat=${id.heartbeatMs} pid-space=${id.pidSpace ?? 'unknown'}`;
}

function parseLabel(label: string | null): { heartbeatMs: number | null; pidSpace: string | null } {
  const hb = label?.match(/\bheartbeat=(\d+)\b/)?.[1];
  const space = label?.match(/\bpid-space=(\S+)/)?.[1];
  return {
    heartbeatMs: hb ? Number(hb) : null,
    pidSpace: space && space !== 'unknown' ? space : null,
  };
}

/** Upserts this pool's row (call inside a writer transaction). */
export function writeHeartbeatSync(raw: SQLite.Database, id: PoolIdentity, now: number): void {
  stmt(
    raw,
    `insert into worker_heartbeats (worker_id, label, host, pid, started_at, last_seen_at)
     values (?, ?, ?, ?, ?, ?)
     on conflict (worker_id) do update set last_seen_at = excluded.last_seen_at, label = excluded.label`,
  ).run(id.poolId, labelOf(id), hostname(), process.pid, now, now);
}

export function deleteHeartbeatSync(raw: SQLite.Database, poolId: string): void {
  stmt(raw, `delete from worker_heartbeats where worker_id = ?`).run(poolId);
}

/** Rows of pools holding no running job and silent for `olderThanMs`: nobody will ask about them again. */
export function deleteOldHeartbeatsSync(raw: SQLite.Database, before: number): number {
  return stmt(
    raw,
    `delete from worker_heartbeats where last_seen_at < ?
       and worker_id not in (select locked_by from jobs where state = 'running' and locked_by is not null)`,
  ).run(before).changes;
}

interface HolderRow {
  locked_by: string;
  locked_until: number;
  pid: number | null;
  label: string | null;
  last_seen_at: number | null;
}

export interface HolderVerdicts {
  /** Holders judged dead: their running jobs may be released now. */
  dead: string[];
  /** Some running job's lease has expired (released by the sweep whatever its holder's state). */
  leaseExpired: boolean;
  /** Earliest time a holder now judged alive by heartbeat age would turn stale (null: none). */
  nextStaleAt: number | null;
}

/** Judges every pool that holds a running job (see the file header). Read-only. */
export function judgeHoldersSync(raw: SQLite.Database, self: PoolIdentity, now: number): HolderVerdicts {
  const rows = stmt(
    raw,
    `select j.locked_by, min(j.locked_until) as locked_until, h.pid, h.label, h.last_seen_at
     from jobs j left join worker_heartbeats h on h.worker_id = j.locked_by
     where j.state = 'running' and j.locked_by is not null
     group by j.locked_by`,
  ).all() as HolderRow[];
  const out: HolderVerdicts = { dead: [], leaseExpired: false, nextStaleAt: null };
  for (const row of rows) {
    if (Number(row.locked_until) < now) out.leaseExpired = true;
    if (livePools.has(row.locked_by)) continue;
    if (row.last_seen_at === null || row.pid === null) {
      out.dead.push(row.locked_by);
      continue;
    }
    const theirs = parseLabel(row.label);
    if (self.pidSpace !== null && theirs.pidSpace === self.pidSpace) {
      // Our own pid but not a live pool of ours: an abandoned pool, or a previous process that had our pid.
      if (row.pid === process.pid || !processExists(row.pid)) out.dead.push(row.locked_by);
      continue;
    }
    const staleAt = Number(row.last_seen_at) + 3 * (theirs.heartbeatMs ?? self.heartbeatMs);
    if (staleAt < now) out.dead.push(row.locked_by);
    else if (out.nextStaleAt === null || staleAt < out.nextStaleAt) out.nextStaleAt = staleAt;
  }
  return out;
}

/** Whether `pid` names a running (not zombie) process in our PID namespace. Unsure → true. */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  // A killed child its parent has not reaped yet still answers kill(0); it runs nothing any more.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}
