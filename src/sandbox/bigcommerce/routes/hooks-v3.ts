/** v3 webhook subscriptions: CRUD and `/hooks/admin`. Delivery itself is in ../webhooks.ts. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BcError, unprocessable } from '../bc-errors.js';
import type { BcContext } from '../context.js';
import { qBool, qs, query, v3List } from '../http-util.js';
import { renderHook } from '../render.js';
import type { HookRecord } from '../store-state.js';

const P = '/stores/:hash/v3/hooks';
const CLIENT_ID = 'sandbox-client';

const hookWrite = z
  .object({
    scope: z.string().min(1).optional(),
    destination: z.string().url().optional(),
    is_active: z.boolean().optional(),
    events_history_enabled: z.boolean().optional(),
    headers: z.record(z.string(), z.string()).nullable().optional(),
  })
  .passthrough();

export function registerHooksV3(app: FastifyInstance, ctx: BcContext): void {
  const { state } = ctx;

  const checkDestination = (dest: string) => {
    if (!ctx.options.requireHttps) return;
    const u = new URL(dest);
    if (u.protocol !== 'https:' || (u.port !== '' && u.port !== '443')) {
      throw unprocessable('The destination must use HTTPS on port 443.', { destination: dest });
    }
  };
  const parse = (body: unknown) => {
    const r = hookWrite.safeParse(body);
    if (!r.success) {
      const i = r.error.issues[0];
      throw unprocessable('Input is invalid', { [i?.path.join('.') || 'body']: i?.message ?? 'invalid' });
    }
    return r.data;
  };
  const get = (id: string) => {
    const h = state.hooks.get(Number(id));
    if (!h) throw new BcError(404, 'Webhook not found.');
    return h;
  };

  app.get(P, async (req) => {
    const q = query(req);
    const active = qBool(q, 'is_active');
    const scope = qs(q, 'scope');
    const dest = qs(q, 'destination');
    const list = [...state.hooks.values()].filter(
      (h) =>
        (active === undefined || h.is_active === active) &&
        (scope === undefined || h.scope === scope) &&
        (dest === undefined || h.destination === dest),
    );
    const page = v3List(list, q);
    return { data: page.data.map(renderHook), meta: page.meta };
  });

  app.post(P, async (req) => {
    const w = parse(req.body);
    if (!w.scope || !w.destination) {
      throw unprocessable('Input is invalid', { [w.scope ? 'destination' : 'scope']: 'is required' });
    }
    checkDestination(w.destination);
    const same = [...state.hooks.values()].filter((h) => h.scope === w.scope);
    if (same.some((h) => h.destination === w.destination)) {
      throw unprocessable('A webhook with this scope and destination already exists.');
    }
    if (same.length >= 10) throw unprocessable('At most 10 webhooks per scope are allowed.');
    const now = ctx.now();
    const hook: HookRecord = {
      id: state.nextId('hook', 1),
      client_id: CLIENT_ID,
      store_hash: state.storeHash,
      created_at: now,
      updated_at: now,
      scope: w.scope,
      destination: w.destination,
      is_active: w.is_active ?? true,
      headers: w.headers ?? null,
      failingSince: null,
      status: w.is_active === false ? 'inactive' : 'active',
    };
    state.hooks.set(hook.id, hook);
    return { data: renderHook(hook), meta: {} };
  });

  // Static path before the parametric one (find-my-way prefers static anyway; kept for readers).
  app.get(`${P}/admin`, async (req) => {
    const q = query(req);
    const page = v3List([...state.hooks.values()], q);
    return {
      data: {
        emails: state.adminEmails,
        hooks_list: page.data.map((h) => ({ ...renderHook(h), status: h.status })),
        blocked_domains: [],
      },
      meta: page.meta,
    };
  });

  app.put(`${P}/admin`, async (req, reply) => {
    const r = z.object({ emails: z.array(z.string().email()) }).safeParse(req.body);
    if (!r.success) throw unprocessable('Input is invalid', { emails: 'must be a list of e-mail addresses' });
    state.adminEmails = r.data.emails;
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>(`${P}/:id`, async (req) => ({
    data: renderHook(get(req.params.id)),
    meta: {},
  }));

  app.put<{ Params: { id: string } }>(`${P}/:id`, async (req) => {
    const h = get(req.params.id);
    const w = parse(req.body);
    if (w.destination !== undefined) {
      checkDestination(w.destination);
      h.destination = w.destination;
    }
    if (w.scope !== undefined) h.scope = w.scope;
    if (w.headers !== undefined) h.headers = w.headers;
    if (w.is_active !== undefined) {
      h.is_active = w.is_active;
      h.status = w.is_active ? 'active' : 'inactive';
      if (w.is_active) h.failingSince = null;
    }
    h.updated_at = ctx.now();
    return { data: renderHook(h), meta: {} };
  });

  app.delete<{ Params: { id: string } }>(`${P}/:id`, async (req) => {
    const h = get(req.params.id);
    state.hooks.delete(h.id);
    return { data: renderHook(h), meta: {} };
  });
}
