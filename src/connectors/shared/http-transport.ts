/**
 * The bottom layer of both connectors: one HTTP exchange with a timeout, nothing else.
 *
 * Uses Node 20's global `fetch`, whose default dispatcher keeps connections alive and reuses them, so
 * a worker talking to one API host does not pay a TLS handshake per request. `fetch` is injectable so
 * tests can script responses and inspect the requests made. Retries and error classification live one
 * layer up (each connector maps outcomes to coded errors in exactly one function).
 */
import { parseJsonLossless } from './lossless-json.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  /** Serialised as JSON when present. */
  body?: unknown;
  /** Whole exchange, including reading the body. */
  timeoutMs: number;
  /** Form-encoded body instead of JSON (OAuth token endpoints). */
  form?: Record<string, string>;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  /** Raw body text ('' for 204 or an empty body). */
  text: string;
  /** Body parsed with {@link parseJsonLossless}; undefined when empty or not JSON. */
  body: unknown;
  /** Epoch ms when the response was complete. */
  receivedAt: number;
}

/** A request that produced no HTTP response. The outcome of a write is then unknown. */
export class TransportError extends Error {
  constructor(
    readonly kind: 'timeout' | 'network',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

export async function sendHttp(fetchFn: FetchLike, req: HttpRequest): Promise<HttpResponse> {
  const headers: Record<string, string> = { ...req.headers };
  let body: string | undefined;
  if (req.form) {
    body = new URLSearchParams(req.form).toString();
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  } else if (req.body !== undefined) {
    body = JSON.stringify(req.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const signal = AbortSignal.timeout(req.timeoutMs);
  try {
    const res = await fetchFn(req.url, { method: req.method, headers, body, signal, redirect: 'manual' });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, body: parseBody(text), receivedAt: Date.now() };
  } catch (err) {
    throw toTransportError(err, req);
  }
}

function parseBody(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return parseJsonLossless(text);
  } catch {
    return undefined;
  }
}

function toTransportError(err: unknown, req: HttpRequest): TransportError {
  // The URL path is safe to show; tokens travel in headers, never in our URLs.
  const where = `${req.method} ${safeUrl(req.url)}`;
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new TransportError('timeout', `${where} timed out after ${req.timeoutMs} ms`, { cause: err });
  }
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
  return new TransportError('network', `${where} failed: network error${code}`, { cause: err });
}

/** Origin + path only: query strings may carry OAuth codes or secrets. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
