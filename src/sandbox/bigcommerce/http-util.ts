/** Query-string and pagination helpers shared by the route files. */
import type { FastifyRequest } from 'fastify';
import { BcError } from './bc-errors.js';

export type Query = Record<string, string | string[] | undefined>;

export function query(req: FastifyRequest): Query {
  return (req.query ?? {}) as Query;
}

/** First value of a query parameter. */
export function qs(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
}

export function qInt(q: Query, name: string): number | undefined {
  const v = qs(q, name);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new BcError(400, `The filter '${name}' must be an integer.`);
  return n;
}

/** `a,b,c` (or repeated parameters) → list; undefined when absent. */
export function qList(q: Query, name: string): string[] | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function qIntList(q: Query, name: string): number[] | undefined {
  return qList(q, name)?.map(Number).filter(Number.isInteger);
}

export function qBool(q: Query, name: string): boolean | undefined {
  const v = qs(q, name);
  if (v === undefined) return undefined;
  return v === 'true' || v === '1';
}

export function pageParams(q: Query, defaultLimit = 50, maxLimit = 250): { page: number; limit: number } {
  const page = Math.max(1, qInt(q, 'page') ?? 1);
  const limit = Math.min(maxLimit, Math.max(1, qInt(q, 'limit') ?? defaultLimit));
  return { page, limit };
}

export function slicePage<T>(items: T[], page: number, limit: number): T[] {
  return items.slice((page - 1) * limit, page * limit);
}

/** v3 `meta.pagination`. Links are query strings, as the API gives them. */
export function v3Meta(total: number, page: number, limit: number, count: number) {
  const totalPages = Math.max(1, Math.ceil(total / limit));
  const links: Record<string, string> = { current: `?page=${page}&limit=${limit}` };
  if (page > 1) links.previous = `?page=${page - 1}&limit=${limit}`;
  if (page < totalPages) links.next = `?page=${page + 1}&limit=${limit}`;
  return {
    pagination: { total, count, per_page: limit, current_page: page, total_pages: totalPages, links },
  };
}

export function v3List<T>(items: T[], q: Query, defaultLimit = 50, maxLimit = 250) {
  const { page, limit } = pageParams(q, defaultLimit, maxLimit);
  const data = slicePage(items, page, limit);
  return { data, meta: v3Meta(items.length, page, limit, data.length) };
}

export function bodyArray(body: unknown, what: string): unknown[] {
  if (!Array.isArray(body)) throw new BcError(422, `The request body must be an array of ${what}.`);
  return body;
}
