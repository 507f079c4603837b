/** `POST/GET/DELETE /api/webhooks` (NOTES §15). `POST` answers with JSON carrying `id` (unlike other
 * creates, public code reads `id` from the body), plus the usual `201` and `Location`. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { validationError } from '../hl-errors.js';
import { type HlContext, idParam, must, parseBody } from '../hl-http.js';
import { registerReads } from '../read-routes.js';

/** Event names seen in public code ([C2]). Others are rejected: the full list is [UNKNOWN]. */
export const KNOWN_EVENTS = [
  'item_created',
  'item_updated',
  'customer_created',
  'customer_updated',
  'sales_transaction_completed',
];

export function registerWebhookRoutes(app: FastifyInstance, ctx: HlContext): void {
  const { state } = ctx;
  registerReads(app, ctx, 'webhooks', state.webhooks, 'Webhook');
  app.post('/api/webhooks', async (request, reply) => {
    const body = parseBody(
      z
        .object({ url: z.string().url('is not a valid URL'), events: z.array(z.string()).min(1) })
        .passthrough(),
      request.body,
    );
    const unknown = body.events.filter((e) => !KNOWN_EVENTS.includes(e));
    if (unknown.length > 0) throw validationError({ events: [`unknown event(s): ${unknown.join(', ')}`] });
    const at = state.nowIso();
    const hook = state.webhooks.insert((id) => ({
      id,
      url: body.url,
      events: body.events,
      created_at: at,
      updated_at: at,
    }));
    return reply
      .code(201)
      .header('location', `${ctx.apiBase()}/webhooks/${hook.id}`)
      .send({ ...hook });
  });
  app.delete('/api/webhooks/:id', async (request, reply) => {
    const id = idParam(request);
    must(state.webhooks.get(id), 'Webhook', id);
    state.webhooks.delete(id);
    return reply.code(204).send();
  });
}
