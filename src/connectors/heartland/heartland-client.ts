/**
 * The Heartland Retail API client: bearer auth, a per-tenant in-flight limit, bounded retries, `?`
 * boolean normalisation, 201 + `Location` creates, and both pagination styles.
 *
 * Base URL: `HEARTLAND_API_URL`, the account's API root including `/api`
 * (`https://{subdomain}.retail.heartland.us/api`); paths here are relative to it (`/items`).
 *
 * Retry policy (same as BigCommerce, DESIGN §5.2): GETs are resent after 429/5xx/timeout/network a
 * bounded number of times; writes are never resent after an unknown outcome (the queue re-runs the flow),
 * but a write refused with 429 is resent once after `Retry-After`.
 */
import { z } from 'zod';
import { PermanentError, RetryableError } from '../../engine/errors.js';
import { AdaptiveLimiter, type LimitChange, type RequestOutcome } from '../shared/adaptive-limiter.js';
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
import { HL_WRITE_SETTLE_MS } from '../shared/write-settle.js';
import { heartlandError, retryAfterMs } from './errors.js';
import { encodeFilter, type HlFilter, hlFilter } from './filter.js';
import { normaliseBooleanKeys } from './normalise.js';

export const HL_USER_AGENT = 'heartbridge/0.1 (BigCommerce-Heartland sync)';

export type HlQueryValue = string | number | boolean | ReadonlyArray<string | number> | undefined;
export interface HlQuery {
  _filter?: HlFilter;
  [key: string]: HlQueryValue | HlFilter;
}

export interface HeartlandClientOptions {
  /** `HEARTLAND_API_URL`, including `/api`. */
  apiUrl: string;
  token: string;
  fetch?: FetchLike;
  timeoutMs?: number;
  /**
   * Most requests in flight per tenant (default 2). The limit backs off when requests time out in a
   * cluster and grows back as answers come (shared/adaptive-limiter.ts).
   */
  concurrency?: number;
  /** Told when the in-flight limit backs off or is back at `concurrency` (to log and export it). */
  onConcurrencyChange?: (change: LimitChange) => void;
  maxGetRetries?: number;
  /** Longest wait slept in-process; longer ones raise RetryableError with notBefore (default 35 000). */
  maxWaitMs?: number;
  getRetryDelaysMs?: readonly number[];
  /**
   * A timed-out POST's retry waits this long for it to land (src/connectors/shared/write-settle.ts).
   * Heartland's server-side request timeout is not documented [UNKNOWN]: 30 s is the conservative default.
   */
  writeSettleMs?: number;
  userAgent?: string;
}

export interface HlRequestOptions {
  query?: HlQuery;
  body?: unknown;
  /** Over a connection of its own (http-transport.ts `newConnection`): the read after an unanswered write. */
  newConnection?: boolean;
}

export interface HlResponse {
  status: number;
  body: unknown;
  headers: ResponseHeaders;
}

export interface HlPage<T> {
  items: T[];
  page: number;
  nextPage: number | null;
  total?: number;
  pages?: number;
}

export interface HlKeysetPage<T> {
  items: T[];
  /** Persist this; pass it back as `afterId` to resume. */
  lastId: number;
  done: boolean;
}

const collectionSchema = z.looseObject({
  total: z.number().optional(),
  pages: z.number().optional(),
  results: z.array(z.unknown()),
});

export class HeartlandClient {
  private readonly base: string;
  private readonly send: Transport;
  private readonly timeoutMs: number;
  private readonly limiter: AdaptiveLimiter;
  private readonly maxGetRetries: number;
  private readonly maxWaitMs: number;
  private readonly retryDelays: readonly number[];
  private readonly writeSettleMs: number;
  private readonly headers: Record<string, string>;

  constructor(opts: HeartlandClientOptions) {
    this.base = opts.apiUrl.replace(/\/+$/, '');
    this.send = transportFor(opts.fetch);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.limiter = new AdaptiveLimiter(opts.concurrency ?? 2, { onChange: opts.onConcurrencyChange });
    this.maxGetRetries = opts.maxGetRetries ?? 3;
    this.maxWaitMs = opts.maxWaitMs ?? 35_000;
    this.retryDelays = opts.getRetryDelaysMs ?? [1000, 3000, 9000];
    this.writeSettleMs = opts.writeSettleMs ?? HL_WRITE_SETTLE_MS;
    this.headers = {
      Authorization: `Bearer ${opts.token}`,
      Accept: 'application/json',
      'User-Agent': opts.userAgent ?? HL_USER_AGENT,
    };
  }

  async request(method: HttpMethod, path: string, opts: HlRequestOptions = {}): Promise<HlResponse> {
    const info = { method, path };
    const isGet = method === 'GET';
    let resends = 0;
    let writeResent = false;
    for (;;) {
      let res: HttpResponse;
      try {
        res = await this.limiter.run(
          () =>
            this.send({
              method,
              url: this.base + path + encodeHlQuery(opts.query),
              headers: this.headers,
              body: opts.body,
              timeoutMs: this.timeoutMs,
              newConnection: opts.newConnection,
            }),
          outcomeForLimit,
        );
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        if (isGet && resends < this.maxGetRetries) {
          await sleep(this.delay(resends++));
          continue;
        }
        throw heartlandError({ kind: 'transport', error: err }, info, Date.now(), this.writeSettleMs);
      }
      if (res.status >= 200 && res.status < 300) {
        return { status: res.status, body: normaliseBooleanKeys(res.body), headers: res.headers };
      }
      const e = heartlandError({ kind: 'response', response: res }, info);
      if (res.status === 429) {
        const waitMs = retryAfterMs(res.headers);
        const may = isGet ? resends < this.maxGetRetries : !writeResent;
        if (may && waitMs <= this.maxWaitMs) {
          if (isGet) resends++;
          else writeResent = true;
          await sleep(waitMs);
          continue;
        }
        throw e;
      }
      if (e instanceof RetryableError && isGet && resends < this.maxGetRetries) {
        await sleep(this.delay(resends++));
        continue;
      }
      throw e;
    }
  }

  /** Requests allowed in flight now (below `concurrency` while backing off). */
  get concurrencyLimit(): number {
    return this.limiter.limit;
  }

  async getJson<S extends z.ZodType>(
    path: string,
    schema: S,
    query?: HlQuery,
    opts: { newConnection?: boolean } = {},
  ): Promise<z.output<S>> {
    const res = await this.request('GET', path, { query, newConnection: opts.newConnection });
    return this.parse(schema, res.body, 'GET', path);
  }

  async putJson<S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.output<S>> {
    const res = await this.request('PUT', path, { body });
    return this.parse(schema, res.body, 'PUT', path);
  }

  /** POST that answers 201 + `Location` (body usually empty): returns the new record's id. */
  async createAndGetId(path: string, body: unknown): Promise<number> {
    const res = await this.request('POST', path, { body });
    const fromLocation = idFromLocation(res.headers.get('location'));
    if (fromLocation !== undefined) return fromLocation;
    const bodyId = (res.body as { id?: unknown } | undefined)?.id;
    if (typeof bodyId === 'number') return bodyId;
    throw new PermanentError({
      code: 'HB_ERR_HL_BAD_RESPONSE',
      message: `Heartland POST ${path} → ${res.status} without a Location header or id: the new record's id is unknown`,
      context: { method: 'POST', path },
    });
  }

  parse<S extends z.ZodType>(schema: S, body: unknown, method: string, path: string): z.output<S> {
    const r = schema.safeParse(body);
    if (r.success) return r.data;
    const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new PermanentError({
      code: 'HB_ERR_HL_BAD_RESPONSE',
      message: `Heartland ${method} ${path} returned an unexpected shape: ${issues.join('; ')}`,
      context: { method, path },
    });
  }

  /** Page-numbered walk (`page`/`per_page`, body `{total, pages, results}`). Pages drift if records change. */
  async *paginate<S extends z.ZodType>(
    path: string,
    item: S,
    opts: { query?: HlQuery; perPage?: number; startPage?: number } = {},
  ): AsyncGenerator<HlPage<z.output<S>>> {
    const perPage = opts.perPage ?? 100;
    for (let page = opts.startPage ?? 1; ; page++) {
      const body = await this.getJson(path, collectionSchema, { ...opts.query, page, per_page: perPage });
      const items = this.parse(z.array(item), body.results, 'GET', path);
      const more = body.pages !== undefined ? page < body.pages : items.length >= perPage;
      yield {
        items,
        page,
        nextPage: more && items.length > 0 ? page + 1 : null,
        total: body.total,
        pages: body.pages,
      };
      if (!more || items.length === 0) return;
    }
  }

  /**
   * Keyset walk for long syncs: `sort[]=id` + `id $gt lastId`, always page 1, so inserts and deletes
   * during the walk cannot make it skip or repeat records (NOTES §4, the official import tool's pattern).
   */
  async *keyset<S extends z.ZodType<{ id: number }>>(
    path: string,
    item: S,
    opts: { filter?: HlFilter; afterId?: number; perPage?: number; query?: HlQuery } = {},
  ): AsyncGenerator<HlKeysetPage<z.output<S>>> {
    const perPage = opts.perPage ?? 200;
    let lastId = opts.afterId ?? 0;
    for (;;) {
      const filter = hlFilter.and(opts.filter, hlFilter.gt('id', lastId));
      const body = await this.getJson(path, collectionSchema, {
        ...opts.query,
        _filter: filter,
        'sort[]': ['id'],
        page: 1,
        per_page: perPage,
      });
      const items = this.parse(z.array(item), body.results, 'GET', path);
      for (const it of items) lastId = Math.max(lastId, it.id);
      const done = items.length < perPage;
      yield { items, lastId, done };
      if (done) return;
    }
  }

  private delay(attempt: number): number {
    return this.retryDelays[Math.min(attempt, this.retryDelays.length - 1)] ?? 1000;
  }
}

/** `…/api/sales/orders/100400` → 100400. */
export function idFromLocation(location: string | null): number | undefined {
  if (!location) return undefined;
  const m = /\/(\d+)\/?(?:[?#].*)?$/.exec(location);
  return m ? Number(m[1]) : undefined;
}

/** `_filter` as JSON; array values repeat the key as written (`sort[]`, `_include[]`, `group[]`). */
export function encodeHlQuery(query: HlQuery | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (key === '_filter') params.append(key, encodeFilter(value as HlFilter));
    else if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.append(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** Any HTTP answer (even a 5xx) shows the server is reading requests; only a timeout counts against it. */
function outcomeForLimit(result: { ok: HttpResponse } | { error: unknown }): RequestOutcome {
  if ('ok' in result) return 'answered';
  return result.error instanceof TransportError && result.error.kind === 'timeout' ? 'timeout' : 'other';
}
