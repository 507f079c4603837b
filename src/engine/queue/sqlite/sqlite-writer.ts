/**
 * The one gate every SQLite queue/inbox write goes through.
 *
 * SQLite has a single writer, and better-sqlite3 runs statements synchronously on one connection. A
 * synchronous `BEGIN IMMEDIATE … COMMIT` therefore cannot interleave with any other JavaScript: that is
 * what makes claim, complete, fail, sweep and the inbox's group commit atomic and race-free within this
 * process, and `BEGIN IMMEDIATE` (write lock taken up front, waiting up to busy_timeout) makes them
 * race-free against other processes on the same file (a CLI, a second worker).
 *
 * Two hazards this class exists for:
 * 1. An *async* transaction on the same connection (Kysely `db.transaction()`, or our own `runAsync`)
 *    spans event-loop turns. A synchronous transaction started in between would silently nest into it
 *    (better-sqlite3 turns it into a SAVEPOINT) and be lost if it rolls back — after we acked an event.
 *    So `run` waits until the connection is outside any transaction.
 * 2. Our own `runAsync` (DLQ replay: reads, enqueues, audit in one transaction) holds a lock that `run`
 *    respects. Single statements issued elsewhere through Kysely during that window join the transaction
 *    (same connection); they commit with it. Keep `runAsync` work short.
 *
 * Deferred durability (`runDeferredSync`, the inbox only). With synchronous=FULL the WAL fsync runs
 * inside COMMIT, on the event loop: 3–24 ms per batch on this project's disks during which no request is
 * parsed (bench/results/ingest-2026-11-27.md: ELU 0.9+ at 13–26 % CPU). The inbox instead commits with
 * synchronous=NORMAL (frames written to the -wal, no sync), switches back to FULL at once, and
 * fdatasyncs the -wal on the thread pool (wal-sync.ts); callers are told "stored" — and the sender gets
 * its 2xx — only after that fdatasync succeeded. Why that is exactly as durable as FULL:
 * - A committed transaction is its frames in the -wal (the last carrying the commit mark). FULL's
 *   commit-time sync is an fsync of that same file; ours is an fdatasync of it, started after COMMIT
 *   returned, so it covers every frame written so far (fsync acts on the inode, not on the fd). SQLite's
 *   maintainers give the same recipe: "get the journal file to be flushed … this will cause
 *   previously-committed transactions to become durable" (sqlite.org/forum/forumpost/d1a6bc7c4cd2baca).
 * - A crash before our fdatasync loses only frames nobody was told about. Torn or missing frames are
 *   cut off by the WAL's cumulative checksums at recovery, which is why NORMAL never corrupts the file.
 * - Checkpoints cannot lose our frames before the fdatasync. walCheckpoint() syncs the -wal BEFORE it
 *   copies a single frame into the database, and syncs the database after a complete checkpoint
 *   (sqlite src/wal.c "Sync the WAL to disk"; pragma.html#pragma_synchronous: with NORMAL "the WAL file
 *   is synchronized before each checkpoint and the database file is synchronized after each completed
 *   checkpoint"). The -wal is only restarted (overwritten from the start, or truncated by
 *   journal_size_limit / wal_checkpoint(TRUNCATE)) once every frame was backfilled, i.e. after such a
 *   complete checkpoint: by then our frames are durable in the database file itself. So an
 *   autocheckpoint — run by us inside a NORMAL or FULL commit, or by another process — needs no
 *   wal_autocheckpoint=0: whatever it does to the -wal, it synced our frames first.
 * - Precondition (the same one FULL already has): no connection to this file runs synchronous=OFF —
 *   an OFF checkpoint copies and restarts without syncing. heartbridge opens every connection FULL.
 * - Not WAL (`:memory:`, another journal mode) or no -wal yet → plain FULL commit.
 * - An fdatasync error is sticky (see wal-sync.ts): that batch and every later deferred commit fail,
 *   nothing more is acknowledged until restart.
 * Every other write path through this writer (enqueues, DLQ) commits FULL, and each of those syncs also
 * covers any earlier NORMAL frames (the WAL is sequential); claims and outcomes commit relaxed.
 *
 * The connection's own default (src/store/database.ts) is NORMAL in WAL mode: statements Kysely runs
 * outside this writer (the flows' links, cursors, audit) commit without an fsync on the event loop, and
 * the few that precede something irreversible outside call `durable()`. Every method here sets the level
 * its commit needs and restores that default afterwards.
 */
import type { fdatasync } from 'node:fs';
import type SQLite from 'better-sqlite3';
import { WalSync } from './wal-sync.js';

/** What `runDeferredSync` returns: the transaction's value now, its durability later. */
export interface DeferredCommit<T> {
  value: T;
  /** Resolves once the commit is on disk; rejects if it may not be (never acknowledge then). */
  durable: Promise<void>;
}

export class SqliteWriter {
  private locked: Promise<void> | null = null;
  /** undefined = not decided yet; null = deferral impossible here (memory db, not WAL): always FULL. */
  private walSync: WalSync | null | undefined;
  /** The connection's own setting, restored after every transaction that changes it (1 NORMAL, 2 FULL). */
  private readonly defaultLevel: number;

  constructor(
    readonly raw: SQLite.Database,
    private readonly options: { datasync?: typeof fdatasync } = {},
  ) {
    this.defaultLevel = Number(raw.pragma('synchronous', { simple: true }));
  }

  // exec, not prepared statements: SQLite runs a PRAGMA already while compiling it, so preparing
  // "synchronous = FULL" once would silently switch the connection.
  private toNormal(): void {
    this.raw.exec('pragma synchronous = NORMAL');
  }

  private toFull(): void {
    this.raw.exec('pragma synchronous = FULL');
  }

  private restoreDefault(): void {
    if (this.defaultLevel === 1) this.toNormal();
    else this.toFull();
  }

  /**
   * Makes every transaction committed on this connection so far durable: resolves after an fdatasync of
   * the -wal that started after the call (on the thread pool, shared with concurrent callers). For
   * commits made at the connection's default synchronous=NORMAL (the flows' own writes, see
   * src/store/database.ts) that must be on disk before something irreversible happens outside — e.g. the
   * orders flow's `creating` marker before the Heartland POST. Where deferral is impossible (memory
   * database, not WAL) the connection commits FULL anyway: resolves at once.
   */
  async durable(): Promise<void> {
    const sync = this.deferredSync();
    if (!sync || this.defaultLevel !== 1) return;
    if (sync.failed) throw sync.failed;
    if (!this.walOpen(sync)) return;
    await sync.afterCommit();
  }

  /**
   * Runs `fn` in one `BEGIN IMMEDIATE` transaction committed with synchronous=NORMAL; `durable` settles
   * after the -wal has been fdatasync'd on the thread pool (see the file header for why that is as
   * durable as FULL). Meanwhile the connection is free: the next transaction can commit while this one's
   * sync runs, and one fdatasync covers them all. Falls back to `run` (FULL) where deferral is impossible.
   */
  async runDeferredSync<T>(fn: () => T): Promise<DeferredCommit<T>> {
    while (this.locked || this.raw.inTransaction) {
      if (this.locked) await this.locked;
      else await new Promise<void>((r) => setImmediate(r));
    }
    const sync = this.deferredSync();
    // Refuse before writing: after a failed fdatasync nothing committed here could be acknowledged.
    if (sync?.failed) throw sync.failed;
    if (!sync || !this.walOpen(sync)) {
      return { value: this.raw.transaction(fn).immediate(), durable: Promise.resolve() };
    }
    this.toNormal();
    let value: T;
    try {
      value = this.raw.transaction(fn).immediate();
    } finally {
      this.restoreDefault();
    }
    return { value, durable: sync.afterCommit() };
  }

  /** Closes the -wal fd once pending syncs are done (the connection itself belongs to the store). */
  async close(): Promise<void> {
    const sync = this.walSync;
    this.walSync = undefined;
    await sync?.close();
  }

  private walOpen(sync: WalSync): boolean {
    try {
      return sync.ensureOpen();
    } catch {
      // Cannot open SQLite's own -wal (permissions, odd file system): never defer on this connection.
      this.walSync = null;
      return false;
    }
  }

  private deferredSync(): WalSync | null {
    if (this.walSync !== undefined) return this.walSync;
    const mode = String(this.raw.pragma('journal_mode', { simple: true })).toLowerCase();
    // database_list names the main file by absolute path (raw.name is as given, maybe cwd-relative).
    const main = (this.raw.pragma('database_list') as Array<{ name: string; file: string }>).find(
      (d) => d.name === 'main',
    );
    if (this.raw.memory || mode !== 'wal' || !main?.file) {
      this.walSync = null;
      return null;
    }
    this.walSync = new WalSync(`${main.file}-wal`, this.options.datasync);
    return this.walSync;
  }

  /** Runs `fn` in one `BEGIN IMMEDIATE` transaction once no other transaction is open. */
  async run<T>(fn: () => T, relaxed = false): Promise<T> {
    while (this.locked || this.raw.inTransaction) {
      if (this.locked) await this.locked;
      else await new Promise<void>((r) => setImmediate(r));
    }
    if (relaxed) this.toNormal();
    else this.toFull();
    try {
      return this.raw.transaction(fn).immediate();
    } finally {
      this.restoreDefault();
    }
  }

  /**
   * Like `run`, but the commit is not fsync'd (synchronous=NORMAL for this one transaction). Only for
   * writes whose loss in a power cut is harmless: a claim or a lease renewal that vanishes leaves the
   * job pending, to be claimed again (attempt not counted). WAL frames are sequential and the next
   * FULL commit fsyncs them all, so this never weakens a durable write made after it.
   */
  async runRelaxed<T>(fn: () => T): Promise<T> {
    return this.run(() => fn(), true);
  }

  /** Runs async `work` in one transaction; `run` callers wait until it commits or rolls back. */
  async runAsync<T>(work: () => Promise<T>): Promise<T> {
    while (this.locked || this.raw.inTransaction) {
      if (this.locked) await this.locked;
      else await new Promise<void>((r) => setImmediate(r));
    }
    let release: () => void = () => {};
    this.locked = new Promise<void>((r) => {
      release = r;
    });
    try {
      // FULL for this commit (DLQ replay: enqueues, a promise to the operator); set before BEGIN.
      this.toFull();
      this.raw.exec('BEGIN IMMEDIATE');
      try {
        const out = await work();
        this.raw.exec('COMMIT');
        return out;
      } catch (err) {
        if (this.raw.inTransaction) this.raw.exec('ROLLBACK');
        throw err;
      }
    } finally {
      this.restoreDefault();
      this.locked = null;
      release();
    }
  }
}

const writers = new WeakMap<SQLite.Database, SqliteWriter>();

/** One writer per connection, shared by the queue backend, the inbox and the DLQ. */
export function sqliteWriterFor(raw: SQLite.Database): SqliteWriter {
  let w = writers.get(raw);
  if (!w) {
    w = new SqliteWriter(raw);
    writers.set(raw, w);
  }
  return w;
}
