/**
 * Heartland error codes and the ONE function mapping an HTTP outcome to a classified error.
 * Heartland's error body is `{error, message, details: {field: [...]}}` (NOTES §3). Rate limits are
 * undocumented: a 429 is honoured with `Retry-After` (seconds), 60 s when absent (NOTES §6, [UNKNOWN]).
 */
import { type HeartbridgeError, PermanentError, RetryableError } from '../../engine/errors.js';
import type { HttpResponse, ResponseHeaders, TransportError } from '../shared/http-transport.js';
import { unansweredWrite } from '../shared/write-settle.js';

export const HL_ERROR_CODES = {
  HB_ERR_HL_RATE_LIMITED:
    'Heartland is throttling; requests wait as asked. Lower `heartland.concurrency` if it persists.',
  HB_ERR_HL_SERVER_ERROR: 'Heartland had an internal error; it is retried automatically.',
  HB_ERR_HL_TIMEOUT:
    'No answer in time; retried automatically. A write may or may not have happened: the flow looks it up first.',
  HB_ERR_HL_NETWORK: 'Heartland could not be reached; check the network and HEARTLAND_API_URL.',
  HB_ERR_HL_UNAUTHORIZED:
    'The Heartland token was refused: create a new API token in Heartland → My Account → API Tokens (or run `heartbridge connect heartland`).',
  HB_ERR_HL_FORBIDDEN:
    "The Heartland user behind the token lacks a permission or location access: grant it to the integration user's role.",
  HB_ERR_HL_NOT_FOUND: 'The record does not exist in Heartland (deleted, or wrong id).',
  HB_ERR_HL_VALIDATION:
    'Heartland rejected the data; fix the field named in the error (required custom fields are a common cause) and replay.',
  HB_ERR_HL_REQUEST_REJECTED: 'Heartland refused the request; see the message.',
  HB_ERR_HL_BAD_RESPONSE: 'Heartland answered with data heartbridge does not understand; report it.',
} as const;

export type HlErrorCode = keyof typeof HL_ERROR_CODES;

export const DEFAULT_HL_RETRY_AFTER_S = 60;

export function retryAfterMs(headers: ResponseHeaders): number {
  const v = headers.get('retry-after');
  const s = v === null ? Number.NaN : Number(v);
  return (Number.isFinite(s) && s >= 0 ? s : DEFAULT_HL_RETRY_AFTER_S) * 1000;
}

export type HlOutcome =
  | { kind: 'response'; response: HttpResponse }
  | { kind: 'transport'; error: TransportError };

/**
 * `writeSettleMs`: a POST that timed out may still commit on Heartland's side; its retry is not run
 * before then (src/connectors/shared/write-settle.ts).
 */
export function heartlandError(
  outcome: HlOutcome,
  req: { method: string; path: string },
  now = Date.now(),
  writeSettleMs = 0,
): HeartbridgeError {
  const where = `Heartland ${req.method} ${req.path}`;
  const context = { method: req.method, path: req.path };
  if (outcome.kind === 'transport') {
    const code = outcome.error.kind === 'timeout' ? 'HB_ERR_HL_TIMEOUT' : 'HB_ERR_HL_NETWORK';
    const unanswered = unansweredWrite(outcome.error, req.method, writeSettleMs, now);
    return new RetryableError({
      code,
      message: `${outcome.error.message.replace(/^\S+ \S+/, where)}${unanswered?.note ?? ''}`,
      suggestedFix: HL_ERROR_CODES[code],
      context,
      cause: outcome.error,
      notBefore: unanswered?.notBefore,
    });
  }
  const { response } = outcome;
  const status = response.status;
  const requestId = response.headers.get('x-request-id') ?? undefined;
  const parsed = parseHlErrorBody(response.body);
  const text = `${where} → ${status}${parsed.message ? `: ${parsed.message}` : ''}`;
  const base = { upstreamStatus: status, requestId, context };
  if (status === 429) {
    const waitMs = retryAfterMs(response.headers);
    return new RetryableError({
      ...base,
      code: 'HB_ERR_HL_RATE_LIMITED',
      message: `${text}; retry in ${waitMs} ms`,
      notBefore: now + waitMs,
      suggestedFix: HL_ERROR_CODES.HB_ERR_HL_RATE_LIMITED,
    });
  }
  if (status >= 500) {
    return new RetryableError({
      ...base,
      code: 'HB_ERR_HL_SERVER_ERROR',
      message: text,
      notBefore: now + 30_000,
      suggestedFix: HL_ERROR_CODES.HB_ERR_HL_SERVER_ERROR,
    });
  }
  const code: HlErrorCode =
    status === 401
      ? 'HB_ERR_HL_UNAUTHORIZED'
      : status === 403
        ? 'HB_ERR_HL_FORBIDDEN'
        : status === 404
          ? 'HB_ERR_HL_NOT_FOUND'
          : status === 400 || status === 422 || parsed.error === 'validation_error'
            ? 'HB_ERR_HL_VALIDATION'
            : 'HB_ERR_HL_REQUEST_REJECTED';
  return new PermanentError({
    ...base,
    code,
    message: text,
    fieldErrors: parsed.fieldErrors,
    suggestedFix: HL_ERROR_CODES[code],
  });
}

export function parseHlErrorBody(body: unknown): {
  error?: string;
  message?: string;
  fieldErrors?: Record<string, string[]>;
} {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const o = body as { error?: unknown; message?: unknown; details?: unknown };
  const fieldErrors: Record<string, string[]> = {};
  if (o.details && typeof o.details === 'object') {
    for (const [field, v] of Object.entries(o.details as Record<string, unknown>)) {
      const list = Array.isArray(v) ? v : [v];
      fieldErrors[field] = list.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
    }
  }
  const details = Object.entries(fieldErrors).map(([f, m]) => `${f} ${m.join(', ')}`);
  const message = [typeof o.message === 'string' ? o.message : undefined, details.join('; ') || undefined]
    .filter(Boolean)
    .join(' — ');
  return {
    error: typeof o.error === 'string' ? o.error : undefined,
    message: message || undefined,
    fieldErrors: Object.keys(fieldErrors).length ? fieldErrors : undefined,
  };
}
