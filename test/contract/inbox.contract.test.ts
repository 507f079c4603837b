/** Inbox contract on every backend: durable ingest + enqueue in one transaction, dedupe, group commit. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInbox, type Inbox } from '../../src/engine/inbox.js';
import type { QueueBackend } from '../../src/engine/queue/queue-backend.js';
import { queueBackends } from '../helpers/backends.js';
import { createTestStore, type TestStore } from '../helpers/db.js';

const backends = await queueBackends();

describe.each(backends)('inbox contract ($name)', (factory) => {
  let t: TestStore;
  let backend: QueueBackend;
  let inbox: Inbox;

  beforeEach(async () => {
    t = await createTestStore(factory.name);
    backend = await factory.create(t);
    inbox = createInbox({ db: t.store.db, backend });
  });
  afterEach(async () => {
    await backend.close();
    await t.dispose();
  });

  const event = (n: number, extra: Partial<Parameters<Inbox['ingest']>[0]> = {}) => ({
    connectionId: 'c1',
    source: 'bigcommerce',
    dedupeKey: `hook-${n}`,
    topic: 'store/order/updated',
    entityKey: `bc:order:${n}`,
    payload: { id: n },
    job: { task: 'orders.sync' },
    ...extra,
  });
  const inboxRows = () => t.store.db.selectFrom('inbox').selectAll().orderBy('id').execute();

  it('stores the event and enqueues its job; the same dedupe key again is a duplicate no-op', async () => {
    const first = await inbox.ingest(event(1));
    expect(first.duplicate).toBe(false);
    expect(first.jobId).toBeDefined();
    const again = await inbox.ingest({ ...event(1), payload: { id: 1, retried: true } });
    expect(again).toEqual({ inboxId: first.inboxId, duplicate: true, jobId: undefined });
    expect(await inboxRows()).toHaveLength(1);
    const jobs = await backend.listJobs({ task: 'orders.sync' });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.payload).toEqual({ id: 1 });
  });

  it('does not process anything inline: the job waits in the queue', async () => {
    const { jobId } = await inbox.ingest(event(2));
    const job = await backend.getJob(jobId as string);
    expect(job?.state).toBe('pending');
  });

  it('commits concurrent ingests together; a bad item fails alone, with neither row nor job', async () => {
    const results = await Promise.allSettled([
      ...Array.from({ length: 40 }, (_, i) => inbox.ingest(event(100 + i))),
      // A job that cannot be stored (run_at is not a number): its inbox row must roll back with it.
      inbox.ingest(event(999, { job: { task: 'orders.sync', runAt: Number.NaN } })),
      // Duplicates inside the same batch.
      inbox.ingest(event(100)),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(ok).toHaveLength(41);
    const rows = await inboxRows();
    expect(rows.map((r) => r.dedupe_key)).not.toContain('hook-999');
    expect(rows).toHaveLength(40);
    expect(await backend.listJobs({ limit: 1_000 })).toHaveLength(40);
    const dupes = ok.filter((r) => r.status === 'fulfilled' && r.value.duplicate);
    expect(dupes).toHaveLength(1);
  });

  it('keys dedupe by connection and source', async () => {
    await inbox.ingest(event(3));
    const other = await inbox.ingest({ ...event(3), connectionId: 'c2' });
    const poll = await inbox.ingest({ ...event(3), source: 'poll:orders' });
    expect(other.duplicate).toBe(false);
    expect(poll.duplicate).toBe(false);
  });

  it('rejects an event with a job but no entity key, and stores an event without a job', async () => {
    await expect(inbox.ingest({ ...event(4), entityKey: null })).rejects.toMatchObject({
      code: 'HB_ERR_INBOX_NO_ENTITY_KEY',
    });
    const stored = await inbox.ingest({ ...event(5), job: undefined });
    expect(stored.jobId).toBeUndefined();
    expect(await inboxRows()).toHaveLength(1);
  });
});
