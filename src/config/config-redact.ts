/**
 * Which config values are secrets, decided by field name (the schema marks the same fields with
 * `secret: true`; test/config keeps the two in step). Used to hash the config version without
 * secrets, to show config safely (`config validate --print`), and to feed the logger the literal
 * secret values it must never print.
 */
import { isPlainObject } from './deep-merge.js';

const SECRET_KEYS = new Set([
  'accessToken',
  'apiToken',
  'webhookSecret',
  'adminToken',
  'password',
  'webhookUrl',
]);
export const REDACTED = '[secret]';

export function isSecretPath(path: readonly PropertyKey[]): boolean {
  const last = path[path.length - 1];
  if (typeof last === 'string' && SECRET_KEYS.has(last)) return true;
  // Alert webhook URLs and their extra headers carry credentials.
  if (path[0] === 'alerts' && (last === 'url' || path.includes('headers'))) return true;
  return false;
}

/** `postgres://user:pw@host/db` → `postgres://user:[secret]@host/db`; file paths unchanged. */
export function redactUrlPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)([^@/]*)@/i, `$1${REDACTED}@`);
}

export function urlPassword(url: string): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^:/@]*:([^@/]*)@/i.exec(url);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

function walk(
  value: unknown,
  path: PropertyKey[],
  visit: (value: unknown, path: PropertyKey[]) => unknown,
): unknown {
  if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i], visit));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) out[key] = walk(child, [...path, key], visit);
    return out;
  }
  return visit(value, path);
}

/** Copy of the config with every secret replaced by `[secret]` (present) — safe to print or hash. */
export function redactConfig<T>(config: T): T {
  return walk(config, [], (value, path) => {
    if (typeof value !== 'string') return value;
    if (isSecretPath(path)) return REDACTED;
    if (path.join('.') === 'database.url') return redactUrlPassword(value);
    return value;
  }) as T;
}

/** Every literal secret in the config (the logger scrubs these from any string it writes). */
export function collectSecretValues(config: unknown): string[] {
  const found = new Set<string>();
  walk(config, [], (value, path) => {
    if (typeof value !== 'string') return value;
    if (isSecretPath(path) && value.length >= 4) found.add(value);
    if (path.join('.') === 'database.url') {
      const pw = urlPassword(value);
      if (pw && pw.length >= 4) found.add(pw);
    }
    return value;
  });
  return [...found];
}

/** Walks raw (pre-validation) config and replaces every string for which `fn` returns a value. */
export function mapStrings(value: unknown, fn: (text: string, path: PropertyKey[]) => string): unknown {
  return walk(value, [], (leaf, path) => (typeof leaf === 'string' ? fn(leaf, path) : leaf));
}
