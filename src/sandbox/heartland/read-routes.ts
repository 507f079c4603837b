/**
 * The read routes every Heartland resource has in the same shape: a filtered, paged collection, one row
 * by id (404 naming the resource when it is missing), and the rows that belong to one parent record
 * (`/:id/lines`, `/:id/addresses`). Route modules register these and write only what differs.
 */
import type { FastifyInstance } from 'fastify';
import { collection, type HlContext, idParam, must, query } from './hl-http.js';
import type { HlTable } from './hl-table.js';

/** Renders a row for the response; `include` is the request's `_include[]`. */
export type HlRender<T> = (include: string[]) => (row: T) => Record<string, unknown>;

/**
 * `GET /api/<path>` and `GET /api/<path>/:id` over `table`. Without `render` a row is returned as stored;
 * with it, `_include[]` decides what is added (the query is then read for the by-id route too).
 */
export function registerReads<T extends { id: number }>(
  app: FastifyInstance,
  ctx: HlContext,
  path: string,
  table: HlTable<T>,
  what: string,
  render?: HlRender<T>,
): void {
  app.get(`/api/${path}`, async (request) => {
    const q = query(ctx, request);
    return collection(table.all(), q, render?.(q.include));
  });
  app.get(`/api/${path}/:id`, async (request) => {
    const id = idParam(request);
    if (!render) return { ...must(table.get(id), what, id) };
    const view = render(query(ctx, request).include);
    return view(must(table.get(id), what, id));
  });
}

/**
 * `GET /api/<parentPath>/:id/<childPath>`: the rows `childrenOf(id)` as a collection, or a 404 naming
 * `what` when the parent record does not exist.
 */
export function registerChildList<P extends { id: number }, C extends object>(
  app: FastifyInstance,
  ctx: HlContext,
  parentPath: string,
  childPath: string,
  parents: HlTable<P>,
  what: string,
  childrenOf: (id: number) => C[],
): void {
  app.get(`/api/${parentPath}/:id/${childPath}`, async (request) => {
    const id = idParam(request);
    must(parents.get(id), what, id);
    return collection(childrenOf(id), query(ctx, request));
  });
}
