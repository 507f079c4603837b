/**
 * Async iterators over BigCommerce lists, one page at a time, so the caller drives (STYLE §5): it can
 * persist `nextPage` after handling each page and resume from it later (`startPage`).
 *
 * - v2 (orders, gift certificates): bare JSON arrays; `page` + `limit` (max 250). The list ends on a
 *   short page, an empty array or a 204 with no body (v2 answers 204 when nothing matches).
 * - v3: `{data, meta: {pagination: {current_page, total_pages, links: {next}}}}`; ends when
 *   `current_page >= total_pages` (or no `links.next`), or on 204.
 */
import { z } from 'zod';
import type { BigCommerceClient, Query, RequestOptions } from './bigcommerce-client.js';

export interface Page<T> {
  items: T[];
  page: number;
  /** The page to ask for next, or null when this was the last one. Persist it to resume. */
  nextPage: number | null;
  /** v3 only: total pages as the server reported them on this page. */
  totalPages?: number;
}

export interface PaginateOptions {
  query?: Query;
  /** Page size (default 250, the v2 and catalog maximum). */
  limit?: number;
  /** Resume point (default 1). */
  startPage?: number;
  priority?: RequestOptions['priority'];
}

export async function* paginateV2<S extends z.ZodType>(
  client: BigCommerceClient,
  path: string,
  item: S,
  opts: PaginateOptions = {},
): AsyncGenerator<Page<z.output<S>>> {
  const limit = opts.limit ?? 250;
  const listSchema = z.array(item).optional();
  for (let page = opts.startPage ?? 1; ; page++) {
    const res = await client.request('GET', path, {
      query: { ...opts.query, page, limit },
      priority: opts.priority,
    });
    const items = res.status === 204 ? [] : (client.parse(listSchema, res.body ?? [], 'GET', path) ?? []);
    const last = items.length < limit;
    if (items.length > 0 || page === (opts.startPage ?? 1)) {
      yield { items, page, nextPage: last ? null : page + 1 };
    }
    if (last) return;
  }
}

const v3PageSchema = z.looseObject({
  data: z.array(z.unknown()),
  meta: z
    .looseObject({
      pagination: z
        .looseObject({
          current_page: z.number().int().optional(),
          total_pages: z.number().int().optional(),
          links: z.looseObject({ next: z.string().nullish() }).optional(),
        })
        .optional(),
    })
    .optional(),
});

export async function* paginateV3<S extends z.ZodType>(
  client: BigCommerceClient,
  path: string,
  item: S,
  opts: PaginateOptions = {},
): AsyncGenerator<Page<z.output<S>>> {
  const limit = opts.limit ?? 250;
  const itemsSchema = z.array(item);
  for (let page = opts.startPage ?? 1; ; page++) {
    const res = await client.request('GET', path, {
      query: { ...opts.query, page, limit },
      priority: opts.priority,
    });
    if (res.status === 204 || res.body === undefined) {
      yield { items: [], page, nextPage: null };
      return;
    }
    const body = client.parse(v3PageSchema, res.body, 'GET', path);
    const items = client.parse(itemsSchema, body.data, 'GET', path);
    const p = body.meta?.pagination;
    const current = p?.current_page ?? page;
    const total = p?.total_pages;
    const more = total !== undefined ? current < total : Boolean(p?.links?.next) || items.length >= limit;
    yield {
      items,
      page: current,
      nextPage: more && items.length > 0 ? current + 1 : null,
      totalPages: total,
    };
    if (!more || items.length === 0) return;
  }
}

/** Flattens pages into items (when the caller does not need page cursors). */
export async function* itemsOf<T>(pages: AsyncIterable<Page<T>>): AsyncGenerator<T> {
  for await (const page of pages) yield* page.items;
}

export async function collect<T>(pages: AsyncIterable<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page.items);
  return out;
}
