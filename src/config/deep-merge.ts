/**
 * Merges a named environment (`environments.prod`) over the base config.
 * Objects merge key by key; arrays of objects that all carry an `id` (connections) merge by id, so an
 * overlay can change one field of one connection; any other array is replaced as a whole.
 */
export type Plain = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasIds(list: unknown[]): list is Plain[] {
  return list.every((item) => isPlainObject(item) && typeof item.id === 'string');
}

export function deepMerge(base: unknown, overlay: unknown): unknown {
  if (overlay === undefined) return base;
  if (isPlainObject(base) && isPlainObject(overlay)) {
    const out: Plain = { ...base };
    for (const [key, value] of Object.entries(overlay)) out[key] = deepMerge(base[key], value);
    return out;
  }
  if (Array.isArray(base) && Array.isArray(overlay) && hasIds(base) && hasIds(overlay)) {
    const out: Plain[] = base.map((item) => {
      const match = overlay.find((o) => o.id === item.id);
      return match ? (deepMerge(item, match) as Plain) : item;
    });
    for (const item of overlay) if (!base.some((b) => b.id === item.id)) out.push(item);
    return out;
  }
  return overlay;
}
