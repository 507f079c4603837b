/**
 * `heartbridge connect heartland --client-id … --client-secret … [--scopes …] [--oauth-base …]`: the
 * OAuth authorization-code flow for a Heartland account. Prints the authorize URL, receives the code on a
 * one-shot local callback, exchanges it and stores the token encrypted (AES-256-GCM with
 * HEARTBRIDGE_MASTER_KEY) in `connections.secrets_enc`. Later commands (and `withEngine`) use it as the
 * connection's Heartland token when HEARTLAND_API_TOKEN is not set (cli-context.ts). The token is never
 * printed.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { decryptSecret, encryptSecret, masterKeyFromEnv, SecretError } from '../../config/secrets.js';
import { connectHeartland } from '../../connectors/heartland/connect-flow.js';
import type { StoreHandle } from '../../store/database.js';
import { CliError } from '../cli-error.js';
import { cliActor, loadCliConfig, printJson, type StoredConnectionSecrets } from './cli-context.js';

/** What the sync uses (scope names as documented in Heartland's permission list). */
export const DEFAULT_HEARTLAND_SCOPES = [
  'item.manage',
  'item.view_cost',
  'custom_field.manage',
  'inventory.values.read',
  'inventory.transaction.read',
  'inventory.adjustment.manage',
  'location.read',
  'customer.read',
  'customer.manage',
  'sales.order.view',
  'sales.order.edit',
  'sales.order.manage',
  'sales.order.distribute',
  'sales.invoice.manage',
  'sales.ticket.manage',
  'payment.read',
  'payment_type.manage',
  'shipping_method.manage',
  'gift_card.manage',
  'webhooks.manage',
];

const optionsSchema = z.object({
  clientId: z.string().trim().min(1, '--client-id is required'),
  clientSecret: z.string().trim().min(1, '--client-secret is required'),
  scopes: z.string().trim().min(1).optional(),
  oauthBase: z.url('--oauth-base must be a URL such as https://retail.heartland.us').optional(),
  apiUrl: z.url('--api-url must be a URL such as https://acme.retail.heartland.us/api').optional(),
  connection: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/, '--connection: use lowercase letters, digits, - and _')
    .default('default'),
  port: z
    .string()
    .regex(/^\d+$/, '--port must be a number')
    .transform(Number)
    .refine((n) => n <= 65535, '--port must be at most 65535')
    .optional(),
  timeout: z
    .string()
    .regex(/^\d+$/, '--timeout must be a number of seconds')
    .transform((s) => Number(s) * 1000)
    .optional(),
  json: z.boolean().optional(),
});

/**
 * Merges `secrets` into the connection's stored (encrypted) secrets, creating the connection row when
 * needed. Everything in `secrets_enc` is re-encrypted as one value.
 */
export async function storeConnectionSecrets(
  store: StoreHandle,
  connection: { id: string; hlApiUrl?: string; bcApiUrl?: string; bcStoreHash?: string },
  secrets: StoredConnectionSecrets,
  key: Buffer,
  now = Date.now(),
): Promise<void> {
  const existing = await store.db
    .selectFrom('connections')
    .select(['id', 'hl_api_url', 'secrets_enc'])
    .where('id', '=', connection.id)
    .executeTakeFirst();
  let previous: StoredConnectionSecrets = {};
  if (existing?.secrets_enc) {
    try {
      previous = JSON.parse(decryptSecret(existing.secrets_enc, key)) as StoredConnectionSecrets;
    } catch {
      // Encrypted with another key (rotated): the new secrets replace what cannot be read.
    }
  }
  const secretsEnc = encryptSecret(JSON.stringify({ ...previous, ...secrets }), key);
  if (existing) {
    await store.db
      .updateTable('connections')
      .set({
        secrets_enc: secretsEnc,
        hl_api_url: connection.hlApiUrl ?? existing.hl_api_url,
        updated_at: now,
      })
      .where('id', '=', connection.id)
      .execute();
  } else {
    await store.db
      .insertInto('connections')
      .values({
        id: connection.id,
        name: connection.id,
        bc_api_url: connection.bcApiUrl ?? '',
        bc_store_hash: connection.bcStoreHash ?? '',
        hl_api_url: connection.hlApiUrl ?? '',
        secrets_enc: secretsEnc,
        settings_json: '{}',
        created_at: now,
        updated_at: now,
      })
      .execute();
  }
}

export function register(program: Command): void {
  const connect = program.command('connect').description('connect an account through OAuth');

  connect
    .command('heartland')
    .description('authorise heartbridge on a Heartland Retail account; the token is stored encrypted')
    .option('--client-id <id>', 'OAuth client id of your Heartland app')
    .option('--client-secret <secret>', 'OAuth client secret of your Heartland app')
    .option(
      '--scopes <list>',
      `space- or comma-separated scopes (default: ${DEFAULT_HEARTLAND_SCOPES.join(' ')})`,
    )
    .option('--oauth-base <url>', 'Heartland OAuth host (default https://retail.heartland.us)')
    .option('--api-url <url>', "the account's API URL, e.g. https://acme.retail.heartland.us/api")
    .option('--connection <id>', 'connection the token belongs to', 'default')
    .option('--port <port>', 'local callback port (must match the redirect URI registered with Heartland)')
    .option('--timeout <seconds>', 'give up waiting for the browser after this long', '600')
    .option('--json', 'machine-readable output')
    .action(async (raw: Record<string, unknown>, command: Command) => {
      const parsed = optionsSchema.safeParse(raw);
      if (!parsed.success) throw new CliError(parsed.error.issues[0]?.message ?? 'invalid options', 2);
      const opts = parsed.data;
      let key: Buffer;
      try {
        key = masterKeyFromEnv();
      } catch (err) {
        throw new CliError(
          `${err instanceof SecretError ? err.message.replace(', but an encrypted (enc:v1:) value must be read', '') : String(err)}: the token is stored encrypted with it (generate one with \`heartbridge config keygen\`)`,
        );
      }
      const loaded = loadCliConfig(command);
      const conn = loaded.config.connections.find((c) => c.id === opts.connection);
      const hlApiUrl = opts.apiUrl ?? conn?.heartland.apiUrl ?? process.env.HEARTLAND_API_URL?.trim();
      const scopes = opts.scopes ? opts.scopes.split(/[\s,]+/).filter(Boolean) : DEFAULT_HEARTLAND_SCOPES;

      const [{ openStore }, { migrateToLatest }] = await Promise.all([
        import('../../store/database.js'),
        import('../../store/migrations/index.js'),
      ]);
      const store = openStore(loaded.config.database.url);
      try {
        await migrateToLatest(store);
        const result = await connectHeartland({
          clientId: opts.clientId,
          clientSecret: opts.clientSecret,
          scopes,
          baseUrl: opts.oauthBase,
          port: opts.port,
          timeoutMs: opts.timeout,
          onAuthorizeUrl: (url) => {
            // stderr keeps stdout clean for --json; the user must see this line either way.
            process.stderr.write(`Open this address in a browser and approve heartbridge:\n\n  ${url}\n\n`);
            process.stderr.write('Waiting for Heartland to send you back here…\n');
          },
          storeToken: async (token) => {
            await storeConnectionSecrets(
              store,
              {
                id: opts.connection,
                hlApiUrl,
                bcApiUrl: conn?.bigcommerce.apiUrl,
                bcStoreHash: conn?.bigcommerce.storeHash,
              },
              { heartland: { apiToken: token.accessToken, scope: token.scope } },
              key,
            );
            const { createAudit } = await import('../../engine/audit.js');
            await createAudit(store.db).record({
              actor: cliActor(),
              action: 'connection.heartland.connect',
              target: `connection:${opts.connection}`,
              connectionId: opts.connection,
              detail: { scope: token.scope },
            });
          },
        });
        if (opts.json) return printJson({ connectionId: opts.connection, scope: result.scope, stored: true });
        process.stdout.write(
          `connected: Heartland token stored encrypted for connection "${opts.connection}" (scope: ${result.scope || '-'})\n`,
        );
        if (!hlApiUrl)
          process.stdout.write(
            "note: set HEARTLAND_API_URL (your account's https://<account>.retail.heartland.us/api) so heartbridge knows where to use it\n",
          );
      } catch (err) {
        if (err instanceof CliError) throw err;
        throw new CliError(`could not connect Heartland: ${(err as Error).message}`);
      } finally {
        await store.close();
      }
    });
}
