/**
 * Hostile configuration files: invalid YAML, YAML bombs and aliases, wrong types, unknown keys, malformed
 * `enc:v1:` secrets. Every error must name the field (or the line) and the file, arrive quickly, and never
 * contain a secret value — not in the error, and not in a warning Node prints to stderr.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  ConfigError,
  encryptSecret,
  formatIssue,
  generateMasterKey,
  loadConfig,
  parseMasterKey,
} from '../../src/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-hostile-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const CORPUS = join(import.meta.dirname, 'corpus', 'config');
const SECRET_MARK = 'cfg-secret-';
const MASTER_KEY = generateMasterKey();

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function loadError(file: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    loadConfig({ file, env });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`${file} loaded without error`);
}

/** Everything a user could see: the message, each formatted issue, and the warnings Node would print. */
function visibleText(err: ConfigError, warnings: unknown[]): string {
  return [err.message, ...err.issues.map(formatIssue), ...warnings.map(String)].join('\n');
}

const corpusExpect: Record<string, { path?: string; message: RegExp; line?: boolean }> = {
  'tab-indent.yaml': { message: /invalid YAML: Tabs/, line: true },
  'unclosed-quote.yaml': { message: /invalid YAML: Missing closing/, line: true },
  'bad-indent.yaml': { message: /invalid YAML/, line: true },
  'duplicate-keys.yaml': { message: /invalid YAML: Map keys must be unique/, line: true },
  'flow-garbage.yaml': { message: /invalid YAML/, line: true },
  'binary-garbage.yaml': { message: /invalid YAML/, line: true },
  'yaml-bomb.yaml': { message: /invalid YAML: Excessive alias count/ },
  'alias-into-config.yaml': { path: 'server.port', message: /expected number, received array/ },
  'top-level-list.yaml': { message: /top level must be a mapping/ },
  'top-level-scalar.yaml': { message: /top level must be a mapping/ },
  'custom-tag.yaml': { path: 'server.port', message: /unsupported YAML tag .*js\/function/, line: true },
  'unknown-top-key.yaml': { message: /unknown field\(s\): servr/ },
};

describe('config corpus files', () => {
  const files = readdirSync(CORPUS).filter((f) => f.endsWith('.yaml.txt'));
  it('covers every corpus file', () => {
    const names = files.map((f) => f.replace(/\.txt$/, ''));
    expect(names.filter((n) => !(n in corpusExpect) && n !== 'unknown-nested-key.yaml')).toEqual([]);
  });

  for (const [name, want] of Object.entries(corpusExpect)) {
    it(`${name}: ConfigError naming ${want.path ?? (want.line ? 'the file and line' : 'the file')}, no secret shown`, () => {
      const warnings: unknown[] = [];
      vi.spyOn(process, 'emitWarning').mockImplementation((w) => void warnings.push(w));
      const file = write(name, readFileSync(join(CORPUS, `${name}.txt`), 'utf8'));
      const err = loadError(file);
      const issue = err.issues.find((i) => want.message.test(i.message));
      expect(issue, JSON.stringify(err.issues)).toBeDefined();
      expect(issue?.source).toMatch(want.line ? new RegExp(`^${name}:\\d+$`) : new RegExp(`^${name}$`));
      if (want.path) expect(issue?.path).toBe(want.path);
      expect(visibleText(err, warnings)).not.toContain(SECRET_MARK);
    });
  }

  it('an unknown key inside `server` (adminTokn) is named, not silently dropped, and its value is not shown', () => {
    const file = write(
      'unknown-nested-key.yaml',
      readFileSync(join(CORPUS, 'unknown-nested-key.yaml.txt'), 'utf8'),
    );
    const err = loadError(file);
    expect(err.issues[0]).toMatchObject({ path: 'server', message: 'unknown field(s): adminTokn' });
    expect(visibleText(err, [])).not.toContain(SECRET_MARK);
  });

  it('unknown keys are named at every nesting level (connections, their stores, polling, alert channels)', () => {
    const conn =
      'connections:\n  - id: a\n    bigcommerce: {storeHash: x, accessToken: t}\n    heartland: {apiUrl: "https://h.example/api", apiToken: t}\n';
    const cases: Array<[string, string, string]> = [
      [`${conn}    pollling: {}\n`, 'connections[0]', 'pollling'],
      [
        `${conn.replace('storeHash: x', 'storeHash: x, storehash: y')}`,
        'connections[0].bigcommerce',
        'storehash',
      ],
      [`${conn}    polling: {order: 1m}\n`, 'connections[0].polling', 'order'],
      [
        'alerts:\n  channels:\n    - {type: slack, webhookUrl: "https://hooks.example/x", channel: ops}\n',
        'alerts.channels[0]',
        'channel',
      ],
      ['workers: {concurency: 8}\n', 'workers', 'concurency'],
      ['log: {levle: debug}\n', 'log', 'levle'],
      ['database: {uri: x}\n', 'database', 'uri'],
    ];
    for (const [yaml, path, key] of cases) {
      const err = loadError(write('nested.yaml', yaml));
      expect(err.issues, yaml).toContainEqual(
        expect.objectContaining({ path, message: `unknown field(s): ${key}` }),
      );
    }
  });
});

describe('wrong types name the field and the file', () => {
  const cases: Array<[string, string, string]> = [
    ['server.port', 'server:\n  port: "eighty"\n', 'expected number'],
    ['server.port', 'server:\n  port: -1\n', '>=0'],
    ['server.port', 'server:\n  port: 70000\n', '<=65535'],
    ['server.port', 'server:\n  port: 80.5\n', 'int'],
    ['server.bodyLimitBytes', 'server:\n  bodyLimitBytes: "1MB"\n', 'expected number'],
    ['server.bodyLimitBytes', 'server:\n  bodyLimitBytes: 0\n', '>0'],
    ['server.host', 'server:\n  host: [a, b]\n', 'expected string'],
    ['workers.concurrency', 'workers:\n  concurrency: 0\n', '>=1'],
    ['workers.maxAttempts', 'workers:\n  maxAttempts: "; DROP TABLE jobs"\n', 'expected number'],
    ['log.level', 'log:\n  level: "<script>alert(1)</script>"\n', 'expected one of'],
    ['database.url', 'database:\n  url: ""\n', '>=1'],
    ['database', 'database: "sqlite.db"\n', 'expected object'],
    ['connections', 'connections: {id: x}\n', 'expected array'],
    ['connections[0].id', 'connections:\n  - id: "$string($)"\n', 'lowercase'],
    ['connections[0].rateBudgetShare', 'connections:\n  - id: a\n    rateBudgetShare: 2\n', '<=1'],
    ['connections[0].polling.orders', 'connections:\n  - id: a\n    polling: {orders: forever}\n', ''],
    ['alerts.channels[0].type', 'alerts:\n  channels:\n    - type: pigeon\n', ''],
    ['alerts.throttle', 'alerts:\n  throttle: "∞"\n', ''],
  ];
  for (const [path, yaml, hint] of cases) {
    it(`${path} ← ${JSON.stringify(yaml.split('\n').slice(-2)[0]?.trim())}`, () => {
      const err = loadError(write('types.yaml', yaml));
      const issue = err.issues.find((i) => i.path === path);
      expect(issue, JSON.stringify(err.issues)).toBeDefined();
      expect(issue?.source).toBe('types.yaml');
      expect(issue?.message.length).toBeGreaterThan(3);
      if (hint) expect(issue?.message).toContain(hint);
    });
  }

  it('an env variable with the wrong type is blamed on the variable, not the file', () => {
    const err = loadError(write('env.yaml', 'server:\n  port: 80\n'), { PORT: 'abc' });
    expect(err.issues[0]).toMatchObject({ path: 'server.port', source: 'env PORT' });
  });
});

describe('secrets in bad config are never shown', () => {
  const plain = `${SECRET_MARK}plaintext-7c1e`;
  const key = parseMasterKey(MASTER_KEY);
  const good = encryptSecret(plain, key);
  const [, , iv, tag, data] = good.split(':');
  const flip = (s: string) => (s[0] === 'A' ? `B${s.slice(1)}` : `A${s.slice(1)}`);
  const otherKey = generateMasterKey();
  const cases: Array<[string, string, NodeJS.ProcessEnv, RegExp]> = [
    [
      'enc:v1: with nothing after',
      'enc:v1:',
      { HEARTBRIDGE_MASTER_KEY: MASTER_KEY },
      /malformed encrypted value/,
    ],
    ['enc:v1: with one part', 'enc:v1:abc', { HEARTBRIDGE_MASTER_KEY: MASTER_KEY }, /malformed/],
    ['enc:v1: with short iv', 'enc:v1:a:b:c', { HEARTBRIDGE_MASTER_KEY: MASTER_KEY }, /malformed/],
    ['enc:v1: with four parts', `${good}:extra`, { HEARTBRIDGE_MASTER_KEY: MASTER_KEY }, /malformed/],
    [
      'tampered ciphertext',
      `enc:v1:${iv}:${tag}:${flip(data ?? '')}`,
      { HEARTBRIDGE_MASTER_KEY: MASTER_KEY },
      /cannot decrypt/,
    ],
    [
      'tampered tag',
      `enc:v1:${iv}:${flip(tag ?? '')}:${data}`,
      { HEARTBRIDGE_MASTER_KEY: MASTER_KEY },
      /cannot decrypt/,
    ],
    ['wrong master key', good, { HEARTBRIDGE_MASTER_KEY: otherKey }, /cannot decrypt/],
    ['no master key', good, {}, /HEARTBRIDGE_MASTER_KEY is not set/],
    ['master key too short', good, { HEARTBRIDGE_MASTER_KEY: 'c2hvcnQ=' }, /must be 32 bytes/],
    ['master key not base64', good, { HEARTBRIDGE_MASTER_KEY: '!!!! not a key !!!!' }, /must be 32 bytes/],
  ];
  for (const [name, value, env, reason] of cases) {
    it(`${name}: HB_ERR_CONFIG_SECRET naming server.adminToken in the file, without the value or key`, () => {
      const err = loadError(write('enc.yaml', `server:\n  adminToken: "${value}"\n`), env);
      expect(err.code).toBe('HB_ERR_CONFIG_SECRET');
      expect(err.issues[0]).toMatchObject({ path: 'server.adminToken', source: 'enc.yaml' });
      expect(err.issues[0]?.message).toMatch(reason);
      const text = visibleText(err, []);
      expect(text).not.toContain(SECRET_MARK);
      expect(text).not.toContain(MASTER_KEY);
      expect(text).not.toContain(otherKey);
      if (value.length > 12) expect(text).not.toContain(value);
    });
  }

  const typed: Array<[string, string, string]> = [
    ['number secret', 'server:\n  adminToken: 4815162342108\n', 'server.adminToken'],
    [
      'list secret',
      `connections:\n  - id: a\n    heartland: {apiUrl: "https://x.example", apiToken: ["${SECRET_MARK}list"]}\n`,
      'connections[0].heartland.apiToken',
    ],
    [
      'alert URL that is not a URL',
      `alerts:\n  channels:\n    - type: webhook\n      url: "${SECRET_MARK}notaurl"\n`,
      'alerts.channels[0].url',
    ],
    [
      'slack URL not a URL',
      `alerts:\n  channels:\n    - type: slack\n      webhookUrl: "${SECRET_MARK}slack"\n`,
      'alerts.channels[0].webhookUrl',
    ],
    [
      'empty access token',
      'connections:\n  - id: a\n    bigcommerce: {storeHash: x, accessToken: ""}\n',
      'connections[0].bigcommerce.accessToken',
    ],
  ];
  for (const [name, yaml, path] of typed) {
    it(`${name}: names ${path} and never echoes the value`, () => {
      const err = loadError(write('typed.yaml', yaml));
      expect(err.issues.map((i) => i.path)).toContain(path);
      const text = visibleText(err, []);
      expect(text).not.toContain(SECRET_MARK);
      expect(text).not.toContain('4815162342108');
    });
  }

  it('a YAML warning (unknown tag) is an error naming the field and line, never printed with the source line', () => {
    const warnings: unknown[] = [];
    vi.spyOn(process, 'emitWarning').mockImplementation((w) => void warnings.push(w));
    const err = loadError(
      write('tag.yaml', `server:\n  port: x\n  adminToken: !!vault "${SECRET_MARK}tagged"\n`),
    );
    expect(visibleText(err, warnings)).not.toContain(SECRET_MARK);
    expect(warnings).toEqual([]);
    expect(err.issues).toContainEqual({
      path: 'server.adminToken',
      source: 'tag.yaml:3',
      message: expect.stringMatching(/unsupported YAML tag/),
    });
  });
});
