/**
 * The bottom layer of both connectors: one HTTP exchange with a timeout, nothing else.
 *
 * Default: undici 7's `request` on a keep-alive agent (connections reused, so a worker talking to one
 * API host does not pay a TLS handshake per request) that resets a connection it abandons
 * (reset-on-abort.ts: a timed-out write must not reach the server after its retry). Why not the global
 * `fetch` (which is undici too): the WHATWG layer (Request/Response objects, web streams, an AbortSignal
 * per call) cost 4× the CPU per exchange on this machine (bench: ~240–440 µs vs ~110 µs per request,
 * client + a Fastify server), and an order makes ~12 exchanges. A `fetch`-shaped function stays
 * injectable so tests can script responses and inspect the requests made. Retries and error classification live one layer up (each connector maps
 * outcomes to coded errors in exactly one function).
 */
import { request as undiciRequest } from 'undici';
import { parseJsonLossless } from './lossless-json.js';
import { freshConnectionFor, resettingAgent } from './reset-on-abort.js';

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
  /**
   * Send over a connection of its own, opened for this request and closed after it, instead of a kept-alive
   * one. For the read that follows an unanswered write: see {@link freshConnectionFor}.
   */
  newConnection?: boolean;
}

/** What the connectors read from response headers: `get` as on WHATWG `Headers` (which satisfies it). */
export interface ResponseHeaders {
  get(name: string): string | null;
}

export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
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

/** One exchange: what the connectors' clients call. */
export type Transport = (req: HttpRequest) => Promise<HttpResponse>;

function encodeBody(req: HttpRequest): { headers: Record<string, string>; body: string | undefined } {
  const headers: Record<string, string> = { ...req.headers };
  let body: string | undefined;
  if (req.form) {
    body = new URLSearchParams(req.form).toString();
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  } else if (req.body !== undefined) {
    body = JSON.stringify(req.body);
    headers['Content-Type'] ??= 'application/json';
  }
  return { headers, body };
}

/** Through a `fetch`-shaped function (tests inject one to script responses). */
export async function sendHttp(fetchFn: FetchLike, req: HttpRequest): Promise<HttpResponse> {
  const { headers, body } = encodeBody(req);
  const signal = AbortSignal.timeout(req.timeoutMs);
  try {
    const res = await fetchFn(req.url, { method: req.method, headers, body, signal, redirect: 'manual' });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, body: parseBody(text), receivedAt: Date.now() };
  } catch (err) {
    throw toTransportError(err, req);
  }
}

class ExchangeTimeout extends Error {
  override name = 'TimeoutError';
}

/** The default transport: undici `request` (no redirects followed, like `redirect: 'manual'`). */
export const sendHttpUndici: Transport = async (req) => {
  const { headers, body } = encodeBody(req);
  // One timer for the whole exchange (headers and body), as AbortSignal.timeout gave the fetch path.
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new ExchangeTimeout('timeout')), req.timeoutMs);
  const own = req.newConnection ? freshConnectionFor(req.url) : undefined;
  try {
    const res = await undiciRequest(req.url, {
      method: req.method,
      headers,
      body,
      signal: ac.signal,
      dispatcher: own ?? resettingAgent,
    });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      headers: toHeaders(res.headers),
      text,
      body: parseBody(text),
      receivedAt: Date.now(),
    };
  } catch (err) {
    throw toTransportError(ac.signal.aborted ? ac.signal.reason : err, req);
  } finally {
    clearTimeout(timer);
    own?.close().catch(() => {});
  }
};

export function transportFor(fetchFn: FetchLike | undefined): Transport {
  return fetchFn ? (req) => sendHttp(fetchFn, req) : sendHttpUndici;
}

/**
 * undici's raw headers (names already lower-case) behind a `get`. Not a WHATWG `Headers`: building one
 * validates and copies every header of every response, and the first one loads Node's bundled fetch
 * implementation (~100 ms of start-up CPU on a restart).
 */
class RawHeaders implements ResponseHeaders {
  constructor(private readonly raw: Record<string, string | string[] | undefined>) {}

  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    if (v === undefined) return null;
    return Array.isArray(v) ? v.join(', ') : v;
  }
}

function toHeaders(raw: Record<string, string | string[] | undefined>): ResponseHeaders {
  return new RawHeaders(raw);
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
  // fetch wraps the socket error in `cause`; undici's request throws it with `code` on itself.
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const raw = typeof e?.cause?.code === 'string' ? e.cause.code : e?.code;
  const code = typeof raw === 'string' ? ` (${raw})` : '';
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
