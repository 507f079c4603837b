import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  configJsonSchema,
  encryptSecret,
  generateMasterKey,
  loadConfig,
  parseMasterKey,
  recordConfigVersion,
} from '../../src/config/index.js';
import { openStore } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrations/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FULL_ENV = {
  BIGCOMMERCE_STORE_HASH: 'abc123',
  BIGCOMMERCE_ACCESS_TOKEN: 'bc-token-very-secret',
  HEARTLAND_API_URL: 'https://acme.retail.heartland.us/api',
  HEARTLAND_API_TOKEN: 'hl-token-very-secret',
};

function writeYaml(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function loadError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const missingFile = join(dir, 'absent', 'heartbridge.yaml');

describe('loadConfig with environment variables only', () => {
  it('builds connection "default" from the env contract with defaults filled in', () => {
    const loaded = loadConfig({
      env: { ...FULL_ENV, HEARTBRIDGE_CONFIG: undefined, PORT: '9191' },
      file: undefined,
    });
    expect(loaded.file).toBeNull();
    expect(loaded.config.connections).toHaveLength(1);
    const c = loaded.config.connections[0]!;
    expect(c.id).toBe('default');
    expect(c.bigcommerce.apiUrl).toBe('https://api.bigcommerce.com');
    expect(c.bigcommerce.storeHash).toBe('abc123');
    // A POST that got no answer is retried (reading first) only after both APIs had time to commit it.
    expect(c.bigcommerce.writeSettleMs).toBe(30_000);
    expect(c.heartland.writeSettleMs).toBe(90_000);
    // Retryable failures are retried for hours (an API outage), not minutes, before the DLQ.
    expect(loaded.config.workers.maxAttempts).toBe(25);
    expect(c.rateBudgetShare).toBe(0.7);
    expect(loaded.config.server.port).toBe(9191);
    expect(loaded.config.server.bodyLimitBytes).toBe(1_048_576);
    expect(loaded.config.database.url).toBe('./data/heartbridge.db');
    expect(loaded.notices).toEqual([]);
    expect(loaded.secretValues).toContain('bc-token-very-secret');
  });

  it('starts with no connection and names the missing variables when the env is incomplete', () => {
    const loaded = loadConfig({ env: { BIGCOMMERCE_STORE_HASH: 'abc' } });
    expect(loaded.config.connections).toEqual([]);
    expect(loaded.notices.join(' ')).toMatch(
      /BIGCOMMERCE_ACCESS_TOKEN, HEARTLAND_API_URL, HEARTLAND_API_TOKEN/,
    );
  });

  it('names the variable when an env value is invalid', () => {
    const err = loadError(() => loadConfig({ env: { ...FULL_ENV, HEARTLAND_API_URL: 'not a url' } }));
    expect(err.message).toMatch(/^env HEARTLAND_API_URL: connections\[0\]\.heartland\.apiUrl: /);
  });
});

describe('loadConfig with a file', () => {
  it('names the field path and the file for a missing required field', () => {
    const file = writeYaml(
      'heartbridge.yaml',
      'connections:\n  - id: shop\n    bigcommerce: { accessToken: x1234 }\n    heartland: { apiUrl: "https://h.example/api", apiToken: y1234 }\n',
    );
    const err = loadError(() => loadConfig({ file, env: {} }));
    expect(err.message.split('\n')[0]).toBe(
      'heartbridge.yaml: connections[0].bigcommerce.storeHash: required',
    );
  });

  it('reports unknown top-level fields and YAML syntax errors with the file name', () => {
    const typo = writeYaml('typo.yaml', 'sever:\n  port: 1\n');
    expect(loadError(() => loadConfig({ file: typo, env: {} })).message).toMatch(
      /typo\.yaml: unknown field\(s\): sever/,
    );
    const broken = writeYaml('broken.yaml', 'server:\n  port: [1\n');
    expect(loadError(() => loadConfig({ file: broken, env: {} })).message).toMatch(
      /^broken\.yaml(:\d+)?: invalid YAML/,
    );
  });

  it('fails when an explicitly named file does not exist', () => {
    expect(loadError(() => loadConfig({ file: missingFile, env: {} })).code).toBe(
      'HB_ERR_CONFIG_FILE_MISSING',
    );
  });

  it('deep-merges the chosen environment over the base, connections by id, and env wins over both', () => {
    const file = writeYaml(
      'envs.yaml',
      [
        'server: { port: 8100 }',
        'connections:',
        '  - id: shop',
        '    bigcommerce: { storeHash: base, accessToken: t1234 }',
        '    heartland: { apiUrl: "https://h.example/api", apiToken: y1234 }',
        'environments:',
        '  qa:',
        '    server: { port: 8200 }',
        '    connections:',
        '      - id: shop',
        '        bigcommerce: { storeHash: qa-store }',
        '  prod:',
        '    log: { level: warn }',
      ].join('\n'),
    );
    const base = loadConfig({ file, env: {} });
    const qa = loadConfig({ file, env: {}, environment: 'qa' });
    expect(base.config.server.port).toBe(8100);
    expect(qa.config.server.port).toBe(8200);
    expect(qa.config.connections[0]?.bigcommerce.storeHash).toBe('qa-store');
    expect(qa.config.connections[0]?.bigcommerce.accessToken).toBe('t1234');
    expect(qa.version).not.toBe(base.version);
    const viaEnv = loadConfig({
      file,
      env: { HEARTBRIDGE_ENV: 'prod', PORT: '8300', BIGCOMMERCE_STORE_HASH: 'from-env' },
    });
    expect(viaEnv.environment).toBe('prod');
    expect(viaEnv.config.log.level).toBe('warn');
    expect(viaEnv.config.server.port).toBe(8300);
    expect(viaEnv.config.connections[0]?.bigcommerce.storeHash).toBe('from-env');
    expect(loadError(() => loadConfig({ file, env: {}, environment: 'staging' })).message).toMatch(
      /environment "staging" is not defined \(defined: qa, prod\)/,
    );
  });

  it('decrypts enc:v1 values and explains a missing master key', () => {
    const keyText = generateMasterKey();
    const enc = encryptSecret('hl-secret-token', parseMasterKey(keyText));
    const file = writeYaml(
      'enc.yaml',
      `connections:\n  - id: shop\n    bigcommerce: { storeHash: s, accessToken: t1234 }\n    heartland: { apiUrl: "https://h.example/api", apiToken: "${enc}" }\n`,
    );
    const ok = loadConfig({ file, env: { HEARTBRIDGE_MASTER_KEY: keyText } });
    expect(ok.config.connections[0]?.heartland.apiToken).toBe('hl-secret-token');
    const err = loadError(() => loadConfig({ file, env: {} }));
    expect(err.message).toBe(
      'enc.yaml: connections[0].heartland.apiToken: HEARTBRIDGE_MASTER_KEY is not set, but an encrypted (enc:v1:) value must be read',
    );
  });
});

describe('config version', () => {
  it('ignores secrets, changes with settings, and is recorded once', async () => {
    const a = loadConfig({ env: FULL_ENV });
    const rotated = loadConfig({ env: { ...FULL_ENV, BIGCOMMERCE_ACCESS_TOKEN: 'another-token' } });
    const changed = loadConfig({ env: { ...FULL_ENV, PORT: '9000' } });
    expect(rotated.version).toBe(a.version);
    expect(changed.version).not.toBe(a.version);

    const store = openStore(':memory:');
    await migrateToLatest(store);
    await recordConfigVersion(store, { version: a.version, environment: a.environment, config: a.config });
    await recordConfigVersion(store, { version: a.version, environment: a.environment, config: a.config });
    const rows = await store.db.selectFrom('config_versions').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.content_json).not.toContain('bc-token-very-secret');
    expect(rows[0]?.content_json).toContain('abc123');
    await store.close();
  });
});

describe('JSON Schema', () => {
  it('describes fields, marks secrets and allows environments', () => {
    const schema = configJsonSchema() as {
      properties: Record<string, { properties?: Record<string, unknown> }>;
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        'connections',
        'database',
        'server',
        'workers',
        'alerts',
        'log',
        'environments',
      ]),
    );
    expect(JSON.stringify(schema)).toContain('BIGCOMMERCE_STORE_HASH');
    expect(JSON.stringify(schema.properties.server)).toContain('"secret":true');
  });
});
