/**
 * The environment-variable contract. Environment variables override the file (12-factor deployments
 * keep tokens out of files), and with no file at all they describe one connection `default`.
 *
 * Connection variables apply to the only connection in the file, or to the one with id `default`.
 * When no connection is configured and some of the four connection variables are missing, heartbridge
 * still starts (health, metrics, CLI) and says which variables sync needs — see `notices`.
 */
import { isPlainObject, type Plain } from './deep-merge.js';

type Path = (string | number)[];

/** Variable → config path (connection-relative paths start with `connection`). */
export const ENV_VARS: ReadonlyArray<{ name: string; path: Path; kind: 'string' | 'number'; doc: string }> = [
  {
    name: 'BIGCOMMERCE_API_URL',
    path: ['connection', 'bigcommerce', 'apiUrl'],
    kind: 'string',
    doc: 'BigCommerce API base URL (default https://api.bigcommerce.com)',
  },
  {
    name: 'BIGCOMMERCE_STORE_HASH',
    path: ['connection', 'bigcommerce', 'storeHash'],
    kind: 'string',
    doc: 'BigCommerce store hash',
  },
  {
    name: 'BIGCOMMERCE_ACCESS_TOKEN',
    path: ['connection', 'bigcommerce', 'accessToken'],
    kind: 'string',
    doc: 'BigCommerce access token (secret)',
  },
  {
    name: 'HEARTLAND_API_URL',
    path: ['connection', 'heartland', 'apiUrl'],
    kind: 'string',
    doc: 'Heartland API base URL, e.g. https://acme.retail.heartland.us/api',
  },
  {
    name: 'HEARTLAND_API_TOKEN',
    path: ['connection', 'heartland', 'apiToken'],
    kind: 'string',
    doc: 'Heartland API token (secret)',
  },
  {
    name: 'HEARTBRIDGE_WEBHOOK_SECRET',
    path: ['connection', 'webhookSecret'],
    kind: 'string',
    doc: 'Webhook shared secret (secret)',
  },
  {
    name: 'HEARTBRIDGE_PUBLIC_URL',
    path: ['connection', 'publicUrl'],
    kind: 'string',
    doc: 'Public base URL for webhooks',
  },
  {
    name: 'DATABASE_URL',
    path: ['database', 'url'],
    kind: 'string',
    doc: 'SQLite path or postgres:// URL (default ./data/heartbridge.db)',
  },
  { name: 'PORT', path: ['server', 'port'], kind: 'number', doc: 'HTTP port (default 8080)' },
  {
    name: 'HEARTBRIDGE_HOST',
    path: ['server', 'host'],
    kind: 'string',
    doc: 'Interface to listen on (default 0.0.0.0)',
  },
  {
    name: 'HEARTBRIDGE_ADMIN_TOKEN',
    path: ['server', 'adminToken'],
    kind: 'string',
    doc: 'Admin API bearer token (secret)',
  },
  {
    name: 'HEARTBRIDGE_WORKER_CONCURRENCY',
    path: ['workers', 'concurrency'],
    kind: 'number',
    doc: 'Jobs run at once per process',
  },
  { name: 'HEARTBRIDGE_LOG_LEVEL', path: ['log', 'level'], kind: 'string', doc: 'Log level (default info)' },
];

/** Without these, no connection can be built from env alone. */
export const REQUIRED_CONNECTION_ENV = [
  'BIGCOMMERCE_STORE_HASH',
  'BIGCOMMERCE_ACCESS_TOKEN',
  'HEARTLAND_API_URL',
  'HEARTLAND_API_TOKEN',
];

export interface EnvOverlayResult {
  raw: Plain;
  /** Config path (formatted) → `env NAME`, for error messages. */
  origins: Map<string, string>;
  notices: string[];
}

function setPath(target: Plain, path: Path, value: unknown): void {
  let node: Plain = target;
  for (const [i, key] of path.entries()) {
    if (i === path.length - 1) {
      node[String(key)] = value;
      return;
    }
    const next = node[String(key)];
    if (!isPlainObject(next) && !Array.isArray(next)) node[String(key)] = {};
    node = node[String(key)] as Plain;
  }
}

function formatted(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

export function applyEnvOverlay(input: Plain, env: NodeJS.ProcessEnv, hasFile: boolean): EnvOverlayResult {
  const raw = structuredClone(input);
  const origins = new Map<string, string>();
  const notices: string[] = [];
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };

  const connections = Array.isArray(raw.connections) ? (raw.connections as unknown[]) : [];
  let connectionIndex = connections.findIndex((c) => isPlainObject(c) && c.id === 'default');
  if (connectionIndex < 0 && connections.length === 1) connectionIndex = 0;

  if (connections.length === 0) {
    const missing = REQUIRED_CONNECTION_ENV.filter((name) => !value(name));
    if (missing.length === 0) {
      raw.connections = [{ id: 'default', name: 'default' }];
      connectionIndex = 0;
    } else {
      notices.push(
        `sync is off: no connection configured. Set ${missing.join(', ')}` +
          `${hasFile ? ' or add connections to the config file' : ' (or write heartbridge.yaml)'}; health, metrics and the CLI still work.`,
      );
    }
  }

  for (const spec of ENV_VARS) {
    const text = value(spec.name);
    if (text === undefined) continue;
    let path = spec.path;
    if (path[0] === 'connection') {
      if (connectionIndex < 0) continue;
      path = ['connections', connectionIndex, ...path.slice(1)];
    }
    const parsed = spec.kind === 'number' && /^-?\d+$/.test(text) ? Number(text) : text;
    setPath(raw, path, parsed);
    origins.set(formatted(path), `env ${spec.name}`);
  }
  if (connections.length > 1 && connectionIndex < 0 && REQUIRED_CONNECTION_ENV.some((n) => value(n))) {
    notices.push(
      'connection env variables ignored: several connections are configured and none has id "default"',
    );
  }
  return { raw, origins, notices };
}
