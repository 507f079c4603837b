/**
 * An in-process lock per string key: `work` runs after every earlier holder of the key finished (failed
 * or not). Why hand-written: a promise chain per key is a dozen lines; the mutex packages on npm add a
 * dependency for the same chain. It serialises one process only — across PostgreSQL worker processes the
 * flows rely on per-entity job ordering and on the reconcile.
 */
const locks = new Map<string, Promise<unknown>>();

/** Runs `work` after every earlier holder of `key` in this process finished; `waited` = there was one. */
export async function withKeyLock<T>(key: string, work: (waited: boolean) => Promise<T>): Promise<T> {
  const before = locks.get(key);
  const run = (before ?? Promise.resolve()).catch(() => {}).then(() => work(before !== undefined));
  locks.set(key, run);
  try {
    return await run;
  } finally {
    if (locks.get(key) === run) locks.delete(key);
  }
}
