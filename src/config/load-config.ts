/**
 * Loads the effective configuration:
 *   YAML file (optional) → `environments.<name>` deep-merged over it → environment variables →
 *   `enc:v1:` values decrypted → validated with zod → version hash.
 * Every error names the field path and where the value came from (file or env variable).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  type Document,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  YAMLParseError,
  type YAMLWarning,
} from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue, formatPath } from './config-error.js';
import { collectSecretValues, isSecretPath, mapStrings } from './config-redact.js';
import { configSchema, type HeartbridgeConfig } from './config-schema.js';
import { configVersion } from './config-version.js';
import { deepMerge, isPlainObject, type Plain } from './deep-merge.js';
import { applyEnvOverlay } from './env-overlay.js';
import { decryptSecret, isEncrypted, parseMasterKey, SecretError } from './secrets.js';

export const DEFAULT_CONFIG_FILE = 'heartbridge.yaml';

export interface LoadConfigOptions {
  /** Config file. Default: env HEARTBRIDGE_CONFIG, else `heartbridge.yaml` (which may be absent). */
  file?: string;
  /** Named environment. Default: env HEARTBRIDGE_ENV. */
  environment?: string;
  /** Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Schema to validate with (the mapping module supplies one with its mapping schema). */
  schema?: z.ZodType<HeartbridgeConfig>;
}

export interface LoadedConfig {
  config: HeartbridgeConfig;
  /** The file read, or null when running from environment variables only. */
  file: string | null;
  /** Environment name, `default` when none was chosen. */
  environment: string;
  /** Short hash of the effective config without secrets. */
  version: string;
  /** Things the operator should know that do not stop start-up (e.g. sync is off: env missing). */
  notices: string[];
  /** Literal secret values, for the logger to scrub. Never print. */
  secretValues: string[];
}

/** The first line of a prettified yaml message: the reason and position, never the source excerpt. */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? '').replace(/:$/, '');
}

/** The config path of the deepest mapping entry whose value spans `offset` (the warning's position). */
function pathAt(doc: Document, offset: number): string {
  let found: PropertyKey[] = [];
  visit(doc, {
    Pair(_key, pair, ancestors) {
      const end = (pair.value as { range?: [number, number, number] } | null)?.range?.[1];
      const start = (pair.key as { range?: [number, number, number] } | null)?.range?.[0];
      if (start === undefined || end === undefined || offset < start || offset > end) return;
      const path: PropertyKey[] = [];
      const chain = [...ancestors, pair];
      chain.forEach((node, i) => {
        if (isPair(node)) path.push(isScalar(node.key) ? String(node.key.value) : '?');
        else if (isSeq(node)) path.push(node.items.indexOf(chain[i + 1] as never));
      });
      found = path;
    },
  });
  return formatPath(found);
}

/**
 * A yaml warning (unknown tag such as `!!vault`, ambiguous alias, unknown directive) is an error in a
 * config file: the value would silently be read as something else. The issue names the field and line,
 * never the value.
 */
function warningIssue(doc: Document, warning: YAMLWarning, label: string): ConfigIssue {
  const line = warning.linePos?.[0]?.line;
  const reason = firstLine(warning.message).replace(/ at line \d+, column \d+$/, '');
  const message =
    warning.code === 'TAG_RESOLVE_FAILED' || warning.code === 'BAD_COLLECTION_TYPE'
      ? `unsupported YAML tag (${reason}); remove the tag`
      : `YAML warning treated as an error: ${reason}`;
  return { path: pathAt(doc, warning.pos[0]), source: line ? `${label}:${line}` : label, message };
}

function readFile(file: string): Plain {
  const label = basename(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError([
      { path: '', source: label, message: `cannot read file (${(cause as Error).message})` },
    ]);
  }
  let doc: unknown;
  try {
    // logLevel 'error': the yaml library would otherwise hand its warnings to process.emitWarning, which
    // prints them with the offending source line — a secret included. Warnings become issues below.
    const parsed = parseDocument(text, { prettyErrors: true, logLevel: 'error' });
    const [error] = parsed.errors;
    if (error) throw error;
    if (parsed.warnings.length > 0)
      throw new ConfigError(parsed.warnings.map((w) => warningIssue(parsed, w, label)));
    doc = parsed.toJS();
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const line = err instanceof YAMLParseError ? err.linePos?.[0]?.line : undefined;
    const where = line ? `${label}:${line}` : label;
    const reason = firstLine((err as Error).message) || 'invalid YAML';
    throw new ConfigError([{ path: '', source: where, message: `invalid YAML: ${reason}` }]);
  }
  if (doc === null || doc === undefined) return {};
  if (!isPlainObject(doc))
    throw new ConfigError([{ path: '', source: label, message: 'top level must be a mapping' }]);
  return doc;
}

function chooseEnvironment(doc: Plain, name: string | undefined, label: string | null): Plain {
  const { environments, ...base } = doc;
  if (environments !== undefined && !isPlainObject(environments)) {
    throw new ConfigError([
      { path: 'environments', source: label ?? 'config', message: 'must be a mapping of name → overrides' },
    ]);
  }
  if (!name || name === 'default') return base;
  const overlay = environments?.[name];
  if (overlay === undefined) {
    if (!label) return base; // env-only deployments may name an environment without a file
    const defined = environments ? Object.keys(environments).join(', ') : 'none';
    throw new ConfigError([
      {
        path: `environments.${name}`,
        source: label,
        message: `environment "${name}" is not defined (defined: ${defined})`,
      },
    ]);
  }
  if (!isPlainObject(overlay)) {
    throw new ConfigError([
      { path: `environments.${name}`, source: label ?? 'config', message: 'must be a mapping' },
    ]);
  }
  return deepMerge(base, overlay) as Plain;
}

function decryptAll(raw: Plain, env: NodeJS.ProcessEnv, sourceOf: (path: string) => string): Plain {
  let key: Buffer | undefined;
  const issues: ConfigIssue[] = [];
  const out = mapStrings(raw, (text, path) => {
    if (!isEncrypted(text)) return text;
    try {
      key ??= parseMasterKey(env.HEARTBRIDGE_MASTER_KEY);
      return decryptSecret(text, key);
    } catch (err) {
      const p = formatPath(path);
      issues.push({
        path: p,
        source: sourceOf(p),
        message: err instanceof SecretError ? err.message : String(err),
      });
      return text;
    }
  }) as Plain;
  if (issues.length > 0) throw new ConfigError(issues, 'HB_ERR_CONFIG_SECRET');
  return out;
}

function issueMessage(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === 'invalid_type' && value === undefined) return 'required';
  if (issue.code === 'unrecognized_keys') return `unknown field(s): ${issue.keys.join(', ')}`;
  return issue.message;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = raw;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const explicitFile = options.file ?? env.HEARTBRIDGE_CONFIG;
  const file = explicitFile ?? DEFAULT_CONFIG_FILE;
  const fileExists = existsSync(file);
  if (explicitFile && !fileExists) {
    throw new ConfigError(
      [{ path: '', source: basename(file), message: 'file not found' }],
      'HB_ERR_CONFIG_FILE_MISSING',
    );
  }
  const label = fileExists ? basename(file) : null;
  const environment = options.environment ?? env.HEARTBRIDGE_ENV ?? 'default';

  const doc = fileExists ? readFile(file) : {};
  const merged = chooseEnvironment(doc, environment, label);
  const { raw, origins, notices } = applyEnvOverlay(merged, env, fileExists);
  const sourceOf = (path: string): string => {
    for (const [p, origin] of origins)
      if (path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`)) return origin;
    return label ?? 'environment';
  };
  const decrypted = decryptAll(raw, env, sourceOf);

  const result = (options.schema ?? configSchema).safeParse(decrypted);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => {
      const path = formatPath(issue.path);
      const value = valueAt(decrypted, issue.path);
      // zod may echo the input in messages; never for a secret field.
      const message = isSecretPath(issue.path)
        ? issueMessage(issue, value).replace(/"[^"]*"/g, '"…"')
        : issueMessage(issue, value);
      return { path, message, source: sourceOf(path) };
    });
    throw new ConfigError(issues);
  }
  const config = result.data;
  return {
    config,
    file: fileExists ? file : null,
    environment,
    version: configVersion(config),
    notices,
    secretValues: collectSecretValues(config),
  };
}
