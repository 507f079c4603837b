/**
 * The one error contract every layer speaks. An error carries a stable `code`
 * (`HB_ERR_<AREA>_<WHAT>`), a class that decides what the engine does with it, and structured
 * fields (entity key, upstream status) instead of text templates.
 *
 * - `RetryableError`: the world may be different later (network, timeout, 5xx, 429). The queue
 *   re-runs the flow after backoff, never before `notBefore` when the upstream told us when.
 * - `PermanentError`: retrying cannot help (validation, 4xx, unknown SKU). The job goes straight to
 *   the dead-letter queue / quarantine with `suggestedFix` where one can be computed.
 *
 * Anything else thrown (a bug) is treated as retryable a bounded number of times, then dead-lettered.
 */

export interface ErrorDetails {
  /** Stable machine-readable code, e.g. `HB_ERR_BC_RATE_LIMITED`. Never reused. */
  code: string;
  /** Human sentence for the engineer on call. */
  message: string;
  /** HTTP status of the upstream response, when the error came from one. */
  upstreamStatus?: number;
  /** Upstream request id (`x-request-id`), when present. */
  requestId?: string;
  /** Field errors returned by the upstream API (`{ field: [messages] }`). */
  fieldErrors?: Record<string, string[]>;
  /** What a person should do to fix it (shown in DLQ / quarantine lists). */
  suggestedFix?: string;
  /** Extra structured context (entity key, SKU, attempt). Must never contain secrets. */
  context?: Record<string, unknown>;
  cause?: unknown;
}

export abstract class HeartbridgeError extends Error {
  abstract readonly retryable: boolean;
  readonly code: string;
  readonly upstreamStatus?: number;
  readonly requestId?: string;
  readonly fieldErrors?: Record<string, string[]>;
  readonly suggestedFix?: string;
  readonly context?: Record<string, unknown>;

  constructor(details: ErrorDetails) {
    super(details.message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = details.code;
    this.upstreamStatus = details.upstreamStatus;
    this.requestId = details.requestId;
    this.fieldErrors = details.fieldErrors;
    this.suggestedFix = details.suggestedFix;
    this.context = details.context;
  }
}

export class RetryableError extends HeartbridgeError {
  readonly retryable = true;
  /** Earliest time a retry may run (epoch ms), e.g. a rate-limit reset. */
  readonly notBefore?: number;
  constructor(details: ErrorDetails & { notBefore?: number }) {
    super(details);
    this.notBefore = details.notBefore;
  }
}

export class PermanentError extends HeartbridgeError {
  readonly retryable = false;
}

/** Serialisable form of an error and its whole `cause` chain, as stored in the DLQ. */
export interface ErrorChainEntry {
  name: string;
  code?: string;
  message: string;
  retryable?: boolean;
  upstreamStatus?: number;
  fieldErrors?: Record<string, string[]>;
  suggestedFix?: string;
  context?: Record<string, unknown>;
  stack?: string;
}

export function errorChain(err: unknown, maxDepth = 8): ErrorChainEntry[] {
  const out: ErrorChainEntry[] = [];
  let current: unknown = err;
  while (current !== undefined && current !== null && out.length < maxDepth) {
    if (current instanceof Error) {
      const hb = current instanceof HeartbridgeError ? current : undefined;
      const code = hb?.code ?? (current as Error & { code?: unknown }).code;
      out.push({
        name: current.name,
        code: typeof code === 'string' ? code : undefined,
        message: current.message,
        retryable: hb?.retryable,
        upstreamStatus: hb?.upstreamStatus,
        fieldErrors: hb?.fieldErrors,
        suggestedFix: hb?.suggestedFix,
        context: hb?.context,
        stack: current.stack?.split('\n').slice(0, 6).join('\n'),
      });
      current = current.cause;
    } else {
      out.push({ name: typeof current, message: String(current) });
      break;
    }
  }
  return out;
}

/** True when the engine should retry (unknown errors count as retryable: bugs get bounded retries). */
export function isRetryable(err: unknown): boolean {
  return err instanceof HeartbridgeError ? err.retryable : true;
}

export function errorCode(err: unknown): string {
  if (err instanceof HeartbridgeError) return err.code;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'HB_ERR_UNEXPECTED';
}

export function notBeforeOf(err: unknown): number | undefined {
  return err instanceof RetryableError ? err.notBefore : undefined;
}
