/**
 * Constant-time comparison of secrets. Both sides are hashed with SHA-256 first so the buffers given to
 * `crypto.timingSafeEqual` always have equal length, and the time taken reveals neither the content nor
 * the length of the expected secret.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export function secretsEqual(
  received: string | Buffer | undefined | null,
  expected: string | Buffer,
): boolean {
  if (received === undefined || received === null) return false;
  const a = createHash('sha256').update(received).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Header lookup that works for Fetch `Headers` and Node/Fastify header objects (lower-cased keys). */
export type HeaderBag = Headers | Record<string, string | string[] | undefined>;

export function headerValue(headers: HeaderBag, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === lower) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}
