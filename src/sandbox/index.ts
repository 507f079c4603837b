/**
 * The heartbridge sandbox: a BigCommerce store and a Heartland Retail account, seeded from one seed,
 * each on its own 127.0.0.1 port. Used by tests, benchmarks, the demo and `heartbridge sandbox`.
 *
 *   const sb = await startSandbox({ seed: 'demo', products: 50 });
 *   sb.bigcommerce.apiUrl   // http://127.0.0.1:PORT  (like https://api.bigcommerce.com; add /stores/{hash}/v3/…)
 *   sb.heartland.apiUrl     // http://127.0.0.1:PORT/api
 *   await sb.close();
 */
import { type BigCommerceSimulator, createBigCommerceSimulator } from './bigcommerce/index.js';
import type { RateLimitOption } from './bigcommerce/rate-limit.js';
import { createHeartlandSimulator, type HeartlandSimulator } from './heartland/index.js';
import { type GeneratedSeed, generateSeed, type SeedMeta } from './seed/generate-seed.js';
import type { FaultConfigInput } from './shared/fault-config.js';

export type { BigCommerceSimulator } from './bigcommerce/index.js';
export type { HeartlandSimulator } from './heartland/index.js';
export { generateSeed } from './seed/generate-seed.js';
export { runTraffic } from './traffic/run-traffic.js';

/** Named fault sets for the CLI and demos. All are deterministic under the sandbox seed. */
export const FAULT_PRESETS: Record<string, FaultConfigInput> = {
  none: { enabled: false },
  flaky: {
    enabled: true,
    global: { errorRate: 0.05, latencyMs: { p50: 30, p99: 600 } },
    webhooks: { duplicateRate: 0.05, reorderRate: 0.05 },
  },
  slow: { enabled: true, global: { latencyMs: { p50: 200, p99: 3000 } } },
  storm: {
    enabled: true,
    global: { rate429: { rate: 0.02, storm: { everyMs: 30_000, durationMs: 5_000 }, retryAfterS: 2 } },
  },
  ambiguous: { enabled: true, global: { commitThenTimeoutRate: 0.1 } },
  chaos: {
    enabled: true,
    global: {
      errorRate: 0.1,
      hangRate: 0.01,
      latencyMs: { p50: 50, p99: 2000 },
      rate429: { rate: 0.05 },
      commitThenTimeoutRate: 0.05,
    },
    webhooks: { duplicateRate: 0.2, reorderRate: 0.2, reorderDelayMs: 300 },
  },
};

export interface StartSandboxOptions {
  seed?: string | number;
  /** BigCommerce products to generate (default 50; SKUs ≈ 2.4 ×). */
  products?: number;
  customers?: number;
  giftCards?: number;
  locations?: number;
  /** Some SKUs on one side only (default true); false: every SKU on both sides (benchmarks). */
  unmatchedSkus?: boolean;
  /** 0 / absent = OS-picked port. */
  bcPort?: number;
  hlPort?: number;
  host?: string;
  /** Fault config for both simulators, or a preset name from FAULT_PRESETS. Seeded from `seed`. */
  faults?: FaultConfigInput | string;
  /** BigCommerce webhook retry delays are multiplied by this (0.001 → 60 s becomes 60 ms). Default 1. */
  timeScale?: number;
  /** BigCommerce quota (default 'standard' 150/30 s). */
  rateLimit?: RateLimitOption;
  /** Heartland has no documented limit; off unless given. */
  hlRateLimit?: { requests: number; windowMs: number };
}

export interface Sandbox {
  bigcommerce: { apiUrl: string; storeHash: string; accessToken: string };
  heartland: { apiUrl: string; token: string };
  bc: BigCommerceSimulator;
  hl: HeartlandSimulator;
  seed: SeedMeta;
  close(): Promise<void>;
}

export function resolveFaults(faults: FaultConfigInput | string | undefined, seed: string): FaultConfigInput {
  if (faults === undefined) return { enabled: false, seed };
  if (typeof faults === 'string') {
    const preset = FAULT_PRESETS[faults];
    if (!preset)
      throw new Error(`Unknown fault preset "${faults}" (known: ${Object.keys(FAULT_PRESETS).join(', ')})`);
    return { seed, ...preset };
  }
  return { seed, ...faults };
}

export async function startSandbox(options: StartSandboxOptions = {}): Promise<Sandbox> {
  const seedName = String(options.seed ?? 'heartbridge');
  const generated: GeneratedSeed = generateSeed({
    seed: seedName,
    products: options.products,
    customers: options.customers,
    giftCards: options.giftCards,
    locations: options.locations,
    unmatchedSkus: options.unmatchedSkus,
  });
  const faults = resolveFaults(options.faults, seedName);
  const bc = await createBigCommerceSimulator({
    port: options.bcPort ?? 0,
    host: options.host,
    seed: generated.bc,
    faults,
    webhookTimeScale: options.timeScale ?? 1,
    rateLimit: options.rateLimit,
  });
  let hl: HeartlandSimulator;
  try {
    hl = await createHeartlandSimulator({
      port: options.hlPort ?? 0,
      host: options.host,
      seed: generated.hl,
      tokenSeed: `heartland:${seedName}`,
      faults,
      rateLimit: options.hlRateLimit ?? null,
    });
  } catch (err) {
    await bc.close();
    throw err;
  }
  return {
    bigcommerce: { apiUrl: bc.url, storeHash: bc.storeHash, accessToken: bc.accessToken },
    heartland: { apiUrl: hl.url, token: hl.token },
    bc,
    hl,
    seed: generated.meta,
    async close() {
      await Promise.allSettled([bc.close(), hl.close()]);
    },
  };
}
