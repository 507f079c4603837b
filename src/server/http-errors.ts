/**
 * Every heartbridge HTTP error has one shape — `{ statusCode, code, error, message }` — the shape Fastify
 * uses, with our `HB_ERR_HTTP_*` codes. Routes throw `HttpError` (or a ZodError, or a HeartbridgeError);
 * the error handler in build-server.ts turns anything into this shape and never leaks internals on 5xx.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyReply } from 'fastify';

/** Code → HTTP status. Codes are never reused; add new ones at the end of their group. */
export const HTTP_ERROR_CODES = {
  HB_ERR_HTTP_BAD_REQUEST: 400,
  HB_ERR_HTTP_MALFORMED_JSON: 400,
  HB_ERR_HTTP_EMPTY_BODY: 400,
  HB_ERR_HTTP_VALIDATION: 400,
  HB_ERR_HTTP_UNAUTHORIZED: 401,
  HB_ERR_HTTP_FORBIDDEN: 403,
  HB_ERR_HTTP_NOT_FOUND: 404,
  HB_ERR_HTTP_METHOD_NOT_ALLOWED: 405,
  HB_ERR_HTTP_CONFLICT: 409,
  HB_ERR_HTTP_BODY_TOO_LARGE: 413,
  HB_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE: 415,
  HB_ERR_HTTP_TOO_MANY_REQUESTS: 429,
  HB_ERR_HTTP_URI_TOO_LONG: 414,
  HB_ERR_HTTP_REQUEST_TIMEOUT: 408,
  HB_ERR_HTTP_HEADERS_TOO_LARGE: 431,
  HB_ERR_HTTP_INTERNAL: 500,
  HB_ERR_HTTP_NOT_READY: 503,
} as const;

export type HttpErrorCode = keyof typeof HTTP_ERROR_CODES;

export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}

export class HttpError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    statusCode?: number,
  ) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode ?? HTTP_ERROR_CODES[code];
  }
}

export function errorBody(statusCode: number, code: string, message: string): ErrorBody {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

export function sendError(
  reply: FastifyReply,
  statusCode: number,
  code: string,
  message: string,
): FastifyReply {
  return reply
    .status(statusCode)
    .type('application/json; charset=utf-8')
    .send(errorBody(statusCode, code, message));
}

/** Maps Fastify's own error codes to ours. */
export const FASTIFY_CODE_MAP: Record<string, HttpErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'HB_ERR_HTTP_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_JSON_BODY: 'HB_ERR_HTTP_MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'HB_ERR_HTTP_EMPTY_BODY',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'HB_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'HB_ERR_HTTP_BAD_REQUEST',
  FST_ERR_VALIDATION: 'HB_ERR_HTTP_VALIDATION',
};
