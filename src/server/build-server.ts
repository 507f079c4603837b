/**
 * Builds the Fastify app (not listening: tests use `inject()`, the app calls `listen`).
 *
 * What every route gets for free:
 * - body limit from `server.bodyLimitBytes` → 413 `HB_ERR_HTTP_BODY_TOO_LARGE`;
 * - JSON bodies parsed with a reason on failure → 400 `HB_ERR_HTTP_MALFORMED_JSON`, and the exact bytes
 *   kept on `request.rawBody` (webhook signatures are computed over the raw body, not re-serialised JSON);
 * - JSON nested deeper than `MAX_JSON_DEPTH` refused before parsing → 400 `HB_ERR_HTTP_VALIDATION` (deep
 *   values overflow the stack in every recursive consumer downstream: JSON.stringify, normalisers, zod);
 * - strings PostgreSQL cannot store (U+0000, unpaired surrogates) refused with their path → 400
 *   `HB_ERR_HTTP_VALIDATION`, on both backends alike;
 * - one error shape `{ statusCode, code, error, message }` for every 4xx/5xx;
 * - `app.adminAuth` (preHandler for admin routes) and `app.metrics`.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyError, type FastifyInstance, LogController } from 'fastify';
import { ZodError } from 'zod';
import type { HeartbridgeConfig } from '../config/config-schema.js';
import { HeartbridgeError } from '../engine/errors.js';
import type { Logger } from '../log/logger.js';
import type { StoreHandle } from '../store/database.js';
import { type AdminAuthHandler, createAdminAuth } from './admin-auth.js';
import { errorBody, FASTIFY_CODE_MAP, HttpError, type HttpErrorCode, sendError } from './http-errors.js';
import type { Metrics, QueueStatsSource } from './metrics.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerMetricsRoutes } from './routes/metrics-routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler for admin routes: `{ preHandler: app.adminAuth }`. */
    adminAuth: AdminAuthHandler;
    metrics: Metrics;
  }
  interface FastifyRequest {
    /** The request body exactly as received (JSON requests only). */
    rawBody?: Buffer;
  }
}

export interface BuildServerOptions {
  config: HeartbridgeConfig;
  store: StoreHandle;
  metrics: Metrics;
  logger: Logger;
  /** Queue whose state the job gauges show; absent in a web-only process without a queue. */
  engine?: { queue?: QueueStatsSource } | QueueStatsSource;
}

function queueOf(engine: BuildServerOptions['engine']): QueueStatsSource | undefined {
  if (!engine) return undefined;
  if ('countsByState' in engine) return engine;
  return engine.queue;
}

/** Real webhook payloads nest < 10 levels; 64 leaves room and keeps every recursive consumer far from the stack limit. */
export const MAX_JSON_DEPTH = 64;

/**
 * True when `text` opens more than `max` arrays/objects at once. Brackets inside strings do not count.
 * Iterative and allocation-free so it is cheap enough to run on every body before `JSON.parse`; it does
 * not validate (JSON.parse does that next).
 */
export function jsonDepthExceeds(text: string, max: number = MAX_JSON_DEPTH): boolean {
  // Fast path for every ordinary body: depth can never exceed the number of `{`/`[` anywhere in the
  // text, and counting them is a handful of native indexOf hops (a typical envelope has 3).
  let openers = 0;
  for (let i = text.indexOf('{'); i !== -1 && openers <= max; i = text.indexOf('{', i + 1)) openers++;
  for (let i = text.indexOf('['); i !== -1 && openers <= max; i = text.indexOf('[', i + 1)) openers++;
  if (openers <= max) return false;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Jump to the closing quote: the next `"` not preceded by an odd number of backslashes.
      let end = text.indexOf('"', i + 1);
      while (end !== -1) {
        let slashes = 0;
        for (let j = end - 1; text.charCodeAt(j) === 0x5c; j--) slashes++;
        if (slashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end === -1) return false; // unterminated string: JSON.parse reports it
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/**
 * The only ways U+0000 or a lone surrogate reach a body decoded from UTF-8: as a `\u0000` or
 * `\uD800`–`\uDFFF` escape (raw bytes for either are invalid UTF-8 and decode to U+FFFD; a raw NUL inside
 * a JSON string is a parse error). A paired surrogate escape also matches; the walk then finds nothing.
 */
const UNSTORABLE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

/** Cheap pre-check on the raw text: could the parsed value hold a string `findUnstorableString` refuses? */
export function mayHoldUnstorableString(text: string): boolean {
  return text.includes('\\u') && UNSTORABLE_ESCAPE.test(text);
}

// U+0000, a high surrogate not followed by a low one, or a low one not preceded by a high one (code units).
const UNSTORABLE_TEXT = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const unstorable = (s: string): boolean => UNSTORABLE_TEXT.test(s);

/**
 * Where the first string (key or value) PostgreSQL text/jsonb cannot store is — U+0000 or an unpaired
 * surrogate — as a path (`data.items[2].name`; a bad key is named by its parent), or undefined. SQLite
 * would store them, but both backends must answer the same, so the parser refuses them on both.
 * Iterative: the depth is already bounded, but nothing here should depend on that.
 */
export function findUnstorableString(value: unknown): string | undefined {
  const work: Array<{ v: unknown; path: string }> = [{ v: value, path: '' }];
  for (let item = work.pop(); item !== undefined; item = work.pop()) {
    const { v, path } = item;
    if (typeof v === 'string') {
      if (unstorable(v)) return path || '(body)';
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) work.push({ v: v[i], path: `${path}[${i}]` });
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (const [key] of entries) if (unstorable(key)) return `a key in ${path || '(body)'}`;
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown];
        work.push({ v: child, path: path ? `${path}.${key}` : key });
      }
    }
  }
  return undefined;
}

/**
 * Bytes Node's HTTP parser refuses never reach Fastify's routing, so they get our error shape here,
 * written straight to the socket, which is then closed (the stream can no longer be trusted). Only
 * llhttp's fixed reason text is used — `rawPacket` holds the request bytes, secret headers included.
 */
function clientErrorHandler(
  this: FastifyInstance,
  err: Error & { code?: string; reason?: string },
  socket: Socket,
) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  // A response already under way on this connection (pipelining) cannot be followed by another one.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, code, message]: [number, HttpErrorCode, string] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'HB_ERR_HTTP_REQUEST_TIMEOUT', 'the request did not arrive in time']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'HB_ERR_HTTP_HEADERS_TOO_LARGE', 'the request headers are too large']
        : [
            400,
            'HB_ERR_HTTP_BAD_REQUEST',
            `malformed HTTP request: ${err.reason ?? err.code ?? 'unreadable'}`,
          ];
  this.log.debug({ code: err.code }, 'client error');
  const body = JSON.stringify(errorBody(status, code, message));
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ].join('\r\n');
  socket.end(`${head}\r\n\r\n${body}`, () => socket.destroy());
}

/**
 * Why Fastify's secure JSON parser refused a body that is valid JSON: a `__proto__` key, or a
 * `constructor` object holding `prototype` (either could pollute prototypes downstream).
 * Runs on the refusal path only.
 */
export function forbiddenKeyMessage(value: unknown): string | undefined {
  const work: Array<{ v: unknown; path: string }> = [{ v: value, path: '' }];
  const at = (path: string, key: string) => (path ? `${path}.${key}` : key);
  for (let item = work.pop(); item !== undefined; item = work.pop()) {
    const { v, path } = item;
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      v.forEach((child, i) => {
        work.push({ v: child, path: `${path}[${i}]` });
      });
      continue;
    }
    if (Object.hasOwn(v, '__proto__'))
      return `forbidden key "__proto__" at ${at(path, '__proto__')} (it would change object prototypes)`;
    const ctor = (v as Record<string, unknown>).constructor;
    if (
      Object.hasOwn(v, 'constructor') &&
      ctor !== null &&
      typeof ctor === 'object' &&
      Object.hasOwn(ctor, 'prototype')
    )
      return `forbidden key "constructor.prototype" at ${at(path, 'constructor.prototype')} (it would change object prototypes)`;
    for (const [key, child] of Object.entries(v)) work.push({ v: child, path: at(path, key) });
  }
  return undefined;
}

function zodMessage(err: ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`)
    .join('; ');
}

export function buildServer(options: BuildServerOptions): FastifyInstance {
  const { config, store, metrics, logger } = options;
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.server.bodyLimitBytes,
    // Per-request info lines at webhook rates are noise and cost throughput; errors are logged below.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    clientErrorHandler,
    // Errors the router raises before any route runs (bad %-escape, over-long path parameter) get the
    // one error shape too. The path is not echoed: it may carry a URL secret (Heartland webhooks).
    frameworkErrors: (error, _request, reply) => {
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
        return sendError(reply, 414, 'HB_ERR_HTTP_URI_TOO_LONG', 'a URL path segment is over 100 characters');
      if (error.code === 'FST_ERR_BAD_URL')
        return sendError(reply, 400, 'HB_ERR_HTTP_BAD_REQUEST', 'the URL holds an invalid %-escape');
      const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
      if (status >= 500) reply.log.error({ err: error }, 'router error');
      return status >= 500
        ? sendError(reply, 500, 'HB_ERR_HTTP_INTERNAL', 'internal error; see the server log')
        : sendError(reply, status, 'HB_ERR_HTTP_BAD_REQUEST', error.message);
    },
  }) as unknown as FastifyInstance;

  const queue = queueOf(options.engine);
  if (queue) metrics.attachQueue(queue);
  metrics.attachStore(store);
  app.decorate('metrics', metrics);
  app.decorate(
    'adminAuth',
    createAdminAuth({ adminToken: config.server.adminToken, host: config.server.host }),
  );
  app.decorateRequest('rawBody', undefined);

  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    request.rawBody = raw;
    if (raw.length === 0)
      return done(new HttpError('HB_ERR_HTTP_EMPTY_BODY', 'request body is empty'), undefined);
    const text = raw.toString('utf8');
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
      const msg = `JSON nested deeper than ${MAX_JSON_DEPTH} levels`;
      return done(new HttpError('HB_ERR_HTTP_VALIDATION', msg), undefined);
    }
    defaultJson(request, text, (err, value) => {
      if (!err) {
        const where = mayHoldUnstorableString(text) ? findUnstorableString(value) : undefined;
        if (where === undefined) return done(null, value);
        const msg = `${where}: text holds U+0000 or an unpaired surrogate, which cannot be stored`;
        return done(new HttpError('HB_ERR_HTTP_VALIDATION', msg), undefined);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (parseErr) {
        const reason = (parseErr as Error).message;
        return done(new HttpError('HB_ERR_HTTP_MALFORMED_JSON', `malformed JSON body: ${reason}`), undefined);
      }
      // Valid JSON that the secure parser refused: say which key, not "not valid JSON".
      done(new HttpError('HB_ERR_HTTP_VALIDATION', forbiddenKeyMessage(parsed) ?? err.message), undefined);
    });
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      404,
      'HB_ERR_HTTP_NOT_FOUND',
      `no route for ${request.method} ${request.url.split('?')[0]}`,
    ),
  );

  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (error instanceof HttpError) {
      if (error.statusCode >= 500) request.log.warn({ code: error.code, url: request.url }, error.message);
      return sendError(reply, error.statusCode, error.code, error.message);
    }
    if (error instanceof ZodError) return sendError(reply, 400, 'HB_ERR_HTTP_VALIDATION', zodMessage(error));
    const fastifyCode = (error as FastifyError).code;
    const mapped = fastifyCode ? FASTIFY_CODE_MAP[fastifyCode] : undefined;
    const status = (error as FastifyError).statusCode;
    if (mapped && status) return sendError(reply, status, mapped, error.message);
    if ((error as FastifyError).validation)
      return sendError(reply, 400, 'HB_ERR_HTTP_VALIDATION', error.message);
    if (error instanceof HeartbridgeError && !error.retryable) {
      return sendError(reply, 400, error.code, error.message);
    }
    if (status && status >= 400 && status < 500)
      return sendError(reply, status, 'HB_ERR_HTTP_BAD_REQUEST', error.message);
    // 5xx: the details go to the log (scrubbed), the client gets a stable code and no internals.
    request.log.error({ err: error, url: request.url, method: request.method }, 'request failed');
    return sendError(reply, 500, 'HB_ERR_HTTP_INTERNAL', 'internal error; see the server log');
  });

  registerHealthRoutes(app, store);
  registerMetricsRoutes(app, metrics);
  return app;
}
