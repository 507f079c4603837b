/**
 * Heartland Retail API simulator. Follows the [C2] facts of the research notes
 * (`../shared/specs/heartland/NOTES.md`); every [UNKNOWN] is an option below, defaulting to the
 * behaviour that is safest for a connector to be tested against.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { FaultConfigInput } from '../shared/fault-config.js';
import { FaultController } from '../shared/fault-controller.js';
import { installFaults, registerFaultAdminRoutes } from '../shared/faults.js';
import { errorBody, HlHttpError, VALIDATION } from './hl-errors.js';
import type { HlContext, HlSimOptionsResolved } from './hl-http.js';
import { HlState } from './hl-state.js';
import { registerAdminRoutes } from './routes/admin-routes.js';
import { type AuthState, makeToken, registerAuthRoutes } from './routes/auth-routes.js';
import { registerCustomerRoutes } from './routes/customer-routes.js';
import { registerGiftCardRoutes } from './routes/gift-card-routes.js';
import { registerInventoryRoutes } from './routes/inventory-routes.js';
import { registerItemRoutes } from './routes/item-routes.js';
import { registerLocationRoutes } from './routes/location-routes.js';
import { registerOrderRoutes } from './routes/order-routes.js';
import { registerReferenceRoutes } from './routes/reference-routes.js';
import { registerTicketRoutes } from './routes/ticket-routes.js';
import { registerWebhookRoutes } from './routes/webhook-routes.js';
import type { HlSeed } from './seed-types.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';

export { HlState } from './hl-state.js';
export type { HlSeed } from './seed-types.js';

export interface HeartlandSimulatorOptions {
  host?: string;
  /** 0 (default) lets the OS pick. */
  port?: number;
  /** Bearer token accepted on `/api/*` (JWT-shaped default derived from `tokenSeed`). */
  token?: string;
  tokenSeed?: string;
  seed?: HlSeed;
  clock?: () => number;
  oauthClient?: { clientId: string; clientSecret: string };
  /** [UNKNOWN] status of validation errors; 422 as S12 assumes. */
  validationStatus?: number;
  /** [UNKNOWN] server default per_page; 20 (what the Ruby client sends itself). */
  defaultPerPage?: number;
  /** [UNKNOWN] maximum per_page; 1000 (larger requests are clamped; read `pages`). */
  maxPerPage?: number;
  /** `per_page=all` ([C2]); default true. */
  allowPerPageAll?: boolean;
  /** [UNKNOWN] does a PUT's partial `custom` merge or replace? Default 'replace', so a connector that
   * relies on merging loses data here too instead of only in production. */
  customPutMode?: 'merge' | 'replace';
  /** When order lines commit stock: as soon as a line has `ship_from_location_id` ('distribute',
   * default) or only once the order is `open`. */
  commitOn?: 'distribute' | 'open';
  /** Invoicing a `pending` order is refused (default true; the documented flow opens first). */
  requireOpenForInvoice?: boolean;
  /** Some accounts complete invoices on create (S16 [C1]); default false. */
  autoCompleteInvoices?: boolean;
  /** Fire `sales_transaction_completed` for completed tickets ([C2] event name). Default true. */
  transactionWebhooks?: boolean;
  /** [UNKNOWN] webhook retry policy; default 0 retries (delivery may simply be lost). */
  webhookRetries?: number;
  webhookTimeoutMs?: number;
  /** [UNKNOWN] rate limits; off by default. When set: 429 + `Retry-After` (seconds) past the quota. */
  rateLimit?: { requests: number; windowMs: number } | null;
  /** Initial fault configuration (off unless `enabled: true`); see ../shared/README.md. */
  faults?: FaultConfigInput;
}

export interface HeartlandSimulator {
  app: FastifyInstance;
  /** API base including `/api`, e.g. `http://127.0.0.1:4567/api`. */
  url: string;
  token: string;
  oauthClient: { clientId: string; clientSecret: string };
  state: HlState;
  faults: FaultController;
  webhooks: WebhookDispatcher;
  close(): Promise<void>;
}

export function resolveOptions(o: HeartlandSimulatorOptions): HlSimOptionsResolved {
  return {
    validationStatus: o.validationStatus ?? 422,
    defaultPerPage: o.defaultPerPage ?? 20,
    maxPerPage: o.maxPerPage ?? 1000,
    allowPerPageAll: o.allowPerPageAll ?? true,
    customPutMode: o.customPutMode ?? 'replace',
    commitOn: o.commitOn ?? 'distribute',
    requireOpenForInvoice: o.requireOpenForInvoice ?? true,
    autoCompleteInvoices: o.autoCompleteInvoices ?? false,
    transactionWebhooks: o.transactionWebhooks ?? true,
    webhookRetries: o.webhookRetries ?? 0,
    webhookTimeoutMs: o.webhookTimeoutMs ?? 5000,
  };
}

export async function createHeartlandSimulator(
  options: HeartlandSimulatorOptions = {},
): Promise<HeartlandSimulator> {
  const state = new HlState(options.clock);
  if (options.seed) state.loadSeed(options.seed);
  const resolved = resolveOptions(options);
  const token = options.token ?? makeToken(options.tokenSeed ?? 'heartland-sandbox');
  const oauthClient = options.oauthClient ?? { clientId: 'sandbox-client', clientSecret: 'sandbox-secret' };
  const auth: AuthState = { tokens: new Map([[token, { scope: '*', clientId: null }]]), codes: new Map() };

  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 10 * 1024 * 1024 });
  const faults = new FaultController(options.faults ?? {}, { now: options.clock ?? Date.now });
  installFaults(app, faults, {
    respond: (_req, reply, fault) => {
      // Heartland's 429/5xx bodies are [UNKNOWN]; use its usual error shape.
      if (fault.kind === 'rate429') reply.header('retry-after', String(fault.retryAfterS));
      const code = fault.kind === 'rate429' ? 'rate_limited' : 'service_unavailable';
      return reply.code(fault.status).send({ error: code, message: `Injected ${fault.kind}`, details: {} });
    },
  });
  let base = '';
  const ctx: HlContext = { state, options: resolved, apiBase: () => base };

  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new HlHttpError(400, 'bad_request', 'Request body is not valid JSON', {}), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.setErrorHandler((err, _request, reply) => {
    if (err instanceof HlHttpError) {
      const status = err.status === VALIDATION ? resolved.validationStatus : err.status;
      if (err.status === 429 && err.details.retry_after) {
        reply.header('retry-after', err.details.retry_after[0]);
      }
      return reply.code(status).send(errorBody(err));
    }
    const e = err as { statusCode?: number; message?: string };
    const status = typeof e.statusCode === 'number' && e.statusCode >= 400 ? e.statusCode : 500;
    return reply.code(status).send({
      error: status >= 500 ? 'internal_error' : 'bad_request',
      message: e.message ?? 'error',
      details: {},
    });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({
      error: 'not_found',
      message: `No route ${request.method} ${request.url.split('?')[0]}`,
      details: {},
    });
  });

  if (options.rateLimit) installRateLimit(app, options.rateLimit);
  const webhooks = new WebhookDispatcher(state, resolved);
  webhooks.faults = {
    decide: () => {
      const d = faults.decideWebhook();
      return { duplicate: d.copies > 1, delayMs: d.delayMs };
    },
  };
  registerFaultAdminRoutes(app, faults, () => ({
    items: state.items.size,
    sales_orders: state.salesOrders.size,
    tickets: state.tickets.size,
    webhook_deliveries: state.webhookDeliveries.size,
  }));
  registerAuthRoutes(app, ctx, auth, oauthClient);
  registerItemRoutes(app, ctx);
  registerLocationRoutes(app, ctx);
  registerInventoryRoutes(app, ctx);
  registerCustomerRoutes(app, ctx);
  registerOrderRoutes(app, ctx);
  registerTicketRoutes(app, ctx);
  registerGiftCardRoutes(app, ctx);
  registerReferenceRoutes(app, ctx);
  registerWebhookRoutes(app, ctx);
  registerAdminRoutes(app, ctx, () => token);

  await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  base = `http://${options.host ?? '127.0.0.1'}:${port}/api`;

  return {
    app,
    url: base,
    token,
    oauthClient,
    state,
    faults,
    webhooks,
    async close() {
      await webhooks.close();
      await app.close();
    },
  };
}

/** Fixed-window quota per bearer token. Only used when `rateLimit` is set: real limits are [UNKNOWN]. */
function installRateLimit(app: FastifyInstance, limit: { requests: number; windowMs: number }): void {
  const windows = new Map<string, { start: number; count: number }>();
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    const key = String(request.headers.authorization ?? '');
    const now = Date.now();
    let w = windows.get(key);
    if (!w || now - w.start >= limit.windowMs) {
      w = { start: now, count: 0 };
      windows.set(key, w);
    }
    w.count += 1;
    if (w.count > limit.requests) {
      const retry = Math.max(1, Math.ceil((w.start + limit.windowMs - now) / 1000));
      throw new HlHttpError(429, 'rate_limited', 'Too many requests', { retry_after: [String(retry)] });
    }
  });
}
