import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';
import { killCliProcesses, runCli, startCli, waitForStderr } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-cli-'));
afterAll(() => {
  killCliProcesses();
  rmSync(dir, { recursive: true, force: true });
});

/** Each test works in its own folder (a heartbridge.yaml written by one must not be seen by another). */
function workdir(name: string): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  return path;
}

function run(cwd: string, args: string[]) {
  return runCli(args, { cwd, env: { DATABASE_URL: join(cwd, 'cli.db') } });
}

// Each case spawns real processes (≈2 s each to start under tsx); they are independent, so run them side by side.
describe.concurrent('heartbridge CLI', { timeout: 90_000 }, () => {
  it('serve starts on SQLite with only the env contract, answers /healthz, and exits 0 on SIGTERM', async () => {
    const cwd = workdir('serve');
    const serve = startCli(['serve'], {
      cwd,
      env: { PORT: '0', HEARTBRIDGE_HOST: '127.0.0.1', DATABASE_URL: join(cwd, 'serve.db') },
    });
    const [, address] = await waitForStderr(
      serve,
      /listening on (http:\/\/\S+)/,
      'serve did not start',
      25_000,
    );
    expect(serve.out.stderr).toMatch(/sync is off: .*BIGCOMMERCE_STORE_HASH/);
    const health = await fetch(`${address}/healthz`);
    expect(health.status).toBe(200);
    expect((await fetch(`${address}/readyz`)).status).toBe(200);
    serve.child.kill('SIGTERM');
    const { code } = await serve.exited;
    expect(code).toBe(0);
  });

  it('config validate names the bad field and the file, with a non-zero exit', async () => {
    const cwd = workdir('validate');
    writeFileSync(
      join(cwd, 'heartbridge.yaml'),
      'connections:\n  - id: shop\n    bigcommerce: { accessToken: tok12345 }\n    heartland: { apiUrl: "https://h.example/api", apiToken: tok12345 }\n',
    );
    const bad = await run(cwd, ['config', 'validate']);
    rmSync(join(cwd, 'heartbridge.yaml'));
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(
      'heartbridge: heartbridge.yaml: connections[0].bigcommerce.storeHash: required',
    );
    const ok = await run(cwd, ['config', 'validate', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, file: null, connections: [] });
  });

  it('dlq list --json shows dead letters; replay and bulk discard need an id or a confirmed filter', async () => {
    const cwd = workdir('dlq');
    const store = openStore(join(cwd, 'cli.db'));
    await migrateToLatest(store);
    const now = Date.now();
    const row = {
      connection_id: 'default',
      kind: 'dead' as const,
      task: 'orders.sync',
      payload_json: '{"orderId":1}',
      inbox_id: null,
      error_code: 'HB_ERR_TEST',
      error_message: 'boom',
      error_chain_json: '[]',
      suggested_fix: null,
      attempts: 3,
      config_version: null,
      status: 'open' as const,
      created_at: now,
      updated_at: now,
    };
    await store.db
      .insertInto('dead_letters')
      .values([
        { ...row, entity_key: 'bc:order:1' },
        { ...row, entity_key: 'bc:order:2' },
      ])
      .execute();
    await store.close();

    const list = await run(cwd, ['dlq', 'list', '--json']);
    expect(list.code).toBe(0);
    const entries = JSON.parse(list.stdout) as Array<{
      id: number;
      entityKey: string;
      errorCode: string;
      status: string;
    }>;
    expect(entries.map((e) => e.entityKey).sort()).toEqual(['bc:order:1', 'bc:order:2']);
    expect(entries[0]).toMatchObject({ errorCode: 'HB_ERR_TEST', status: 'open' });

    const first = entries.find((e) => e.entityKey === 'bc:order:1')!;
    const replay = await run(cwd, ['dlq', 'replay', String(first.id), '--json']);
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout).replayed).toHaveLength(1);
    const jobs = JSON.parse((await run(cwd, ['jobs', 'list', '--json'])).stdout) as Array<{
      task: string;
      entityKey: string;
    }>;
    expect(jobs).toEqual([expect.objectContaining({ task: 'orders.sync', entityKey: 'bc:order:1' })]);

    const unconfirmed = await run(cwd, ['dlq', 'discard', '--code', 'HB_ERR_TEST']);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain('1 open dead letter(s) match; re-run with --yes');
    const confirmed = await run(cwd, ['dlq', 'discard', '--code', 'HB_ERR_TEST', '--yes']);
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toContain('discarded 1');
    const check = openStore(join(cwd, 'cli.db'));
    const statuses = await check.db
      .selectFrom('dead_letters')
      .select(['entity_key', 'status'])
      .orderBy('entity_key')
      .execute();
    await check.close();
    expect(statuses).toEqual([
      { entity_key: 'bc:order:1', status: 'replayed' },
      { entity_key: 'bc:order:2', status: 'discarded' },
    ]);
  });
});
