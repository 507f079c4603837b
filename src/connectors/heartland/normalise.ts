/**
 * Heartland answers booleans with a `?` suffix (`active?`, `track_inventory?`) but filters and writes use
 * the bare name (NOTES §3). Responses are normalised at the edge, recursively, so the rest of heartbridge
 * only ever sees `active`. When both forms are present the bare one wins (it is what we would write).
 */
export function normaliseBooleanKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normaliseBooleanKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  const src = value as Record<string, unknown>;
  for (const [key, v] of Object.entries(src)) {
    if (key.endsWith('?')) {
      const bare = key.slice(0, -1);
      if (!(bare in src)) out[bare] = normaliseBooleanKeys(v);
    } else {
      out[key] = normaliseBooleanKeys(v);
    }
  }
  return out;
}
