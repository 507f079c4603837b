/**
 * Holds the live fault configuration and makes the seeded decisions. Each (route, kind) pair draws
 * from its own forked stream, so enabling latency on one route does not change which requests of
 * another route get a 500 — runs are reproducible per seed even when the config grows.
 */
import {
  type FaultConfig,
  type FaultConfigInput,
  type FaultPatch,
  type FaultRule,
  faultConfigSchema,
  faultPatchSchema,
  type LatencySpec,
} from './fault-config.js';
import { Prng } from './prng.js';

export type FaultKind =
  | 'error'
  | 'latency'
  | 'hang'
  | 'rate429'
  | 'outage'
  | 'commitThenTimeout'
  | 'webhookDuplicate'
  | 'webhookReorder';

export type FaultDecision =
  | { kind: 'none'; latencyMs: number; commitThenTimeoutMs?: number }
  | { kind: 'error'; status: number; latencyMs: number }
  | { kind: 'outage'; status: 503; latencyMs: number }
  | { kind: 'rate429'; retryAfterS: number; latencyMs: number }
  | { kind: 'hang'; latencyMs: number };

export interface FaultControllerOptions {
  /** Clock in epoch ms (injectable for tests). */
  now?: () => number;
}

const Z99 = 2.3263478740408408;

export class FaultController {
  private config: FaultConfig;
  private enabledAt: number;
  private streams = new Map<string, Prng>();
  private readonly initial: FaultConfig;
  private readonly now: () => number;
  readonly counters: Record<FaultKind, number> & { requests: number } = FaultController.zeroCounters();
  /** Requests per `METHOD /route/:pattern` (benchmarks read the calls an order cost from here). */
  readonly byRoute = new Map<string, number>();

  constructor(initial: FaultConfigInput = {}, options: FaultControllerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.initial = faultConfigSchema.parse(initial);
    this.config = structuredClone(this.initial);
    this.enabledAt = this.now();
  }

  private static zeroCounters(): Record<FaultKind, number> & { requests: number } {
    return {
      requests: 0,
      error: 0,
      latency: 0,
      hang: 0,
      rate429: 0,
      outage: 0,
      commitThenTimeout: 0,
      webhookDuplicate: 0,
      webhookReorder: 0,
    };
  }

  get(): FaultConfig {
    return structuredClone(this.config);
  }

  /** Merge a patch (validated). Turning faults on, or changing the seed, restarts clock and streams. */
  set(patch: FaultPatch): FaultConfig {
    const p = faultPatchSchema.parse(patch);
    const next = structuredClone(this.config);
    const wasEnabled = next.enabled;
    if (p.enabled !== undefined) next.enabled = p.enabled;
    if (p.seed !== undefined) next.seed = p.seed;
    if (p.global) next.global = { ...next.global, ...p.global };
    if (p.webhooks) next.webhooks = { ...next.webhooks, ...p.webhooks };
    if (p.routes) {
      for (const [key, rule] of Object.entries(p.routes)) {
        if (rule === null) delete next.routes[key];
        else next.routes[key] = rule;
      }
    }
    this.config = faultConfigSchema.parse(next);
    if ((!wasEnabled && this.config.enabled) || p.seed !== undefined) this.restart();
    return this.get();
  }

  /** Back to the configuration given at construction, counters zeroed. */
  reset(): FaultConfig {
    this.config = structuredClone(this.initial);
    this.restart();
    Object.assign(this.counters, FaultController.zeroCounters());
    this.byRoute.clear();
    return this.get();
  }

  private restart(): void {
    this.enabledAt = this.now();
    this.streams.clear();
  }

  private stream(label: string): Prng {
    let s = this.streams.get(label);
    if (!s) {
      s = new Prng(`${this.config.seed}|${label}`);
      this.streams.set(label, s);
    }
    return s;
  }

  /** The effective rule for a route: route fields override global ones. */
  ruleFor(method: string, routePattern: string | undefined): { key: string; rule: FaultRule } {
    const pattern = routePattern ?? '<unrouted>';
    for (const [key, rule] of Object.entries(this.config.routes)) {
      const space = key.indexOf(' ');
      const m = space > 0 ? key.slice(0, space).toUpperCase() : '*';
      const pat = space > 0 ? key.slice(space + 1).trim() : key.trim();
      if (m !== '*' && m !== method.toUpperCase()) continue;
      const hit = pat.endsWith('*') ? pattern.startsWith(pat.slice(0, -1)) : pattern === pat;
      if (hit) return { key, rule: { ...this.config.global, ...rule } };
    }
    return { key: `${method.toUpperCase()} ${pattern}`, rule: this.config.global };
  }

  private sampleLatency(spec: LatencySpec | undefined, s: Prng): number {
    if (!spec) return 0;
    if ('min' in spec) return Math.max(0, s.float(spec.min, Math.max(spec.min, spec.max)));
    // Log-normal through the two quantiles: median p50, 99th percentile p99.
    const mu = Math.log(Math.max(spec.p50, 0.001));
    const sigma = Math.max(
      0,
      Math.log(Math.max(spec.p99, spec.p50, 0.001) / Math.max(spec.p50, 0.001)) / Z99,
    );
    const u1 = Math.max(s.next(), 1e-12);
    const u2 = s.next();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return Math.exp(mu + sigma * z);
  }

  /** Decide what happens to one request. Counts the injected fault. */
  decide(method: string, routePattern: string | undefined): FaultDecision {
    this.counters.requests++;
    const routeKey = `${method.toUpperCase()} ${routePattern ?? '(unmatched)'}`;
    this.byRoute.set(routeKey, (this.byRoute.get(routeKey) ?? 0) + 1);
    if (!this.config.enabled) return { kind: 'none', latencyMs: 0 };
    const { key, rule } = this.ruleFor(method, routePattern);
    const elapsed = this.now() - this.enabledAt;
    const latencyMs = this.sampleLatency(rule.latencyMs, this.stream(`${key}#latency`));
    if (latencyMs > 0) this.counters.latency++;

    for (const w of rule.outages ?? []) {
      if (elapsed >= w.startMs && elapsed < w.startMs + w.durationMs) {
        this.counters.outage++;
        return { kind: 'outage', status: 503, latencyMs };
      }
    }
    const r429 = rule.rate429;
    if (r429) {
      const retryAfterS = r429.retryAfterS ?? 1;
      const inStorm = r429.storm !== undefined && elapsed % r429.storm.everyMs < r429.storm.durationMs;
      // Always draw so a storm does not shift the non-storm sequence.
      const roll = this.stream(`${key}#429`).chance(r429.rate);
      if (inStorm || roll) {
        this.counters.rate429++;
        return { kind: 'rate429', retryAfterS, latencyMs };
      }
    }
    if (rule.errorRate && this.stream(`${key}#error`).chance(rule.errorRate)) {
      this.counters.error++;
      const status = this.stream(`${key}#status`).pick(rule.errorStatuses ?? [500, 503]);
      return { kind: 'error', status, latencyMs };
    }
    if (rule.hangRate && this.stream(`${key}#hang`).chance(rule.hangRate)) {
      this.counters.hang++;
      return { kind: 'hang', latencyMs };
    }
    if (rule.commitThenTimeoutRate && this.stream(`${key}#ctt`).chance(rule.commitThenTimeoutRate)) {
      this.counters.commitThenTimeout++;
      return { kind: 'none', latencyMs, commitThenTimeoutMs: rule.commitThenTimeoutDelayMs ?? 50 };
    }
    return { kind: 'none', latencyMs };
  }

  /** Webhook delivery faults: how many copies to send and how long to hold the first one back. */
  decideWebhook(): { copies: number; delayMs: number } {
    if (!this.config.enabled) return { copies: 1, delayMs: 0 };
    const w = this.config.webhooks;
    const dup = this.stream('webhook#dup').chance(w.duplicateRate);
    const reorder = this.stream('webhook#reorder').chance(w.reorderRate);
    if (dup) this.counters.webhookDuplicate++;
    if (reorder) this.counters.webhookReorder++;
    return { copies: dup ? 2 : 1, delayMs: reorder ? w.reorderDelayMs : 0 };
  }
}
