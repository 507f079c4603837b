/**
 * Durations in configuration are strings with a unit (`500ms`, `30s`, `5m`, `2h`, `1d`) so nobody has
 * to guess whether `300` means seconds or milliseconds. Everything inside the code is milliseconds.
 */
import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/** Parses `5m` → 300000. Throws on anything else (callers validate with `durationSchema` first). */
export function parseDurationMs(text: string): number {
  const match = DURATION_RE.exec(text.trim());
  if (!match) throw new Error(`not a duration: "${text}" (use e.g. 500ms, 30s, 5m, 2h, 1d)`);
  return Math.round(Number(match[1]) * (UNIT_MS[match[2] as string] as number));
}

export function isDuration(text: string): boolean {
  return DURATION_RE.test(text.trim());
}

/** A duration string in config, e.g. `5m`. Kept as text in the parsed config; convert with parseDurationMs. */
export const durationSchema = z
  .string()
  .refine(isDuration, { message: 'expected a duration such as 30s, 5m, 2h or 1d' })
  .meta({ pattern: DURATION_RE.source });
