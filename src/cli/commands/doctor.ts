/**
 * `heartbridge doctor [--connection id] [--json]`: is everything in place for sync to work? One line per
 * check, in plain words, with what to do when it fails; exit 1 when any check fails.
 *
 * Checks run in an order where a failure explains the later ones: when the BigCommerce token is refused,
 * the scope and webhook checks say "skipped" instead of repeating the same 401 three times.
 */
import type { Command } from 'commander';
import type { ConnectionConfig } from '../../config/config-schema.js';
import {
  bigCommerceClockProbe,
  type CheckResult,
  checkBigCommerceCredentials,
  checkBigCommerceHooks,
  checkBigCommerceScopes,
  checkClock,
  checkHeartlandToken,
  heartlandClockProbe,
} from '../../connectors/doctor-checks.js';
import { heartlandHooksStatus } from '../../connectors/heartland/hl-hooks-registration.js';
import { loadCliConfigWithStoredSecrets, printJson } from './cli-context.js';
import { bigCommerceApiFor, heartlandApiFor, pickConnection } from './webhooks.js';

export interface DoctorLine extends CheckResult {
  /** Not run because an earlier check it depends on failed. */
  skipped?: boolean;
}

async function checkDatabase(url: string): Promise<CheckResult> {
  const name = 'Database';
  const [{ openStore, pingStore, isPostgresUrl }] = await Promise.all([import('../../store/database.js')]);
  const kind = isPostgresUrl(url) ? 'PostgreSQL' : `SQLite (${url})`;
  let store: Awaited<ReturnType<typeof openStore>> | undefined;
  try {
    store = openStore(url);
    await pingStore(store);
    return { name, ok: true, detail: `${kind} answers` };
  } catch (err) {
    // The message of a pg error can name the host but never the password; SQLite names the path.
    return {
      name,
      ok: false,
      detail: `${kind} cannot be reached: ${(err as Error).message.split('\n')[0]}`,
      fix: 'check DATABASE_URL (or database.url in heartbridge.yaml) and that the database server is running',
    };
  } finally {
    await store?.close().catch(() => {});
  }
}

async function checkHeartlandHooks(conn: ConnectionConfig): Promise<CheckResult> {
  const name = 'Heartland webhooks';
  if (!conn.publicUrl || !conn.webhookSecret) return missingHookSettings(name, conn);
  try {
    const status = await heartlandHooksStatus(heartlandApiFor(conn), {
      publicUrl: conn.publicUrl,
      connectionId: conn.id,
      secret: conn.webhookSecret,
    });
    if (status.ok) return { name, ok: true, detail: 'item and customer events are subscribed' };
    return {
      name,
      ok: false,
      detail: `not subscribed: ${status.missing.join(', ')}`,
      fix: 'run `heartbridge webhooks install`',
    };
  } catch (err) {
    return { name, ok: false, detail: `could not list subscriptions: ${(err as Error).message}` };
  }
}

function missingHookSettings(name: string, conn: ConnectionConfig): CheckResult {
  const what = [
    !conn.publicUrl && 'HEARTBRIDGE_PUBLIC_URL',
    !conn.webhookSecret && 'HEARTBRIDGE_WEBHOOK_SECRET',
  ]
    .filter(Boolean)
    .join(' and ');
  return {
    name,
    ok: false,
    detail: `cannot check: ${what} not set, so no webhook can reach heartbridge`,
    fix: `set ${what}, then run \`heartbridge webhooks install\``,
  };
}

function skipped(name: string, because: string): DoctorLine {
  return { name, ok: false, skipped: true, detail: `skipped: ${because}` };
}

export async function runDoctor(
  databaseUrl: string,
  conn: ConnectionConfig | undefined,
): Promise<DoctorLine[]> {
  const lines: DoctorLine[] = [await checkDatabase(databaseUrl)];
  if (!conn) {
    lines.push({
      name: 'Connection',
      ok: false,
      detail: 'no BigCommerce ⇄ Heartland connection is configured',
      fix: 'set BIGCOMMERCE_STORE_HASH, BIGCOMMERCE_ACCESS_TOKEN, HEARTLAND_API_URL and HEARTLAND_API_TOKEN (or run `heartbridge connect heartland`), or add connections to heartbridge.yaml',
    });
    return lines;
  }
  const bc = bigCommerceApiFor(conn);
  const hl = heartlandApiFor(conn);
  const [bcCreds, hlToken] = await Promise.all([checkBigCommerceCredentials(bc), checkHeartlandToken(hl)]);
  lines.push(bcCreds);
  lines.push(
    bcCreds.ok
      ? await checkBigCommerceScopes(bc)
      : skipped('BigCommerce scopes', 'the BigCommerce credentials do not work'),
  );
  lines.push(hlToken);
  if (!bcCreds.ok) lines.push(skipped('BigCommerce webhooks', 'the BigCommerce credentials do not work'));
  else if (!conn.publicUrl || !conn.webhookSecret)
    lines.push(missingHookSettings('BigCommerce webhooks', conn));
  else lines.push(await checkBigCommerceHooks(bc, { publicUrl: conn.publicUrl, connectionId: conn.id }));
  lines.push(
    hlToken.ok
      ? await checkHeartlandHooks(conn)
      : skipped('Heartland webhooks', 'the Heartland token does not work'),
  );
  if (bcCreds.ok) lines.push(await checkClock('BigCommerce', bigCommerceClockProbe(bc)));
  else if (hlToken.ok) lines.push(await checkClock('Heartland', heartlandClockProbe(hl)));
  else lines.push(skipped('Clock', 'neither API answered, so there is no clock to compare with'));
  return lines;
}

export function formatDoctorLine(line: DoctorLine): string {
  const mark = line.ok ? '✓' : line.skipped ? '–' : '✗';
  const fix = !line.ok && line.fix ? ` → ${line.fix}` : '';
  return `${mark} ${line.name}: ${line.detail}${fix}`;
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check database, credentials, scopes, webhooks and clock; exit 1 when anything is wrong')
    .option('--connection <id>', 'connection to check (default: the only one, or "default")')
    .option('--json', 'machine-readable output')
    .action(async (opts: { connection?: string; json?: boolean }, command: Command) => {
      const loaded = await loadCliConfigWithStoredSecrets(command);
      const conn =
        loaded.config.connections.length === 0 ? undefined : pickConnection(loaded.config, opts.connection);
      const lines = await runDoctor(loaded.config.database.url, conn);
      const ok = lines.every((l) => l.ok);
      if (opts.json) printJson({ ok, connectionId: conn?.id ?? null, checks: lines });
      else {
        process.stdout.write(`${lines.map(formatDoctorLine).join('\n')}\n`);
        const failed = lines.filter((l) => !l.ok && !l.skipped).length;
        process.stdout.write(ok ? 'all checks passed\n' : `${failed} check(s) failed\n`);
      }
      if (!ok) process.exitCode = 1;
    });
}
