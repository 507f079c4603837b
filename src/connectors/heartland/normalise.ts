/**
 * Heartland answers booleans with a `?` suffix (`active?`, `track_inventory?`) but filters and writes use
 * the bare name (NOTES §3). Responses are normalised at the edge, recursively, so the rest of heartbridge
 * only ever sees `active`. When both forms are present the bare one wins (it is what we would write).
 * A `__proto__` key is dropped (assigning it would change the copy's prototype).
 *
 * Iterative (an explicit work list, not recursion): a hostile webhook body or API response nested
 * thousands of levels deep must not overflow the stack. A cycle (never produced by JSON.parse) is
 * caught by the depth bound instead of looping forever.
 */
const MAX_DEPTH = 100_000;

type Container = Record<string, unknown> | unknown[];
interface Work {
  src: Container;
  out: Container;
  depth: number;
}

export function normaliseBooleanKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const work: Work[] = [];
  const copy = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (depth > MAX_DEPTH) throw new RangeError(`value nested deeper than ${MAX_DEPTH} levels (cyclic?)`);
    const out: Container = Array.isArray(v) ? new Array<unknown>(v.length) : {};
    work.push({ src: v as Container, out, depth });
    return out;
  };
  const root = copy(value, 0);
  for (let item = work.pop(); item !== undefined; item = work.pop()) {
    const { src, out, depth } = item;
    if (Array.isArray(src)) {
      const arr = out as unknown[];
      for (let i = 0; i < src.length; i++) arr[i] = copy(src[i], depth + 1);
      continue;
    }
    const obj = out as Record<string, unknown>;
    for (const [key, v] of Object.entries(src)) {
      const bare = key.endsWith('?') ? key.slice(0, -1) : key;
      // `__proto__` as a key would set the copy's prototype, not a field: Heartland has no such field.
      if (bare === '__proto__') continue;
      // Own keys only: `in` would see Object.prototype and drop `constructor?` / `toString?`.
      if (bare !== key && Object.hasOwn(src, bare)) continue;
      obj[bare] = copy(v, depth + 1);
    }
  }
  return root;
}
