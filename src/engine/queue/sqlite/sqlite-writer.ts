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
 */
import type SQLite from 'better-sqlite3';

export class SqliteWriter {
  private locked: Promise<void> | null = null;

  constructor(readonly raw: SQLite.Database) {}

  /** Runs `fn` in one `BEGIN IMMEDIATE` transaction once no other transaction is open. */
  async run<T>(fn: () => T, relaxed = false): Promise<T> {
    while (this.locked || this.raw.inTransaction) {
      if (this.locked) await this.locked;
      else await new Promise<void>((r) => setImmediate(r));
    }
    if (!relaxed) return this.raw.transaction(fn).immediate();
    this.raw.pragma('synchronous = NORMAL');
    try {
      return this.raw.transaction(fn).immediate();
    } finally {
      this.raw.pragma('synchronous = FULL');
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
