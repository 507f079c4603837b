/**
 * Heartland collection query conventions (NOTES §4–§5): `_filter` (URL-encoded JSON object; an array or
 * repeated `_filter[]` means AND; bracket form `_filter[field][$op]=v`; shorthand `~[field]=v`),
 * `sort` / `sort[]` (`field[,desc]`), `_only[]`, `_include[]`, `page` / `per_page` (`per_page=all`).
 *
 * We parse the raw query string ourselves because Fastify's default parser does not build nested
 * bracket objects, and Heartland mixes JSON-in-a-parameter with bracket keys.
 */
import { HlHttpError } from './hl-errors.js';

export type FilterNode = Record<string, unknown> | FilterNode[];

export interface CollectionQuery {
  params: URLSearchParams;
  filters: FilterNode[];
  sort: { field: string; desc: boolean }[];
  only: string[];
  include: string[];
  group: string[];
  page: number;
  /** `null` = `per_page=all`. */
  perPage: number | null;
}

export interface PagingOptions {
  /** Server default `per_page` is [UNKNOWN]; 20 matches what the official Ruby client sends. */
  defaultPerPage: number;
  /** Maximum is [UNKNOWN] (500–5000 observed working); larger requests are clamped, not rejected. */
  maxPerPage: number;
  /** `per_page=all` is [C2]; an option so a test can see what a connector does without it. */
  allowPerPageAll: boolean;
}

export function rawQuery(url: string): URLSearchParams {
  const q = url.indexOf('?');
  return new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
}

function parseJsonParam(name: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new HlHttpError(400, 'bad_request', `${name} is not valid JSON`, { [name]: ['is not valid JSON'] });
  }
}

/** `a[b][c][]` → ['a','b','c',''] */
function bracketPath(key: string): string[] | null {
  const m = /^([^[\]]+)((?:\[[^\]]*\])+)$/.exec(key);
  if (!m) return null;
  const parts = [m[1] as string];
  for (const seg of (m[2] as string).matchAll(/\[([^\]]*)\]/g)) parts.push(seg[1] as string);
  return parts;
}

function scalarFromString(v: string): unknown {
  if (v === 'null') return null;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return v;
}

/** Bracket form (`_filter[f][$op]=v`, `_filter[f][$in][]=v`, `~[f]=v`) → one filter object. */
function bracketFilter(entries: [string[], string][]): FilterNode | null {
  if (entries.length === 0) return null;
  const root: Record<string, unknown> = {};
  for (const [path, value] of entries) {
    let node = root;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i] as string;
      const last = i === path.length - 1;
      const nextIsArray = path[i + 1] === '';
      if (last) {
        node[seg] = scalarFromString(value);
      } else if (nextIsArray) {
        const arr = Array.isArray(node[seg]) ? (node[seg] as unknown[]) : [];
        arr.push(scalarFromString(value));
        node[seg] = arr;
        break;
      } else {
        const child = node[seg];
        const obj = child && typeof child === 'object' && !Array.isArray(child) ? child : {};
        node[seg] = obj;
        node = obj as Record<string, unknown>;
      }
    }
  }
  return root;
}

export function parseCollectionQuery(url: string, paging: PagingOptions): CollectionQuery {
  const params = rawQuery(url);
  const filters: FilterNode[] = [];
  const bracket: [string[], string][] = [];
  const sort: CollectionQuery['sort'] = [];
  for (const [key, value] of params) {
    if (key === '_filter' || key === '_filter[]') {
      const parsed = parseJsonParam('_filter', value);
      if (Array.isArray(parsed)) filters.push(...(parsed as FilterNode[]));
      else if (parsed && typeof parsed === 'object') filters.push(parsed as FilterNode);
      else throw new HlHttpError(400, 'bad_request', '_filter must be a JSON object or array', {});
    } else if (key.startsWith('_filter[')) {
      const path = bracketPath(key);
      if (path) bracket.push([path.slice(1), value]);
    } else if (key.startsWith('~[')) {
      const path = bracketPath(`x${key.slice(1)}`);
      if (path) bracket.push([path.slice(1), value]);
    } else if (key === 'sort' || key === 'sort[]') {
      for (const part of key === 'sort' ? value.split(';') : [value]) {
        const [field, dir] = part.split(',');
        if (field) sort.push({ field: field.trim(), desc: (dir ?? '').trim().toLowerCase() === 'desc' });
      }
    }
  }
  const fromBrackets = bracketFilter(bracket);
  if (fromBrackets) filters.push(fromBrackets);

  const perPageRaw = params.get('per_page');
  let perPage: number | null = paging.defaultPerPage;
  if (perPageRaw === 'all') {
    if (!paging.allowPerPageAll) {
      throw new HlHttpError(400, 'bad_request', 'per_page must be a number', {
        per_page: ['must be a number'],
      });
    }
    perPage = null;
  } else if (perPageRaw !== null) {
    const n = Number(perPageRaw);
    if (!Number.isInteger(n) || n < 1) {
      throw new HlHttpError(400, 'bad_request', 'per_page must be a positive integer', {
        per_page: ['must be a positive integer'],
      });
    }
    perPage = Math.min(n, paging.maxPerPage);
  }
  const pageRaw = params.get('page');
  const page = pageRaw === null ? 1 : Number(pageRaw);
  if (!Number.isInteger(page) || page < 1) {
    throw new HlHttpError(400, 'bad_request', 'page must be a positive integer', { page: ['must be >= 1'] });
  }
  return {
    params,
    filters,
    sort,
    only: params.getAll('_only[]').concat(params.getAll('_only')),
    include: params.getAll('_include[]').concat(params.getAll('_include')),
    group: params.getAll('group[]').concat(params.getAll('group')),
    page,
    perPage,
  };
}
