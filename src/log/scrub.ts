/**
 * Removes secrets from anything about to be logged, at any depth. pino's `redact` paths only reach fixed
 * paths (one wildcard level), and secrets turn up in places no list of paths anticipates: a header bag
 * inside an error's context, a token in a URL's query string, a database password in a connection URL.
 * So every log object is walked once, and three rules apply:
 *   1. a value under a secret-looking key (token, secret, password, authorization, cookie, api key…) → [redacted];
 *   2. in any string, secrets in URL shapes (`?token=`, `user:pass@`, `Bearer …`, Slack hook paths) → [redacted];
 *   3. in any string, any literal secret the config holds (passed in by the app) → [redacted].
 */
export const REDACTED = '[redacted]';

const SECRET_KEY =
  /(token|secret|passw(or)?d|passwd|authorization|cookie|api[-_]?key|credential|signature|webhook[-_]?url|master[-_]?key|private[-_]?key|^auth$|^x-auth-client$)/i;

const STRING_RULES: Array<[RegExp, string]> = [
  // ?token=…, &access_token=…, ?api_key=…, ?sig=…
  [
    /([?&;](?:[\w.-]*(?:token|secret|key|password|passwd|sig|signature|auth)[\w.-]*)=)[^&#\s"']+/gi,
    `$1${REDACTED}`,
  ],
  // scheme://user:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s"']*:)[^@/\s"']+@/gi, `$1${REDACTED}@`],
  // Authorization header values written into text
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}/g, `$1 ${REDACTED}`],
  // Slack-style incoming webhook URLs carry the secret in the path
  [/(hooks\.slack\.com\/services\/)[^\s"'?#]+/gi, `$1${REDACTED}`],
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface Scrubber {
  scrubString(text: string): string;
  scrub<T>(value: T): T;
  /** Add literal secret values (e.g. tokens loaded from config) to scrub from every string. */
  addSecrets(values: readonly string[]): void;
}

export function createScrubber(initialSecrets: readonly string[] = []): Scrubber {
  let literal: RegExp | undefined;
  const secrets = new Set<string>();

  function addSecrets(values: readonly string[]): void {
    // Very short values would redact ordinary words; config secrets are long.
    for (const v of values) if (typeof v === 'string' && v.length >= 6) secrets.add(v);
    literal = secrets.size
      ? new RegExp(
          [...secrets]
            .sort((a, b) => b.length - a.length)
            .map(escapeRegExp)
            .join('|'),
          'g',
        )
      : undefined;
  }

  function scrubString(text: string): string {
    let out = text;
    if (literal) out = out.replace(literal, REDACTED);
    for (const [re, replacement] of STRING_RULES) out = out.replace(re, replacement);
    return out;
  }

  function serializeError(err: Error): Record<string, unknown> {
    const out: Record<string, unknown> = { type: err.name, message: err.message, stack: err.stack };
    for (const [k, v] of Object.entries(err)) out[k] = v;
    if (err.cause !== undefined) out.cause = err.cause;
    return out;
  }

  function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
    if (typeof value === 'string') return scrubString(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth > 12 || seen.has(value)) return '[…]';
    seen.add(value);
    if (value instanceof Error) return walk(serializeError(value), depth + 1, seen);
    if (value instanceof URL) return scrubString(value.href);
    if (value instanceof Date) return value;
    if (Buffer.isBuffer(value)) return `[Buffer ${value.length} bytes]`;
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1, seen));
    if (value instanceof Map) return walk(Object.fromEntries(value), depth + 1, seen);
    if (typeof (value as { entries?: unknown }).entries === 'function' && value instanceof Headers) {
      return walk(Object.fromEntries(value.entries()), depth + 1, seen);
    }
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      out[key] =
        SECRET_KEY.test(key) && child !== undefined && child !== null && child !== ''
          ? REDACTED
          : walk(child, depth + 1, seen);
    }
    return out;
  }

  addSecrets(initialSecrets);
  return {
    scrubString,
    scrub: <T>(value: T) => walk(value, 0, new WeakSet()) as T,
    addSecrets,
  };
}

const defaultScrubber = createScrubber();

/** Scrubs URL-shaped secrets from one string (for error messages returned to clients). */
export function scrubSecrets(text: string): string {
  return defaultScrubber.scrubString(text);
}
