/**
 * A config version is a short hash of the effective configuration with secrets masked: rotating a token
 * does not make a new version, changing a mapping or an interval does. Jobs record the version they ran
 * with (DESIGN §5.10); `config_versions` keeps the content of each so the audit trail can show it.
 */
import { createHash } from 'node:crypto';
import type { StoreHandle } from '../store/database.js';
import { redactConfig } from './config-redact.js';
import { isPlainObject } from './deep-merge.js';

/** JSON with object keys sorted at every depth, so equal configs hash equally. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function configVersion(config: unknown): string {
  return createHash('sha256')
    .update(stableStringify(redactConfig(config)))
    .digest('hex')
    .slice(0, 12);
}

/** Records the version (idempotent: the same version twice is one row). */
export async function recordConfigVersion(
  store: StoreHandle,
  input: { version: string; environment: string; config: unknown },
  now = Date.now(),
): Promise<void> {
  await store.db
    .insertInto('config_versions')
    .values({
      version: input.version,
      environment: input.environment,
      content_json: stableStringify(redactConfig(input.config)),
      created_at: now,
    })
    .onConflict((oc) => oc.column('version').doNothing())
    .execute();
}
