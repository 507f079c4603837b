/**
 * The registry of BigCommerce error codes and the ONE function that turns an HTTP outcome into a coded,
 * classified error (STYLE §3). Messages carry method, path, status, the API's own words and the
 * `x-request-id`, never a header value (the token travels in `X-Auth-Token`).
 */
import { type HeartbridgeError, PermanentError, RetryableError } from '../../engine/errors.js';
import type { HttpResponse, ResponseHeaders, TransportError } from '../shared/http-transport.js';
import { unansweredWrite } from '../shared/write-settle.js';

export const BC_ERROR_CODES = {
  HB_ERR_BC_RATE_LIMITED:
    'Wait until the time given; the quota is shared with other apps installed on the store.',
  HB_ERR_BC_SERVER_ERROR:
    'BigCommerce had an internal error; it is retried automatically. Check status.bigcommerce.com if it persists.',
  HB_ERR_BC_TIMEOUT:
    'No answer in time; retried automatically. A write may or may not have happened: the flow looks it up first.',
  HB_ERR_BC_NETWORK: 'The API could not be reached; check the network and BIGCOMMERCE_API_URL.',
  HB_ERR_BC_UNAUTHORIZED:
    'The access token was refused: create a new API account token in BigCommerce → Settings → API accounts and update the connection.',
  HB_ERR_BC_FORBIDDEN:
    'The API account lacks a scope this call needs: edit the API account in BigCommerce → Settings → API accounts and grant it.',
  HB_ERR_BC_NOT_FOUND: 'The record does not exist (deleted, or the id/store hash is wrong).',
  HB_ERR_BC_VALIDATION:
    'BigCommerce rejected the data; fix the field named in the error (mapping or source record) and replay.',
  HB_ERR_BC_CONFLICT: 'The record conflicts with an existing one (duplicate SKU, code or email).',
  HB_ERR_BC_TOO_LARGE:
    'Too many records or too large a page in one request; this is a heartbridge bug, please report it.',
  HB_ERR_BC_PLAN_LIMIT:
    'A BigCommerce plan limit was reached (e.g. number of locations); upgrade the plan or remove records.',
  HB_ERR_BC_REQUEST_REJECTED: 'BigCommerce refused the request; see the message.',
  HB_ERR_BC_BAD_RESPONSE:
    'BigCommerce answered with data heartbridge does not understand; report it with the request id.',
} as const;

export type BcErrorCode = keyof typeof BC_ERROR_CODES;

export interface BcRequestInfo {
  method: string;
  /** Path below the store base, e.g. `/v2/orders/12` (no query string). */
  path: string;
}

/** Backoff hint for a 429 without headers (platform under load): 1 s, 2 s, 4 s … capped at 60 s. */
export function headerlessBackoffMs(consecutive429: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, consecutive429 - 1));
}

/** max(X-Retry-After s, X-Rate-Limit-Time-Reset-Ms), or undefined when neither header is present. */
export function rateLimitWaitMs(headers: ResponseHeaders): number | undefined {
  const retryAfterS = num(headers.get('x-retry-after') ?? headers.get('retry-after'));
  const resetMs = num(headers.get('x-rate-limit-time-reset-ms'));
  if (retryAfterS === undefined && resetMs === undefined) return undefined;
  return Math.max((retryAfterS ?? 0) * 1000, resetMs ?? 0);
}

export type BcOutcome =
  | { kind: 'response'; response: HttpResponse; consecutive429?: number }
  | { kind: 'transport'; error: TransportError };

/** Maps a failed exchange to the error the engine acts on. Call only for non-2xx or transport failures. */
/** `writeSettleMs`: a POST that timed out is not retried before then (src/connectors/shared/write-settle.ts). */
export function bigCommerceError(
  outcome: BcOutcome,
  req: BcRequestInfo,
  now = Date.now(),
  writeSettleMs = 0,
): HeartbridgeError {
  const where = `BigCommerce ${req.method} ${req.path}`;
  const context = { method: req.method, path: req.path };
  if (outcome.kind === 'transport') {
    const code = outcome.error.kind === 'timeout' ? 'HB_ERR_BC_TIMEOUT' : 'HB_ERR_BC_NETWORK';
    const unanswered = unansweredWrite(outcome.error, req.method, writeSettleMs, now);
    return new RetryableError({
      code,
      message: `${outcome.error.message.replace(/^\S+ \S+/, where)}${unanswered?.note ?? ''}`,
      suggestedFix: BC_ERROR_CODES[code],
      context,
      cause: outcome.error,
      notBefore: unanswered?.notBefore,
    });
  }
  const { response } = outcome;
  const status = response.status;
  const requestId = response.headers.get('x-request-id') ?? undefined;
  const parsed = parseErrorBody(response.body);
  const suffix = `${parsed.message ? `: ${parsed.message}` : ''}${requestId ? ` (request id ${requestId})` : ''}`;
  const base = { upstreamStatus: status, requestId, context };

  if (status === 429) {
    const headerWait = rateLimitWaitMs(response.headers);
    const waitMs = headerWait ?? headerlessBackoffMs(outcome.consecutive429 ?? 1);
    return new RetryableError({
      ...base,
      code: 'HB_ERR_BC_RATE_LIMITED',
      message: `${where} → 429 rate limited; retry in ${waitMs} ms${headerWait === undefined ? ' (no rate-limit headers: platform under load)' : ''}`,
      notBefore: now + waitMs,
      suggestedFix: BC_ERROR_CODES.HB_ERR_BC_RATE_LIMITED,
    });
  }
  if (status >= 500 && status !== 507) {
    return new RetryableError({
      ...base,
      code: 'HB_ERR_BC_SERVER_ERROR',
      message: `${where} → ${status}${suffix}`,
      // BigCommerce asks for at least a minute between retries of a 500 (NOTES §2).
      notBefore: now + 60_000,
      suggestedFix: BC_ERROR_CODES.HB_ERR_BC_SERVER_ERROR,
    });
  }
  const code = permanentCode(status);
  return new PermanentError({
    ...base,
    code,
    message: `${where} → ${status}${suffix}`,
    fieldErrors: parsed.fieldErrors,
    suggestedFix: BC_ERROR_CODES[code],
  });
}

function permanentCode(status: number): BcErrorCode {
  switch (status) {
    case 401:
      return 'HB_ERR_BC_UNAUTHORIZED';
    case 403:
      return 'HB_ERR_BC_FORBIDDEN';
    case 404:
      return 'HB_ERR_BC_NOT_FOUND';
    case 400:
    case 422:
      return 'HB_ERR_BC_VALIDATION';
    case 409:
      return 'HB_ERR_BC_CONFLICT';
    case 413:
      return 'HB_ERR_BC_TOO_LARGE';
    case 507:
      return 'HB_ERR_BC_PLAN_LIMIT';
    default:
      return 'HB_ERR_BC_REQUEST_REJECTED';
  }
}

/** Reads both error shapes: v2 `[{status, message}]` and v3 problem+json `{status, title, type, errors}`. */
export function parseErrorBody(body: unknown): { message?: string; fieldErrors?: Record<string, string[]> } {
  if (Array.isArray(body)) {
    const messages = body
      .map((e) => (e && typeof e === 'object' ? (e as { message?: unknown }).message : undefined))
      .filter((m): m is string => typeof m === 'string');
    return messages.length ? { message: messages.join('; '), fieldErrors: { _: messages } } : {};
  }
  if (body && typeof body === 'object') {
    const o = body as { title?: unknown; detail?: unknown; message?: unknown; errors?: unknown };
    const title = [o.title, o.detail, o.message]
      .filter((t): t is string => typeof t === 'string')
      .join(' — ');
    const fieldErrors: Record<string, string[]> = {};
    if (o.errors && typeof o.errors === 'object') {
      for (const [field, value] of Object.entries(o.errors as Record<string, unknown>)) {
        const list = Array.isArray(value) ? value : [value];
        fieldErrors[field] = list.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      }
    }
    const details = Object.entries(fieldErrors).map(([f, m]) => `${f}: ${m.join(', ')}`);
    const message = [title, details.join('; ')].filter(Boolean).join(' — ');
    return {
      message: message || undefined,
      fieldErrors: Object.keys(fieldErrors).length ? fieldErrors : undefined,
    };
  }
  return {};
}

function num(v: string | null): number | undefined {
  if (v === null || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}
