/**
 * `heartbridge webhooks install | status [--connection id] [--json]`.
 *
 * install: creates the BigCommerce hooks (orders, customers, products, product and SKU inventory) pointing
 * at HEARTBRIDGE_PUBLIC_URL with the secret header, re-activates the ones BigCommerce switched off
 * (`is_active:false` after failed deliveries), and subscribes the Heartland item_* / customer_* events
 * with the secret in the URL (Heartland signs nothing). Idempotent.
 * status: lists both sides and flags inactive or missing hooks; exits 1 when anything is not active.
 *
 * Also home of the small helpers the operator commands share (pick a connection, build its API clients).
 */
import type { Command } from 'commander';
import type { ConnectionConfig, HeartbridgeConfig } from '../../config/config-schema.js';
import { BigCommerceApi } from '../../connectors/bigcommerce/bigcommerce-api.js';
import {
  DEFAULT_BC_HOOK_SCOPES,
  hooksStatus,
  installHooks,
} from '../../connectors/bigcommerce/hooks-registration.js';
import { HeartlandApi } from '../../connectors/heartland/heartland-api.js';
import {
  DEFAULT_HL_EVENTS,
  heartlandHooksStatus,
  installHeartlandHooks,
} from '../../connectors/heartland/hl-hooks-registration.js';
import { CliError } from '../cli-error.js';
import { loadCliConfigWithStoredSecrets, printJson } from './cli-context.js';

/** CLI commands answer a person: fail fast instead of the workers' long retry ladder. */
const CLI_HTTP = { timeoutMs: 15_000, getRetryDelaysMs: [500, 1_500] } as const;

export function pickConnection(config: HeartbridgeConfig, id: string | undefined): ConnectionConfig {
  const { connections } = config;
  if (connections.length === 0) {
    throw new CliError(
      'no connection configured: set BIGCOMMERCE_STORE_HASH, BIGCOMMERCE_ACCESS_TOKEN, HEARTLAND_API_URL and HEARTLAND_API_TOKEN (or run `heartbridge connect heartland`), or add connections to heartbridge.yaml',
    );
  }
  if (id === undefined) {
    const only = connections.length === 1 ? connections[0] : connections.find((c) => c.id === 'default');
    if (!only)
      throw new CliError(
        `several connections are configured; choose one with --connection (${connections.map((c) => c.id).join(', ')})`,
        2,
      );
    return only;
  }
  const found = connections.find((c) => c.id === id);
  if (!found)
    throw new CliError(`no connection "${id}" (configured: ${connections.map((c) => c.id).join(', ')})`, 2);
  return found;
}

export function bigCommerceApiFor(conn: ConnectionConfig): BigCommerceApi {
  return new BigCommerceApi({ ...conn.bigcommerce, ...CLI_HTTP });
}

export function heartlandApiFor(conn: ConnectionConfig): HeartlandApi {
  return new HeartlandApi({ apiUrl: conn.heartland.apiUrl, token: conn.heartland.apiToken, ...CLI_HTTP });
}

/** publicUrl and webhookSecret, or a CliError naming the variable to set. */
export function hookSettings(conn: ConnectionConfig): { publicUrl: string; secret: string } {
  if (!conn.publicUrl)
    throw new CliError(
      `connection "${conn.id}" has no public URL: set HEARTBRIDGE_PUBLIC_URL (the https address BigCommerce and Heartland deliver to)`,
    );
  if (!conn.webhookSecret)
    throw new CliError(
      `connection "${conn.id}" has no webhook secret: set HEARTBRIDGE_WEBHOOK_SECRET (e.g. \`openssl rand -hex 32\`)`,
    );
  return { publicUrl: conn.publicUrl, secret: conn.webhookSecret };
}

export interface WebhooksStatusReport {
  connectionId: string;
  ok: boolean;
  bigcommerce: { destination: string; hooks: { scope: string; state: 'active' | 'inactive' | 'missing' }[] };
  heartland: { events: { event: string; state: 'active' | 'missing' }[] };
}

export async function webhooksStatus(conn: ConnectionConfig): Promise<WebhooksStatusReport> {
  const { publicUrl, secret } = hookSettings(conn);
  const opts = { publicUrl, connectionId: conn.id, secret };
  const [bc, hl] = await Promise.all([
    hooksStatus(bigCommerceApiFor(conn), opts),
    heartlandHooksStatus(heartlandApiFor(conn), opts),
  ]);
  const missing = new Set(hl.missing);
  const events = DEFAULT_HL_EVENTS.map((event) => ({
    event,
    state: missing.has(event) ? ('missing' as const) : ('active' as const),
  }));
  return {
    connectionId: conn.id,
    ok: bc.ok && hl.ok,
    bigcommerce: {
      destination: bc.destination,
      hooks: bc.hooks.map(({ scope, state }) => ({ scope, state })),
    },
    heartland: { events },
  };
}

interface Opts {
  connection?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const webhooks = program
    .command('webhooks')
    .description('register and check the webhook subscriptions on both sides');

  webhooks
    .command('install')
    .description('create missing hooks, re-activate deactivated ones (BigCommerce and Heartland)')
    .option('--connection <id>', 'connection to work on (default: the only one, or "default")')
    .option('--json', 'machine-readable output')
    .action(async (opts: Opts, command: Command) => {
      const loaded = await loadCliConfigWithStoredSecrets(command);
      const conn = pickConnection(loaded.config, opts.connection);
      const { publicUrl, secret } = hookSettings(conn);
      const base = { publicUrl, connectionId: conn.id, secret };
      const bc = await installHooks(bigCommerceApiFor(conn), { ...base, scopes: DEFAULT_BC_HOOK_SCOPES });
      const hl = await installHeartlandHooks(heartlandApiFor(conn), { ...base, events: DEFAULT_HL_EVENTS });
      if (opts.json) return printJson({ connectionId: conn.id, bigcommerce: bc, heartland: hl });
      const out = [
        `BigCommerce → ${bc.destination}`,
        `  created ${bc.created.length}, re-activated ${bc.reactivated.length}, secret updated ${bc.updated.length}, already fine ${bc.unchanged.length}`,
        ...bc.reactivated.map((s) => `  re-activated ${s} (BigCommerce had switched it off)`),
        ...bc.created.map((s) => `  created ${s}`),
        `Heartland → ${publicUrl.replace(/\/+$/, '')}/webhooks/heartland/${conn.id}/…`,
        `  subscribed ${hl.created.length ? hl.created.join(', ') : 'nothing new'}, already fine ${hl.unchanged.length}${hl.removed ? `, removed ${hl.removed} with an old secret` : ''}`,
      ];
      process.stdout.write(`${out.join('\n')}\n`);
    });

  webhooks
    .command('status')
    .description('list the hooks on both sides; exit 1 when any is inactive or missing')
    .option('--connection <id>', 'connection to check (default: the only one, or "default")')
    .option('--json', 'machine-readable output')
    .action(async (opts: Opts, command: Command) => {
      const loaded = await loadCliConfigWithStoredSecrets(command);
      const report = await webhooksStatus(pickConnection(loaded.config, opts.connection));
      if (opts.json) printJson(report);
      else {
        const mark = (state: string) => (state === 'active' ? '✓' : '✗');
        const out = [
          `BigCommerce → ${report.bigcommerce.destination}`,
          ...report.bigcommerce.hooks.map((h) => `  ${mark(h.state)} ${h.scope.padEnd(40)} ${h.state}`),
          'Heartland',
          ...report.heartland.events.map((e) => `  ${mark(e.state)} ${e.event.padEnd(40)} ${e.state}`),
          report.ok
            ? 'all webhooks registered and active'
            : 'some webhooks are missing or inactive: run `heartbridge webhooks install`',
        ];
        process.stdout.write(`${out.join('\n')}\n`);
      }
      if (!report.ok) process.exitCode = 1;
    });
}
