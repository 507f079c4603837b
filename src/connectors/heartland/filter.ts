/**
 * Builder for Heartland's `_filter` parameter: a JSON object, URL-encoded (NOTES §5). Typed operators
 * `$eq $neq $in $gt $gte $lt $lte $and $or` (the ones seen in two or more sources; `$like`/`$nin` are
 * deliberately absent: one weak source). Custom fields are addressed as `custom@<key>`.
 *
 *   hlFilter.and(hlFilter.gt('updated_at', since), hlFilter.eq(customField('bc_order_id'), '250'))
 *   → {"$and":[{"updated_at":{"$gt":"…"}},{"custom@bc_order_id":{"$eq":"250"}}]}
 */

export type FilterScalar = string | number | boolean | null;

export interface FieldOps {
  $eq?: FilterScalar;
  $neq?: FilterScalar;
  $in?: FilterScalar[];
  $gt?: FilterScalar;
  $gte?: FilterScalar;
  $lt?: FilterScalar;
  $lte?: FilterScalar;
}

/** One condition object; several keys in one object mean AND. */
export type HlFilter =
  | { $and: HlFilter[] }
  | { $or: HlFilter[] }
  | { [field: string]: FilterScalar | FieldOps };

export function customField(key: string): `custom@${string}` {
  return `custom@${key}`;
}

const op =
  (name: keyof FieldOps) =>
  (field: string, value: FilterScalar): HlFilter => ({ [field]: { [name]: value } });

export const hlFilter = {
  eq: op('$eq'),
  neq: op('$neq'),
  gt: op('$gt'),
  gte: op('$gte'),
  lt: op('$lt'),
  lte: op('$lte'),
  in: (field: string, values: readonly FilterScalar[]): HlFilter => ({ [field]: { $in: [...values] } }),
  /** AND of conditions; `undefined` entries are dropped so optional conditions compose. */
  and: (...parts: Array<HlFilter | undefined>): HlFilter | undefined => combine('$and', parts),
  or: (...parts: Array<HlFilter | undefined>): HlFilter | undefined => combine('$or', parts),
};

function combine(kind: '$and' | '$or', parts: Array<HlFilter | undefined>): HlFilter | undefined {
  const list = parts.filter((p): p is HlFilter => p !== undefined);
  if (list.length === 0) return undefined;
  if (list.length === 1) return list[0];
  return kind === '$and' ? { $and: list } : { $or: list };
}

export function encodeFilter(filter: HlFilter): string {
  return JSON.stringify(filter);
}
