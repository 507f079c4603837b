/**
 * Delivers BigCommerce order webhooks to a peer the way BigCommerce does, compressed in time: a few
 * deliveries in flight, some events delivered twice (same body, same hash), and any failed attempt
 * (non-2xx, refused or reset connection, timeout) retried later on a back-off schedule. BigCommerce's
 * real schedule starts at 60 s and runs for ~48 h; here it is scaled down so a run takes seconds.
 */

export interface DeliveryPlan {
  /** One webhook per order id, in this order. */
  orderIds: number[];
  storeHash: string;
  /**
   * First attempts per second, open loop with random (exponential) gaps like real shop traffic: a closed
   * worker pool would march in lock-step and a kill would always land at the same step of the flow.
   */
  ratePerSecond: number;
  /** Share of events delivered a second time, a few deliveries later. */
  duplicateRate: number;
  /** Wait before each retry of a failed attempt; its length is the retry budget. */
  retryDelaysMs: number[];
  /** Give up on an attempt after this long (counts as failed). */
  attemptTimeoutMs: number;
  /** Extra headers on every delivery (a peer's shared secret, if it checks one). */
  headers?: Record<string, string>;
  /** Called after each first attempt is started, with how many first attempts have started. */
  onFirstAttempt?: (started: number) => void;
  seed?: number;
}

export interface DeliveryStats {
  events: number;
  deliveries: number;
  duplicatesSent: number;
  attempts: number;
  failedAttempts: number;
  /** Deliveries whose every attempt failed: BigCommerce would eventually give up on these. */
  gaveUp: number;
}

/** Small deterministic PRNG (mulberry32) so two peers get the same duplicate pattern. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function orderWebhookBody(storeHash: string, orderId: number): string {
  return JSON.stringify({
    scope: 'store/order/created',
    store_id: '1025646',
    data: { type: 'order', id: orderId },
    hash: `evt-${orderId}`,
    created_at: Math.floor(Date.now() / 1000),
    producer: `stores/${storeHash}`,
  });
}

async function attempt(url: string, body: string, plan: DeliveryPlan): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...plan.headers },
      body,
      signal: AbortSignal.timeout(plan.attemptTimeoutMs),
    });
    await res.arrayBuffer();
    return res.status >= 200 && res.status < 300;
  } catch {
    return false;
  }
}

/** `url` is read at each attempt so a restarted peer on a new port is still reached. */
export async function deliverAll(url: () => string, plan: DeliveryPlan): Promise<DeliveryStats> {
  const random = prng(plan.seed ?? 7);
  // The delivery list: every event once, some a second time 1–20 places later.
  const queue: string[] = plan.orderIds.map((id) => orderWebhookBody(plan.storeHash, id));
  let duplicatesSent = 0;
  for (let i = queue.length - 1; i >= 0; i--) {
    if (random() < plan.duplicateRate) {
      const body = queue[i]!;
      queue.splice(Math.min(queue.length, i + 1 + Math.floor(random() * 20)), 0, body);
      duplicatesSent++;
    }
  }
  const stats: DeliveryStats = {
    events: plan.orderIds.length,
    deliveries: queue.length,
    duplicatesSent,
    attempts: 0,
    failedAttempts: 0,
    gaveUp: 0,
  };
  const retries: Promise<void>[] = [];
  const deliver = async (body: string, retryIndex: number): Promise<void> => {
    stats.attempts++;
    if (await attempt(url(), body, plan)) return;
    stats.failedAttempts++;
    const delay = plan.retryDelaysMs[retryIndex];
    if (delay === undefined) {
      stats.gaveUp++;
      return;
    }
    // Retries run outside the first-attempt pool, as BigCommerce's retry queue does.
    retries.push(new Promise((r) => setTimeout(r, delay)).then(() => deliver(body, retryIndex + 1)));
  };
  const firsts: Promise<void>[] = [];
  for (let i = 0; i < queue.length; i++) {
    plan.onFirstAttempt?.(i + 1);
    firsts.push(deliver(queue[i]!, 0));
    const gapMs = (-Math.log(1 - random()) * 1000) / plan.ratePerSecond;
    await new Promise((r) => setTimeout(r, gapMs));
  }
  await Promise.all(firsts);
  // Retries can schedule further retries: drain until none are left.
  for (let i = 0; i < retries.length; i++) await retries[i];
  return stats;
}
