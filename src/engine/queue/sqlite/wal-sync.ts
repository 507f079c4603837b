/**
 * fdatasync of a connection's `-wal` file on libuv's thread pool, shared by every caller that asks while
 * one is running — the half of the inbox's deferred-durability commit that takes the disk wait off the
 * event loop (`SqliteWriter.runDeferredSync` has the whole argument for why that keeps "ack ⇒ survives
 * power loss").
 *
 * - `afterCommit()` returns a promise that settles once a sync that STARTED after the call has finished:
 *   if one is already running it may have begun before our frames were written, so we wait for the
 *   next, which covers everyone who asked in between (one fdatasync for many commits).
 * - The fd is opened once (O_RDWR, never O_CREAT: the file must be SQLite's own, which exists from the
 *   connection's first access in WAL mode; write access because Windows' FlushFileBuffers needs it —
 *   nothing is ever written through it). fsync works on the inode, so our fd flushes what SQLite wrote
 *   through its own. The -wal is only deleted when the LAST connection closes, and ours is open.
 * - An fdatasync error is STICKY: after a failed fsync Linux may drop the dirty pages and report later
 *   fsyncs as successful, and WAL recovery stops at the first bad frame — so frames committed after the
 *   failure could be unreadable after a crash even if their own sync "succeeds". Every waiting and
 *   every later deferred commit is refused (nothing acknowledged) until the process restarts and SQLite
 *   recovery establishes what is really on disk. PostgreSQL makes the same call (PANIC on fsync failure).
 */
import { closeSync, fdatasync, openSync } from 'node:fs';
import { RetryableError } from '../../errors.js';

export class WalSync {
  private fd: number | null = null;
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  private failure: Error | null = null;

  constructor(
    private readonly walPath: string,
    /** fs.fdatasync; tests inject failures and hold syncs open. */
    private readonly datasync: typeof fdatasync = fdatasync,
  ) {}

  /** The sticky error after an fdatasync failure, else null. */
  get failed(): Error | null {
    return this.failure;
  }

  /**
   * Opens the -wal once. false when it does not exist yet (first write of a fresh connection): the
   * caller then commits the old way (synchronous=FULL). Other errors propagate.
   */
  ensureOpen(): boolean {
    if (this.fd !== null) return true;
    try {
      this.fd = openSync(this.walPath, 'r+');
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** Settles after an fdatasync that started after this call; rejects (for good) if one fails. */
  afterCommit(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.running) return this.start();
    this.next ??= this.running
      .catch(() => {})
      .then(() => {
        this.next = null;
        return this.start();
      });
    return this.next;
  }

  /** Closes the fd once no sync is pending (called when the backend closes). */
  async close(): Promise<void> {
    while (this.running || this.next) await (this.next ?? this.running)?.catch(() => {});
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private start(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const fd = this.fd;
    const p = new Promise<void>((resolve, reject) => {
      if (fd === null) {
        reject(new Error('WalSync: -wal not open'));
        return;
      }
      this.datasync(fd, (err) => {
        if (!err) {
          resolve();
          return;
        }
        this.failure ??= new RetryableError({
          code: 'HB_ERR_INBOX_WAL_SYNC',
          message: `fdatasync of the SQLite WAL failed (${err.code ?? err.message}); events are no longer acknowledged until heartbridge restarts`,
          suggestedFix: 'check the disk (kernel log, free space), then restart heartbridge',
          cause: err,
        });
        reject(this.failure);
      });
    });
    this.running = p;
    const clear = () => {
      if (this.running === p) this.running = null;
    };
    p.then(clear, clear);
    return p;
  }
}
