/**
 * Delivers Heartland webhooks: a POST whose JSON body is the record itself — no envelope, no event name,
 * no signature (NOTES §15 [C2]). Only the subscribed events fire; there are no order, inventory or gift
 * card events. Retries are [UNKNOWN]: by default a failed delivery is logged and dropped
 * (`webhookRetries: 0`), so a connector has to poll to be correct. Every attempt is logged in
 * `state.webhookDeliveries`.
 */
import type { HlSimOptionsResolved } from './hl-http.js';
import type { HlState } from './hl-state.js';

export interface WebhookFaultHooks {
  /** Returns how to disturb one delivery: send it twice, and/or hold it back so later ones overtake it. */
  decide(): { duplicate: boolean; delayMs: number };
}

export class WebhookDispatcher {
  private readonly inflight = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  faults: WebhookFaultHooks | null = null;
  /** Delay between retries (only when `webhookRetries` > 0). */
  retryDelayMs = 1000;

  constructor(
    private readonly state: HlState,
    private readonly options: HlSimOptionsResolved,
  ) {
    state.onEvent((event, record) => this.dispatch(event, record));
  }

  private dispatch(event: string, record: Record<string, unknown>): void {
    if (this.closed) return;
    const body = structuredClone(record);
    for (const hook of this.state.webhooks.all()) {
      if (!hook.events.includes(event)) continue;
      const plan = this.faults?.decide() ?? { duplicate: false, delayMs: 0 };
      const copies = plan.duplicate ? 2 : 1;
      for (let i = 0; i < copies; i++) {
        const delivery = this.state.webhookDeliveries.insert((id) => ({
          id,
          webhook_id: hook.id,
          event,
          url: hook.url,
          body,
          attempts: 0,
          status: null,
          error: null,
          delivered_at: null,
        }));
        this.schedule(delivery.id, i === 0 ? plan.delayMs : 0);
      }
    }
  }

  private schedule(deliveryId: number, delayMs: number): void {
    if (delayMs <= 0) {
      this.track(this.attempt(deliveryId));
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) this.track(this.attempt(deliveryId));
    }, delayMs);
    this.timers.add(t);
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private async attempt(deliveryId: number): Promise<void> {
    const d = this.state.webhookDeliveries.get(deliveryId);
    if (!d) return;
    d.attempts += 1;
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Heartland-Retail-Webhooks (sandbox)' },
        body: JSON.stringify(d.body),
        signal: AbortSignal.timeout(this.options.webhookTimeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      d.status = res.status;
      d.error = res.ok ? null : `HTTP ${res.status}`;
      if (res.ok) d.delivered_at = this.state.nowIso();
    } catch (err) {
      d.status = null;
      d.error = err instanceof Error ? err.message : String(err);
    }
    if (d.delivered_at === null && d.attempts <= this.options.webhookRetries && !this.closed) {
      this.schedule(deliveryId, this.retryDelayMs * d.attempts);
    }
  }

  /** Resolves when every delivery started so far has finished (tests use it instead of sleeping). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0 || this.timers.size > 0) {
      if (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
      else await new Promise((r) => setTimeout(r, 5));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.inflight]);
  }
}
