/**
 * The one logger factory (pino). Secrets never reach the output: every log object, every message
 * string and every child binding passes through the scrubber (see scrub.ts for why paths alone are not
 * enough). `redact` paths are kept as a cheap first line for the usual HTTP header locations.
 */
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { createScrubber, REDACTED, type Scrubber } from './scrub.js';

export type { Logger } from 'pino';

export interface CreateLoggerOptions {
  /** Default: env HEARTBRIDGE_LOG_LEVEL, else `info`. */
  level?: string;
  /** Literal secrets (from config) that must never be printed, wherever they turn up. */
  secrets?: readonly string[];
  /** Where lines go; default stdout. Tests pass a buffer stream. */
  destination?: DestinationStream;
  /** Extra fields on every line (e.g. `{ role: 'worker' }`). */
  base?: Record<string, unknown>;
}

export interface HeartbridgeLogger {
  logger: Logger;
  scrubber: Scrubber;
}

const HEADER_PATHS = ['authorization', 'x-auth-token', 'x-auth-client', 'cookie', 'set-cookie', 'x-api-key'];

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  return createLoggerWithScrubber(options).logger;
}

export function createLoggerWithScrubber(options: CreateLoggerOptions = {}): HeartbridgeLogger {
  const scrubber = createScrubber(options.secrets ?? []);
  const level = options.level ?? process.env.HEARTBRIDGE_LOG_LEVEL ?? 'info';
  const paths = HEADER_PATHS.flatMap((h) => [
    `req.headers["${h}"]`,
    `headers["${h}"]`,
    `res.headers["${h}"]`,
  ]);
  const config: LoggerOptions = {
    level,
    base: { service: 'heartbridge', ...(options.base ?? {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths, censor: REDACTED },
    formatters: {
      log: (object) => scrubber.scrub(object),
      bindings: (bindings) => scrubber.scrub(bindings),
    },
    hooks: {
      logMethod(args, method) {
        // pino takes the message from `err.message` when none is given; that text must be scrubbed too.
        const [first, ...rest] = args as unknown[];
        let cleaned: unknown[] = args as unknown[];
        const err = first instanceof Error ? first : (first as { err?: unknown } | null)?.err;
        if (err instanceof Error && typeof rest[0] !== 'string') {
          cleaned = [first instanceof Error ? { err: first } : first, err.message, ...rest];
        }
        cleaned = cleaned.map((a) => (typeof a === 'string' ? scrubber.scrubString(a) : a));
        return method.apply(this, cleaned as Parameters<typeof method>);
      },
    },
    serializers: {
      // The formatter already turned errors into plain objects; keep pino from re-wrapping them.
      err: (value: unknown) => value,
    },
  };
  const logger = options.destination ? pino(config, options.destination) : pino(config);
  // Child bindings bypass `formatters.bindings` (that applies to the root only). Children are created
  // with Object.create(parent), so overriding `child` here covers every descendant.
  const originalChild = logger.child;
  logger.child = function scrubbedChild(this: Logger, bindings, childOptions) {
    // Fastify makes one child per request with only `{ reqId }`: a counter-shaped id it generated
    // (`req-1a`) or a number has nothing to scrub, and walking it cost ~1.3 µs per request.
    return originalChild.call(
      this,
      isPlainReqId(bindings) ? bindings : scrubber.scrub(bindings),
      childOptions,
    );
  } as Logger['child'];
  return { logger, scrubber };
}

/** Fastify's generated request id (`req-<base36 counter>`) or a number — and no other binding. */
const GENERATED_REQ_ID = /^req-[0-9a-z]{1,12}$/;
function isPlainReqId(bindings: unknown): boolean {
  if (bindings === null || typeof bindings !== 'object') return false;
  const keys = Object.keys(bindings);
  if (keys.length !== 1 || keys[0] !== 'reqId') return false;
  const id = (bindings as { reqId: unknown }).reqId;
  return typeof id === 'number' || (typeof id === 'string' && GENERATED_REQ_ID.test(id));
}
