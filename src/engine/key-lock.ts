/**
 * An in-process lock per string key: `work` runs after every earlier holder of the key finished (failed
 * or not). Why hand-written: a promise chain per key is a dozen lines; the mutex packages on npm add a
 * dependency for the same chain. It serialises one process only: `SharedLocks` (shared-locks.ts) puts it
 * in front of the store's lease rows so that contenders in one process queue here, not by polling.
 */
export type KeyLock = <T>(key: string, work: (waited: boolean) => Promise<T>) => Promise<T>;

/**
 * A lock with its own keys: `work` runs after every earlier holder of the key finished (failed or not);
 * `waited` = there was one.
 */
export function createKeyLock(): KeyLock {
  const locks = new Map<string, Promise<unknown>>();
  return async (key, work) => {
    const before = locks.get(key);
    const run = (before ?? Promise.resolve()).catch(() => {}).then(() => work(before !== undefined));
    locks.set(key, run);
    try {
      return await run;
    } finally {
      if (locks.get(key) === run) locks.delete(key);
    }
  };
}
