/**
 * Heartland webhook deliveries (NOTES §15): the POST body IS the record (item, customer or sales
 * transaction) with no envelope, no event name and no signature. Authentication is a secret in the
 * callback URL (`/webhooks/heartland/:connection/:secret`), compared in constant time. The kind is
 * inferred from the record's shape; dedupe is on (kind, id, updated_at) since Heartland sends no hash.
 */
import { z } from 'zod';
import { secretsEqual } from '../shared/secret-compare.js';
import { normaliseBooleanKeys } from './normalise.js';

export type HlRecordKind = 'item' | 'customer' | 'transaction';

export type HlDeliveryResult =
  | {
      ok: true;
      kind: HlRecordKind;
      id: number;
      updatedAt: string | null;
      dedupeKey: string;
      topic: `hl/${HlRecordKind}`;
      entityKey: string;
      record: Record<string, unknown>;
    }
  | { ok: false; reason: 'malformed' | 'unknown_kind'; detail: string };

const recordSchema = z.looseObject({ id: z.number().int(), updated_at: z.string().nullish() });

export function verifyHeartlandUrlSecret(received: string | undefined, expected: string): boolean {
  return secretsEqual(received, expected);
}

/** Infers what a record is from its fields (the integrators' rules, NOTES §15). */
export function inferHeartlandKind(r: Record<string, unknown>): HlRecordKind | undefined {
  if (r.type === 'Ticket' || r.type === 'Return' || 'parent_transaction_id' in r) return 'transaction';
  if ('first_name' in r && ('email' in r || 'last_name' in r)) return 'customer';
  if ('public_id' in r && ('description' in r || 'price' in r || 'cost' in r || 'grid_id' in r))
    return 'item';
  return undefined;
}

export function parseHeartlandDelivery(rawBody: Buffer | string): HlDeliveryResult {
  let json: unknown;
  try {
    json = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed', detail: 'body is not JSON' };
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    return { ok: false, reason: 'malformed', detail: 'body is not a JSON object' };
  }
  const record = normaliseBooleanKeys(json) as Record<string, unknown>;
  const parsed = recordSchema.safeParse(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: 'malformed',
      detail: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
    };
  }
  const kind = inferHeartlandKind(record);
  if (!kind)
    return {
      ok: false,
      reason: 'unknown_kind',
      detail: 'the record is neither an item, a customer nor a transaction',
    };
  const { id } = parsed.data;
  const updatedAt = parsed.data.updated_at ?? null;
  return {
    ok: true,
    kind,
    id,
    updatedAt,
    dedupeKey: `hl:${kind}:${id}:${updatedAt ?? ''}`,
    topic: `hl/${kind}`,
    entityKey: `hl:${kind}:${id}`,
    record,
  };
}
