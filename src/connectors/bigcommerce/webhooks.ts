/**
 * BigCommerce webhook deliveries: authenticate, validate, and say what they concern. Pure functions;
 * the HTTP route (server/) stores the result in the inbox and answers 2xx.
 *
 * Expected outcomes are values (`{valid:false, reason}`), not exceptions (STYLE §3): a wrong secret or a
 * malformed body is normal traffic for a public endpoint. Everything is checked against the RAW body
 * bytes, never a re-serialised object (a signature covers the exact bytes sent).
 *
 * Authentication:
 * 1. Always: the custom header set at registration (`X-Heartbridge-Secret` by default), compared in
 *    constant time.
 * 2. Optionally (when a signing secret is configured): a Standard Webhooks signature — `webhook-id`,
 *    `webhook-timestamp` (unix s), `webhook-signature: v1,<base64 HMAC-SHA256(key, "id.ts.rawBody")>`,
 *    key = base64-decoded secret (`whsec_` prefix optional). The timestamp must be within the tolerance
 *    window, which stops replays of old deliveries. NOTES §8 warns the header names are not confirmed
 *    by BigCommerce docs, hence optional.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { type HeaderBag, headerValue, secretsEqual } from '../shared/secret-compare.js';

export const DEFAULT_SECRET_HEADER = 'X-Heartbridge-Secret';

export const bcWebhookEnvelopeSchema = z.looseObject({
  scope: z.string().min(1),
  store_id: z.string().min(1),
  data: z.looseObject({}),
  hash: z.string().min(1),
  created_at: z.number().int(),
  producer: z.string(),
});
export type BcWebhookEnvelope = z.infer<typeof bcWebhookEnvelopeSchema>;

export type VerifyResult =
  | { valid: true }
  | {
      valid: false;
      reason: 'missing_secret' | 'wrong_secret' | 'missing_signature' | 'bad_signature' | 'stale_timestamp';
      detail: string;
    };

export interface VerifyOptions {
  /** The secret sent in the custom header. */
  secret: string;
  secretHeader?: string;
  /** Standard Webhooks signing secret (base64, optionally `whsec_`-prefixed). When set, a signature is required. */
  signingSecret?: string;
  /** Accepted clock difference for `webhook-timestamp` (default 300 s). */
  toleranceS?: number;
  now?: number;
}

export function verifyBigCommerceDelivery(
  headers: HeaderBag,
  rawBody: Buffer | string,
  opts: VerifyOptions,
): VerifyResult {
  const headerName = opts.secretHeader ?? DEFAULT_SECRET_HEADER;
  const got = headerValue(headers, headerName);
  if (got === undefined)
    return { valid: false, reason: 'missing_secret', detail: `header ${headerName} is missing` };
  if (!secretsEqual(got, opts.secret)) {
    return { valid: false, reason: 'wrong_secret', detail: `header ${headerName} does not match` };
  }
  if (opts.signingSecret === undefined) return { valid: true };
  return verifyStandardWebhookSignature(
    headers,
    rawBody,
    opts.signingSecret,
    opts.toleranceS ?? 300,
    opts.now,
  );
}

export function verifyStandardWebhookSignature(
  headers: HeaderBag,
  rawBody: Buffer | string,
  signingSecret: string,
  toleranceS = 300,
  now = Date.now(),
): VerifyResult {
  const id = headerValue(headers, 'webhook-id');
  const ts = headerValue(headers, 'webhook-timestamp');
  const sig = headerValue(headers, 'webhook-signature');
  if (!id || !ts || !sig) {
    return {
      valid: false,
      reason: 'missing_signature',
      detail: 'webhook-id, webhook-timestamp and webhook-signature are required',
    };
  }
  const tsS = Number(ts);
  if (!Number.isInteger(tsS) || Math.abs(now / 1000 - tsS) > toleranceS) {
    return {
      valid: false,
      reason: 'stale_timestamp',
      detail: `webhook-timestamp is outside the ${toleranceS} s window`,
    };
  }
  const expected = signStandardWebhook(signingSecret, id, tsS, rawBody);
  // The header may carry several space-separated signatures (key rotation); any v1 match is enough.
  const ok = sig
    .split(' ')
    .map((part) => part.split(','))
    .some(([version, value]) => version === 'v1' && value !== undefined && secretsEqual(value, expected));
  return ok
    ? { valid: true }
    : { valid: false, reason: 'bad_signature', detail: 'webhook-signature does not match the body' };
}

/** base64 HMAC-SHA256 of `${id}.${timestamp}.${rawBody}` (also used by the sandbox/tests to sign). */
export function signStandardWebhook(
  signingSecret: string,
  id: string,
  timestampS: number,
  rawBody: Buffer | string,
): string {
  const key = Buffer.from(signingSecret.replace(/^whsec_/, ''), 'base64');
  return createHmac('sha256', key).update(`${id}.${timestampS}.`).update(rawBody).digest('base64');
}

export type ParseResult =
  | {
      ok: true;
      envelope: BcWebhookEnvelope;
      /** scope + data id + hash: equal for re-sends of the same event (NOTES §8). */
      dedupeKey: string;
      route: ScopeRoute;
    }
  | { ok: false; reason: 'malformed'; detail: string };

export function parseBigCommerceDelivery(rawBody: Buffer | string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed', detail: 'body is not JSON' };
  }
  return parseBigCommerceEnvelope(json);
}

/**
 * `parseBigCommerceDelivery` for a body that is already parsed (the HTTP server parsed it once; the raw
 * bytes are still what signatures are checked against). Same validation, same result.
 */
export function parseBigCommerceEnvelope(json: unknown): ParseResult {
  const r = bcWebhookEnvelopeSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    return {
      ok: false,
      reason: 'malformed',
      detail: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
    };
  }
  const envelope = r.data;
  const route = routeScope(envelope.scope, envelope.data);
  if (route.ignored && route.invalid !== undefined)
    return { ok: false, reason: 'malformed', detail: route.invalid };
  const dataId = envelope.data.id ?? envelope.data.order_id ?? envelope.data.location_id ?? '';
  // `hash` is the SHA-1 of `data` only, so two distinct events with equal data share it: two sales of
  // one unit of the same product (`{method: "relative", value: -1}`), two updates of one order. Keyed
  // on the hash alone the second was dropped as a duplicate — in the chaos run a storefront sale never
  // reached the inventory flow and the web stayed a unit low. `created_at` (event time, the same on
  // every re-send of one event) tells them apart; equal-data events in the same second still collapse,
  // which is harmless: the coalesced job they would make has not run yet (hints wait 2 s) and reads
  // current state. A re-send with another created_at would pass as new: also harmless (flows are
  // idempotent); a dropped event is not.
  return {
    ok: true,
    envelope,
    dedupeKey: `${envelope.scope}:${String(dataId)}:${envelope.hash}:${envelope.created_at}`,
    route,
  };
}

export type ScopeRoute =
  | { ignored: false; topic: string; entityKey: string }
  | {
      ignored: true;
      topic: string;
      /** Set when the scope is known but its id is unusable (`data.id: …`): the delivery is malformed. */
      invalid?: string;
    };

const MAX_SHOWN = 40;
const shown = (v: unknown): string => {
  const text = typeof v === 'number' && !Number.isFinite(v) ? String(v) : (JSON.stringify(v) ?? String(v));
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
};

/**
 * BigCommerce ids are positive integers. An id becomes part of an entity key (`bc:order:123`), a queue
 * name and API paths, so only a positive safe integer — as a number or a digit string — is one; it is
 * written in canonical decimal so `"0123"`, `"123"` and `123` name the same entity. Anything else (-1,
 * 1.5, 2^64 rounded onto another id, 1e400 → Infinity, `"../../customers"`) is refused with a reason.
 * Absent (undefined / null) is not an error: the event is then ignored, as before.
 */
export function parseBigCommerceId(v: unknown): { id: string } | { invalid: string } | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (Number.isSafeInteger(n) && n > 0) return { id: String(n) };
  return { invalid: `must be a positive integer id, got ${shown(v)}` };
}

/** Which entity a scope concerns. Unknown scopes are ignored (acknowledged, counted, not processed). */
export function routeScope(scope: string, data: Record<string, unknown>): ScopeRoute {
  const key = (kind: string, id: unknown, field: string): ScopeRoute => {
    const parsed = parseBigCommerceId(id);
    if (parsed === undefined) return { ignored: true, topic: scope };
    if ('invalid' in parsed) return { ignored: true, topic: scope, invalid: `${field}: ${parsed.invalid}` };
    return { ignored: false, topic: scope, entityKey: `bc:${kind}:${parsed.id}` };
  };
  const nested = (obj: unknown, field: string): unknown =>
    obj && typeof obj === 'object' ? (obj as Record<string, unknown>)[field] : undefined;

  if (/^store\/order\/transaction\//.test(scope)) return key('order', data.order_id, 'data.order_id');
  if (
    /^store\/order\/(created|updated|archived|statusUpdated|message\/created|refund\/created)$/.test(scope)
  ) {
    return key('order', data.id, 'data.id');
  }
  if (/^store\/channel\/\d+\/order\//.test(scope)) {
    return data.order_id !== undefined && data.order_id !== null
      ? key('order', data.order_id, 'data.order_id')
      : key('order', data.id, 'data.id');
  }
  if (/^store\/shipment\/(created|updated|deleted)$/.test(scope))
    return key('order', data.orderId, 'data.orderId');
  if (/^store\/customer\/address\/(created|updated|deleted)$/.test(scope)) {
    return key('customer', nested(data.address, 'customer_id'), 'data.address.customer_id');
  }
  if (/^store\/customer\/(created|updated|deleted)$/.test(scope)) return key('customer', data.id, 'data.id');
  if (/^store\/product\/inventory\/(order\/)?updated$/.test(scope)) return key('product', data.id, 'data.id');
  if (/^store\/product\/(created|updated|deleted)$/.test(scope)) return key('product', data.id, 'data.id');
  if (/^store\/sku\/inventory\/(order\/)?updated$/.test(scope)) return key('sku', data.id, 'data.id');
  if (/^store\/sku\/(created|updated|deleted)$/.test(scope)) return key('sku', data.id, 'data.id');
  if (
    /^store\/channel\/\d+\/inventory\/product\/(stock_changed|low_stock_reached|out_of_stock_reached)$/.test(
      scope,
    )
  ) {
    // Variant ids and SKU ids are the same numbers in catalog v3; product-tracked items have no variant
    // (variant_id absent, null or 0).
    const variant = data.variant_id;
    const hasVariant = variant !== undefined && variant !== null && variant !== 0 && variant !== '0';
    return hasVariant
      ? key('sku', variant, 'data.variant_id')
      : key('product', data.product_id, 'data.product_id');
  }
  if (scope === 'store/hook/deliveryException') return key('hook', data.id, 'data.id');
  return { ignored: true, topic: scope };
}
