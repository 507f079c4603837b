/**
 * The SQLite inbox's deferred durability, seen from the sender: no ack before the -wal fdatasync has
 * succeeded; while one batch waits for its sync the next one commits; a failed fdatasync acknowledges
 * nothing — that batch nor any later one (sticky, see src/engine/queue/sqlite/wal-sync.ts).
 * fdatasync is replaced by a controllable stand-in; everything else (file, WAL, transactions) is real.
 */
import type { fdatasync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueueBackend } from '../../src/engine/engine.js';
import { createInbox, type IngestInput } from '../../src/engine/inbox.js';
import type { QueueBackend } from '../../src/engine/queue/queue-backend.js';
import { createSqliteInboxWriter } from '../../src/engine/queue/sqlite/sqlite-inbox-writer.js';
import { SqliteWriter } from '../../src/engine/queue/sqlite/sqlite-writer.js';
import { createTestStore, type TestStore } from '../helpers/db.js';

type Datasync = typeof fdatasync;
type SyncCallback = (err: NodeJS.ErrnoException | null) => void;

let t: TestStore | undefined;
afterEach(async () => {
  await t?.dispose();
  t = undefined;
});

const event = (key: string): IngestInput => ({
  connectionId: 'c1',
  source: 'test',
  dedupeKey: key,
  topic: 'order.updated',
  entityKey: `bc:order:${key}`,
  payload: { key },
  job: { task: 'orders.sync' },
});

/** An inbox over the real SQLite writer whose fdatasync is `datasync`. */
async function inboxWith(datasync: Datasync) {
  t = await createTestStore('sqlite');
  const raw = t.store.sqlite;
  if (!raw) throw new Error('expected a SQLite store');
  const real = await createQueueBackend(t.store);
  const writer = new SqliteWriter(raw, { datasync });
  const backend: QueueBackend = Object.assign(Object.create(real) as QueueBackend, {
    createInboxWriter: () => createSqliteInboxWriter(writer, Date.now, 5, () => {}),
  });
  const inbox = createInbox({ db: t.store.db, backend });
  const stored = (key: string) =>
    raw.prepare('select count(*) as n from inbox where dedupe_key = ?').get(key) as { n: number };
  return { inbox, raw, stored: (key: string) => stored(key).n === 1 };
}

/** Lets the test hold each fdatasync until it says so. */
function heldSyncs() {
  const pending: SyncCallback[] = [];
  const datasync = ((_fd: number, cb: SyncCallback) => {
    pending.push(cb);
  }) as unknown as Datasync;
  return { datasync, pending };
}

const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};

function track<T>(p: Promise<T>) {
  const s = { settled: false, value: undefined as T | undefined, error: undefined as unknown };
  p.then(
    (v) => {
      s.settled = true;
      s.value = v;
    },
    (e: unknown) => {
      s.settled = true;
      s.error = e;
    },
  );
  return s;
}

describe('SQLite inbox with deferred WAL sync', () => {
  it('acknowledges only after the fdatasync succeeded, and commits the next batch meanwhile', async () => {
    const syncs = heldSyncs();
    const { inbox, raw, stored } = await inboxWith(syncs.datasync);
    // Warm-up ingest: makes sure the -wal exists, so the following ones take the deferred path.
    const warm = track(inbox.ingest(event('warm')));
    await turns();
    for (const cb of syncs.pending.splice(0)) cb(null);
    await inbox.flush();
    expect(warm.settled && warm.error === undefined).toBe(true);

    const a = track(inbox.ingest(event('a')));
    await turns();
    expect(stored('a')).toBe(true); // committed …
    expect(a.settled).toBe(false); // … but not acknowledged: its sync has not finished
    expect(syncs.pending).toHaveLength(1);

    const b = track(inbox.ingest(event('b')));
    await turns();
    expect(stored('b')).toBe(true); // the next batch committed while the first one's sync is held
    expect(b.settled).toBe(false);

    syncs.pending.shift()?.(null); // a's sync done: a acked; b needs a sync that started after its commit
    await turns();
    expect(a.settled && a.error === undefined).toBe(true);
    expect(b.settled).toBe(false);
    expect(syncs.pending).toHaveLength(1);
    syncs.pending.shift()?.(null);
    await inbox.flush();
    expect(b.settled && b.error === undefined).toBe(true);
    // The connection is back at its default, NORMAL (1), for the flows' own writes (src/store/database.ts).
    expect(raw.pragma('synchronous', { simple: true })).toBe(1);
  });

  it('a failed fdatasync acknowledges nothing, then or later', async () => {
    const syncs = heldSyncs();
    const { inbox, stored } = await inboxWith(syncs.datasync);
    const warm = inbox.ingest(event('warm'));
    await turns();
    for (const cb of syncs.pending.splice(0)) cb(null);
    await warm;

    const a = track(inbox.ingest(event('a')));
    await turns();
    const eio = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    syncs.pending.shift()?.(eio);
    await inbox.flush();
    expect(a.settled).toBe(true);
    expect((a.error as { code?: string } | undefined)?.code).toBe('HB_ERR_INBOX_WAL_SYNC');

    // Sticky: later events are refused before anything is written.
    await expect(inbox.ingest(event('b'))).rejects.toMatchObject({ code: 'HB_ERR_INBOX_WAL_SYNC' });
    expect(stored('b')).toBe(false);
    expect(syncs.pending).toHaveLength(0);
  });
});
