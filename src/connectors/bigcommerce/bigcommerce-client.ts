/**
 * The BigCommerce API client: auth, the shared rate budget, bounded retries and response validation.
 * Resource methods (orders, catalog, inventory …) live in `resources/` and call `request`/`getJson`.
 *
 * Retry policy (STYLE §5, DESIGN §5.2):
 * - GET is idempotent: after a 429, a 5xx, a timeout or a network error the client waits and resends,
 *   at most `maxGetRetries` times, then raises the last error (retryable, with `notBefore`).
 * - POST/PUT/DELETE are never resent after a timeout, network error or 5xx: the write may have committed,
 *   so the client raises RetryableError and the queue re-runs the flow, which looks the record up first.
 *   A 429 on a write means the request was refused before doing anything, so it is resent ONCE after the
 *   wait the server asked for.
 * - Before every request a slot is taken from the per-store `RateBudgetStore`; waits longer than
 *   `maxWaitMs` are not slept in-process but raised as RetryableError with `notBefore`, so a worker is
 *   never parked for minutes.
 */
import type { z } from 'zod';
import { type HeartbridgeError, PermanentError, RetryableError } from '../../engine/errors.js';
import {
  type FetchLike,
  type HttpMethod,
  type HttpResponse,
  type ResponseHeaders,
  sleep,
  type Transport,
  TransportError,
  transportFor,
} from '../shared/http-transport.js';
import { bigCommerceError, headerlessBackoffMs, rateLimitWaitMs } from './errors.js';
import {
  InMemoryRateBudgetStore,
  type RateBudgetStore,
  type RequestPriority,
  readRateHeaders,
} from './rate-budget.js';

export const BC_USER_AGENT = 'heartbridge/0.1 (+https://github.com/heartbridge; BigCommerce-Heartland sync)';

export type QueryValue = string | number | boolean | ReadonlyArray<string | number> | undefined;
export type Query = Record<string, QueryValue>;

export interface BigCommerceClientOptions {
  /** `BIGCOMMERCE_API_URL`, e.g. `https://api.bigcommerce.com` (no `/stores/...`). */
  apiUrl: string;
  storeHash: string;
  accessToken: string;
  fetch?: FetchLike;
  /** Per request, including the body (default 30 000). */
  timeoutMs?: number;
  userAgent?: string;
  /** Shared budget; default: one in-memory budget per client. Pass a DbRateBudgetStore to share across processes. */
  rateBudget?: RateBudgetStore;
  /** Budget key (default `bc:<storeHash>`): every client of one store must use the same key. */
  budgetKey?: string;
  /** Transparent resends of a GET (default 3). */
  maxGetRetries?: number;
  /** Longest wait slept in-process; longer waits raise RetryableError with notBefore (default 35 000). */
  maxWaitMs?: number;
  /** Waits between GET resends after a 5xx / timeout / network error (default 1 s, 3 s, 9 s). */
  getRetryDelaysMs?: readonly number[];
  /** A timed-out POST's retry waits this long for it to land (src/connectors/shared/write-settle.ts). Default 30 s. */
  writeSettleMs?: number;
  now?: () => number;
}

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  priority?: RequestPriority;
}

export interface BcResponse {
  status: number;
  body: unknown;
  headers: ResponseHeaders;
}

export class BigCommerceClient {
  readonly storeHash: string;
  private readonly base: string;
  private readonly send: Transport;
  private readonly timeoutMs: number;
  private readonly budget: RateBudgetStore;
  private readonly budgetKey: string;
  private readonly maxGetRetries: number;
  private readonly maxWaitMs: number;
  private readonly retryDelays: readonly number[];
  private readonly now: () => number;
  private readonly writeSettleMs: number;
  private readonly headers: Record<string, string>;

  constructor(opts: BigCommerceClientOptions) {
    this.storeHash = opts.storeHash;
    this.base = `${opts.apiUrl.replace(/\/+$/, '')}/stores/${encodeURIComponent(opts.storeHash)}`;
    this.send = transportFor(opts.fetch);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.budget = opts.rateBudget ?? new InMemoryRateBudgetStore();
    this.budgetKey = opts.budgetKey ?? `bc:${opts.storeHash}`;
    this.maxGetRetries = opts.maxGetRetries ?? 3;
    this.maxWaitMs = opts.maxWaitMs ?? 35_000;
    this.retryDelays = opts.getRetryDelaysMs ?? [1000, 3000, 9000];
    this.now = opts.now ?? Date.now;
    this.writeSettleMs = opts.writeSettleMs ?? 30_000;
    this.headers = {
      'X-Auth-Token': opts.accessToken,
      Accept: 'application/json',
      'User-Agent': opts.userAgent ?? BC_USER_AGENT,
    };
  }

  /** Sends one logical request (with the retries above). Resolves for 2xx only (incl. 204). */
  async request(method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<BcResponse> {
    const info = { method, path };
    const isGet = method === 'GET';
    let resends = 0;
    let consecutive429 = 0;
    let writeResentAfter429 = false;
    for (;;) {
      await this.takeSlot(opts.priority ?? 'realtime', info);
      let res: HttpResponse;
      try {
        res = await this.send({
          method,
          url: this.base + path + encodeQuery(opts.query),
          headers: this.headers,
          body: opts.body,
          timeoutMs: this.timeoutMs,
        });
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        const e = bigCommerceError({ kind: 'transport', error: err }, info, this.now(), this.writeSettleMs);
        if (isGet && resends < this.maxGetRetries) {
          await sleep(this.retryDelays[Math.min(resends, this.retryDelays.length - 1)] ?? 1000);
          resends++;
          continue;
        }
        throw e;
      }
      const now = this.now();
      if (res.status === 429) {
        consecutive429++;
        const waitMs = rateLimitWaitMs(res.headers) ?? headerlessBackoffMs(consecutive429);
        await this.budget.observe(
          this.budgetKey,
          { ...readRateHeaders(res.headers), limitedForMs: waitMs },
          now,
        );
        const e = bigCommerceError({ kind: 'response', response: res, consecutive429 }, info, now);
        const mayResend = isGet ? resends < this.maxGetRetries : !writeResentAfter429;
        if (mayResend && waitMs <= this.maxWaitMs) {
          // The budget now holds the wait; takeSlot sleeps it for every worker of the store.
          if (isGet) resends++;
          else writeResentAfter429 = true;
          continue;
        }
        throw e;
      }
      await this.budget.observe(this.budgetKey, readRateHeaders(res.headers), now);
      if (res.status >= 200 && res.status < 300)
        return { status: res.status, body: res.body, headers: res.headers };
      const e = bigCommerceError({ kind: 'response', response: res }, info, now);
      if (e instanceof RetryableError && isGet && resends < this.maxGetRetries) {
        await sleep(this.retryDelays[Math.min(resends, this.retryDelays.length - 1)] ?? 1000);
        resends++;
        continue;
      }
      throw e;
    }
  }

  /** GET and validate; `undefined` body (204) is passed to the schema as `undefined`. */
  async getJson<S extends z.ZodType>(
    path: string,
    schema: S,
    opts: RequestOptions = {},
  ): Promise<z.output<S>> {
    const res = await this.request('GET', path, opts);
    return this.parse(schema, res.body, 'GET', path);
  }

  async sendJson<S extends z.ZodType>(
    method: Exclude<HttpMethod, 'GET'>,
    path: string,
    body: unknown,
    schema: S,
    opts: Omit<RequestOptions, 'body'> = {},
  ): Promise<z.output<S>> {
    const res = await this.request(method, path, { ...opts, body });
    return this.parse(schema, res.body, method, path);
  }

  /** Validates a response body against what we read; a mismatch is permanent (retrying gives the same). */
  parse<S extends z.ZodType>(schema: S, body: unknown, method: string, path: string): z.output<S> {
    const r = schema.safeParse(body);
    if (r.success) return r.data;
    const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new PermanentError({
      code: 'HB_ERR_BC_BAD_RESPONSE',
      message: `BigCommerce ${method} ${path} returned an unexpected shape: ${issues.join('; ')}`,
      context: { method, path },
    });
  }

  private async takeSlot(priority: RequestPriority, info: { method: string; path: string }): Promise<void> {
    for (;;) {
      const now = this.now();
      const { granted, waitMs } = await this.budget.reserve(this.budgetKey, priority, now);
      if (waitMs > this.maxWaitMs) {
        throw rateLimited(info, now + waitMs, waitMs);
      }
      await sleep(waitMs);
      if (granted) return;
    }
  }
}

function rateLimited(
  info: { method: string; path: string },
  notBefore: number,
  waitMs: number,
): HeartbridgeError {
  return new RetryableError({
    code: 'HB_ERR_BC_RATE_LIMITED',
    message: `BigCommerce ${info.method} ${info.path} held back: the store's shared rate budget is spent for ${waitMs} ms`,
    notBefore,
    context: { ...info },
  });
}

/** `{ 'sku:in': ['a','b'], page: 2 }` → `?sku:in=a,b&page=2` (BigCommerce joins lists with commas). */
export function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(',') : String(value);
    parts.push(
      `${encodeURIComponent(key).replace(/%3A/gi, ':')}=${encodeURIComponent(text).replace(/%2C/gi, ',')}`,
    );
  }
  return parts.length ? `?${parts.join('&')}` : '';
}
