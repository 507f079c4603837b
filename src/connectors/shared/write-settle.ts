/**
 * A POST that timed out may still be running on the server and commit after the caller re-read the
 * record to decide what is missing: the retry would then write it twice. (Found by the full chaos run on
 * PostgreSQL: an order tax written twice under load. A reset or refused connection ended the request,
 * so only a timeout counts.) Its retry therefore waits `settleMs` — `notBefore` on the error — and then
 * reads first, as every flow does. Other methods here are idempotent (absolute PUTs, GET, DELETE).
 */
import type { TransportError } from './http-transport.js';

/**
 * Heartland's default settle wait (config `heartland.writeSettleMs`, and the client's fallback). Not
 * 30 s as for BigCommerce: under overload the full chaos run measured Heartland POSTs landing 36, 43 and
 * 73 s after they were sent (taxes and payments written twice); what lands later still is caught by the
 * orders flow's late-write check.
 */
export const HL_WRITE_SETTLE_MS = 90_000;

export function unansweredWrite(
  error: TransportError,
  method: string,
  settleMs: number,
  now: number,
): { notBefore: number; note: string } | undefined {
  if (error.kind !== 'timeout' || method !== 'POST' || settleMs <= 0) return undefined;
  return {
    notBefore: now + settleMs,
    note: `; the write may still land: retried after ${Math.round(settleMs / 1000)} s, reading first`,
  };
}
