/**
 * BigCommerce API simulator: an HTTP server on 127.0.0.1 that answers like
 * `https://api.bigcommerce.com/stores/{hash}/v2|v3` (see the route files), with webhooks, rate limits
 * and seeded fault injection (`/__sandbox/*`, see ../shared/README.md).
 *
 *   const sim = await createBigCommerceSimulator({ port: 0, webhookTimeScale: 0.001 });
 *   fetch(`${sim.url}/stores/${sim.storeHash}/v2/orders`, { headers: { 'X-Auth-Token': sim.accessToken } });
 *   await sim.close();
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { FaultConfigInput } from '../shared/fault-config.js';
import { FaultController } from '../shared/fault-controller.js';
import { installFaults, isAdminRequest, registerFaultAdminRoutes } from '../shared/faults.js';
import { BcError, errorBody } from './bc-errors.js';
import type { BcContext } from './context.js';
import { InventoryService } from './inventory-service.js';
import { OrderService } from './order-service.js';
import { RateLimiter, type RateLimitOption } from './rate-limit.js';
import { renderOrder } from './render.js';
import { registerCatalogV3 } from './routes/catalog-v3.js';
import { registerCustomersV3 } from './routes/customers-v3.js';
import { registerGiftCertificatesV2 } from './routes/gift-certificates-v2.js';
import { registerHooksV3 } from './routes/hooks-v3.js';
import { registerInventoryV3 } from './routes/inventory-v3.js';
import { registerOrdersV2 } from './routes/orders-v2.js';
import { registerSettingsV3 } from './routes/settings-v3.js';
import { registerTransactionsV3 } from './routes/transactions-v3.js';
import { defaultSeed, loadSeed } from './seed-loader.js';
import type { BcSeed } from './seed-types.js';
import { StoreState } from './store-state.js';
import { WebhookDispatcher } from './webhooks.js';

export { defaultSeed } from './seed-loader.js';
export type { BcSeed } from './seed-types.js';
export type { StoreState } from './store-state.js';

export interface BigCommerceSimulatorOptions {
  /** 0 (default) lets the OS pick. */
  port?: number;
  host?: string;
  seed?: BcSeed;
  /** 'standard' 150/30 s (default), 'pro' 450/30 s, custom, or 'off' (headers still sent, never 429). */
  rateLimit?: RateLimitOption;
  /** Multiplies webhook retry delays (0.001 → the 60 s retry happens after 60 ms). Default 1. */
  webhookTimeScale?: number;
  /** Per-attempt webhook timeout in ms (default 10 000). */
  webhookTimeoutMs?: number;
  /** POSTs in flight to one webhook destination at once (default 32); later events wait their turn. */
  webhookMaxInFlight?: number;
  /** Real BigCommerce requires https destinations on port 443; default false in the sandbox. */
  requireHttps?: boolean;
  /** Refuse orders for tracked items without enough stock at location 1 (default true). */
  rejectOutOfStock?: boolean;
  /** Initial fault configuration (off unless `enabled: true`). */
  faults?: FaultConfigInput;
  /** Clock in epoch ms (default Date.now). */
  now?: () => number;
}

export interface BigCommerceSimulator {
  app: FastifyInstance;
  /** Base URL, e.g. http://127.0.0.1:40123 — API paths are `${url}/stores/${storeHash}/v3/...`. */
  url: string;
  /** `${url}/stores/${storeHash}` */
  apiUrl: string;
  storeHash: string;
  accessToken: string;
  state: StoreState;
  faults: FaultController;
  webhooks: WebhookDispatcher;
  /** Same as POST /v2/orders (no HTTP, no faults, no rate limit); returns the v2 order JSON. */
  placeOrder(input: unknown): ReturnType<typeof renderOrder>;
  close(): Promise<void>;
}

const AUTH_401 = 'No valid credentials were found in this request.';
const AUTH_403 = 'You do not have permission to access this store.';

export async function createBigCommerceSimulator(
  options: BigCommerceSimulatorOptions = {},
): Promise<BigCommerceSimulator> {
  const now = options.now ?? Date.now;
  const state = new StoreState();
  loadSeed(state, options.seed ?? defaultSeed(), now());
  const faults = new FaultController(options.faults ?? {}, { now });
  const webhooks = new WebhookDispatcher(state, {
    timeScale: options.webhookTimeScale ?? 1,
    deliveryTimeoutMs: options.webhookTimeoutMs,
    maxInFlightPerHook: options.webhookMaxInFlight,
    now,
    faults,
  });
  const inventory = new InventoryService(state, webhooks);
  const ctx: BcContext = {
    state,
    webhooks,
    inventory,
    now,
    options: {
      requireHttps: options.requireHttps ?? false,
      rejectOutOfStock: options.rejectOutOfStock ?? true,
    },
  };
  const orders = new OrderService(ctx);
  const limiter = new RateLimiter(options.rateLimit ?? 'standard', now);

  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 16 * 1024 * 1024 });

  installFaults(app, faults, {
    respond: (req, reply, fault) => {
      if (fault.kind === 'rate429') {
        reply.header('X-Retry-After', String(fault.retryAfterS));
        reply.header('X-Rate-Limit-Time-Reset-Ms', String(fault.retryAfterS * 1000));
      }
      const title = fault.kind === 'rate429' ? 'Too many requests' : 'Service Unavailable';
      return reply.code(fault.status).send(errorBody(req.url, fault.status, title));
    },
  });
  registerFaultAdminRoutes(app, faults, () => ({
    orders: state.orders.size,
    products: state.products.size,
    variants: state.variants.size,
    customers: state.customers.size,
    hooks: state.hooks.size,
    deliveries: state.deliveries.length,
    pendingDeliveries: webhooks.pending(),
  }));

  // Auth, then the per-store quota. Order matters: unauthenticated calls do not spend the quota.
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (isAdminRequest(req)) return;
    const m = /^\/stores\/([^/?]+)\//.exec(req.url);
    if (!m) return;
    const token = req.headers['x-auth-token'];
    if (typeof token !== 'string' || token !== state.accessToken) {
      return reply.code(401).send(errorBody(req.url, 401, AUTH_401));
    }
    if (m[1] !== state.storeHash) return reply.code(403).send(errorBody(req.url, 403, AUTH_403));
    const d = limiter.take();
    reply.header('X-Rate-Limit-Time-Window-Ms', String(d.windowMs));
    reply.header('X-Rate-Limit-Time-Reset-Ms', String(d.resetMs));
    reply.header('X-Rate-Limit-Requests-Quota', String(d.quota));
    reply.header('X-Rate-Limit-Requests-Left', String(d.left));
    if (!d.allowed) {
      reply.header('X-Retry-After', String(Math.max(1, Math.ceil(d.resetMs / 1000))));
      return reply.code(429).send(errorBody(req.url, 429, 'Too many requests'));
    }
  });

  app.setErrorHandler((err: unknown, req, reply) => {
    if (err instanceof BcError)
      return reply.code(err.status).send(errorBody(req.url, err.status, err.message, err.errors));
    const e = err as { statusCode?: number; message?: string };
    const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
    const message = status === 500 ? 'Internal Server Error' : (e.message ?? 'Bad Request');
    return reply.code(status).send(errorBody(req.url, status, message));
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(errorBody(req.url, 404, 'The requested resource was not found.')),
  );

  registerOrdersV2(app, ctx, orders);
  registerTransactionsV3(app, ctx, orders);
  registerCatalogV3(app, ctx);
  registerInventoryV3(app, ctx);
  registerCustomersV3(app, ctx);
  registerGiftCertificatesV2(app, ctx);
  registerHooksV3(app, ctx);
  registerSettingsV3(app, ctx);

  const url = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  return {
    app,
    url,
    apiUrl: `${url}/stores/${state.storeHash}`,
    storeHash: state.storeHash,
    accessToken: state.accessToken,
    state,
    faults,
    webhooks,
    placeOrder: (input) => renderOrder(state, orders.place(input)),
    close: async () => {
      webhooks.close();
      await app.close();
    },
  };
}
