/**
 * Deterministic fault injection for the sandbox simulators, as a set of Fastify hooks.
 *
 * Faults are decided in `onRequest` (after routing, so the route pattern is known), in this order:
 * latency (delay first, then whatever else applies) → outage window (503) → 429 (storm window or
 * random) → injected 5xx → hang (socket held open until the client gives up or the server closes) →
 * commit-then-timeout (handler runs and commits; in `onSend` the response is withheld for
 * `commitThenTimeoutDelayMs`, then the socket is destroyed, so the client sees a reset/timeout for a
 * write that did happen — the ambiguous case behind duplicate orders).
 *
 * The latency of a request that reaches its handler is spent in `preHandler`, after the body was read,
 * as a real server spends its processing time: a client that gives up meanwhile does not stop the
 * write, which commits late (spent in `onRequest`, the aborted body read used to cancel it, so a
 * retry racing a late commit — a duplicate in real life — could not happen here).
 *
 * Admin routes (never subject to faults; everything under `/__sandbox/` is exempt):
 *   GET  /__sandbox/faults        → current FaultConfig
 *   PUT  /__sandbox/faults        ← FaultPatch (see fault-config.ts); → new FaultConfig; 400 on invalid
 *   POST /__sandbox/faults/reset  → config given at start-up, counters zeroed
 *   GET  /__sandbox/stats         → { faults: counters by kind, ...simulator stats }
 */

import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import type { FaultController } from './fault-controller.js';

export * from './fault-config.js';
export * from './fault-controller.js';

export type InjectedFault =
  | { kind: 'error'; status: number }
  | { kind: 'outage'; status: 503 }
  | { kind: 'rate429'; status: 429; retryAfterS: number };

export interface InstallFaultsOptions {
  /** Requests for which no fault is ever injected (in addition to `/__sandbox/*`). */
  exempt?: (req: FastifyRequest) => boolean;
  /** Writes the injected error response in the simulated API's own error shape. */
  respond?: (req: FastifyRequest, reply: FastifyReply, fault: InjectedFault) => FastifyReply;
}

const CTT = Symbol('sandbox.commitThenTimeoutMs');
const PROCESSING = Symbol('sandbox.processingMs');
type MarkedRequest = FastifyRequest & { [CTT]?: number; [PROCESSING]?: number };

function defaultRespond(_req: FastifyRequest, reply: FastifyReply, fault: InjectedFault): FastifyReply {
  if (fault.kind === 'rate429') reply.header('Retry-After', String(fault.retryAfterS));
  return reply
    .code(fault.status)
    .send({ error: 'sandbox_fault', message: `Injected ${fault.kind} (${fault.status})` });
}

export function isAdminRequest(req: FastifyRequest): boolean {
  return req.url.startsWith('/__sandbox/') || req.url === '/__sandbox';
}

/** Install the fault hooks on `app`. Call before routes are registered or at least before `ready()`. */
export function installFaults(
  app: FastifyInstance,
  controller: FaultController,
  opts: InstallFaultsOptions = {},
) {
  const respond = opts.respond ?? defaultRespond;
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  const held = new Set<Socket>();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const entry = {
        resolve,
        timer: setTimeout(() => {
          timers.delete(entry);
          resolve();
        }, ms),
      };
      timers.add(entry);
    });

  const hold = (socket: Socket | null | undefined) => {
    if (!socket) return;
    held.add(socket);
    socket.once('close', () => held.delete(socket));
  };

  app.addHook('onRequest', async (req, reply) => {
    if (isAdminRequest(req) || opts.exempt?.(req)) return;
    const d = controller.decide(req.method, req.routeOptions.url);
    if (d.kind === 'none') {
      if (d.latencyMs > 0) (req as MarkedRequest)[PROCESSING] = d.latencyMs;
      if (d.commitThenTimeoutMs !== undefined) (req as MarkedRequest)[CTT] = d.commitThenTimeoutMs;
      return;
    }
    if (d.latencyMs > 0) await sleep(d.latencyMs);
    switch (d.kind) {
      case 'hang':
        reply.hijack();
        hold(req.raw.socket);
        return;
      case 'rate429':
        return respond(req, reply, { kind: 'rate429', status: 429, retryAfterS: d.retryAfterS });
      case 'outage':
        return respond(req, reply, { kind: 'outage', status: 503 });
      case 'error':
        return respond(req, reply, { kind: 'error', status: d.status });
    }
  });

  app.addHook('preHandler', async (req) => {
    const ms = (req as MarkedRequest)[PROCESSING];
    if (ms !== undefined) await sleep(ms);
  });

  app.addHook('onSend', async (req, _reply, payload) => {
    const ms = (req as MarkedRequest)[CTT];
    if (ms === undefined) return payload;
    // The handler has already committed. Withhold the answer, then cut the connection.
    const socket = req.raw.socket;
    hold(socket);
    await sleep(ms);
    socket?.destroy();
    return payload;
  });

  app.addHook('preClose', async () => {
    for (const entry of timers) {
      clearTimeout(entry.timer);
      entry.resolve();
    }
    timers.clear();
    for (const socket of held) socket.destroy();
    held.clear();
  });
}

/** Register the `/__sandbox/faults*` and `/__sandbox/stats` admin routes. */
export function registerFaultAdminRoutes(
  app: FastifyInstance,
  controller: FaultController,
  extraStats: () => Record<string, unknown> = () => ({}),
): void {
  app.get('/__sandbox/faults', async () => controller.get());
  app.put('/__sandbox/faults', async (req, reply) => {
    try {
      return controller.set((req.body ?? {}) as Parameters<FaultController['set']>[0]);
    } catch (err) {
      if (err instanceof ZodError) {
        return reply.code(400).send({ error: 'invalid_fault_config', issues: err.issues });
      }
      throw err;
    }
  });
  app.post('/__sandbox/faults/reset', async () => controller.reset());
  app.get('/__sandbox/stats', async () => ({ faults: { ...controller.counters }, ...extraStats() }));
}
