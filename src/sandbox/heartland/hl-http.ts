/**
 * HTTP helpers shared by the Heartland route modules: the `{total, pages, results}` envelope, `201` +
 * `Location` + empty body for creates, `_only[]` field selection, and zod-based body validation that
 * answers with Heartland's `{error:"validation_error", message, details}` body.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { type CollectionQuery, type PagingOptions, parseCollectionQuery } from './collection-query.js';
import { type HlRow, matchesFilter, sortRows } from './filter-eval.js';
import { HlHttpError, notFound, validationError } from './hl-errors.js';
import type { HlState } from './hl-state.js';

export interface HlSimOptionsResolved extends PagingOptions {
  validationStatus: number;
  customPutMode: 'merge' | 'replace';
  commitOn: 'distribute' | 'open';
  requireOpenForInvoice: boolean;
  autoCompleteInvoices: boolean;
  transactionWebhooks: boolean;
  webhookRetries: number;
  webhookTimeoutMs: number;
}

export interface HlContext {
  state: HlState;
  options: HlSimOptionsResolved;
  /** Absolute API base including `/api`, e.g. `http://127.0.0.1:4567/api`. */
  apiBase(): string;
}

export function query(ctx: HlContext, request: FastifyRequest): CollectionQuery {
  return parseCollectionQuery(request.url, ctx.options);
}

export function pickFields(row: object, only: string[]): Record<string, unknown> {
  const src = row as Record<string, unknown>;
  if (only.length === 0) return { ...src };
  const out: Record<string, unknown> = {};
  for (const f of only) {
    if (f in src) out[f] = src[f];
    else if (`${f}?` in src) out[`${f}?`] = src[`${f}?`];
  }
  return out;
}

/** Filters, sorts and pages `rows`, then renders each with `render` (for `_include[]`) and `_only[]`. */
export function collection<T extends object>(
  rows: T[],
  q: CollectionQuery,
  render: (row: T) => Record<string, unknown> = (r) => ({ ...(r as Record<string, unknown>) }),
): { total: number; pages: number; results: Record<string, unknown>[] } {
  let list = rows as unknown as HlRow[];
  if (q.filters.length > 0) list = list.filter((r) => q.filters.every((f) => matchesFilter(r, f)));
  list = sortRows(list, q.sort);
  const total = list.length;
  const perPage = q.perPage ?? Math.max(total, 1);
  const pages = Math.ceil(total / perPage);
  const start = (q.page - 1) * perPage;
  const slice = q.perPage === null ? (q.page === 1 ? list : []) : list.slice(start, start + perPage);
  const results = slice.map((r) => pickFields(render(r as unknown as T), q.only));
  return { total, pages, results };
}

export function sendCreated(ctx: HlContext, reply: FastifyReply, path: string): FastifyReply {
  // Empty body and an absolute Location (NOTES §3 [C2]): clients GET it or parse the trailing id.
  return reply.code(201).header('location', `${ctx.apiBase()}${path}`).send();
}

export function idParam(request: FastifyRequest, name = 'id'): number {
  const raw = (request.params as Record<string, string>)[name] ?? '';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new HlHttpError(404, 'not_found', `No record ${raw}`, {});
  return n;
}

export function must<T>(row: T | undefined, what: string, id: number | string): T {
  if (row === undefined) throw notFound(what, id);
  return row;
}

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const res = schema.safeParse(body ?? {});
  if (!res.success) {
    const details: Record<string, string[]> = {};
    for (const issue of res.error.issues) {
      const key = issue.path.length > 0 ? issue.path.join('.') : 'base';
      const list = details[key] ?? [];
      list.push(issue.message);
      details[key] = list;
    }
    throw validationError(details);
  }
  return res.data;
}

/** Reads bare-named booleans from a write body; writes use `active`, responses say `active?`. We also
 * accept the `?` spelling, since some clients echo a fetched record back. */
export function boolField(body: Record<string, unknown>, name: string): boolean | undefined {
  const v = body[name] ?? body[`${name}?`];
  return typeof v === 'boolean' ? v : undefined;
}

/** Collects top-level `"custom@key": value` writes (NOTES §8, [C1: S4]). */
export function customAtKeys(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (k.startsWith('custom@')) out[k.slice(7)] = v;
  return out;
}

/** Applies a write's `custom` per `customPutMode` ([UNKNOWN] merge vs replace; default replace). */
export function applyCustom(
  ctx: HlContext,
  current: Record<string, unknown>,
  body: Record<string, unknown>,
  isCreate: boolean,
): Record<string, unknown> {
  const incoming = body.custom;
  let next = current;
  if (incoming && typeof incoming === 'object' && !Array.isArray(incoming)) {
    next =
      isCreate || ctx.options.customPutMode === 'replace'
        ? { ...(incoming as Record<string, unknown>) }
        : { ...current, ...(incoming as Record<string, unknown>) };
  } else {
    next = { ...current };
  }
  return { ...next, ...customAtKeys(body) };
}

/** Rejects a create that lacks a required custom field of `groupId` (NOTES §8 / quirk 3). */
export function checkRequiredCustom(ctx: HlContext, groupId: string, custom: Record<string, unknown>): void {
  const details: Record<string, string[]> = {};
  for (const def of ctx.state.customFields.all()) {
    if (def.group_id !== groupId || !def['required?']) continue;
    const v = custom[def.key];
    if (v === undefined || v === null || v === '') details[`custom@${def.key}`] = ["can't be blank"];
  }
  if (Object.keys(details).length > 0) throw validationError(details);
}
