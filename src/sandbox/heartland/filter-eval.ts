/**
 * Evaluates a Heartland `_filter` against a record. Operators: `$eq $neq $in $gt $gte $lt $lte $and $or`
 * ([C2]/[C1] in NOTES §5) plus `$nin` and `$like` (seen only in one weak source; accepted so a connector
 * using them is not rejected, but a connector should not rely on them). Fields: bare names match a
 * `name?` boolean key too (writes and filters use bare names, responses carry `?`); `custom@key` reads
 * the record's `custom` object. A field the record lacks compares as null.
 */
import type { FilterNode } from './collection-query.js';
import { HlHttpError } from './hl-errors.js';

export type HlRow = Record<string, unknown>;

export function fieldValue(row: HlRow, field: string): unknown {
  if (field.startsWith('custom@')) {
    const custom = row.custom;
    if (custom && typeof custom === 'object')
      return (custom as Record<string, unknown>)[field.slice(7)] ?? null;
    return null;
  }
  if (field in row) return row[field] ?? null;
  const q = `${field}?`;
  if (q in row) return row[q] ?? null;
  return null;
}

const ISO_LIKE = /^\d{4}-\d{2}-\d{2}/;

/** -1/0/1, or null when the two values cannot be ordered. */
function compare(a: unknown, b: unknown): number | null {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (typeof a === 'number') {
    const n = typeof b === 'number' ? b : typeof b === 'string' && b.trim() !== '' ? Number(b) : Number.NaN;
    if (Number.isNaN(n)) return null;
    return a < n ? -1 : a > n ? 1 : 0;
  }
  if (typeof a === 'boolean') {
    const bb = typeof b === 'boolean' ? b : b === 'true' ? true : b === 'false' ? false : null;
    if (bb === null) return null;
    return a === bb ? 0 : a ? 1 : -1;
  }
  const sa = String(a);
  const sb = String(b);
  if (ISO_LIKE.test(sa) && ISO_LIKE.test(sb)) {
    const ta = Date.parse(sa);
    const tb = Date.parse(sb);
    if (!Number.isNaN(ta) && !Number.isNaN(tb)) return ta < tb ? -1 : ta > tb ? 1 : 0;
  }
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function equals(a: unknown, b: unknown): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  return compare(a, b) === 0;
}

function likeToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

function matchCondition(value: unknown, cond: unknown, field: string): boolean {
  if (cond === null || typeof cond !== 'object' || Array.isArray(cond)) {
    if (Array.isArray(cond)) return cond.some((c) => equals(value, c));
    return equals(value, cond);
  }
  const ops = Object.entries(cond as Record<string, unknown>);
  if (ops.length === 0) return true;
  return ops.every(([op, arg]) => {
    switch (op) {
      case '$eq':
        return equals(value, arg);
      case '$neq':
      case '$ne':
        return !equals(value, arg);
      case '$in':
        return Array.isArray(arg) && arg.some((c) => equals(value, c));
      case '$nin':
        return Array.isArray(arg) && !arg.some((c) => equals(value, c));
      case '$gt':
        return (compare(value, arg) ?? 0) > 0 && compare(value, arg) !== null;
      case '$gte':
        return compare(value, arg) !== null && (compare(value, arg) as number) >= 0;
      case '$lt':
        return compare(value, arg) !== null && (compare(value, arg) as number) < 0;
      case '$lte':
        return compare(value, arg) !== null && (compare(value, arg) as number) <= 0;
      case '$like':
        return typeof value === 'string' && likeToRegExp(String(arg)).test(value);
      default:
        throw new HlHttpError(400, 'bad_request', `unknown filter operator ${op} on ${field}`, {
          _filter: [`unknown operator ${op}`],
        });
    }
  });
}

export function matchesFilter(row: HlRow, node: FilterNode): boolean {
  if (Array.isArray(node)) return node.every((n) => matchesFilter(row, n));
  for (const [key, cond] of Object.entries(node)) {
    if (key === '$and') {
      if (!Array.isArray(cond) || !cond.every((n) => matchesFilter(row, n as FilterNode))) return false;
    } else if (key === '$or') {
      if (!Array.isArray(cond) || !cond.some((n) => matchesFilter(row, n as FilterNode))) return false;
    } else if (!matchCondition(fieldValue(row, key), cond, key)) {
      return false;
    }
  }
  return true;
}

export function sortRows(rows: HlRow[], sort: { field: string; desc: boolean }[]): HlRow[] {
  if (sort.length === 0) return rows;
  return rows.slice().sort((x, y) => {
    for (const { field, desc } of sort) {
      const a = fieldValue(x, field);
      const b = fieldValue(y, field);
      let c = compare(a, b);
      if (c === null) c = a === null || a === undefined ? (b === null || b === undefined ? 0 : -1) : 1;
      if (c !== 0) return desc ? -c : c;
    }
    return 0;
  });
}
