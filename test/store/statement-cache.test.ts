import SQLite from 'better-sqlite3';
import { type Generated, Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { withStatementCache } from '../../src/store/statement-cache.js';

let raw: SQLite.Database | undefined;
afterEach(() => {
  if (raw?.open) raw.close();
  raw = undefined;
});

function setup(max?: number) {
  raw = new SQLite(':memory:');
  raw.exec('create table t (id integer primary key, v text)');
  for (let i = 1; i <= 5; i++) raw.prepare('insert into t (v) values (?)').run(`v${i}`);
  return { raw, cached: withStatementCache(raw, max) };
}

describe('prepared statements kept for Kysely', () => {
  it('hands back the statement prepared before for the same query text', () => {
    const { cached } = setup();
    const a = cached.prepare('select * from t where id = ?');
    expect(cached.prepare('select * from t where id = ?')).toBe(a);
    expect(cached.prepare('select * from t where id > ?')).not.toBe(a);
  });

  it('never keeps a pragma (SQLite runs it while compiling) nor DDL', () => {
    const { cached } = setup();
    expect(cached.prepare('pragma user_version')).not.toBe(cached.prepare('pragma user_version'));
    expect(cached.prepare('create table if not exists u (x)')).not.toBe(
      cached.prepare('create table if not exists u (x)'),
    );
  });

  it('prepares a fresh statement while the kept one is still being iterated', () => {
    const { cached } = setup();
    const q = 'select * from t order by id';
    const first = cached.prepare(q);
    const it1 = first.iterate([]);
    it1.next();
    const second = cached.prepare(q);
    expect(second).not.toBe(first);
    expect(second.all([])).toHaveLength(5);
    expect([...it1]).toHaveLength(4);
  });

  it('stays bounded: the oldest text goes first', () => {
    const { cached } = setup(2);
    const a = cached.prepare('select 1 from t');
    cached.prepare('select 2 from t');
    cached.prepare('select 3 from t');
    expect(cached.prepare('select 1 from t')).not.toBe(a);
  });

  it('runs Kysely queries, writes and streams unchanged', async () => {
    const { cached } = setup();
    const db = new Kysely<{ t: { id: Generated<number>; v: string } }>({
      dialect: new SqliteDialect({ database: cached }),
    });
    for (let i = 0; i < 3; i++) {
      await db
        .insertInto('t')
        .values({ v: `n${i}` })
        .execute();
    }
    const rows = await db.selectFrom('t').selectAll().where('id', '>', 5).execute();
    expect(rows.map((r) => r.v)).toEqual(['n0', 'n1', 'n2']);
    const streamed: string[] = [];
    for await (const r of db.selectFrom('t').select('v').orderBy('id').stream()) streamed.push(r.v);
    // the same text again once the stream has released its statement
    expect(await db.selectFrom('t').select('v').orderBy('id').execute()).toHaveLength(8);
    expect(streamed).toHaveLength(8);
    expect((await sql<{ n: number }>`select count(*) as n from t`.execute(db)).rows[0]?.n).toBe(8);
  });
});
