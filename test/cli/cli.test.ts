import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';

const BIN = resolve(import.meta.dirname, '../../bin/heartbridge.js');
const dir = mkdtempSync(join(tmpdir(), 'hb-cli-'));
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A clean environment: no developer credentials, a private database. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(BIGCOMMERCE_|HEARTLAND_|HEARTBRIDGE_|DATABASE_URL$|PORT$)/.test(k)) base[k] = v;
  }
  return { ...base, HEARTBRIDGE_LOG_LEVEL: 'warn', DATABASE_URL: join(dir, 'cli.db'), ...extra };
}

/** Each test works in its own folder (a heartbridge.yaml written by one must not be seen by another). */
function workdir(name: string): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  return path;
}

function run(
  cwd: string,
  args: string[],
  extra: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: env({ DATABASE_URL: join(cwd, 'cli.db'), ...extra }),
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('error', fail);
    child.on('close', (code) => {
      children.delete(child);
      done({ code, stdout, stderr });
    });
  });
}

// Each case spawns real processes (≈2 s each to start under tsx); they are independent, so run them side by side.
describe.concurrent('heartbridge CLI', { timeout: 90_000 }, () => {
  it('serve starts on SQLite with only the env contract, answers /healthz, and exits 0 on SIGTERM', async () => {
    const cwd = workdir('serve');
    const child = spawn(process.execPath, [BIN, 'serve'], {
      cwd,
      env: env({ PORT: '0', HEARTBRIDGE_HOST: '127.0.0.1', DATABASE_URL: join(cwd, 'serve.db') }),
    });
    children.add(child);
    let stderr = '';
    const address = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`serve did not start: ${stderr}`)), 25_000);
      child.stderr.on('data', (c) => {
        stderr += c;
        const m = /listening on (http:\/\/\S+)/.exec(stderr);
        if (m?.[1]) {
          clearTimeout(timer);
          ok(m[1]);
        }
      });
      child.on('exit', () => fail(new Error(`serve exited early: ${stderr}`)));
    });
    child.stdout.resume();
    expect(stderr).toMatch(/sync is off: .*BIGCOMMERCE_STORE_HASH/);
    const health = await fetch(`${address}/healthz`);
    expect(health.status).toBe(200);
    expect((await fetch(`${address}/readyz`)).status).toBe(200);
    const code = await new Promise<number | null>((ok) => {
      child.on('close', (c) => ok(c));
      child.kill('SIGTERM');
    });
    children.delete(child);
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
