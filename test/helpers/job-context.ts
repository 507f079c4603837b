/** The JobContext a handler gets from a worker, for tests that call handlers directly. */
import type { JobContext } from '../../src/engine/queue/queue-backend.js';

export function jobContext(
  task: string,
  entityKey: string,
  opts: { attempt?: number; connectionId?: string; maxAttempts?: number; jobId?: string } = {},
): JobContext {
  const attempt = opts.attempt ?? 1;
  return {
    jobId: opts.jobId ?? `t-${task}-${entityKey}-${attempt}`,
    connectionId: opts.connectionId ?? 'main',
    task,
    entityKey,
    attempt,
    maxAttempts: opts.maxAttempts ?? 10,
    inboxId: null,
    configVersion: null,
    signal: new AbortController().signal,
  };
}

/** An `orders.sync`-style context on a BigCommerce order's entity key. */
export function orderJob(task: string, orderId: number, attempt = 1): JobContext {
  return jobContext(task, `bc:order:${orderId}`, { attempt });
}
