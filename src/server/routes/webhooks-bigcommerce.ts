/**
 * `POST /webhooks/bigcommerce/:connection` — BigCommerce deliveries enter here.
 *
 * Order of checks (each failure stores nothing):
 * 1. unknown connection → 404;
 * 2. secret header (constant time) and, when configured, Standard Webhooks signature → 401;
 * 3. envelope (zod) → 400 with the field that is wrong; `producer` must be this connection's store → 400;
 * 4. unknown scope → 200 `ignored` (counted, not stored: BigCommerce deactivates hooks that see errors).
 * Received / duplicate events are counted where the inbox is (createApp); ignored ones here.
 * Then the event is written to the inbox and its job enqueued in one transaction (group commit), and only
 * then 200. A re-sent event (same scope + id + hash) is a no-op answered 200 `duplicate`.
 */
import type { FastifyInstance } from 'fastify';
import {
  parseBigCommerceDelivery,
  parseBigCommerceEnvelope,
  verifyBigCommerceDelivery,
} from '../../connectors/bigcommerce/webhooks.js';
import type { Inbox } from '../../engine/inbox.js';
import type { JsonObject } from '../../engine/queue/queue-backend.js';
import { HttpError } from '../http-errors.js';
import type { WebhookConnection, WebhookTaskRouter } from './webhook-deps.js';

export interface BigCommerceWebhookRouteOptions {
  inbox: Inbox;
  connection(id: string): WebhookConnection | undefined;
  route: WebhookTaskRouter;
}

export function registerBigCommerceWebhookRoute(
  app: FastifyInstance,
  options: BigCommerceWebhookRouteOptions,
): void {
  app.post<{ Params: { connection: string } }>(
    '/webhooks/bigcommerce/:connection',
    async (request, reply) => {
      const conn = options.connection(request.params.connection);
      if (!conn)
        throw new HttpError('HB_ERR_HTTP_NOT_FOUND', `unknown connection '${request.params.connection}'`);
      const raw = request.rawBody ?? Buffer.from(JSON.stringify(request.body ?? null));

      const verdict = verifyBigCommerceDelivery(request.headers, raw, {
        secret: conn.webhookSecret,
        signingSecret: conn.signingSecret,
      });
      if (!verdict.valid) {
        throw new HttpError('HB_ERR_HTTP_UNAUTHORIZED', `webhook rejected: ${verdict.detail}`);
      }

      // The server's JSON parser already turned rawBody into request.body: validate that, do not parse
      // again. Without a raw body (body from elsewhere) parse what we verified.
      const parsed = request.rawBody ? parseBigCommerceEnvelope(request.body) : parseBigCommerceDelivery(raw);
      if (!parsed.ok) throw new HttpError('HB_ERR_HTTP_VALIDATION', `malformed webhook: ${parsed.detail}`);
      const { envelope, route, dedupeKey } = parsed;
      if (conn.storeHash && envelope.producer !== `stores/${conn.storeHash}`) {
        throw new HttpError(
          'HB_ERR_HTTP_VALIDATION',
          `webhook is from '${envelope.producer}' but connection '${conn.id}' is store '${conn.storeHash}'`,
        );
      }

      const job = route.ignored ? undefined : options.route(conn.id, route.topic, route.entityKey);
      if (route.ignored || !job) {
        app.metrics.eventsIgnored.inc({ source: 'bigcommerce', topic: envelope.scope });
        return reply.status(200).send({ status: 'ignored', scope: envelope.scope });
      }

      const result = await options.inbox.ingest({
        connectionId: conn.id,
        source: 'bigcommerce',
        dedupeKey,
        topic: route.topic,
        entityKey: route.entityKey,
        payload: envelope as unknown as JsonObject,
        job,
      });
      if (result.duplicate) {
        return reply.status(200).send({ status: 'duplicate', inboxId: result.inboxId });
      }
      return reply.status(200).send({ status: 'accepted', inboxId: result.inboxId });
    },
  );
}
