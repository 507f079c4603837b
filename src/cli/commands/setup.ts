/**
 * `heartbridge setup [--connection id] [--json]`: creates what heartbridge needs in the Heartland account
 * — today the custom field on sales orders that carries the BigCommerce order id (DESIGN §5.1, §5.2: the
 * lookup that makes an order create safe to retry). Idempotent: existing definitions are kept.
 */
import type { Command } from 'commander';
import type { ConnectionConfig } from '../../config/config-schema.js';
import type { HeartlandApi } from '../../connectors/heartland/heartland-api.js';
import { loadCliConfigWithStoredSecrets, printJson } from './cli-context.js';
import { heartlandApiFor, pickConnection } from './webhooks.js';

export interface CustomFieldDefinition {
  group_id: string;
  key: string;
  name: string;
  validation_type?: string;
}

/** The key the orders flow writes the BigCommerce order id to (mapping.bcOrderIdCustomField). */
export function bcOrderIdField(conn: ConnectionConfig): string {
  const configured = (conn.mapping as Record<string, unknown>).bcOrderIdCustomField;
  return typeof configured === 'string' && /^[a-z][a-z0-9_]{0,62}$/.test(configured)
    ? configured
    : 'bc_order_id';
}

export function requiredCustomFields(conn: ConnectionConfig): CustomFieldDefinition[] {
  return [
    {
      group_id: 'sales.transaction',
      key: bcOrderIdField(conn),
      name: 'BigCommerce order id',
      validation_type: 'text',
    },
  ];
}

export async function runSetup(
  hl: HeartlandApi,
  fields: CustomFieldDefinition[],
): Promise<Array<CustomFieldDefinition & { id: number; created: boolean }>> {
  const out: Array<CustomFieldDefinition & { id: number; created: boolean }> = [];
  for (const def of fields) {
    const before = (await hl.customFields(def.group_id)).find((f) => f.key === def.key);
    const id = before ? before.id : await hl.ensureCustomField(def);
    out.push({ ...def, id, created: !before });
  }
  return out;
}

export function register(program: Command): void {
  program
    .command('setup')
    .description('create the Heartland custom fields heartbridge needs (safe to run again)')
    .option('--connection <id>', 'connection to set up (default: the only one, or "default")')
    .option('--json', 'machine-readable output')
    .action(async (opts: { connection?: string; json?: boolean }, command: Command) => {
      const loaded = await loadCliConfigWithStoredSecrets(command);
      const conn = pickConnection(loaded.config, opts.connection);
      const result = await runSetup(heartlandApiFor(conn), requiredCustomFields(conn));
      if (opts.json) return printJson({ connectionId: conn.id, customFields: result });
      for (const f of result) {
        process.stdout.write(
          `${f.created ? 'created' : 'already there'}: Heartland custom field ${f.group_id} "${f.key}" (${f.name}, id ${f.id})\n`,
        );
      }
    });
}
