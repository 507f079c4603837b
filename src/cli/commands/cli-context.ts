/**
 * What CLI commands share: loading the config from the global `--config` / `--env` options, opening the
 * engine on the configured database, parsing times, printing tables. Not a command (index.ts lists those).
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { fullConfigSchema } from '../../app/full-config-schema.js';
import { ConfigError, formatIssue } from '../../config/config-error.js';
import { parseDurationMs } from '../../config/duration.js';
import { type LoadedConfig, loadConfig } from '../../config/load-config.js';
import type { Engine } from '../../engine/engine.js';
import { CliError } from '../cli-error.js';

export interface GlobalOptions {
  config?: string;
  env?: string;
}

/** Loads the configuration named by the global options; a bad config becomes a one-line CliError. */
export function loadCliConfig(command: Command, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const globals = command.optsWithGlobals<GlobalOptions>();
  try {
    return loadConfig({ file: globals.config, environment: globals.env, env, schema: fullConfigSchema });
  } catch (err) {
    if (err instanceof ConfigError) {
      const [first, ...rest] = err.issues;
      const more = rest.length ? ` (+${rest.length} more; run \`heartbridge config validate\`)` : '';
      throw new CliError(`${first ? formatIssue(first) : err.message}${more}`);
    }
    throw err;
  }
}

/** Runs `fn` with an engine on the configured database (migrated), and closes everything after. */
export async function withEngine<T>(
  command: Command,
  fn: (engine: Engine, loaded: LoadedConfig) => Promise<T>,
): Promise<T> {
  const loaded = await loadCliConfigWithStoredSecrets(command);
  // Loaded on use: every CLI start would otherwise pay for the engine and database drivers.
  const [{ createEngine, createQueueBackend }, { openStore }, { migrateToLatest }] = await Promise.all([
    import('../../engine/engine.js'),
    import('../../store/database.js'),
    import('../../store/migrations/index.js'),
  ]);
  const store = openStore(loaded.config.database.url);
  try {
    await migrateToLatest(store);
    const backend = await createQueueBackend(store, {
      defaultMaxAttempts: loaded.config.workers.maxAttempts,
    });
    const engine = createEngine({ store, backend, currentConfigVersion: () => loaded.version });
    try {
      return await fn(engine, loaded);
    } finally {
      await engine.stop(0);
    }
  } finally {
    await store.close();
  }
}

/**
 * Secrets `heartbridge connect` stored for a connection: JSON, encrypted as a whole with
 * HEARTBRIDGE_MASTER_KEY (AES-256-GCM, `enc:v1:`) in `connections.secrets_enc`.
 */
export interface StoredConnectionSecrets {
  heartland?: { apiToken: string; scope?: string };
}

/** The stored secrets of one connection, or null when none are stored (or the table does not exist yet). */
export async function readStoredSecrets(
  databaseUrl: string,
  connectionId: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ secrets: StoredConnectionSecrets; hlApiUrl: string } | null> {
  const [{ openStore }, { decryptSecret, masterKeyFromEnv }] = await Promise.all([
    import('../../store/database.js'),
    import('../../config/secrets.js'),
  ]);
  const store = openStore(databaseUrl);
  let row: { secrets_enc: string | null; hl_api_url: string } | undefined;
  try {
    row = await store.db
      .selectFrom('connections')
      .select(['secrets_enc', 'hl_api_url'])
      .where('id', '=', connectionId)
      .executeTakeFirst();
  } catch {
    return null; // database not migrated yet: nothing can have been stored
  } finally {
    await store.close();
  }
  if (!row?.secrets_enc) return null;
  let key: Buffer;
  try {
    key = masterKeyFromEnv(env);
  } catch (err) {
    throw new CliError(
      `connection "${connectionId}" has a stored Heartland token, but it cannot be decrypted: ${(err as Error).message}`,
    );
  }
  try {
    return {
      secrets: JSON.parse(decryptSecret(row.secrets_enc, key)) as StoredConnectionSecrets,
      hlApiUrl: row.hl_api_url,
    };
  } catch (err) {
    throw new CliError(`connection "${connectionId}": stored secrets: ${(err as Error).message}`);
  }
}

const PLACEHOLDER_TOKEN = 'hb-stored-secret-placeholder';
const PLACEHOLDER_URL = 'https://stored-secret.invalid/api';

/**
 * Like loadCliConfig, and when the environment gives no Heartland token (HEARTLAND_API_TOKEN), the one
 * `heartbridge connect heartland` stored for the env-described connection (`default`, or the only one in
 * the file) is used — with its Heartland API URL when HEARTLAND_API_URL is unset. Precedence: env, then
 * the file, then the stored token.
 */
export async function loadCliConfigWithStoredSecrets(command: Command): Promise<LoadedConfig> {
  const env = process.env;
  if (env.HEARTLAND_API_TOKEN?.trim()) return loadCliConfig(command);
  try {
    // A file that names the token itself wins over a stored one.
    const plain = loadCliConfig(command);
    if (plain.config.connections.length > 0) return plain;
  } catch {
    // e.g. `heartland.apiToken: required` — the stored token may fill it
  }
  const globals = command.optsWithGlobals<GlobalOptions>();
  // Probe: which connection would the env token fill, and which database holds its stored secrets?
  let probe: LoadedConfig;
  try {
    probe = loadConfig({
      file: globals.config,
      environment: globals.env,
      env: {
        ...env,
        HEARTLAND_API_TOKEN: PLACEHOLDER_TOKEN,
        HEARTLAND_API_URL: env.HEARTLAND_API_URL?.trim() || PLACEHOLDER_URL,
      },
    });
  } catch {
    return loadCliConfig(command); // reports the real problem
  }
  const conn = probe.config.connections.find((c) => c.heartland.apiToken === PLACEHOLDER_TOKEN);
  if (!conn) return loadCliConfig(command);
  const stored = await readStoredSecrets(probe.config.database.url, conn.id, env);
  const token = stored?.secrets.heartland?.apiToken;
  if (!stored || !token) return loadCliConfig(command);
  const apiUrl = env.HEARTLAND_API_URL?.trim() || stored.hlApiUrl || undefined;
  return loadCliConfig(command, { ...env, HEARTLAND_API_TOKEN: token, HEARTLAND_API_URL: apiUrl });
}

/** `2024-05-01`, `2024-05-01T12:00:00Z`, or a duration ago (`2h`, `7d`) → epoch ms. */
export function parseTime(text: string | undefined, flag: string, now = Date.now()): number | undefined {
  if (text === undefined) return undefined;
  if (/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/.test(text.trim())) return now - parseDurationMs(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new CliError(
      `${flag}: not a time: "${text}" (use an ISO date or a duration ago such as 2h, 7d)`,
      2,
    );
  return ms;
}

export function parseId(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new CliError(`${what} must be a number, got "${text}"`, 2);
  return Number(text);
}

export function parseLimit(text: string | undefined, fallback = 50): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new CliError(`--limit must be a positive integer, got "${text}"`, 2);
  return Number(text);
}

/** Who did it, for the audit log. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Plain aligned columns (no colours: output is often piped). */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${[line(headers), ...rows.map(line)].join('\n')}\n`);
}

export function iso(ms: number | null | undefined): string {
  return ms ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z') : '-';
}

export function truncate(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
