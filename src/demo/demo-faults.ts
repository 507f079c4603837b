/**
 * What `heartbridge demo --faults` turns on in both simulators: the `flaky` preset's spirit (latency,
 * 5xx, duplicate and reordered webhooks) plus 429s and writes that commit and then lose their response —
 * the case behind duplicate orders in naive integrations.
 *
 * Shaped for a demo that should end in well under a minute:
 * - 5xx on reads only. After a 5xx on a write the connectors wait as the APIs ask (Heartland 30 s,
 *   BigCommerce a minute) before trying again: right in production, a long pause in a demo. The chaos
 *   suite covers 5xx on writes.
 * - 429s on Heartland only: an injected BigCommerce 429 makes the store-wide rate budget back off for
 *   seconds, as it should with a real store.
 * - No hangs: a hang costs the client's full 30 s timeout.
 * - The shopper's checkout (`POST /v2/orders`) is left alone: it is the customer's browser, not something
 *   the bridge sees; a lost checkout response would make the demo's own storefront place an order twice.
 */
import type { FaultConfigInput } from '../sandbox/shared/fault-config.js';

const CALM = {
  errorRate: 0,
  hangRate: 0,
  commitThenTimeoutRate: 0,
  rate429: { rate: 0 },
  latencyMs: { min: 0, max: 0 },
};

export function demoFaults(seed: string): FaultConfigInput {
  return {
    enabled: true,
    seed: `demo-faults:${seed}`,
    global: {
      latencyMs: { p50: 15, p99: 250 },
      commitThenTimeoutRate: 0.05,
      commitThenTimeoutDelayMs: 20,
    },
    routes: {
      'POST /stores/:hash/v2/orders': CALM,
      'GET /api/*': { errorRate: 0.05, rate429: { rate: 0.04, retryAfterS: 0 } },
      '* /api/*': { rate429: { rate: 0.04, retryAfterS: 0 } },
      'GET /*': { errorRate: 0.05 },
    },
    webhooks: { duplicateRate: 0.25, reorderRate: 0.25, reorderDelayMs: 150 },
  };
}
