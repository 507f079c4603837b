/**
 * SQLite durability levels, as the rest of the code relies on them (src/store/database.ts,
 * src/engine/queue/sqlite/sqlite-writer.ts): the connection commits at synchronous=NORMAL by default (the
 * flows' links, cursors, audit: no fsync on the event loop); the writer's FULL paths really commit FULL
 * and put the default back; `durable()` answers only after an fdatasync of the -wal that started after
 * the call, and refuses after a failed one. fdatasync is a controllable stand-in; the rest is real.
 */
import type { fdatasync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteWriter } from '../../src/engine/queue/sqlite/sqlite-writer.js';
import { openStore } from '../../src/store/database.js';
import { createTestStore, type TestStore } from '../helpers/db.js';

type SyncCallback = (err: NodeJS.ErrnoException | null) => void;

let t: TestStore | undefined;
afterEach(async () => {
  await t?.dispose();
  t = undefined;
});

async function sqlite() {
  t = await createTestStore('sqlite');
  const raw = t.store.sqlite;
  if (!raw) throw new Error('expected a SQLite store');
  return raw;
}

const level = (raw: { pragma(s: string, o: { simple: true }): unknown }) =>
  Number(raw.pragma('synchronous', { simple: true }));

const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};

describe('SQLite commit levels', () => {
  it('a WAL file commits at NORMAL by default; an in-memory database stays FULL', async () => {
    const raw = await sqlite();
    expect(level(raw)).toBe(1);
    const mem = openStore(':memory:');
    try {
      expect(level(mem.sqlite as never)).toBe(2);
    } finally {
      await mem.close();
    }
  });

  it('the writer commits FULL (enqueues), relaxed (outcomes) and async (DLQ replay) — then restores NORMAL', async () => {
    const raw = await sqlite();
    const writer = new SqliteWriter(raw);
    expect(await writer.run(() => level(raw))).toBe(2);
    expect(level(raw)).toBe(1);
    expect(await writer.runRelaxed(() => level(raw))).toBe(1);
    expect(await writer.runAsync(async () => level(raw))).toBe(2);
    expect(level(raw)).toBe(1);
    const failed = await writer
      .run(() => {
        throw new Error('rolled back');
      })
      .catch((e: Error) => e.message);
    expect(failed).toBe('rolled back');
    expect(level(raw)).toBe(1);
  });

  it('durable() answers only after an fdatasync that started after the call', async () => {
    const raw = await sqlite();
    const pending: SyncCallback[] = [];
    const datasync = ((_fd: number, cb: SyncCallback) => {
      pending.push(cb);
    }) as unknown as typeof fdatasync;
    const writer = new SqliteWriter(raw, { datasync });
    raw
      .prepare("insert into cursors (connection_id, name, value, updated_at) values ('c', 'n', 'v', 0)")
      .run();
    let done = false;
    const d = writer.durable().then(() => {
      done = true;
    });
    await turns();
    expect(pending).toHaveLength(1);
    expect(done).toBe(false);
    pending.shift()?.(null);
    await d;
    expect(done).toBe(true);
  });

  it('after a failed fdatasync durable() refuses, now and later', async () => {
    const raw = await sqlite();
    const datasync = ((_fd: number, cb: SyncCallback) => {
      cb(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    }) as unknown as typeof fdatasync;
    const writer = new SqliteWriter(raw, { datasync });
    raw
      .prepare("insert into cursors (connection_id, name, value, updated_at) values ('c', 'n', 'v', 0)")
      .run();
    await expect(writer.durable()).rejects.toThrow();
    await expect(writer.durable()).rejects.toThrow();
  });
});
